// Package atomicfile replaces small files whole: a reader sees the old
// content or the new, never half of it.
package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Replace writes data to path through a temporary file in the same folder,
// synced and then renamed over path, with mode perm (Windows has no mode
// bits; the folder's ACL decides there). On error path is unchanged and the
// temporary file is gone.
func Replace(path string, data []byte, perm fs.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if runtime.GOOS != "windows" {
		// CreateTemp makes 0600; widen or keep it as asked, before the
		// name appears.
		if err = tmp.Chmod(perm); err != nil {
			return err
		}
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
