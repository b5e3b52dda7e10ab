// Package atomicfile writes files whole: a reader sees the old content or
// the new, never half of it, and a new file appears complete under a name
// nobody else took.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
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

// CreateNew writes a new file through fill: into a temporary file in the
// folder of name, synced, then moved to name, or when another file has
// that name (now, or by the time it is moved) to the first free "STEM
// (2).EXT", "STEM (3).EXT", .... It returns the path written. On error no
// file is left.
func CreateNew(name string, perm fs.FileMode, fill func(io.Writer) error) (path string, err error) {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return "", err
	}
	if runtime.GOOS != "windows" {
		if err = tmp.Chmod(perm); err != nil {
			return "", err
		}
	}
	if err = tmp.Sync(); err != nil {
		return "", err
	}
	if err = tmp.Close(); err != nil {
		return "", err
	}
	ext := filepath.Ext(name)
	stem := name[:len(name)-len(ext)]
	for n := 1; n <= maxNames; n++ {
		path = name
		if n > 1 {
			path = stem + " (" + strconv.Itoa(n) + ")" + ext
		}
		err = RenameNoReplace(tmp.Name(), path)
		if !errors.Is(err, fs.ErrExist) {
			return path, err
		}
	}
	return "", fmt.Errorf("no free name for %s in %s", filepath.Base(name), dir)
}

// maxNames bounds the numbered names CreateNew tries.
const maxNames = 10000
