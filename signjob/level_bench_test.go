package signjob

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
	"github.com/natunakab/besign/pdfsign/timestamp"
	"golang.org/x/crypto/ocsp"
)

// benchWorld is a signer (RSA-2048, key in memory, as besign sign --p12)
// whose certificates name CRLs, and a TSA (ECDSA P-256) naming an OCSP
// responder, all served on 127.0.0.1: the TSA and the responder sign
// each answer as they are asked.
func benchWorld(b *testing.B) (Job, func(context.Context, []byte) ([]byte, error)) {
	b.Helper()
	var p *testpki.PKI
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ocsp" {
			body, _ := io.ReadAll(r.Body)
			req, err := ocsp.ParseRequest(body)
			if err != nil {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			now := time.Now()
			der, _ := ocsp.CreateResponse(p.CA, p.CA, ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber,
				ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}, p.CAKey)
			w.Write(der)
			return
		}
		der, ok := p.CRLs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(der)
	}))
	b.Cleanup(srv.Close)
	p = testpki.New(testpki.LeafOptions{CRLBase: srv.URL})
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := timestamp.CertificateTemplate(pkix.Name{CommonName: "TSA Bench"}, big.NewInt(time.Now().UnixNano()), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	tmpl.OCSPServer = []string{srv.URL + "/ocsp"}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CA, k.Public(), p.CAKey)
	if err != nil {
		b.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	var serial atomic.Int64
	tsa := httptest.NewServer(&timestamp.Issuer{Signer: k, Chain: []*x509.Certificate{cert, p.CA},
		Serial: func(context.Context) (*big.Int, error) { return big.NewInt(serial.Add(1)), nil }})
	b.Cleanup(tsa.Close)
	stamp, err := TimeStamper(tsa.URL+"/tsa", nil)
	if err != nil {
		b.Fatal(err)
	}
	return Job{Key: p.Key, Chain: []*x509.Certificate{p.Leaf, p.CA, p.Root}, Name: "Uji Level"}, stamp
}

// BenchmarkLevels signs a batch of 100 one-page PDFs, and one PDF of 100
// pages (about 2 MB), with a visible signature at each level: the extra time B-T, B-LT and B-LTA
// cost over B-B is the TSA's round trips (one per signature, and one more
// per document timestamp) and, once per batch, the revocation fetches
// (FetchCache), plus a second update per document. ms/batch is one Run;
// cpu-ms/doc the process's CPU time per document.
func BenchmarkLevels(b *testing.B) {
	base, stamp := benchWorld(b)
	for _, shape := range []struct {
		name         string
		docs, pages  int
		bytesPerPage int
	}{{"batch100x1page", 100, 1, 0}, {"1x100pages", 1, 100, 20 << 10}} {
		src := b.TempDir()
		docs := make([]Document, shape.docs)
		for i := range docs {
			content := testpdf.Base()
			if shape.pages > 1 {
				content = testpdf.Pages(shape.pages, shape.bytesPerPage)
			}
			docs[i] = fileDoc(b, filepath.Join(src, fmt.Sprintf("surat-%03d.pdf", i)), content)
		}
		for _, lvl := range []Level{LevelB, LevelT, LevelLT, LevelLTA} {
			b.Run(shape.name+"/"+string(lvl), func(b *testing.B) {
				job := base
				job.Level = lvl
				if lvl != LevelB {
					job.TimeStamp = stamp
				}
				outs := b.TempDir()
				iter := 0
				var total, cpu time.Duration
				for b.Loop() {
					iter++
					b.StopTimer()
					job.OutputDir = filepath.Join(outs, fmt.Sprint(iter))
					os.Mkdir(job.OutputDir, 0o755)
					b.StartTimer()
					start, c := time.Now(), cpuTime()
					res := Run(context.Background(), job, docs)
					total += time.Since(start)
					cpu += cpuTime() - c
					for _, r := range res {
						if r.Err != nil || r.Level != lvl {
							b.Fatalf("%v (%s: %s)", r.Err, r.Level, r.LevelWhy)
						}
					}
				}
				b.ReportMetric(float64((total/time.Duration(iter)).Microseconds())/1000, "ms/batch")
				b.ReportMetric(float64(shape.docs)/(total/time.Duration(iter)).Seconds(), "docs/s")
				// The process's CPU time (the TSA's and the responder's
				// included: they run in it), steadier than wall time on a
				// shared machine.
				b.ReportMetric(float64((cpu/time.Duration(iter*shape.docs)).Microseconds())/1000, "cpu-ms/doc")
			})
		}
	}
}
