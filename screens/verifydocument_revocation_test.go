package screens

import (
	"crypto/rand"
	"crypto/x509"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
)

// Verifikasi Dokumen asks the revocation service the certificate names,
// as `besign verify` does: a revoked signer makes the signature not valid;
// a service out of reach leaves the revocation not checked, a note, and
// the signature valid.
func TestVerifyDocumentRevocationOnline(t *testing.T) {
	crls := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := crls[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	p := testpki.New(testpki.LeafOptions{Name: "Rina Kusuma, S.H.", CRLBase: srv.URL})
	for path, b := range p.CRLs {
		crls[path] = b
	}
	revoked, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(2),
		ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(24 * time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: p.Leaf.SerialNumber, RevocationTime: time.Now().Add(-time.Hour)}}},
		p.CA, p.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	crls[strings.TrimPrefix(p.Leaf.CRLDistributionPoints[0], srv.URL)] = revoked

	h := newHarness(t)
	h.ui.opts.About = About{DataDir: t.TempDir(), Config: config.Default()}
	dir := t.TempDir()
	in, signed := filepath.Join(dir, "nota.pdf"), filepath.Join(dir, "nota_signed.pdf")
	if err := os.WriteFile(in, testpdf.Base(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := pdfsign.SignFile(in, signed, pdfsign.Options{Signer: p.Key, Chain: p.Chain(), Reason: "Disetujui"}, pdfsign.FileOptions{}); err != nil {
		t.Fatal(err)
	}
	settings := h.ui.aboutDialog()
	h.wait()
	settings.addFile(writePEM(t, filepath.Join(dir, "akar-rina.pem"), p.Root))
	h.wait()

	v := h.openInTab(signed)
	rows := cardRows(t, v, 0)
	wantRow(t, rows, "Status pencabutan", "Dicabut pada ")
	wantRow(t, rows, "Hasil", "Tidak valid")
	if !strings.HasPrefix(v.summary.Text, "Tidak valid") {
		t.Errorf("summary %q", v.summary.Text)
	}

	// The service is gone (offline): not checked, said, and still valid.
	srv.Close()
	h.ui.OpenFiles([]string{signed})
	h.wait()
	rows = cardRows(t, v, 0)
	wantRow(t, rows, "Status pencabutan", "Tidak diperiksa")
	wantRow(t, rows, "Catatan", "Status pencabutan sertifikat tidak dapat diperiksa")
	wantRow(t, rows, "Hasil", "Valid")
}
