//go:build unix

package pdfsign

import (
	"os"
	"syscall"
)

// keepOwner gives the replacement of a file its owner and group: IT runs
// besign extend as root over an archive that belongs to others, and the
// rename would otherwise hand every document to root. A failure (not
// root, another user's file) leaves the replacement the caller's.
func keepOwner(tmp *os.File, st os.FileInfo) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok && (int(s.Uid) != os.Getuid() || int(s.Gid) != os.Getgid()) {
		tmp.Chown(int(s.Uid), int(s.Gid))
	}
}
