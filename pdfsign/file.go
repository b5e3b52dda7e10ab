package pdfsign

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// FileOptions control how SignFile writes its output.
type FileOptions struct {
	// Force replaces an existing output file.
	Force bool
}

// tempPrefix and tempSuffix frame the temporary output files:
// ".besign-<pid>-<random>.tmp". The PID lets a later run in the same folder
// tell a dead process's leftovers from a live one's work in progress.
const (
	tempPrefix = ".besign-"
	tempSuffix = ".tmp"
)

// beforeRename, when set by tests, runs between writing the temporary file
// and moving it into place.
var beforeRename func()

// SignFile signs the PDF at in and writes the result to out through a
// temporary file in out's folder, synced and then moved into place: out is
// either complete or untouched. An existing out is replaced only with
// fo.Force, also when another process creates it meanwhile; in itself is
// never overwritten. The output gets the input's permission bits within the
// umask. The temporary file is removed on error and on SIGINT or SIGTERM;
// leftovers of processes that died otherwise are removed by the next call
// in that folder.
func SignFile(in, out string, opts Options, fo FileOptions) (err error) {
	src, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("open input: %w", err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return fmt.Errorf("open input: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file", ErrNotPDF, in)
	}
	if ost, err := os.Stat(out); err == nil {
		if os.SameFile(st, ost) {
			return ErrSameFile
		}
		if !fo.Force {
			return fmt.Errorf("%w: %s", ErrExists, out)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("check output: %w", err)
	}
	dir := filepath.Dir(out)
	removeStaleTemps(dir)
	// The kernel applies the umask to the mode given at creation; the
	// execute bits of the input are dropped.
	tmp, err := createTemp(dir, st.Mode().Perm()&0o666)
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	untrack := trackTemp(tmp.Name())
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
		untrack()
	}()
	if err := Sign(tmp, src, st.Size(), opts); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if beforeRename != nil {
		beforeRename()
	}
	if fo.Force {
		err = os.Rename(tmp.Name(), out)
	} else {
		err = renameNoReplace(tmp.Name(), out)
	}
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%w: %s", ErrExists, out)
	}
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func createTemp(dir string, perm os.FileMode) (*os.File, error) {
	var rnd [6]byte
	for range 10 {
		if _, err := rand.Read(rnd[:]); err != nil {
			return nil, err
		}
		name := filepath.Join(dir, tempPrefix+strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(rnd[:])+tempSuffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, os.ErrExist) {
			return f, err
		}
	}
	return nil, errors.New("no free temporary file name")
}

// tempPID returns the PID encoded in a temporary file's name.
func tempPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, tempPrefix)
	if !ok || !strings.HasSuffix(rest, tempSuffix) {
		return 0, false
	}
	pid, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(pid)
	return n, err == nil && n > 0
}

// removeStaleTemps removes the temporary files in dir left by processes
// that no longer run. Failures are ignored: the leftovers stay for the
// next run, and signing does not depend on them.
func removeStaleTemps(dir string) {
	matches, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*"+tempSuffix))
	for _, m := range matches {
		pid, ok := tempPID(filepath.Base(m))
		if !ok || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() {
			os.Remove(m)
		}
	}
}

// live holds the temporary files being written; a SIGINT or SIGTERM
// removes them before the signal takes its course.
var live struct {
	sync.Mutex
	files map[string]bool
	sigs  chan os.Signal
}

func trackTemp(name string) (untrack func()) {
	live.Lock()
	defer live.Unlock()
	if live.files == nil {
		live.files = map[string]bool{}
	}
	live.files[name] = true
	if live.sigs == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		live.sigs = ch
		go onSignal(ch)
	}
	return func() {
		live.Lock()
		defer live.Unlock()
		delete(live.files, name)
		if len(live.files) == 0 && live.sigs != nil {
			signal.Stop(live.sigs)
			close(live.sigs)
			live.sigs = nil
		}
	}
}

func onSignal(ch chan os.Signal) {
	for sig := range ch {
		live.Lock()
		for name := range live.files {
			os.Remove(name)
		}
		live.files = map[string]bool{}
		if live.sigs == ch {
			signal.Stop(ch)
			live.sigs = nil
		}
		live.Unlock()
		// Without our handler the signal now has its usual effect.
		reraise(sig)
		return
	}
}

// VerifyFile runs Verify on the file at path.
func VerifyFile(path string, roots *x509.CertPool) ([]SignatureInfo, error) {
	return VerifyFileWith(path, VerifyOptions{Roots: roots})
}

// VerifyFileWith runs VerifyWith on the file at path.
func VerifyFileWith(path string, opts VerifyOptions) ([]SignatureInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file", ErrNotPDF)
	}
	return VerifyWith(f, st.Size(), opts)
}
