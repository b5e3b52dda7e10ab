// Package signjob signs a batch of documents: it checks each queued file
// against the fingerprint taken when it was queued, signs it with pdfsign
// through one signature call (the authority's SignDigests: the passphrase
// unlocks the key once per batch; the private key never leaves the
// authority), writes NAME_signed.pdf (SignedName) without ever replacing a
// file unless told to, reports progress per document, and can be
// cancelled. Each document gets its own result: one bad document never
// stops the others. It is the one signing pipeline: the app's queue and
// besign sign both run through Run.
package signjob

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/timestamp"
	"github.com/natunakab/besign/signjob/batch"
)

// Errors of one document; the pdfsign and authority sentinels pass through
// wrapped (a password-protected PDF: pdfsign.ErrPasswordRequired; a wrong
// passphrase: authority.ErrPassphraseWrong).
var (
	// ErrChanged: the file's size, time or content differs from its
	// fingerprint; the person must look at it again before signing.
	ErrChanged = errors.New("the file changed since it was queued")
	// ErrMissing: the file is gone since it was queued.
	ErrMissing = errors.New("the file no longer exists")
	// ErrOutputDir: the output folder is missing or not writable.
	ErrOutputDir = errors.New("the output folder is not usable")
	// ErrCancelled: the batch was cancelled before the document was signed.
	ErrCancelled = errors.New("signing was cancelled")
)

// Document is one document of a batch.
type Document struct {
	Path        string
	Fingerprint authority.Fingerprint
	Settings    authority.SignatureSettings
	// PDFPassword opens a password-protected PDF; never stored.
	PDFPassword string
	// Output, when set, is the output's path instead of SignedName's
	// (besign sign --out); Job.Existing applies to it as to the rule's.
	Output string
	// FieldName names the signature field: an empty one of that name is
	// signed in its own box, else a new field gets the name.
	FieldName string
}

// Existing says what becomes of a document whose output name is taken.
type Existing int

const (
	// Number writes to the first free "NAME_signed (2).pdf", ... (the
	// app), also when another process takes the name meanwhile.
	Number Existing = iota
	// Refuse fails the document with pdfsign.ErrExists (besign sign).
	Refuse
	// Replace replaces the existing output (besign sign --force); the
	// input itself is never replaced (pdfsign.ErrSameFile).
	Replace
)

// Stage is where a document is.
type Stage int

const (
	StageWaiting  Stage = iota // not started
	StageChecking              // comparing with the fingerprint
	StageHashing               // reading and hashing the file
	StageSigning               // waiting for the authority's signature
	StageWriting               // writing the output
	StageDone                  // signed, or failed: see Result
)

// Progress is one document's progress; Done and Total are bytes.
type Progress struct {
	Index       int // into the documents given to Run
	Stage       Stage
	Done, Total int64
}

// Result is one document's outcome: Output on success, else Err.
type Result struct {
	Index  int
	Output string
	Err    error
	// Level is the PAdES level the written signature reached, and
	// LevelWhy why it is below the Job's Level (empty when it is not).
	Level    Level
	LevelWhy string
}

