//go:build unix

package atomicfile

import (
	"errors"
	"os"
)

// linkNoReplace moves from to to with a hard link, which fails when to
// exists, and removes from. File systems without hard links get a check
// and a rename: a small window remains there.
func linkNoReplace(from, to string) error {
	err := os.Link(from, to)
	if err == nil {
		os.Remove(from)
		return nil
	}
	if errors.Is(err, os.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(to); serr == nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: os.ErrExist}
	}
	return os.Rename(from, to)
}
