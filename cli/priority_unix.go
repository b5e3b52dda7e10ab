//go:build unix && !linux

package cli

import "golang.org/x/sys/unix"

// lowerPriority makes this process yield the processor to the others (the
// app's window above all): nice 10. Failing to is harmless.
func lowerPriority() { _ = unix.Setpriority(unix.PRIO_PROCESS, 0, 10) }