// Job is what a batch needs besides its documents.
type Job struct {
	// Sign signs SHA-256 digests, for example the authority's SignDigests
	// with the session and passphrase; it is called once per batch.
	Sign func(ctx context.Context, digests [][]byte) ([][]byte, error)
	// Key, instead of Sign, is a key in memory (a PKCS#12 file's): each
	// document is signed with it as soon as its digest is ready, in its
	// own reading slot, and written at once. The batch exists to unlock a
	// key once, which a key in memory does not need; without it the
	// documents flow through reading, signing and writing a few at a
	// time on every processor, instead of all waiting for the slowest
	// before the first is written. Key must allow concurrent Sign calls,
	// as crypto/rsa's and crypto/ecdsa's keys do.
	Key crypto.Signer
	// Chain is the account's certificate then its issuers.
	Chain []*x509.Certificate
	// Name, NIP and Jabatan go into the visible signature.
	Name, NIP, Jabatan string
	// Labels word the visible signature, in the signer's language.
	Labels pdfsign.Labels
	// QR is the text or URL of the visible signature's QR code (the
	// verification address); empty: no code.
	QR string
	// QRDocument makes each document's QR code point at that document:
	// QR's address with VerificationQuery's parameters (see there), for
	// documents whose fingerprint carries their hash; the others get QR
	// as it is.
	QRDocument bool
	// Serial is the signing certificate's serial number, for QRDocument.
	Serial string
	// Image is drawn in each visible signature beside its text (the
	// signer's specimen or the instansi's logo, package specimen); nil:
	// none.
	Image image.Image
	// OutputDir, when set, overrides every document's Settings.OutputDir.
	OutputDir string
	// Existing: what happens when an output name is taken; Number unless
	// set.
	Existing Existing
	// Unqueued says the documents were never queued and carry no
	// fingerprint (besign sign, which signs the files it is given at
	// once): each is signed as it is when read, without the queue's
	// checks against a fingerprint. Without it a document with no
	// fingerprint is refused (ErrChanged).
	Unqueued bool
	// TimeStamp, when set, makes every signature PAdES B-T: it returns an
	// RFC 3161 token over a SHA-256 digest (of the signature value), for
	// example TimeStamper's. A document whose token cannot be had fails
	// with that error (timestamp.ErrUnreachable, ...) and nothing is
	// written: a configured TSA is never skipped quietly.
	TimeStamp func(ctx context.Context, digest []byte) ([]byte, error)
	// Level is the PAdES level asked for: B-T and up need TimeStamp, B-LT
	// adds the chains and revocation data in the /DSS after each
	// signature, B-LTA a document timestamp from TimeStamp's TSA over it
	// all. Empty: B-T with TimeStamp, else B-B. A level that cannot be
	// reached fails the document (ErrLevel, pdfsign.ErrLTVIncomplete) and
	// writes nothing, unless BestEffort.
	Level Level
	// BestEffort signs at the highest level reachable up to Level, and the
	// result says which and why (no TSA: B-B; revocation data missing:
	// B-T; the document timestamp failed: B-LT). A configured TSA that
	// fails for the signature timestamp still fails the document.
	BestEffort bool
	// LTV sets how the validation material is had (HTTP client, Certs to
	// complete chains such as the roots, Offline, OCSPs and CRLs at hand);
	// nil: fetched from the certificates' addresses. Its DocTimeStamp,
	// Required, Report and Cache are the job's own.
	LTV *pdfsign.LTV
	// Progress, when not nil, is called from one goroutine of Run's with
	// each document's stage and bytes, in order per document. A slow
	// Progress never holds up the signing: updates that came meanwhile
	// are merged into the newest of each document. Every document's
	// StageDone is delivered before Run returns.
	Progress func(Progress)
}

// WithAuthority is a Job.Sign that signs through the authority's
// SignDigests with the session token and the passphrase: the key is
// unlocked inside the authority and never leaves it. Each call (one batch)
// carries a new RequestID, so that a client retrying a lost answer (the
// HTTPS one does) is answered from the batch's audit row, not signed again.
func WithAuthority(a authority.Certificates, token, passphrase string) func(context.Context, [][]byte) ([][]byte, error) {
	return func(ctx context.Context, digests [][]byte) ([][]byte, error) {
		resp, err := a.SignDigests(ctx, authority.SignDigestsRequest{Token: token, Passphrase: passphrase, Digests: digests,
			RequestID: authority.NewRequestID()})
		return resp.Signatures, err
	}
}

// TimeStamper is a Job.TimeStamp asking the TSA at tsaURL (see
// timestamp.Client) with the HTTP client hc (nil: the system's roots).
func TimeStamper(tsaURL string, hc *http.Client) (func(context.Context, []byte) ([]byte, error), error) {
	c, err := timestamp.NewClient(tsaURL, hc)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, digest []byte) ([]byte, error) {
		tok, err := c.Stamp(ctx, digest)
		if err != nil {
			return nil, err
		}
		return tok.DER, nil
	}, nil
}

