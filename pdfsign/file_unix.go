//go:build unix

package pdfsign

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
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

// processAlive reports whether a process with that PID exists (perhaps
// another user's).
func processAlive(pid int) bool {
	return !errors.Is(unix.Kill(pid, 0), unix.ESRCH)
}

// reraise sends sig to this process again, now that our handler is gone.
func reraise(sig os.Signal) {
	if s, ok := sig.(syscall.Signal); ok {
		unix.Kill(os.Getpid(), s)
	}
}
