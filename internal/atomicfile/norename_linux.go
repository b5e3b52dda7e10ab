package atomicfile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// RenameNoReplace moves from to to unless to exists, atomically:
// renameat2 with RENAME_NOREPLACE, or a hard link where the file system
// does not support that flag.
func RenameNoReplace(from, to string) error {
	err := unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) {
		return linkNoReplace(from, to)
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}
