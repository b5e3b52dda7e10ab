package docqueue

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
	"github.com/natunakab/besign/signjob"
)

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Pages and their displayed sizes come from pdfsign's reader: a page
// turned by /Rotate 90 shows its box turned.
func TestReadPages(t *testing.T) {
	b, err := testpdf.Update(testpdf.Base(), map[int]string{
		2: "<</Type/Pages/Count 2/Kids[3 0 R 5 0 R]>>",
		5: "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Rotate 90/Contents 4 0 R>>",
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(write(t, "dua.pdf", b), "")
	if err != nil {
		t.Fatal(err)
	}
	if f.Pages() != 2 || f.Signed != 0 || len(f.Signers) != 0 || len(f.Fields) != 0 {
		t.Fatalf("facts %+v", f)
	}
	if w, h := f.PageSize(1); w != 300 || h != 300 {
		t.Errorf("page 1: %v x %v", w, h)
	}
	if w, h := f.PageSize(2); w != 842 || h != 595 {
		t.Errorf("page 2 (rotated): %v x %v", w, h)
	}
	if w, h := f.PageSize(3); w != 0 || h != 0 {
		t.Errorf("page 3 of 2: %v x %v", w, h)
	}
}

// A signed document tells its signed field and its signer's name.
func TestReadSigned(t *testing.T) {
	pki := testpki.New(testpki.LeafOptions{Name: "Siti Rahma"})
	src := testpdf.Base()
	var out bytes.Buffer
	if err := pdfsign.Sign(&out, bytes.NewReader(src), int64(len(src)), pdfsign.Options{Signer: pki.Key, Chain: pki.Chain()}); err != nil {
		t.Fatal(err)
	}
	f, err := Read(write(t, "signed.pdf", out.Bytes()), "")
	if err != nil {
		t.Fatal(err)
	}
	if f.Pages() != 1 || f.Signed != 1 || len(f.Fields) != 1 || !f.Fields[0].Signed || len(f.Signers) != 1 || !strings.Contains(f.Signers[0], "Siti Rahma") {
		t.Fatalf("facts %+v", f)
	}
}

// What is no PDF, or no file, gets the sentinel its caller words.
func TestReadBad(t *testing.T) {
	if _, err := Read(write(t, "teks.pdf", []byte("bukan PDF")), ""); !errors.Is(err, pdfsign.ErrNotPDF) {
		t.Errorf("text: %v", err)
	}
	if _, err := Read(write(t, "kosong.pdf", nil), ""); !errors.Is(err, pdfsign.ErrNotPDF) {
		t.Errorf("empty: %v", err)
	}
	if _, err := Read(filepath.Join(t.TempDir(), "hilang.pdf"), ""); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if _, err := Read(t.TempDir(), ""); !errors.Is(err, pdfsign.ErrNotRegular) {
		t.Errorf("folder: %v", err)
	}
}

// Nothing is queued without a page, or without the file to fingerprint;
// the queue is not asked (nil would panic).
func TestQueueRefuses(t *testing.T) {
	ctx := context.Background()
	path := write(t, "a.pdf", testpdf.Base())
	if _, err := Queue(ctx, nil, Request{Path: path, Pages: 0}); !errors.Is(err, ErrNoPages) || !errors.Is(err, pdfsign.ErrMalformed) {
		t.Errorf("no pages: %v", err)
	}
	if _, err := Queue(ctx, nil, Request{Path: filepath.Join(t.TempDir(), "hilang.pdf"), Pages: 1}); !errors.Is(err, signjob.ErrMissing) {
		t.Errorf("missing: %v", err)
	}
}

// A document that changed on disk is taken again as it is now: a new
// fingerprint, the new page count, the box moved to the last page when its
// page went away; an unreadable count keeps the queue's.
func TestRequeue(t *testing.T) {
	ctx := context.Background()
	opts := embedded.DefaultOptions()
	opts.Path = filepath.Join(t.TempDir(), "authority.db")
	opts.MasterKey = bytes.Repeat([]byte{7}, authority.MasterKeySize)
	opts.Logf = func(string, ...any) {}
	a, err := embedded.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const email = "siti@natunakab.go.id"
	if _, err := a.CreateUser(ctx, authority.CreateUserRequest{Name: "Siti", Email: email}); err != nil {
		t.Fatal(err)
	}
	s, err := a.LocalSession(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	path := write(t, "surat.pdf", testpdf.Base())
	st := authority.SignatureSettings{Page: 3, Box: authority.Box{X: 36, Y: 36, W: 180, H: 60}, Reason: "Menyetujui"}
	d, err := Queue(ctx, a, Request{Token: s.Token, Path: path, Pages: 3, Settings: st})
	if err != nil {
		t.Fatal(err)
	}
	longer := append(testpdf.Base(), "\n% lampiran\n"...)
	if err := os.WriteFile(path, longer, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Requeue(ctx, a, Change{Token: s.Token, ID: d.ID, Path: path, Pages: 1, Settings: st})
	if err != nil {
		t.Fatal(err)
	}
	if got.Pages != 1 || got.Settings.Page != 1 || got.Fingerprint.Size != int64(len(longer)) || got.Settings.Reason != "Menyetujui" {
		t.Errorf("requeued: pages %d, page %d, size %d (want 1, 1, %d)", got.Pages, got.Settings.Page, got.Fingerprint.Size, len(longer))
	}
	if now, err := signjob.Take(path); err != nil || !bytes.Equal(now.SHA256, got.Fingerprint.SHA256) {
		t.Errorf("the queue's fingerprint is not the file's: %v", err)
	}
	got, err = Requeue(ctx, a, Change{Token: s.Token, ID: d.ID, Path: path, Pages: 0, Settings: got.Settings})
	if err != nil || got.Pages != 1 {
		t.Errorf("requeue with an unknown count: pages %d, %v", got.Pages, err)
	}
	if _, err := Requeue(ctx, a, Change{Token: s.Token, ID: d.ID, Path: filepath.Join(t.TempDir(), "hilang.pdf"), Pages: 1, Settings: st}); !errors.Is(err, signjob.ErrMissing) {
		t.Errorf("requeue of a missing file: %v", err)
	}
}