// Run signs docs and returns one result per document, in order. A cancelled
// ctx stops documents not yet signed with ErrCancelled; nothing
// half-written is left. Documents whose signature came back are written
// whole, also when ctx is cancelled meanwhile: the authority signed them.
//
// Every document is checked and prepared in its own goroutine, at most
// readers() of them reading files at once. Their digests meet in one batch:
// one call of job.Sign signs them all, so the passphrase unlocks the key
// once and a wrong one counts once. A document that fails before its
// digest (missing, changed, not a PDF, password needed, output folder
// gone) leaves the batch so that the others do not wait for it. With
// Job.Key there is no batch: each document is signed in its slot.
//
// A queued document (not Job.Unqueued) is compared with its fingerprint
// twice: its size and time before it is opened, then the SHA-256 of the
// very bytes copied into the output, which the signature covers, before
// its digest goes to the batch (pdfsign.FileOptions.Check). A change between the check and the
// signature therefore cannot be signed. The window left: pdfsign parses
// the file before copying it, so a file changed during the parse and
// changed back before the copy would get an update built from the other
// content (a damaged output whose signature covers the queued bytes); it
// takes a deliberate change and change back within milliseconds.
func Run(ctx context.Context, job Job, docs []Document) []Result {
	res := make([]Result, len(docs))
	if len(docs) == 0 {
		return res
	}
	rep := newReporter(job.Progress, len(docs))
	defer rep.close()
	if (job.Sign == nil && job.Key == nil) || len(job.Chain) == 0 || job.Chain[0] == nil {
		for i := range res {
			res[i] = Result{Index: i, Err: fmt.Errorf("%w: no certificate or signer given", pdfsign.ErrCertificate)}
			rep.set(Progress{Index: i, Stage: StageDone})
		}
		return res
	}
	if err := job.checkLevel(); err != nil {
		for i := range res {
			res[i] = Result{Index: i, Err: err}
			rep.set(Progress{Index: i, Stage: StageDone})
		}
		return res
	}
	cache := &pdfsign.FetchCache{}
	var b *batch.Batch
	if job.Key == nil {
		b = batch.New(len(docs), job.Chain[0].PublicKey, func(digests [][]byte) ([][]byte, error) {
			if ctx.Err() != nil {
				return nil, ErrCancelled
			}
			sigs, err := job.Sign(ctx, digests)
			if err != nil && ctx.Err() != nil {
				return nil, fmt.Errorf("%w: %w", ErrCancelled, err)
			}
			return sigs, err
		})
	}
	slots := make(chan struct{}, readers())
	var wg sync.WaitGroup
	for i := range docs {
		var m *batch.Member
		if b != nil {
			m = b.Member()
		}
		wg.Go(func() {
			if m != nil {
				defer m.Finish()
			}
			d := &doc{ctx: ctx, job: &job, Document: &docs[i], index: i, member: m, slots: slots, rep: rep, cache: cache}
			out, err := d.sign()
			res[i] = Result{Index: i, Output: out, Err: err}
			if err == nil {
				res[i].Level, res[i].LevelWhy = job.reached(d.ltv)
			}
			d.stage(StageDone)
		})
	}
	wg.Wait()
	return res
}

// readers is how many documents may read their files at once: documents
// waiting for the batch's signature hold no slot, so a batch of 1000 does
// not read 1000 files at once. Twice the processors Go runs on (GOMAXPROCS
// follows a container's CPU limit, NumCPU does not): while one document
// waits for the disk, another computes.
func readers() int { return 2 * runtime.GOMAXPROCS(0) }

