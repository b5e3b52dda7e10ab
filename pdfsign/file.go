package pdfsign

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/natunakab/besign/internal/atomicfile"
	"github.com/natunakab/besign/internal/inputfile"
)

// FileOptions control how SignFile writes its output.
type FileOptions struct {
	// Force replaces an existing output file.
	Force bool
	// Next, when set (and Force is not), names another output in the same
	// folder when out exists, also when another process creates it while
	// SignFile writes: the output goes to the name Next returns
	// (SignFileAs tells which) and never replaces a file. An error from
	// Next stops SignFile.
	Next func(taken string) (string, error)
	// Progress, when set, is called with the bytes of the input copied
	// into the output so far and the input's size.
	Progress func(done, total int64)
	// Check, when set, is called with the SHA-256 of the input as copied
	// into the output (the bytes the signature covers) before the
	// signature is made; an error from it stops SignFile, wrapped, and
	// nothing is written. It lets a caller compare the bytes it signs
	// with what it checked earlier, with no window between the two.
	Check func(sum []byte) error
}

// maxNext bounds the names FileOptions.Next is asked for.
const maxNext = 10000

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

// duringCopy, when set by tests (also the cli package's, which reach it
// with go:linkname), runs once the input is parsed and its copy into the
// output has begun: the first chunk is read, the rest is not.
var duringCopy func()

// ErrNotRegular refuses an input that is not a regular file: a folder, a
// pipe, a device or a socket named like a PDF. It matches ErrNotPDF and
// inputfile.ErrNotRegular too.
var ErrNotRegular = fmt.Errorf("%w: %w", ErrNotPDF, inputfile.ErrNotRegular)

// ErrTruncated means the input became shorter while it was signed: the
// bytes copied are not the document that was parsed. It matches
// io.ErrUnexpectedEOF too.
var ErrTruncated = fmt.Errorf("the input became shorter while it was signed (%w)", io.ErrUnexpectedEOF)

// OpenInput opens the PDF at path for reading and returns it with its
// information, refusing anything but a regular file (ErrNotRegular) without
// blocking on it (package inputfile). Every input PDF is opened with it.
func OpenInput(path string) (*os.File, os.FileInfo, error) {
	f, st, err := inputfile.Open(path)
	if errors.Is(err, inputfile.ErrNotRegular) {
		return nil, nil, fmt.Errorf("%w (%s)", ErrNotRegular, inputfile.Kind(st.Mode()))
	}
	return f, st, err
}

// SignFile signs the PDF at in and writes the result to out through a
// temporary file in out's folder, synced and then moved into place: out is
// either complete or untouched. An existing out is replaced only with
// fo.Force, also when another process creates it meanwhile; in itself is
// never overwritten. The output gets the input's permission bits within the
// umask. The temporary file is removed on error and on SIGINT or SIGTERM;
// leftovers of processes that died otherwise are removed by a later call
// in that folder (the first of each minute: a batch into one folder reads
// it once, not once per document).
func SignFile(in, out string, opts Options, fo FileOptions) error {
	_, err := SignFileAs(in, out, opts, fo)
	return err
}

