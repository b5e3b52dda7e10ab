package pdfsign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/testpki"
	"golang.org/x/crypto/ocsp"
)

// Attacks on online OCSP: a "good" answer for a revoked signer must count
// only when the CA or a responder it authorised for OCSP signed it, and
// only while it is current. Whoever sits on the network path (or runs a
// look-alike responder) must not turn a revoked certificate good; at
// worst revocation is "not checked".
func TestOCSPAnswersRefused(t *testing.T) {
	srv := newRevocationServer(t)
	p := testpki.New(testpki.LeafOptions{CRLBase: srv.URL})
	srv.mu.Lock()
	for path, b := range p.CRLs {
		srv.crls[path] = b
	}
	srv.mu.Unlock()
	// The signer names OCSP only, so that no CRL can rescue a refused answer.
	signer := issue(t, p, p.Key, func(c *x509.Certificate) { c.OCSPServer = []string{srv.URL + "/ocsp"} })
	spec := sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", fieldNum: 5}
	signed := signUpdate(t, basePDF(), spec, goSignChain(t, p, signer.cert))

	newKey := func() crypto.Signer {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	// A responder the CA authorised, one it did not (a signer's own
	// certificate with its key), and a stranger's self-signed one.
	delegatedKey, plainKey, foreignKey := newKey(), newKey(), newKey()
	delegated := issue(t, p, delegatedKey, func(c *x509.Certificate) {
		c.Subject.CommonName = "OCSP Responder"
		c.KeyUsage = x509.KeyUsageDigitalSignature
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
	}).cert
	plainCert := issue(t, p, plainKey, func(c *x509.Certificate) { c.Subject.CommonName = "Penanda Tangan Lain" }).cert
	foreign := testpki.New(testpki.LeafOptions{})

	good := func(req *ocsp.Request) ocsp.Response {
		return ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber,
			ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}
	}
	revoked := func(req *ocsp.Request) ocsp.Response {
		r := good(req)
		r.Status, r.RevokedAt = ocsp.Revoked, time.Now().Add(-time.Hour)
		return r
	}
	cases := []struct {
		name       string
		answer     func(req *ocsp.Request) ocsp.Response
		issuer     *x509.Certificate // the CA whose name the answer carries
		responder  *x509.Certificate // embedded in the answer; nil: none
		key        crypto.Signer
		revocation string
		text       string
	}{
		{"the CA: revoked", revoked, p.CA, nil, p.CAKey, "revoked", "was revoked on"},
		{"delegated responder: revoked", revoked, p.CA, delegated, delegatedKey, "revoked", "was revoked on"},
		{"delegated responder: good", good, p.CA, delegated, delegatedKey, "good", ""},
		{"another certificate of the CA, no OCSP signing", good, p.CA, plainCert, plainKey, "not checked", "not authorised for OCSP"},
		{"foreign key, no certificate", good, p.CA, nil, foreignKey, "not checked", "unusable OCSP response"},
		{"foreign CA", good, foreign.CA, foreign.Leaf, foreign.Key, "not checked", "unusable OCSP response"},
		{"out of date", func(req *ocsp.Request) ocsp.Response {
			r := good(req)
			r.ThisUpdate, r.NextUpdate = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
			return r
		}, p.CA, nil, p.CAKey, "not checked", "out of date"},
		{"dated in the future", func(req *ocsp.Request) ocsp.Response {
			r := good(req)
			r.ThisUpdate, r.NextUpdate = time.Now().Add(time.Hour), time.Now().Add(2*time.Hour)
			return r
		}, p.CA, nil, p.CAKey, "not checked", "dated in the future"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv.mu.Lock()
			srv.ocsp = func(req *ocsp.Request) []byte {
				tmpl := c.answer(req)
				tmpl.Certificate = c.responder
				responder := c.responder
				if responder == nil {
					responder = c.issuer
				}
				b, err := ocsp.CreateResponse(c.issuer, responder, tmpl, c.key)
				if err != nil {
					t.Error(err)
				}
				return b
			}
			srv.mu.Unlock()
			infos, err := VerifyWith(bytesReader(signed), int64(len(signed)), VerifyOptions{Roots: rootsOf(p)})
			if err != nil || len(infos) != 1 {
				t.Fatal(err, infos)
			}
			s := infos[0]
			all := s.Problem + ";" + strings.Join(s.Warnings, ";")
			if s.Revocation != c.revocation || !strings.Contains(all, c.text) || s.Valid != (c.revocation != "revoked") ||
				(s.RevokedAt != "") != (c.revocation == "revoked") {
				t.Fatalf("revocation %q valid %v, want %q with %q: %s", s.Revocation, s.Valid, c.revocation, c.text, all)
			}
		})
	}
}

// A revocation server that accepts connections and never answers (a
// network that drops packets) costs one timeout per file, not one per
// address: the CRL of the same host is not tried after its OCSP responder
// timed out, and the signature stays valid with revocation not checked.
func TestRevocationHostTimesOutOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			held = append(held, c)
		}
	}()
	base := "http://" + ln.Addr().String()
	p := testpki.New(testpki.LeafOptions{})
	signer := issue(t, p, p.Key, func(c *x509.Certificate) {
		c.OCSPServer = []string{base + "/ocsp"}
		c.CRLDistributionPoints = []string{base + "/besign-ca.crl"}
	})
	spec := sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", fieldNum: 5}
	signed := signUpdate(t, basePDF(), spec, goSignChain(t, p, signer.cert))
	start := time.Now()
	infos, err := VerifyWith(bytesReader(signed), int64(len(signed)), VerifyOptions{Roots: rootsOf(p),
		HTTPClient: &http.Client{Timeout: 300 * time.Millisecond}})
	if err != nil || len(infos) != 1 {
		t.Fatal(err, infos)
	}
	s := infos[0]
	if !s.Valid || s.Revocation != "not checked" || !strings.Contains(strings.Join(s.Warnings, ";"), "did not answer before") {
		t.Fatalf("valid %v, revocation %q, warnings %v", s.Valid, s.Revocation, s.Warnings)
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("%d connections to the silent server, want 1 (%s)", n, time.Since(start))
	}
}
