package signjob

import (
	"bytes"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/pdfsign"
)

// ltvAccount is an account whose certificates name the authority's own
// CRL and OCSP responder, served with its TSA on 127.0.0.1 as the
// organisation server serves them.
func ltvAccount(t *testing.T) (*account, string) {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	acc := newAccountWith(t, func(o *embedded.Options) {
		o.CRLURL = srv.URL + httpapi.CRLPath
		o.OCSPURL = srv.URL + httpapi.OCSPPath
	})
	is, err := acc.a.TimeStampIssuer(bg)
	if err != nil {
		t.Fatal(err)
	}
	rev := httpapi.Revocation(acc.a, nil)
	mux := http.NewServeMux()
	mux.Handle("/tsa", is)
	mux.Handle("/", rev)
	h = mux
	return acc, srv.URL + "/tsa"
}

// A batch at B-LTA through the authority, its TSA and its OCSP responder:
// every document reaches B-LTA, passes qpdf --check, and verifies offline
// three years on, when the signer's certificate has expired, from what
// its DSS holds.
func TestRunLTA(t *testing.T) {
	acc, tsaURL := ltvAccount(t)
	src, out := t.TempDir(), t.TempDir()
	docs := []Document{onePage(t, src, "surat-1.pdf"), onePage(t, src, "surat-2.pdf")}
	job := acc.job(passphrase, nil)
	job.OutputDir = out
	var err error
	if job.TimeStamp, err = TimeStamper(tsaURL, nil); err != nil {
		t.Fatal(err)
	}
	job.Level = LevelLTA
	root := acc.chain[len(acc.chain)-1]
	job.LTV = &pdfsign.LTV{Certs: acc.chain}
	for _, r := range Run(bg, job, docs) {
		if r.Err != nil || r.Level != LevelLTA || r.LevelWhy != "" {
			t.Fatalf("document %d: %v (%s: %s)", r.Index, r.Err, r.Level, r.LevelWhy)
		}
	}
	files := signedFiles(out)
	if len(files) != 2 {
		t.Fatalf("written: %v", files)
	}
	for _, p := range files {
		checkSigned(t, p, "")
		b, _ := os.ReadFile(p)
		infos, err := pdfsign.VerifyWith(bytes.NewReader(b), int64(len(b)), pdfsign.VerifyOptions{Roots: poolOf(root), Offline: true,
			Time: time.Now().Add(3 * 365 * 24 * time.Hour)})
		if err != nil || len(infos) != 2 || !infos[0].Valid || infos[0].Revocation != "good" {
			t.Fatalf("%s: %v %+v", p, err, infos)
		}
	}
	assertClean(t, out)
}

// Levels that cannot be reached: asked for, the document fails and
// nothing is written; with BestEffort it is signed at the level reachable,
// and the result says which and why.
func TestRunLevelFallback(t *testing.T) {
	acc, tsaURL := ltvAccount(t)
	src := t.TempDir()
	docs := []Document{onePage(t, src, "surat.pdf")}
	stamp, _ := TimeStamper(tsaURL, nil)

	job := acc.job(passphrase, nil)
	job.Level = LevelLT // no TimeStamp
	job.OutputDir = t.TempDir()
	if r := Run(bg, job, docs)[0]; !errors.Is(r.Err, ErrLevel) || len(signedFiles(job.OutputDir)) != 0 {
		t.Fatalf("B-LT without a TSA: %v", r.Err)
	}
	job.BestEffort = true
	if r := Run(bg, job, docs)[0]; r.Err != nil || r.Level != LevelB || !strings.Contains(r.LevelWhy, "time-stamping") {
		t.Fatalf("best effort without a TSA: %+v", r)
	}

	// Revocation data that cannot be had (offline, none at hand).
	job = acc.job(passphrase, nil)
	job.TimeStamp, job.Level, job.LTV = stamp, LevelLTA, &pdfsign.LTV{Offline: true}
	job.OutputDir = t.TempDir()
	if r := Run(bg, job, docs)[0]; !errors.Is(r.Err, pdfsign.ErrLTVIncomplete) || len(signedFiles(job.OutputDir)) != 0 {
		t.Fatalf("B-LTA offline: %v", r.Err)
	}
	assertClean(t, job.OutputDir)
	job.BestEffort = true
	if r := Run(bg, job, docs)[0]; r.Err != nil || r.Level != LevelT || !strings.Contains(r.LevelWhy, "offline") {
		t.Fatalf("best effort offline: %+v", r)
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]Level{"b-b": LevelB, "B-T": LevelT, " B-LT ": LevelLT, "b-lta": LevelLTA} {
		if got, err := ParseLevel(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParseLevel("B-LTV"); !errors.Is(err, ErrLevel) {
		t.Errorf("B-LTV: %v", err)
	}
}

func poolOf(c *x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c)
	return p
}
