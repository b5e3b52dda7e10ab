package signjob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpki"
)

var bg = context.Background()

func TestTake(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.pdf")
	os.WriteFile(p, []byte("%PDF-1.7 isi"), 0o644)
	when := time.Date(2026, 11, 20, 8, 30, 0, 123456789, time.UTC)
	os.Chtimes(p, when, when)
	fp, err := Take(p)
	if err != nil {
		t.Fatal(err)
	}
	// sha256sum, not our own code, says what the hash is.
	out, err := exec.Command("sha256sum", p).Output()
	if err != nil {
		t.Fatal(err)
	}
	if fp.Size != 12 || !fp.ModTime.Equal(when) || !strings.HasPrefix(string(out), hexs(fp.SHA256)) {
		t.Fatalf("fingerprint %+v, sha256sum %s", fp, out)
	}
	if _, err := Take(filepath.Join(dir, "gone.pdf")); !errors.Is(err, ErrMissing) {
		t.Fatalf("missing: %v", err)
	}
	if _, err := Take(dir); !errors.Is(err, pdfsign.ErrNotPDF) {
		t.Fatalf("folder: %v", err)
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}

func TestOutputPath(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	in := filepath.Join(dir, "Surat Tugas.PDF")
	for _, c := range []struct {
		dir, want string
		existing  []string
	}{
		{"", filepath.Join(dir, "Surat Tugas_signed.pdf"), nil},
		{other, filepath.Join(other, "Surat Tugas_signed.pdf"), nil},
		{"", filepath.Join(dir, "Surat Tugas_signed (2).pdf"), []string{"Surat Tugas_signed.pdf"}},
		{"", filepath.Join(dir, "Surat Tugas_signed (3).pdf"), []string{"Surat Tugas_signed (2).pdf"}},
	} {
		for _, e := range c.existing {
			os.WriteFile(filepath.Join(dir, e), nil, 0o644)
		}
		if got, err := OutputPath(in, c.dir); err != nil || got != c.want {
			t.Errorf("OutputPath(%q) = %q, %v; want %q", c.dir, got, err, c.want)
		}
	}
	if got, err := OutputPath(filepath.Join(dir, "scan"), other); err != nil || got != filepath.Join(other, "scan_signed.pdf") {
		t.Errorf("no extension: %q %v", got, err)
	}
	file := filepath.Join(other, "file")
	os.WriteFile(file, nil, 0o644)
	for _, d := range []string{filepath.Join(dir, "gone"), file} {
		if _, err := OutputPath(in, d); !errors.Is(err, ErrOutputDir) {
			t.Errorf("output dir %s: %v", d, err)
		}
	}
}

// checkSigned judges a signed output with tools nobody here wrote.
func checkSigned(t *testing.T, path string, password string, want ...string) {
	t.Helper()
	args := []string{"--check", path}
	if password != "" {
		args = []string{"--check", "--password=" + password, path}
	}
	if out, err := exec.Command("qpdf", args...).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check %s: %v\n%s", path, err, out)
	}
	pargs := []string{path}
	if password != "" {
		pargs = []string{"-upw", password, path}
	}
	out, err := exec.Command("pdfsig", pargs...).CombinedOutput()
	if err != nil {
		t.Errorf("pdfsig %s: %v\n%s", path, err, out)
	}
	for _, w := range append([]string{"Signature Validation: Signature is Valid.", "Total document signed"}, want...) {
		if !strings.Contains(string(out), w) {
			t.Errorf("pdfsig %s: no %q in\n%s", path, w, out)
		}
	}
}

// assertNothingWritten checks that a failed document left no output and
// no temporary file.
func assertClean(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if left := temps(d); len(left) > 0 {
			t.Errorf("temporary files left in %s: %v", d, left)
		}
	}
}

func signedFiles(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "*_signed*.pdf"))
	return m
}

