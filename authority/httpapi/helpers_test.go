package httpapi

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
)

// openEmbedded opens a real embedded authority on a temporary SQLite file.
func openEmbedded(t testing.TB) *embedded.Authority {
	t.Helper()
	opts := embedded.DefaultOptions()
	opts.Path = filepath.Join(t.TempDir(), "authority.db")
	opts.MasterKey = bytes.Repeat([]byte{7}, authority.MasterKeySize)
	opts.Logf = func(string, ...any) {}
	a, err := embedded.Open(opts)
	if err != nil {
		t.Fatalf("embedded.Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}