// SignFileAs is SignFile returning the path written: out, or with
// fo.Next the name it gave when out was taken.
func SignFileAs(in, out string, opts Options, fo FileOptions) (written string, err error) {
	src, st, err := OpenInput(in)
	if errors.Is(err, ErrNotRegular) {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("open input: %w", err)
	}
	defer src.Close()
	dir := filepath.Dir(out)
	next := func() error {
		n, err := fo.Next(out)
		if err != nil {
			return err
		}
		if filepath.Dir(n) != dir {
			return fmt.Errorf("internal error: the next output %s is not in %s", n, dir)
		}
		out = n
		return nil
	}
	for tries := 0; ; tries++ {
		ost, err := os.Stat(out)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("check output: %w", err)
		}
		if os.SameFile(st, ost) {
			return "", ErrSameFile
		}
		if fo.Force {
			break
		}
		if fo.Next == nil || tries == maxNext {
			return "", fmt.Errorf("%w: %s", ErrExists, out)
		}
		if err := next(); err != nil {
			return "", err
		}
	}
	cleanFolder(dir)
	// The kernel applies the umask to the mode given at creation; the
	// execute bits of the input are dropped.
	tmp, err := createTemp(dir, st.Mode().Perm()&0o666)
	if err != nil {
		return "", fmt.Errorf("create output: %w", err)
	}
	untrack := trackTemp(tmp.Name())
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
		untrack()
	}()
	// Sign reads the input no more once it is copied: closing it then
	// spares a file descriptor while the signer waits (a batch of many
	// documents waits for one signature call).
	dst := &inputWriter{w: tmp, size: st.Size(), fo: &fo, copied: func() { src.Close() }}
	if err := Sign(dst, src, st.Size(), opts); err != nil {
		return "", err
	}
	if opts.LTV != nil {
		l := *opts.LTV
		if l.PDFPassword == "" {
			l.PDFPassword = opts.PDFPassword
		}
		res, err := appendExtension(tmp, l)
		if err != nil {
			return "", err
		}
		if l.Report != nil {
			l.Report(res)
		}
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("write output: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write output: %w", err)
	}
	if beforeRename != nil {
		beforeRename()
	}
	for tries := 0; ; tries++ {
		if fo.Force {
			err = os.Rename(tmp.Name(), out)
		} else {
			err = atomicfile.RenameNoReplace(tmp.Name(), out)
		}
		if !errors.Is(err, os.ErrExist) {
			break
		}
		if fo.Next == nil || tries == maxNext {
			return "", fmt.Errorf("%w: %s", ErrExists, out)
		}
		// Another process took the name since the check above.
		if err := next(); err != nil {
			return "", err
		}
	}
	if err != nil {
		return "", fmt.Errorf("write output: %w", err)
	}
	return out, nil
}

// inputWriter passes the output on, hashing and counting its first size
// bytes: Sign copies the input there before anything else.
type inputWriter struct {
	w      io.Writer
	size   int64
	done   int64
	fo     *FileOptions
	h      hash.Hash
	copied func()
}

func (iw *inputWriter) Write(p []byte) (int, error) {
	if iw.done < iw.size {
		if iw.done == 0 && duringCopy != nil {
			duringCopy()
		}
		in := p
		if int64(len(in)) > iw.size-iw.done {
			in = in[:iw.size-iw.done]
		}
		if iw.fo.Check != nil {
			if iw.h == nil {
				iw.h = sha256.New()
			}
			iw.h.Write(in)
		}
		iw.done += int64(len(in))
		if iw.fo.Progress != nil {
			iw.fo.Progress(iw.done, iw.size)
		}
		if iw.done == iw.size {
			if iw.fo.Check != nil {
				if err := iw.fo.Check(iw.h.Sum(nil)); err != nil {
					return 0, err
				}
			}
			iw.copied()
		}
	}
	return iw.w.Write(p)
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

// cleaned is when this process last looked for stale temporary files in
// each folder.
var cleaned struct {
	sync.Mutex
	at map[string]time.Time
}

// cleanEvery is how often a folder is looked at for stale temporary files.
const cleanEvery = time.Minute

// cleanFolder runs removeStaleTemps on dir unless this process did within
// cleanEvery.
func cleanFolder(dir string) {
	now := time.Now()
	cleaned.Lock()
	if t, ok := cleaned.at[dir]; ok && now.Sub(t) < cleanEvery {
		cleaned.Unlock()
		return
	}
	if cleaned.at == nil || len(cleaned.at) > 1000 {
		cleaned.at = map[string]time.Time{}
	}
	cleaned.at[dir] = now
	cleaned.Unlock()
	removeStaleTemps(dir)
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
	f, st, err := OpenInput(path)
	if errors.Is(err, ErrNotRegular) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	return VerifyWith(f, st.Size(), opts)
}