// doc is one document being signed.
type doc struct {
	*Document
	ctx    context.Context
	job    *Job
	index  int
	member *batch.Member
	slots  chan struct{}
	rep    *reporter

	cache       *pdfsign.FetchCache // the batch's revocation fetches
	ltv         *pdfsign.LTVResult  // what the DSS update added
	held        bool                // holds a reading slot
	signErr     error               // the batch's error, kept whole (pdfsign flattens it)
	hashChecked bool                // Check ran: the bytes read were the queued ones
	done, total int64
	cur         Stage
}

func (d *doc) stage(s Stage) {
	d.cur = s
	d.rep.set(Progress{Index: d.index, Stage: s, Done: d.done, Total: d.total})
}

func (d *doc) release() {
	if d.held {
		<-d.slots
		d.held = false
	}
}

func (d *doc) sign() (string, error) {
	select {
	case d.slots <- struct{}{}:
		d.held = true
	case <-d.ctx.Done():
		return "", ErrCancelled
	}
	defer d.release()
	if d.ctx.Err() != nil {
		return "", ErrCancelled
	}
	d.total = d.Fingerprint.Size
	d.stage(StageChecking)
	if !d.job.Unqueued {
		if err := d.checkStat(); err != nil {
			return "", err
		}
	}
	name := d.Output
	if name == "" {
		dir := d.job.OutputDir
		if dir == "" {
			dir = d.Settings.OutputDir
		}
		name = SignedName(d.Path, dir)
	}
	out := name
	fo := pdfsign.FileOptions{
		Progress: func(done, total int64) {
			d.done, d.total = done, total
			d.rep.set(Progress{Index: d.index, Stage: d.cur, Done: done, Total: total})
		},
	}
	switch d.job.Existing {
	case Number:
		var err error
		if out, err = firstFree(name); err != nil {
			return "", err
		}
		fo.Next = func(string) (string, error) { return firstFree(name) }
	case Replace:
		fo.Force = true
	}
	if !d.job.Unqueued {
		fo.Check = d.checkSum
	}
	opts := pdfsign.Options{
		Signer:      signer{d},
		Chain:       d.job.Chain,
		Reason:      d.Settings.Reason,
		Location:    d.Settings.Location,
		PDFPassword: d.PDFPassword,
		FieldName:   d.FieldName,
	}
	if d.job.TimeStamp != nil {
		opts.TimeStamp = func(digest []byte) ([]byte, error) {
			tok, err := d.job.TimeStamp(d.ctx, digest)
			if err != nil {
				// Kept whole: pdfsign would flatten it.
				d.signErr = err
			}
			return tok, err
		}
	}
	if t := d.job.target(); t.rank() >= LevelLT.rank() && d.job.TimeStamp != nil {
		l := pdfsign.LTV{}
		if d.job.LTV != nil {
			l = *d.job.LTV
		}
		l.Required = !d.job.BestEffort
		l.Cache = d.cache
		l.Report = func(r *pdfsign.LTVResult) { d.ltv = r }
		l.DocTimeStamp = nil
		if t == LevelLTA {
			l.DocTimeStamp = func(digest []byte) ([]byte, error) { return d.job.TimeStamp(d.ctx, digest) }
		}
		opts.LTV = &l
	}
	if !d.Settings.Invisible {
		bx := d.Settings.Box
		opts.Page = d.Settings.Page
		opts.Appearance = &pdfsign.Appearance{
			Rect: pdfsign.Rect{X: bx.X, Y: bx.Y, W: bx.W, H: bx.H},
			Name: d.job.Name, NIP: d.job.NIP, Jabatan: d.job.Jabatan,
			QR: d.qr(), Labels: d.job.Labels, Image: d.job.Image,
		}
	}
	d.stage(StageHashing)
	written, err := pdfsign.SignFileAs(d.Path, out, opts, fo)
	switch {
	case err == nil:
		return written, nil
	case d.signErr != nil:
		return "", d.signErr
	case errors.Is(err, ErrCancelled), errors.Is(err, ErrChanged):
		return "", err
	}
	return "", d.explain(err, out)
}

