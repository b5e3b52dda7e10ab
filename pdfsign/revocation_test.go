package pdfsign

import (
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"github.com/natunakab/besign/pdfsign/testpki"
	"golang.org/x/crypto/ocsp"
)

// revocationServer serves CRLs and OCSP answers on 127.0.0.1.
type revocationServer struct {
	*httptest.Server
	mu      sync.Mutex
	crls    map[string][]byte
	ocsp    func(req *ocsp.Request) []byte
	fetches atomic.Int32
}

func newRevocationServer(t *testing.T) *revocationServer {
	s := &revocationServer{crls: map[string][]byte{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.URL.Path == "/ocsp" && s.ocsp != nil {
			body, _ := io.ReadAll(r.Body)
			req, err := ocsp.ParseRequest(body)
			if err != nil {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			w.Write(s.ocsp(req))
			return
		}
		b, ok := s.crls[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

// crl makes p's issuing CA's revocation list, revoking serials.
func crl(t *testing.T, p *testpki.PKI, serials ...*big.Int) []byte {
	t.Helper()
	var entries []x509.RevocationListEntry
	for _, s := range serials {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: time.Now().Add(-time.Hour)})
	}
	b, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(time.Now().UnixNano()),
		ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(24 * time.Hour), RevokedCertificateEntries: entries}, p.CA, p.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRevocation(t *testing.T) {
	srv := newRevocationServer(t)
	p := testpki.New(testpki.LeafOptions{CRLBase: srv.URL})
	// The CA's own CRL (from the root) is good; the signer's is set per case.
	srv.mu.Lock()
	for path, b := range p.CRLs {
		srv.crls[path] = b
	}
	srv.mu.Unlock()
	leafCRL := strings.TrimPrefix(p.Leaf.CRLDistributionPoints[0], srv.URL)
	roots := rootsOf(p)
	spec := sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", fieldNum: 5}
	signed := signUpdate(t, basePDF(), spec, goSign(t, p))
	// The same document with a DSS whose CRL revokes the signer.
	dssCRL := crl(t, p, p.Leaf.SerialNumber)
	withDSS := appendUpdate(t, signed, map[int]string{
		1: "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[5 0 R]/SigFlags 3>>/DSS<</CRLs[9 0 R]>>>>",
		9: fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(dssCRL), dssCRL)})

	// An OCSP-only signer.
	srv.mu.Lock()
	srv.ocsp = func(req *ocsp.Request) []byte {
		b, _ := ocsp.CreateResponse(p.CA, p.CA, ocsp.Response{Status: ocsp.Revoked, SerialNumber: req.SerialNumber,
			ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(time.Hour), RevokedAt: time.Now().Add(-2 * time.Hour),
			RevocationReason: ocsp.KeyCompromise}, p.CAKey)
		return b
	}
	srv.mu.Unlock()
	ocspSigner := issue(t, p, p.Key, func(c *x509.Certificate) { c.OCSPServer = []string{srv.URL + "/ocsp"} })
	ocspSigned := signUpdate(t, basePDF(), spec, func(b []byte) []byte {
		return goSignChain(t, p, ocspSigner.cert)(b)
	})

	unreachable := testpki.New(testpki.LeafOptions{CRLBase: "http://127.0.0.1:1"})
	unreachableSigned := signUpdate(t, basePDF(), spec, goSign(t, unreachable))

	cases := []struct {
		name       string
		data       []byte
		roots      *x509.CertPool
		crl        []byte
		valid      bool
		revocation string
		problem    string
		warning    string
		online     bool // whether the server is asked
	}{
		{"good", signed, roots, crl(t, p), true, "good", "", "", true},
		{"revoked", signed, roots, crl(t, p, p.Leaf.SerialNumber), false, "revoked", "was revoked on", "", true},
		{"revoked in the DSS, good online", withDSS, roots, crl(t, p), false, "revoked", "was revoked on", "", false},
		{"revoked by OCSP", ocspSigned, roots, nil, false, "revoked", "was revoked on", "", true},
		{"unreachable", unreachableSigned, rootsOf(unreachable), nil, true, "not checked", "", "revocation not checked", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv.mu.Lock()
			srv.crls[leafCRL] = c.crl
			srv.mu.Unlock()
			srv.fetches.Store(0)
			infos, err := VerifyWith(bytesReader(c.data), int64(len(c.data)), VerifyOptions{Roots: c.roots})
			if err != nil || len(infos) != 1 {
				t.Fatal(err, infos)
			}
			s := infos[0]
			if s.Valid != c.valid || s.Revocation != c.revocation || !strings.Contains(s.Problem, c.problem) || (c.problem == "") != (s.Problem == "") {
				t.Fatalf("got %+v", s)
			}
			if !strings.Contains(strings.Join(s.Warnings, ";"), c.warning) {
				t.Fatalf("warnings %v", s.Warnings)
			}
			// The DSS answers for the signer; the CA is still asked online.
			if got := srv.fetches.Load(); c.online && got == 0 || c.name == "revoked in the DSS, good online" && got > 1 {
				t.Fatalf("%d fetches", got)
			}
		})
	}
}

// A revocation after the time a trusted B-T timestamp vouches for does not
// undo the signature; without the timestamp it does.
func TestRevokedAfterTimestamp(t *testing.T) {
	srv := newRevocationServer(t)
	p := testpki.New(testpki.LeafOptions{CRLBase: srv.URL})
	signer := issue(t, p, p.Key, func(c *x509.Certificate) { c.CRLDistributionPoints = []string{srv.URL + "/leaf.crl"} })
	var entries []x509.RevocationListEntry
	entries = append(entries, x509.RevocationListEntry{SerialNumber: signer.cert.SerialNumber, RevocationTime: time.Now().Add(time.Hour)})
	list, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now(),
		NextUpdate: time.Now().Add(24 * time.Hour), RevokedCertificateEntries: entries}, p.CA, p.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	for path, b := range p.CRLs {
		srv.crls[path] = b
	}
	srv.crls["/leaf.crl"] = list
	srv.mu.Unlock()
	a := newTSA(t, p)
	plain := goSignChain(t, p, signer.cert)
	stamped := func(b []byte) []byte {
		der := plain(b)
		parsed, err := cms.Parse(der)
		if err != nil {
			t.Fatal(err)
		}
		out, err := cms.AddSignatureTimeStamp(der, a.token(t, parsed.Signature, "sha256"))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	spec := sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", fieldNum: 5}
	for _, c := range []struct {
		name       string
		sign       func([]byte) []byte
		valid      bool
		revocation string
		text       string
	}{
		{"timestamped before the revocation", stamped, true, "good", "after the validation time"},
		{"no timestamp", plain, false, "revoked", "was revoked on"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := signUpdate(t, basePDF(), spec, c.sign)
			infos, err := VerifyWith(bytesReader(b), int64(len(b)), VerifyOptions{Roots: rootsOf(p), Time: time.Now().Add(2 * time.Hour)})
			if err != nil || len(infos) != 1 {
				t.Fatal(err, infos)
			}
			s := infos[0]
			all := s.Problem + strings.Join(s.Warnings, ";")
			if s.Valid != c.valid || s.Revocation != c.revocation || !strings.Contains(all, c.text) {
				t.Fatalf("got %+v", s)
			}
		})
	}
}
