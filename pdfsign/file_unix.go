//go:build unix

package pdfsign

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

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
