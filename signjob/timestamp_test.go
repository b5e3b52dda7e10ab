package signjob

import (
	"bytes"
	"crypto/x509"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/timestamp"
)

// A batch signed through the authority with its own TSA: every document
// is PAdES B-T, and verification shows the TSA and dates the signature
// with the token. A TSA that cannot be reached fails every document with
// timestamp.ErrUnreachable and writes nothing.
func TestRunTimeStamped(t *testing.T) {
	acc := newAccount(t)
	is, err := acc.a.TimeStampIssuer(bg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(is)
	defer srv.Close()
	src, out := t.TempDir(), t.TempDir()
	docs := []Document{onePage(t, src, "surat-1.pdf"), onePage(t, src, "surat-2.pdf")}
	calls := 0
	job := acc.job(passphrase, &calls)
	job.OutputDir = out
	if job.TimeStamp, err = TimeStamper(srv.URL, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range Run(bg, job, docs) {
		if r.Err != nil {
			t.Fatalf("document %d: %v", r.Index, r.Err)
		}
	}
	if calls != 1 {
		t.Errorf("%d SignDigests calls, want 1", calls)
	}
	root := acc.chain[len(acc.chain)-1]
	roots := x509.NewCertPool()
	roots.AddCert(root)
	for _, p := range signedFiles(out) {
		b, _ := os.ReadFile(p)
		infos, err := pdfsign.Verify(bytes.NewReader(b), int64(len(b)), roots)
		if err != nil || len(infos) != 1 {
			t.Fatal(err, infos)
		}
		s := infos[0]
		at, err := time.Parse(time.RFC3339, s.Timestamp)
		if !s.Valid || err != nil || time.Since(at) > time.Minute || s.TimestampAuthority != is.Chain[0].Subject.CommonName || s.SigningTime != s.Timestamp {
			t.Errorf("%s: %+v", filepath.Base(p), s)
		}
		checkSigned(t, p, "")
	}

	dead, _ := TimeStamper("http://127.0.0.1:1/tsa", nil)
	job.TimeStamp = dead
	out2 := t.TempDir()
	job.OutputDir = out2
	for _, r := range Run(bg, job, docs) {
		if !errors.Is(r.Err, timestamp.ErrUnreachable) {
			t.Errorf("document %d without its TSA: %v", r.Index, r.Err)
		}
	}
	if left := signedFiles(out2); len(left) != 0 {
		t.Errorf("written without a timestamp: %v", left)
	}
	assertClean(t, out2)
}