// checkStat compares the file's size and time with its fingerprint.
func (d *doc) checkStat() error {
	fp := d.Fingerprint
	if len(fp.SHA256) != sha256.Size {
		return fmt.Errorf("%w: it has no fingerprint; add it again", ErrChanged)
	}
	st, err := os.Stat(d.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrMissing, d.Path)
	}
	if err != nil {
		return fmt.Errorf("check the file: %w", err)
	}
	if why := differs(st, fp); why != "" {
		return fmt.Errorf("%w: %s", ErrChanged, why)
	}
	return nil
}

func differs(st fs.FileInfo, fp authority.Fingerprint) string {
	switch {
	case !st.Mode().IsRegular():
		return "it is no longer a regular file"
	case st.Size() != fp.Size:
		return fmt.Sprintf("its size is %d bytes, it was %d", st.Size(), fp.Size)
	case !st.ModTime().Equal(fp.ModTime):
		return fmt.Sprintf("it was modified at %s, it was queued as of %s",
			st.ModTime().Format("2006-01-02 15:04:05"), fp.ModTime.Local().Format("2006-01-02 15:04:05"))
	}
	return ""
}

// checkSum is pdfsign's Check: the SHA-256 of the bytes about to be signed.
func (d *doc) checkSum(sum []byte) error {
	if d.ctx.Err() != nil {
		return ErrCancelled
	}
	if !bytes.Equal(sum, d.Fingerprint.SHA256) {
		return fmt.Errorf("%w: its content differs (SHA-256)", ErrChanged)
	}
	d.hashChecked = true
	return nil
}

// explain turns a pdfsign error into the document's error: a file changed
// in a way that made it unreadable is ErrChanged rather than a damaged PDF,
// and a failure to create the output in its folder is ErrOutputDir.
func (d *doc) explain(err error, out string) error {
	if !d.hashChecked && !d.job.Unqueued && d.ctx.Err() == nil {
		fp, terr := Take(d.Path)
		switch {
		case errors.Is(terr, ErrMissing):
			return terr
		case terr == nil && (fp.Size != d.Fingerprint.Size || !bytes.Equal(fp.SHA256, d.Fingerprint.SHA256)):
			return fmt.Errorf("%w: its content differs (%v)", ErrChanged, err)
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path != d.Path && filepath.Dir(pe.Path) == filepath.Dir(out) {
		return fmt.Errorf("%w: %w", ErrOutputDir, err)
	}
	if d.ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrCancelled, err)
	}
	return err
}

// signer hands the document's digest to the batch.
type signer struct{ d *doc }

func (s signer) Public() crypto.PublicKey {
	if s.d.job.Key != nil {
		return s.d.job.Key.Public()
	}
	return s.d.member.Public()
}

func (s signer) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	d := s.d
	if d.job.Key != nil {
		// No batch: the document keeps its slot and is signed at once.
		if d.ctx.Err() != nil {
			d.signErr = ErrCancelled
			return nil, ErrCancelled
		}
		d.stage(StageSigning)
		sig, err := d.job.Key.Sign(r, digest, opts)
		if err != nil {
			d.signErr = err
			return nil, err
		}
		d.stage(StageWriting)
		return sig, nil
	}
	// Waiting for the others: the reading slot goes to the next document.
	d.release()
	if d.ctx.Err() != nil {
		d.signErr = ErrCancelled
		return nil, ErrCancelled
	}
	d.stage(StageSigning)
	sig, err := d.member.Sign(r, digest, opts)
	if err != nil {
		d.signErr = err
		return nil, err
	}
	d.stage(StageWriting)
	return sig, nil
}

