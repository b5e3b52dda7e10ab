package screens

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
	"github.com/natunakab/besign/pdfsign/timestamp"
	"github.com/natunakab/besign/signjob"
)

// Verifikasi Dokumen offers a B-T document its long-term validation
// material, as `besign extend` adds it. With the revocation service out of
// reach, nothing is written and the tab says why; once it answers, the
// file gains one update (its earlier bytes kept as they were) and is
// verified again at B-LTA, with nothing more to offer.
func TestVerifyDocumentExtend(t *testing.T) {
	var down atomic.Bool
	crls := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := crls[r.URL.Path]
		if down.Load() || !ok {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	p := testpki.New(testpki.LeafOptions{Name: "Rina Kusuma, S.H.", CRLBase: srv.URL})
	for path, b := range p.CRLs {
		crls[path] = b
	}
	// A TSA under the same issuing CA, whose certificate names the CA's CRL.
	tsa := httptest.NewServer(p.TSA("TSA Uji", p.CA.NotAfter))
	defer tsa.Close()
	stamp, err := signjob.TimeStamper(tsa.URL, nil)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	in, signed := filepath.Join(dir, "sk.pdf"), filepath.Join(dir, "sk_signed.pdf")
	if err := os.WriteFile(in, testpdf.Base(), 0o644); err != nil {
		t.Fatal(err)
	}
	err = pdfsign.SignFile(in, signed, pdfsign.Options{Signer: p.Key, Chain: p.Chain(),
		TimeStamp: func(d []byte) ([]byte, error) { return stamp(context.Background(), d) }}, pdfsign.FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(signed)

	h := newHarness(t)
	h.ui.opts.About = About{DataDir: t.TempDir(), Config: config.Default()}
	h.ui.opts.TimeStamp = stamp
	settings := h.ui.aboutDialog()
	h.wait()
	settings.addFile(writePEM(t, filepath.Join(dir, "akar.pem"), p.Root))
	h.wait()

	v := h.openInTab(signed)
	wantRow(t, cardRows(t, v, 0), "Tingkat", "B-T")
	if v.extendBtn == nil || v.extendBtn.Text != "Tambah Validasi Jangka Panjang" {
		t.Fatalf("a valid B-T document is not offered long-term validation: %v", v.extendBtn)
	}

	// Offline: nothing written, and said under the cards.
	down.Store(true)
	h.tap(v.extendBtn)
	h.wait()
	if now, _ := os.ReadFile(signed); !bytes.Equal(now, before) {
		t.Fatal("the file changed though the revocation status could not be had")
	}
	if f := v.current; !f.extendFailed || !strings.Contains(f.extended, "Data validasi tidak ditambahkan") ||
		!strings.Contains(f.extended, "Status pencabutan Rina Kusuma, S.H.") || !strings.Contains(f.extended, "coba lagi saat terhubung") {
		t.Fatalf("the failure is not told: %q", f.extended)
	}
	if v.extendBtn == nil {
		t.Fatal("after a failure the offer is gone")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("a temporary file was left: %v", entries)
	}

	down.Store(false)
	h.tap(v.extendBtn)
	h.wait()
	after, _ := os.ReadFile(signed)
	if len(after) <= len(before) || !bytes.Equal(after[:len(before)], before) {
		t.Fatalf("the signed bytes were not kept as the prefix (%d -> %d bytes)", len(before), len(after))
	}
	if f := v.current; f.extendFailed || f.extended != "Data validasi dan cap waktu dokumen ditambahkan." {
		t.Fatalf("told %q", f.extended)
	}
	rows := cardRows(t, v, 0)
	wantRow(t, rows, "Tingkat", "B-LTA")
	wantRow(t, rows, "Hasil", "Valid")
	if len(v.sigs.Objects) < 2 {
		t.Fatal("the document timestamp has no card")
	}
	if v.extendBtn != nil && v.extendBtn.Text == "Tambah Validasi Jangka Panjang" {
		t.Error("a B-LTA document is still offered long-term validation")
	}
	if !strings.HasPrefix(v.summary.Text, "Semua tanda tangan valid") {
		t.Errorf("summary %q", v.summary.Text)
	}
}

// What the tab offers, by the levels of a file's signatures.
func TestExtendOffer(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	sig := func(level string, valid bool) pdfsign.SignatureInfo {
		return pdfsign.SignatureInfo{Kind: pdfsign.KindSignature, Level: level, Valid: valid}
	}
	docTS := pdfsign.SignatureInfo{Kind: "document_timestamp", Valid: true}
	for _, c := range []struct {
		name      string
		infos     []pdfsign.SignatureInfo
		tsa       bool
		until     time.Time
		lowest    string
		renew, ok bool
		withErr   bool
	}{
		{name: "B-T with a TSA", infos: []pdfsign.SignatureInfo{sig("B-T", true)}, tsa: true, lowest: "B-T", ok: true},
		{name: "lowest of two", infos: []pdfsign.SignatureInfo{sig("B-LTA", true), sig("B-B", true)}, tsa: true, lowest: "B-B", ok: true},
		{name: "B-LT without a TSA", infos: []pdfsign.SignatureInfo{sig("B-LT", true)}},
		{name: "B-B without a TSA", infos: []pdfsign.SignatureInfo{sig("B-B", true)}},
		{name: "B-B with a TSA", infos: []pdfsign.SignatureInfo{sig("B-B", true)}, tsa: true, lowest: "B-B", ok: true},
		{name: "B-T without a TSA", infos: []pdfsign.SignatureInfo{sig("B-T", true)}, lowest: "B-T", ok: true},
		{name: "a signature not valid", infos: []pdfsign.SignatureInfo{sig("B-T", true), sig("", false)}, tsa: true},
		{name: "no signature", infos: []pdfsign.SignatureInfo{docTS}, tsa: true},
		{name: "B-LTA, archive renewable for years", infos: []pdfsign.SignatureInfo{sig("B-LTA", true), docTS}, tsa: true, until: now.AddDate(3, 0, 0)},
		{name: "B-LTA, archive ends within the year", infos: []pdfsign.SignatureInfo{sig("B-LTA", true), docTS}, tsa: true, until: now.AddDate(0, 6, 0), lowest: "B-LTA", renew: true, ok: true},
		{name: "B-LTA, archive ends, no TSA", infos: []pdfsign.SignatureInfo{sig("B-LTA", true), docTS}, until: now.AddDate(0, 6, 0)},
		{name: "not verified", infos: []pdfsign.SignatureInfo{sig("B-T", true)}, tsa: true, withErr: true},
	} {
		f := &checkedFile{done: true, infos: c.infos, archiveUntil: c.until}
		if c.withErr {
			f.err = pdfsign.ErrMalformed
		}
		lowest, renew, ok := extendOffer(f, c.tsa, now)
		if lowest != c.lowest || renew != c.renew || ok != c.ok {
			t.Errorf("%s: %q %v %v, want %q %v %v", c.name, lowest, renew, ok, c.lowest, c.renew, c.ok)
		}
	}
}

// Why no validation material was added, in the person's words: which
// certificates, and whether trying again can help.
func TestExtendErrorText(t *testing.T) {
	for _, c := range []struct {
		err       error
		want, not []string
	}{
		{&pdfsign.IncompleteError{Missing: []pdfsign.Missing{{Name: "Rina", Why: pdfsign.MissingNoService}, {Name: "CA Uji", Why: pdfsign.MissingNoService}}},
			[]string{"Sertifikat Rina, CA Uji tidak menyebut layanan pencabutan"}, []string{"coba lagi", "it names"}},
		{&pdfsign.IncompleteError{Missing: []pdfsign.Missing{{Name: "Rina", Why: pdfsign.MissingIssuer}, {Name: "TSA", Why: pdfsign.MissingUnavailable}}},
			[]string{"Sertifikat penerbit dari Rina tidak tersedia", "Status pencabutan TSA tidak dapat diperoleh; coba lagi"}, nil},
		{&pdfsign.IncompleteError{DocTimeStamp: timestamp.ErrUnreachable},
			[]string{"Cap waktu dokumen tidak dapat diperoleh: TSA tidak dapat dihubungi"}, []string{"pencabutan"}},
		{pdfsign.ErrNotPDF, []string{"Data validasi tidak ditambahkan: Berkas ini bukan PDF"}, nil},
	} {
		got := extendErrorText(c.err)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%v: %q lacks %q", c.err, got, w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(got, w) {
				t.Errorf("%v: %q says %q", c.err, got, w)
			}
		}
	}
}