// Each bad document reports its own error while the good ones in the same
// batch are signed, through the real authority, in one SignDigests call.
func TestRunBadInput(t *testing.T) {
	for _, tool := range []string{"pdfsig", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (scripts/install-deps.sh)", tool)
		}
	}
	acc := newAccount(t)
	dir := t.TempDir()
	var docs []Document
	add := func(d Document) int { docs = append(docs, d); return len(docs) - 1 }

	good := add(onePage(t, dir, "baik.pdf"))
	invisible := onePage(t, dir, "tak-terlihat.pdf")
	invisible.Settings.Invisible = true
	inv := add(invisible)

	// Overwritten with garbage since it was queued.
	garbage := add(onePage(t, dir, "rusak.pdf"))
	os.WriteFile(docs[garbage].Path, []byte("bukan PDF sama sekali"), 0o644)

	// Garbage of the same size with its time put back: only the hash
	// tells.
	same := add(onePage(t, dir, "rusak-sama.pdf"))
	b, _ := os.ReadFile(docs[same].Path)
	os.WriteFile(docs[same].Path, bytes.Repeat([]byte("x"), len(b)), 0o644)
	os.Chtimes(docs[same].Path, docs[same].Fingerprint.ModTime, docs[same].Fingerprint.ModTime)

	// Garbage that was queued as it is: not a PDF.
	notPDF := add(fileDoc(t, filepath.Join(dir, "catatan.pdf"), []byte("bukan PDF")))

	deleted := add(onePage(t, dir, "dihapus.pdf"))
	os.Remove(docs[deleted].Path)

	outDir := filepath.Join(t.TempDir(), "keluaran")
	os.Mkdir(outDir, 0o755)
	gone := onePage(t, dir, "folder-hilang.pdf")
	gone.Settings.OutputDir = outDir
	noDir := add(gone)
	os.Remove(outDir)

	// Password-protected: without and with its password.
	plain := onePage(t, t.TempDir(), "polos.pdf")
	enc := filepath.Join(dir, "rahasia.pdf")
	if out, err := exec.Command("qpdf", "--encrypt", "kunci", "pemilik", "256", "--", plain.Path, enc).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --encrypt: %v\n%s", err, out)
	}
	fp, _ := Take(enc)
	encDoc := Document{Path: enc, Fingerprint: fp, Settings: plain.Settings}
	noPassword := add(encDoc)
	encDoc2 := encDoc
	encDoc2.PDFPassword = "kunci"
	withPassword := add(encDoc2)

	calls := 0
	res := Run(bg, acc.job(passphrase, &calls), docs)
	if calls != 1 {
		t.Errorf("%d SignDigests calls, want 1", calls)
	}
	want := map[int]error{garbage: ErrChanged, same: ErrChanged, notPDF: pdfsign.ErrNotPDF, deleted: ErrMissing,
		noDir: ErrOutputDir, noPassword: pdfsign.ErrPasswordRequired}
	for i, r := range res {
		if r.Index != i {
			t.Errorf("result %d has index %d", i, r.Index)
		}
		if w, bad := want[i]; bad {
			if !errors.Is(r.Err, w) || r.Output != "" {
				t.Errorf("%s: %q, %v; want %v", filepath.Base(docs[i].Path), r.Output, r.Err, w)
			}
			continue
		}
		if r.Err != nil {
			t.Errorf("%s: %v", filepath.Base(docs[i].Path), r.Err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	checkSigned(t, res[good].Output, "", "Siti Rahmawati, S.Kom.")
	if infos, err := pdfsign.VerifyFile(res[good].Output, nil); err != nil || len(infos) != 1 || infos[0].Reason != "Menyetujui" || infos[0].Location != "Ranai" {
		t.Errorf("reason and location: %v %+v", err, infos)
	}
	checkSigned(t, res[inv].Output, "", "Siti Rahmawati, S.Kom.")
	checkSigned(t, res[withPassword].Output, "kunci")
	if res[good].Output != filepath.Join(dir, "baik_signed.pdf") || res[withPassword].Output != filepath.Join(dir, "rahasia_signed.pdf") {
		t.Errorf("outputs %q, %q", res[good].Output, res[withPassword].Output)
	}
	if got := signedFiles(dir); len(got) != 3 {
		t.Errorf("signed files %v, want 3", got)
	}
	// The visible box shows the name, NIP and jabatan (mutool draws the
	// page's text, the widget's appearance included).
	if out, err := exec.Command("mutool", "draw", "-F", "txt", res[good].Output, "1").CombinedOutput(); err != nil ||
		!strings.Contains(string(out), "199501192022032003") || !strings.Contains(string(out), "Pranata Komputer") {
		t.Errorf("mutool draw: %v\n%s", err, out)
	}
	assertClean(t, dir)
}

// A wrong passphrase fails the whole batch once: the certificate counts
// one failure, nothing is written; the right one then signs all five.
func TestRunWrongPassphrase(t *testing.T) {
	acc := newAccount(t)
	dir := t.TempDir()
	var docs []Document
	for _, n := range []string{"a.pdf", "b.pdf", "c.pdf", "d.pdf", "e.pdf"} {
		docs = append(docs, onePage(t, dir, n))
	}
	before := acc.failures(t)
	calls := 0
	res := Run(bg, acc.job("Salah#Passphrase1", &calls), docs)
	if calls != 1 {
		t.Errorf("%d SignDigests calls, want 1", calls)
	}
	for _, r := range res {
		if !errors.Is(r.Err, authority.ErrPassphraseWrong) || r.Output != "" {
			t.Errorf("document %d: %q %v", r.Index, r.Output, r.Err)
		}
	}
	if got := acc.failures(t); got != before+1 {
		t.Errorf("failures %d -> %d, want one more", before, got)
	}
	if got := signedFiles(dir); len(got) > 0 {
		t.Errorf("written after a wrong passphrase: %v", got)
	}
	assertClean(t, dir)

	res = Run(bg, acc.job(passphrase, nil), docs)
	for _, r := range res {
		if r.Err != nil {
			t.Errorf("document %d: %v", r.Index, r.Err)
		}
	}
	if got := signedFiles(dir); len(got) != 5 {
		t.Errorf("signed %v, want 5", got)
	}
	if got := acc.failures(t); got != 0 {
		t.Errorf("failures after the right passphrase: %d", got)
	}
	assertClean(t, dir)
}

// Progress reports each document's stages in order, with its bytes, and
// every document's StageDone before Run returns.
func TestRunProgress(t *testing.T) {
	dir := t.TempDir()
	docs := []Document{onePage(t, dir, "a.pdf"), onePage(t, dir, "b.pdf"), onePage(t, dir, "c.pdf")}
	os.Remove(docs[2].Path)
	var mu sync.Mutex
	seen := make([][]Progress, len(docs))
	job := localJob(t)
	job.Progress = func(p Progress) {
		mu.Lock()
		seen[p.Index] = append(seen[p.Index], p)
		mu.Unlock()
		time.Sleep(time.Millisecond) // a slow receiver
	}
	res := Run(bg, job, docs)
	mu.Lock()
	defer mu.Unlock()
	for i, ps := range seen {
		if len(ps) == 0 {
			t.Fatalf("document %d: no progress", i)
		}
		for k := 1; k < len(ps); k++ {
			if ps[k].Stage < ps[k-1].Stage || ps[k].Done < ps[k-1].Done {
				t.Errorf("document %d went back: %+v", i, ps)
			}
		}
		last := ps[len(ps)-1]
		if last.Stage != StageDone {
			t.Errorf("document %d ends at %v", i, last.Stage)
		}
		if res[i].Err == nil && (last.Done != docs[i].Fingerprint.Size || last.Total != last.Done) {
			t.Errorf("document %d: %d of %d bytes, size %d", i, last.Done, last.Total, docs[i].Fingerprint.Size)
		}
	}
	if res[2].Err == nil || res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("results %+v", res)
	}
}

// A cancelled context: before the batch nothing is signed or written;
// during the authority's call each output is complete or absent.
func TestRunCancel(t *testing.T) {
	t.Run("before", func(t *testing.T) {
		dir := t.TempDir()
		docs := []Document{onePage(t, dir, "a.pdf"), onePage(t, dir, "b.pdf")}
		ctx, cancel := context.WithCancel(bg)
		cancel()
		job := localJob(t)
		called := false
		sign := job.Sign
		job.Sign = func(ctx context.Context, d [][]byte) ([][]byte, error) { called = true; return sign(ctx, d) }
		for _, r := range Run(ctx, job, docs) {
			if !errors.Is(r.Err, ErrCancelled) {
				t.Errorf("document %d: %v", r.Index, r.Err)
			}
		}
		if called || len(signedFiles(dir)) > 0 {
			t.Errorf("signed %v, files %v", called, signedFiles(dir))
		}
		assertClean(t, dir)
	})
	t.Run("while reading", func(t *testing.T) {
		// The first document to reach the batch cancels; the batch's
		// call is then never made.
		dir := t.TempDir()
		var docs []Document
		for i := range 20 {
			docs = append(docs, onePage(t, dir, string(rune('a'+i))+".pdf"))
		}
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		job := localJob(t)
		called := false
		sign := job.Sign
		job.Sign = func(ctx context.Context, d [][]byte) ([][]byte, error) { called = true; return sign(ctx, d) }
		job.Progress = func(p Progress) {
			if p.Stage == StageSigning {
				cancel()
			}
		}
		res := Run(ctx, job, docs)
		// Progress comes from its own goroutine: the batch may have
		// been signed before the cancel. Either way each document is
		// whole or absent.
		for _, r := range res {
			if r.Err == nil {
				checkSigned(t, r.Output, "")
			} else if !errors.Is(r.Err, ErrCancelled) {
				t.Errorf("document %d: %v", r.Index, r.Err)
			}
		}
		if !called && len(signedFiles(dir)) > 0 {
			t.Errorf("written without a signature: %v", signedFiles(dir))
		}
		assertClean(t, dir)
	})
	t.Run("during the authority's call", func(t *testing.T) {
		acc := newAccount(t)
		dir := t.TempDir()
		var docs []Document
		for _, n := range []string{"a.pdf", "b.pdf", "c.pdf"} {
			docs = append(docs, onePage(t, dir, n))
		}
		ctx, cancel := context.WithCancel(bg)
		job := acc.job(passphrase, nil)
		sign := job.Sign
		job.Sign = func(ctx context.Context, d [][]byte) ([][]byte, error) {
			cancel()
			return sign(ctx, d)
		}
		res := Run(ctx, job, docs)
		ok := 0
		for _, r := range res {
			switch {
			case r.Err == nil:
				ok++
				checkSigned(t, r.Output, "")
			case !errors.Is(r.Err, ErrCancelled):
				t.Errorf("document %d: %v", r.Index, r.Err)
			}
		}
		if got := len(signedFiles(dir)); got != ok {
			t.Errorf("%d files for %d signed documents", got, ok)
		}
		assertClean(t, dir)
		t.Logf("%d of 3 signed after the cancel", ok)
	})
}

// An output name taken while the batch waits for its signature (here by
// the test, between the name's choice and the move into place) sends the
// output to the next free name; the other files stay as they were.
func TestRunOutputTakenMeanwhile(t *testing.T) {
	dir := t.TempDir()
	d := onePage(t, dir, "surat.pdf")
	job := localJob(t)
	sign := job.Sign
	job.Sign = func(ctx context.Context, ds [][]byte) ([][]byte, error) {
		os.WriteFile(filepath.Join(dir, "surat_signed.pdf"), []byte("orang lain"), 0o644)
		os.WriteFile(filepath.Join(dir, "surat_signed (2).pdf"), []byte("orang lain 2"), 0o644)
		return sign(ctx, ds)
	}
	res := Run(bg, job, []Document{d})
	if res[0].Err != nil || res[0].Output != filepath.Join(dir, "surat_signed (3).pdf") {
		t.Fatalf("%+v", res[0])
	}
	for f, want := range map[string]string{"surat_signed.pdf": "orang lain", "surat_signed (2).pdf": "orang lain 2"} {
		if b, _ := os.ReadFile(filepath.Join(dir, f)); string(b) != want {
			t.Errorf("%s replaced", f)
		}
	}
	checkSigned(t, res[0].Output, "")
	assertClean(t, dir)
}

// A batch of 1000 documents (the queue's limit) keeps the open files
// bounded: while all of them wait for the one signature call each holds
// only its output's temporary file, the inputs being closed once read.
func TestRunThousandOpenFiles(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd to count open files")
	}
	openFiles := func() int {
		m, _ := os.ReadDir("/proc/self/fd")
		return len(m)
	}
	const n = authority.MaxQueuedDocuments
	dir := t.TempDir()
	docs := make([]Document, n)
	for i := range docs {
		docs[i] = onePage(t, dir, fmt.Sprintf("d%04d.pdf", i))
		docs[i].Settings.Invisible = true
	}
	base := openFiles()
	job := localJob(t)
	sign := job.Sign
	atBatch := 0
	job.Sign = func(ctx context.Context, ds [][]byte) ([][]byte, error) {
		atBatch = openFiles()
		return sign(ctx, ds)
	}
	for _, r := range Run(bg, job, docs) {
		if r.Err != nil {
			t.Fatalf("document %d: %v", r.Index, r.Err)
		}
	}
	t.Logf("open files: %d before, %d while %d documents wait for the signature", base, atBatch, n)
	if atBatch-base > n+readers() {
		t.Errorf("%d files open for %d documents", atBatch-base, n)
	}
	if got := openFiles(); got > base+2 {
		t.Errorf("open files after the batch: %d, before %d", got, base)
	}
	if got := len(signedFiles(dir)); got != n {
		t.Errorf("%d signed", got)
	}
}