// Take reads the file at path and returns its fingerprint: its size, its
// modification time and the SHA-256 of its content, read as a stream.
func Take(path string) (authority.Fingerprint, error) {
	f, st, err := pdfsign.OpenInput(path)
	if errors.Is(err, fs.ErrNotExist) {
		return authority.Fingerprint{}, fmt.Errorf("%w: %s", ErrMissing, path)
	}
	if errors.Is(err, pdfsign.ErrNotRegular) {
		return authority.Fingerprint{}, fmt.Errorf("%s: %w", path, err)
	}
	if err != nil {
		return authority.Fingerprint{}, fmt.Errorf("read the file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return authority.Fingerprint{}, fmt.Errorf("read the file: %w", err)
	}
	after, err := f.Stat()
	if err != nil {
		return authority.Fingerprint{}, fmt.Errorf("read the file: %w", err)
	}
	if n != st.Size() || differs(after, authority.Fingerprint{Size: st.Size(), ModTime: st.ModTime()}) != "" {
		return authority.Fingerprint{}, fmt.Errorf("%w: it changed while it was read", ErrChanged)
	}
	return authority.Fingerprint{Size: st.Size(), ModTime: st.ModTime(), SHA256: h.Sum(nil)}, nil
}

// maxNames bounds the "NAME_signed (N).pdf" tried.
const maxNames = 10000

// SignedName is BeSign's one rule for the name of a signed copy, the app's
// and besign sign's: NAME_signed.pdf in dir (empty: beside the input),
// NAME being the input's name less its ".pdf" in any case; another
// extension stays in NAME ("nota.txt" gives "nota.txt_signed.pdf"), so
// that inputs of different names never share an output.
func SignedName(input, dir string) string {
	if dir == "" {
		dir = filepath.Dir(input)
	}
	name := filepath.Base(input)
	if ext := filepath.Ext(name); strings.EqualFold(ext, ".pdf") {
		name = strings.TrimSuffix(name, ext)
	}
	return filepath.Join(dir, name+"_signed.pdf")
}

// OutputPath is where the app puts a document's signed copy: SignedName,
// or the first free "NAME_signed (2).pdf", ... when that exists.
// ErrOutputDir when dir is not a usable folder.
func OutputPath(input, dir string) (string, error) {
	return firstFree(SignedName(input, dir))
}

// firstFree returns name, or when it exists the first free "NAME (2).EXT",
// "NAME (3).EXT", ... in its folder. ErrOutputDir when the folder is not
// usable.
func firstFree(name string) (string, error) {
	dir := filepath.Dir(name)
	st, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrOutputDir, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%w: %s is not a folder", ErrOutputDir, dir)
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for n := 1; n <= maxNames; n++ {
		p := name
		if n > 1 {
			p = stem + " (" + strconv.Itoa(n) + ")" + ext
		}
		_, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrOutputDir, err)
		}
	}
	return "", fmt.Errorf("%w: no free name for %s in %s", ErrOutputDir, filepath.Base(name), dir)
}

// reporter delivers progress from one goroutine, merging the updates that
// come while Job.Progress is busy, so that a slow receiver never holds up
// the documents.
type reporter struct {
	fn     func(Progress)
	mu     sync.Mutex
	latest []Progress
	dirty  []bool
	queue  []int
	wake   chan struct{}
	done   chan struct{}
}

func newReporter(fn func(Progress), n int) *reporter {
	if fn == nil {
		return nil
	}
	r := &reporter{fn: fn, latest: make([]Progress, n), dirty: make([]bool, n),
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	go r.loop()
	return r
}

func (r *reporter) set(p Progress) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.latest[p.Index] = p
	if !r.dirty[p.Index] {
		r.dirty[p.Index] = true
		r.queue = append(r.queue, p.Index)
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *reporter) loop() {
	defer close(r.done)
	var ps []Progress
	for {
		_, open := <-r.wake
		for {
			r.mu.Lock()
			ps = ps[:0]
			for _, i := range r.queue {
				ps = append(ps, r.latest[i])
				r.dirty[i] = false
			}
			r.queue = r.queue[:0]
			r.mu.Unlock()
			if len(ps) == 0 {
				break
			}
			for _, p := range ps {
				r.fn(p)
			}
		}
		if !open {
			return
		}
	}
}

// close delivers what is left and waits for it.
func (r *reporter) close() {
	if r == nil {
		return
	}
	close(r.wake)
	<-r.done
}
