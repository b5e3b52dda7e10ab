package embedded

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
	"github.com/natunakab/besign/authority/store/pg"
	"github.com/natunakab/besign/internal/pgtest"
	"golang.org/x/crypto/ocsp"
)

// The authority answers OCSP for what its database says (good, revoked,
// unknown), refuses requests about other issuers and garbage as RFC 6960
// says, and serves a CRL that follows each revocation: on SQLite and on
// PostgreSQL, where no CRL file exists.
func TestOCSPAndCurrentCRL(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testOCSPAndCurrentCRL(t, nil) })
	t.Run("postgresql", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		testOCSPAndCurrentCRL(t, func(o *Options) {
			db, err := pg.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			o.Path, o.DB = "", db
		})
	})
}

// NSS (pdfsig, Firefox, LibreOffice) refuses an OCSP answer whose
// thisUpdate is after its producedAt as "not yet valid", and x/crypto/ocsp
// dates producedAt to the minute, on the real clock: asked at a second past
// the minute on the real clock, the answer must not say it is current from
// that second. (It did, and pdfsig called every signature whose certificate
// names the server's OCSP untrusted.)
func TestOCSPThisUpdateNotAfterProducedAt(t *testing.T) {
	e, clk, _, _ := verifiedAccount(t, func(o *Options) { o.OCSPURL = "http://besign.natunakab.go.id/ocsp" })
	info, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: approve(t, e), Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(info.Chain[0])
	root, _ := x509.ParseCertificate(info.Chain[1])
	req, err := ocsp.CreateRequest(cert, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Not at the minute itself, nor so near the next one that it turns
	// between the clock and the answer.
	for s := time.Now().Second(); s == 0 || s >= 58; s = time.Now().Second() {
		time.Sleep(200 * time.Millisecond)
	}
	clk.Advance(time.Since(clk.Now()))
	der, err := e.OCSP(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ocsp.ParseResponseForCert(der, cert, root)
	if err != nil || r.Status != ocsp.Good {
		t.Fatalf("OCSP answer: %v, %+v", err, r)
	}
	if r.ThisUpdate.After(r.ProducedAt) || !r.NextUpdate.After(time.Now()) {
		t.Fatalf("OCSP answer produced at %s is current from %s to %s", r.ProducedAt, r.ThisUpdate, r.NextUpdate)
	}
}

func testOCSPAndCurrentCRL(t *testing.T, mod func(*Options)) {
	e, _, _, _ := verifiedAccount(t, func(o *Options) {
		o.CRLURL = "http://besign.natunakab.go.id/besign-ca.crl"
		o.OCSPURL = "http://besign.natunakab.go.id/ocsp"
		if mod != nil {
			mod(o)
		}
	})
	info, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: approve(t, e), Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(info.Chain[0])
	root, _ := x509.ParseCertificate(info.Chain[1])
	if !slices.Equal(cert.OCSPServer, []string{e.opts.OCSPURL}) || !slices.Equal(cert.CRLDistributionPoints, []string{e.opts.CRLURL}) {
		t.Fatalf("OCSP %v, CDP %v", cert.OCSPServer, cert.CRLDistributionPoints)
	}
	ask := func(c, issuer *x509.Certificate) *ocsp.Response {
		t.Helper()
		req, err := ocsp.CreateRequest(c, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
		if err != nil {
			t.Fatal(err)
		}
		der, err := e.OCSP(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		// checked against the root itself: the CA signs its answers
		r, err := ocsp.ParseResponseForCert(der, c, root)
		if err != nil {
			t.Fatalf("OCSP answer: %v", err)
		}
		if r.Certificate != nil || r.SerialNumber.Cmp(c.SerialNumber) != 0 || !r.NextUpdate.After(r.ThisUpdate) {
			t.Fatalf("OCSP answer %+v", r)
		}
		return r
	}
	crlOf := func() *x509.RevocationList {
		t.Helper()
		der, err := e.CurrentCRL(ctx)
		if err != nil {
			t.Fatal(err)
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil || crl.CheckSignatureFrom(root) != nil || !crl.NextUpdate.After(e.now()) {
			t.Fatalf("CRL: %v", err)
		}
		return crl
	}

	if r := ask(cert, root); r.Status != ocsp.Good {
		t.Fatalf("issued certificate: status %d", r.Status)
	}
	before := crlOf()
	if again := crlOf(); !bytes.Equal(again.Raw, before.Raw) || len(before.RevokedCertificateEntries) != 0 {
		t.Fatal("an unchanged CRL was signed again, or lists a certificate")
	}

	// A serial the authority never issued, with its name and key.
	stray := *cert
	stray.SerialNumber = new(big.Int).Add(cert.SerialNumber, big.NewInt(1))
	if r := ask(&stray, root); r.Status != ocsp.Unknown {
		t.Fatalf("never issued: status %d", r.Status)
	}

	// Another issuer (same name, another key) is not ours to answer for.
	other := *root
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other.RawSubjectPublicKeyInfo, _ = x509.MarshalPKIXPublicKey(&k.PublicKey)
	req, _ := ocsp.CreateRequest(cert, &other, nil)
	der, err := e.OCSP(ctx, req)
	var re ocsp.ResponseError
	if _, perr := ocsp.ParseResponse(der, nil); err != nil || !errors.As(perr, &re) || re.Status != ocsp.Unauthorized {
		t.Fatalf("another issuer: %v, %v", perr, err)
	}
	der, err = e.OCSP(ctx, []byte("kein OCSP"))
	if _, perr := ocsp.ParseResponse(der, nil); err != nil || !errors.As(perr, &re) || re.Status != ocsp.Malformed {
		t.Fatalf("garbage: %v, %v", perr, err)
	}

	// The nonce is echoed in the response's extensions (openssl ocsp
	// checks it there; the server test runs it), still signed by the CA.
	req, _ = ocsp.CreateRequest(cert, root, nil)
	nonce := []byte{0x04, 0x08, 1, 2, 3, 4, 5, 6, 7, 8}
	der, err = e.OCSP(ctx, addNonce(t, req, nonce))
	r, perr := ocsp.ParseResponseForCert(der, cert, root)
	if err != nil || perr != nil || r.Status != ocsp.Good || len(r.Extensions) != 0 || !bytes.Contains(r.TBSResponseData, nonce) {
		t.Fatalf("nonce: %+v, %v, %v", r, err, perr)
	}

	// Revoked (as a new passphrase through "Lupa Passphrase" does): OCSP
	// says so at once, and the next CRL lists it.
	at := e.now().Add(-time.Minute).Truncate(time.Second)
	if err := e.update(ctx, func(tx store.Tx) error { return tx.RevokeCertificate(ctx, info.Serial, at) }); err != nil {
		t.Fatal(err)
	}
	if r := ask(cert, root); r.Status != ocsp.Revoked || !r.RevokedAt.Equal(at) {
		t.Fatalf("revoked certificate: status %d at %s", r.Status, r.RevokedAt)
	}
	after := crlOf()
	if len(after.RevokedCertificateEntries) != 1 || after.RevokedCertificateEntries[0].SerialNumber.Cmp(cert.SerialNumber) != 0 ||
		after.Number.Cmp(before.Number) <= 0 {
		t.Fatalf("CRL after the revocation: %+v", after.RevokedCertificateEntries)
	}
}

// addNonce adds a nonce extension to an OCSP request (x/crypto/ocsp makes
// none), as openssl ocsp sends it.
func addNonce(t *testing.T, der, nonce []byte) []byte {
	t.Helper()
	var r struct {
		TBS struct {
			Version       int           `asn1:"explicit,tag:0,default:0,optional"`
			RequestorName asn1.RawValue `asn1:"explicit,tag:1,optional"`
			RequestList   []asn1.RawValue
			Extensions    []pkix.Extension `asn1:"explicit,tag:2,optional"`
		}
	}
	if _, err := asn1.Unmarshal(der, &r); err != nil {
		t.Fatal(err)
	}
	r.TBS.Extensions = []pkix.Extension{{Id: oidOCSPNonce, Value: nonce}}
	out, err := asn1.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// BenchmarkOCSP answers one OCSP request per operation as the server does:
// the certificate looked up and the CA's key unsealed in one read
// transaction, the answer signed (ECDSA P-256). On SQLite.
func BenchmarkOCSP(b *testing.B) {
	e, _, _, _ := verifiedAccount(b, nil)
	info, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: approve(b, e), Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true})
	if err != nil {
		b.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(info.Chain[0])
	root, _ := x509.ParseCertificate(info.Chain[1])
	req, err := ocsp.CreateRequest(cert, root, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.OCSP(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
