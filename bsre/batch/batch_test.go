package batch_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/bsre"
	"github.com/natunakab/besign/bsre/batch"
	"github.com/natunakab/besign/bsre/bsretest"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/signjob"
)

const (
	signerEmail = "arman@natunakab.go.id"
	signerPass  = "Natuna#2024aman"
)

// passThrough is an organisation server that forwards to BSrE and checks
// nothing (a compromised or buggy one): what the app writes must still be
// only what its own check accepts. It counts the calls it gets.
type passThrough struct {
	c     *bsre.Client
	calls int
	sizes []int
}

func (p *passThrough) CertifiedStatus(context.Context, string) (authority.CertifiedStatus, error) {
	return authority.CertifiedStatus{}, nil
}
func (p *passThrough) RequestSigningCode(context.Context, authority.SigningCodeRequest) error {
	return nil
}
func (p *passThrough) SignDocuments(ctx context.Context, req authority.SignDocumentsRequest) (authority.SignDocumentsResponse, error) {
	p.calls++
	p.sizes = append(p.sizes, len(req.Documents))
	var docs []bsre.Document
	for _, d := range req.Documents {
		docs = append(docs, bsre.Document{PDF: d.PDF, Invisible: d.Invisible, Page: d.Page, Box: d.Box, Reason: d.Reason})
	}
	out, err := p.c.Sign(ctx, bsre.Signer{Email: signerEmail}, bsre.Credential{Passphrase: req.Passphrase, TOTP: req.Code}, docs)
	if errors.Is(err, bsre.ErrWrongPassphrase) {
		err = authority.ErrCertifiedPassphrase
	}
	if err != nil {
		return authority.SignDocumentsResponse{}, err
	}
	var resp authority.SignDocumentsResponse
	for _, b := range out {
		resp.Documents = append(resp.Documents, authority.CertifiedResult{PDF: b})
	}
	return resp, nil
}

func setup(t *testing.T, n int) (*bsretest.Server, *passThrough, []signjob.Document, string) {
	t.Helper()
	st := bsretest.New(t)
	st.AddUser(bsretest.User{Email: signerEmail, Name: "Arman Salim", NIK: "2103011505850003", Passphrase: signerPass})
	c, err := bsre.New(bsre.Config{URL: st.URL, CredentialsFile: st.WriteCredentials(t.TempDir()), RootCAs: st.TLSRoots(), Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var docs []signjob.Document
	for i := 0; i < n; i++ {
		path := filepath.Join(dir, "surat"+string(rune('a'+i))+".pdf")
		if err := os.WriteFile(path, testpdf.Base(), 0o644); err != nil {
			t.Fatal(err)
		}
		fp, err := signjob.Take(path)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, signjob.Document{Path: path, Fingerprint: fp,
			Settings: authority.SignatureSettings{Page: 1, Box: authority.Box{X: 40, Y: 30, W: 200, H: 80}}})
	}
	return st, &passThrough{c: c}, docs, dir
}

func job(st *bsretest.Server, p *passThrough, pass string) batch.Job {
	return batch.Job{Signer: p, Token: "t", Passphrase: pass,
		Status: authority.CertifiedStatus{Email: signerEmail, MaxDocuments: 2, MaxBytes: 1 << 20},
		Verify: pdfsign.VerifyOptions{Roots: st.Roots(), Offline: true}}
}

func written(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*_signed*"))
	return m
}

// Three documents go in calls of at most two and are written B-T.
func TestBoundedCalls(t *testing.T) {
	st, p, docs, dir := setup(t, 3)
	res, stop := batch.Run(context.Background(), job(st, p, signerPass), docs)
	if stop != nil {
		t.Fatal(stop)
	}
	for i, r := range res {
		if r.Err != nil || r.Output == "" || r.Level != signjob.LevelT {
			t.Fatalf("document %d: %+v", i+1, r)
		}
	}
	if len(p.sizes) != 2 || p.sizes[0] != 2 || p.sizes[1] != 1 || len(written(t, dir)) != 3 {
		t.Fatalf("calls %v, written %v", p.sizes, written(t, dir))
	}
}

// Attack: a server that passes BSrE's answer on unchecked cannot get a
// document signed by another person, elsewhere, or with a changed prefix
// written on the laptop: the app's own check refuses it.
func TestUncheckedServerRefused(t *testing.T) {
	for _, f := range []bsretest.Fault{bsretest.OtherSigner, bsretest.WrongPlace, bsretest.WrongPrefix, bsretest.SecondSignature} {
		st, p, docs, dir := setup(t, 1)
		st.SetFault(f)
		res, stop := batch.Run(context.Background(), job(st, p, signerPass), docs)
		if stop != nil || !errors.Is(res[0].Err, authority.ErrCertifiedRefused) || res[0].Output != "" {
			t.Errorf("fault %d: %+v, %v", f, res[0], stop)
		}
		if w := written(t, dir); len(w) != 0 {
			t.Errorf("fault %d: written %v", f, w)
		}
	}
}

// A wrong passphrase stops the batch: the second call is not sent (BSrE
// counts failures), and nothing is written. A file changed since it was
// queued is not sent at all.
func TestStopAndChanged(t *testing.T) {
	st, p, docs, dir := setup(t, 4)
	res, stop := batch.Run(context.Background(), job(st, p, "Salah#2024aman"), docs)
	if !errors.Is(stop, authority.ErrCertifiedPassphrase) || p.calls != 1 {
		t.Fatalf("stop %v after %d calls", stop, p.calls)
	}
	for i, r := range res {
		want := authority.ErrCertifiedPassphrase
		if i >= 2 {
			want = batch.ErrNotSent
		}
		if !errors.Is(r.Err, want) {
			t.Errorf("document %d: %v, want %v", i+1, r.Err, want)
		}
	}
	if len(written(t, dir)) != 0 || st.Signings() != 0 {
		t.Fatal("a wrong passphrase signed or wrote")
	}
	if err := os.WriteFile(docs[0].Path, append(testpdf.Base(), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	p.calls = 0
	res, _ = batch.Run(context.Background(), job(st, p, signerPass), docs[:1])
	if !errors.Is(res[0].Err, signjob.ErrChanged) || p.calls != 0 {
		t.Fatalf("a changed file: %v, %d calls", res[0].Err, p.calls)
	}
}
