package screens

import (
	"context"
	"crypto/x509"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/signjob"
)

// With a TSA configured, the signing tab's batch makes PAdES B-T: each
// signature carries the TSA's token, which verification reads as the
// signing time. A TSA that does not answer signs nothing and says so at
// the document.
func TestSignTimeStamped(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	ctx := context.Background()
	issuer, err := h.auth.TimeStampIssuer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tsa := httptest.NewServer(issuer)
	defer tsa.Close()
	if h.ui.opts.TimeStamp, err = signjob.TimeStamper(tsa.URL, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := writePDF(t, dir, "surat.pdf", a4)
	h.ui.OpenFiles([]string{in})
	h.wait()
	pr := h.openPrompt()
	h.typeIn(pr.entry, signPass)
	h.enter()
	out := filepath.Join(dir, "surat_signed.pdf")
	if tab.run == nil || !tab.run.finished || tab.run.rows[0].output != out {
		t.Fatalf("not signed: %q", tab.run.rows[0].status.Text)
	}
	// the test authority names no revocation source: B-T is as high as it
	// goes, and the row says so
	if got := tab.run.rows[0].status.Text; !strings.Contains(got, "(PAdES B-T)") {
		t.Fatalf("the row does not name the level: %q", got)
	}
	der, err := h.auth.RootCertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(root)
	infos, err := pdfsign.VerifyFileWith(out, pdfsign.VerifyOptions{Roots: roots, Offline: true})
	if err != nil || len(infos) != 1 || infos[0].Timestamp == "" || infos[0].SigningTime != infos[0].Timestamp ||
		!strings.Contains(infos[0].TimestampAuthority, "TSA") {
		t.Fatalf("the signature is not time-stamped by the TSA: %+v, %v", infos, err)
	}

	// The TSA gone: the next document is not signed, and the row says why.
	tsa.Close()
	next := writePDF(t, dir, "nota.pdf", a4)
	h.ui.OpenFiles([]string{next})
	h.wait()
	pr = h.openPrompt()
	h.typeIn(pr.entry, signPass)
	h.enter()
	var row *runRow
	for i := range tab.run.rows {
		if strings.Contains(tab.run.rows[i].name.Text, "nota") {
			row = tab.run.rows[i]
		}
	}
	if row == nil || row.output != "" || !strings.Contains(row.status.Text, "TSA tidak dapat dihubungi") {
		t.Fatalf("with the TSA gone: %+v", row)
	}
	if _, err := os.Stat(filepath.Join(dir, "nota_signed.pdf")); !os.IsNotExist(err) {
		t.Fatalf("a document was written without its time stamp: %v", err)
	}
}
