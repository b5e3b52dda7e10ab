package datadir

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"

	"github.com/natunakab/besign/authority"
)

// directoryStamp holds the hash of the directory file last imported, so
// that an unchanged file is not imported again at every start.
const directoryStamp = "directory.sha256"

// loadDirectory imports the configured employee directory (directory_path)
// when it changed since the last import. A bad file is an error naming it;
// the directory imported before stays.
func loadDirectory(a authority.ActivationAdmin, dir, path string) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("directory_path %s: %w: %w", path, authority.ErrDirectoryFile, err)
	}
	sum := sha256.Sum256(b)
	stamp := filepath.Join(dir, directoryStamp)
	if old, err := os.ReadFile(stamp); err == nil && bytes.Equal(old, sum[:]) {
		return nil
	}
	if _, err := authority.ImportDirectoryCSV(context.Background(), a, bytes.NewReader(b)); err != nil {
		return fmt.Errorf("directory_path %s: %w", path, err)
	}
	// A lost stamp only means one more import.
	_ = os.WriteFile(stamp, sum[:], 0o600)
	return nil
}