// An output folder the person may not write to is ErrOutputDir for the
// documents going there; the others are signed.
func TestRunReadOnlyOutputDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only folders")
	}
	dir := t.TempDir()
	ro := filepath.Join(t.TempDir(), "hanya-baca")
	os.Mkdir(ro, 0o555)
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	blocked := onePage(t, dir, "a.pdf")
	blocked.Settings.OutputDir = ro
	docs := []Document{blocked, onePage(t, dir, "b.pdf")}
	res := Run(bg, localJob(t), docs)
	if !errors.Is(res[0].Err, ErrOutputDir) || res[1].Err != nil {
		t.Fatalf("results %+v", res)
	}
	assertClean(t, dir, ro)
}

// What a taken output name becomes: Number (the app) writes the next free
// name, Refuse (besign sign) fails with pdfsign.ErrExists and keeps the
// file, Replace (--force) replaces it; Document.Output goes through the
// same rule. The input is never replaced, whatever the mode.
func TestRunExisting(t *testing.T) {
	dir := t.TempDir()
	d := onePage(t, dir, "surat.pdf")
	taken := filepath.Join(dir, "surat_signed.pdf")
	other := filepath.Join(dir, "hasil.pdf")
	for _, p := range []string{taken, other} {
		os.WriteFile(p, []byte("orang lain"), 0o644)
	}
	job := localJob(t)
	for _, c := range []struct {
		mode    Existing
		output  string
		want    string
		wantErr error
	}{
		{Refuse, "", "", pdfsign.ErrExists},
		{Refuse, other, "", pdfsign.ErrExists},
		{Number, "", filepath.Join(dir, "surat_signed (2).pdf"), nil},
		{Number, other, filepath.Join(dir, "hasil (2).pdf"), nil},
		{Replace, "", taken, nil},
		{Replace, d.Path, "", pdfsign.ErrSameFile},
	} {
		job.Existing = c.mode
		doc := d
		doc.Output = c.output
		r := Run(bg, job, []Document{doc})[0]
		if r.Output != c.want || !errors.Is(r.Err, c.wantErr) || (c.wantErr == nil && r.Err != nil) {
			t.Errorf("mode %d, output %q: %q %v; want %q %v", c.mode, c.output, r.Output, r.Err, c.want, c.wantErr)
			continue
		}
		if r.Output != "" {
			checkSigned(t, r.Output, "")
		}
	}
	if b, _ := os.ReadFile(other); string(b) != "orang lain" {
		t.Error("hasil.pdf replaced")
	}
	if fp, err := Take(d.Path); err != nil || !bytes.Equal(fp.SHA256, d.Fingerprint.SHA256) {
		t.Errorf("input changed: %v", err)
	}
	assertClean(t, dir)
}

