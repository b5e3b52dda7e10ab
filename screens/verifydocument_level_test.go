package screens

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
)

// rowsOf is the card's rows for s, as cardRows reads them off the tab.
func rowsOf(s pdfsign.SignatureInfo) map[string]string {
	rows := map[string]string{}
	for _, r := range signatureValues(s) {
		rows[r.row] = r.text
	}
	return rows
}

// The card names the level and the validation time: pyHanko's B-LTA file
// (pdfsign/testdata/pyhanko) is "B-LTA" at its timestamp's time, offline;
// a B-B signature checked after its certificate expired is not valid and
// says "kedaluwarsa" at the time of the check.
func TestVerifyDocumentLevel(t *testing.T) {
	dir := filepath.Join("..", "pdfsign", "testdata", "pyhanko")
	rootPEM, err := os.ReadFile(filepath.Join(dir, "root.cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(rootPEM)
	root, _ := x509.ParseCertificate(blk.Bytes)
	roots := x509.NewCertPool()
	roots.AddCert(root)
	infos, err := pdfsign.VerifyFileWith(filepath.Join(dir, "pades-lta-dss-indirect-arrs-test.pdf"), pdfsign.VerifyOptions{Roots: roots, Offline: true})
	if err != nil || len(infos) != 2 {
		t.Fatal(err, infos)
	}
	rows := rowsOf(infos[0])
	wantRow(t, rows, "Hasil", "Valid")
	wantRow(t, rows, "Tingkat", "B-LTA: seperti B-LT")
	wantRow(t, rows, "Waktu validasi", "(dibuktikan cap waktu)")
	wantRow(t, rows, "Waktu validasi", showTime("2020-11-01T00:00:00Z"))
	checkRowsAgree(t, "B-LTA", rows)
	if rows := rowsOf(infos[1]); rows["Tingkat"] != "" || rows["Hasil"] != "Valid" {
		t.Errorf("document timestamp: %v", rows)
	}

	p := testpki.New(testpki.LeafOptions{NotAfter: time.Now().Add(time.Hour)})
	var out bytes.Buffer
	base := testpdf.Base()
	if err := pdfsign.Sign(&out, bytes.NewReader(base), int64(len(base)), pdfsign.Options{Signer: p.Key, Chain: p.Chain()}); err != nil {
		t.Fatal(err)
	}
	pr := x509.NewCertPool()
	pr.AddCert(p.Root)
	for _, c := range []struct {
		at            time.Time
		result, level string
	}{
		{time.Time{}, "Valid", "B-B: tanpa cap waktu tepercaya"},
		{time.Now().Add(2 * time.Hour), "Tidak valid: penanda tangan tidak tepercaya", ""},
	} {
		infos, err := pdfsign.VerifyWith(bytes.NewReader(out.Bytes()), int64(out.Len()), pdfsign.VerifyOptions{Roots: pr, Offline: true, Time: c.at})
		if err != nil {
			t.Fatal(err)
		}
		rows := rowsOf(infos[0])
		wantRow(t, rows, "Hasil", c.result)
		wantRow(t, rows, "Waktu validasi", "(saat pemeriksaan ini)")
		if rows["Tingkat"] != "" || c.level != "" {
			wantRow(t, rows, "Tingkat", c.level)
		}
		if !c.at.IsZero() {
			wantRow(t, rows, "Tepercaya", "sertifikat kedaluwarsa pada waktu validasi")
			wantRow(t, rows, "Rincian", "Sertifikat kedaluwarsa pada waktu validasi")
		}
		checkRowsAgree(t, "B-B", rows)
	}
}
