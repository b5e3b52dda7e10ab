//go:build unix

package inputfile

import "golang.org/x/sys/unix"

// openNonBlock makes the open return at once on a FIFO; it changes nothing
// for a regular file.
const openNonBlock = unix.O_NONBLOCK