// A document with no fingerprint is refused by the queue's pipeline and
// signed as it is with Unqueued (besign sign); a missing file stays an
// error either way.
func TestRunUnqueued(t *testing.T) {
	dir := t.TempDir()
	d := onePage(t, dir, "surat.pdf")
	d.Fingerprint = authority.Fingerprint{}
	job := localJob(t)
	if r := Run(bg, job, []Document{d})[0]; !errors.Is(r.Err, ErrChanged) {
		t.Fatalf("queued without a fingerprint: %q %v", r.Output, r.Err)
	}
	job.Unqueued = true
	gone := Document{Path: filepath.Join(dir, "hilang.pdf")}
	res := Run(bg, job, []Document{d, gone})
	if res[0].Err != nil || res[0].Output != filepath.Join(dir, "surat_signed.pdf") {
		t.Fatalf("unqueued: %+v", res[0])
	}
	checkSigned(t, res[0].Output, "")
	if res[1].Err == nil {
		t.Fatalf("missing file signed: %+v", res[1])
	}
	assertClean(t, dir)
}

// With Job.Key there is no batch: each document is signed as soon as its
// digest is ready and written at once, so no more outputs are in the
// making at a time than there are reading slots (a batch has them all
// open until its one signature call), and every output is valid.
func TestRunKey(t *testing.T) {
	const n = 200
	src, out := t.TempDir(), t.TempDir()
	docs := make([]Document, n)
	for i := range docs {
		docs[i] = onePage(t, src, fmt.Sprintf("surat-%03d.pdf", i))
	}
	p := testpki.New(testpki.LeafOptions{})
	var mu sync.Mutex
	most := 0
	key := waitingKey{p.Key, func() {
		mu.Lock()
		defer mu.Unlock()
		most = max(most, len(temps(out)))
	}}
	job := Job{Key: key, Chain: p.Chain(), Name: "Uji Kunci", OutputDir: out}
	for _, r := range Run(bg, job, docs) {
		if r.Err != nil {
			t.Fatalf("document %d: %v", r.Index, r.Err)
		}
	}
	t.Logf("at most %d outputs in the making at once (%d slots)", most, readers())
	if most > readers() {
		t.Errorf("%d outputs in the making at once, more than the %d slots", most, readers())
	}
	if got := len(signedFiles(out)); got != n {
		t.Errorf("%d signed, want %d", got, n)
	}
	assertClean(t, out, src)
	checkSigned(t, filepath.Join(out, "surat-000_signed.pdf"), "")
	checkSigned(t, filepath.Join(out, fmt.Sprintf("surat-%03d_signed.pdf", n-1)), "")
}
