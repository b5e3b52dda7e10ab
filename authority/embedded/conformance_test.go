package embedded

import (
	"path/filepath"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/authoritytest"
)

// The embedded authority meets the contract's conformance suite, on a real
// SQLite file with the default options and key derivation.
func TestConformance(t *testing.T) {
	authoritytest.Run(t, func(t *testing.T, clock *authoritytest.Clock) authority.Authority {
		opts := DefaultOptions()
		opts.Path = filepath.Join(t.TempDir(), "authority.db")
		opts.MasterKey = testKey
		opts.EmailDomain = authoritytest.Domain
		opts.SelfRegistration = true
		opts.Now = clock.Now
		opts.Logf = t.Logf
		a, err := Open(opts)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	})
}
