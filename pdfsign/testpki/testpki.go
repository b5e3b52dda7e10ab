// Package testpki makes throwaway certificate hierarchies (root, issuing
// CA, signer) for tests and benchmarks, and writes them as PEM and PKCS#12
// for external validators.
package testpki

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/natunakab/besign/pdfsign/timestamp"
)

// PKI is a root, an issuing CA and a signer.
type PKI struct {
	Root, CA, Leaf *x509.Certificate
	RootKey, CAKey crypto.Signer
	Key            crypto.Signer
	// CRLs are empty revocation lists by URL path ("/root-N.crl" for the
	// CA certificate, "/ca-N.crl" for the signer), when CRLBase was set.
	CRLs map[string][]byte
}

// Chain is the signer's chain without the root.
func (p *PKI) Chain() []*x509.Certificate { return []*x509.Certificate{p.Leaf, p.CA} }

// LeafOptions tweak the signer certificate.
type LeafOptions struct {
	ECDSA     bool
	NotBefore time.Time
	NotAfter  time.Time
	KeyUsage  x509.KeyUsage // zero means digitalSignature|nonRepudiation
	Name      string
	// CRLBase, when set, is an http URL under which the CRLs (see PKI.CRLs)
	// are served: the certificates then name their distribution points.
	CRLBase string
}

var serial int64 = time.Now().UnixNano()

func next() *big.Int { serial++; return big.NewInt(serial) }

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// New makes a hierarchy. RSA keys are 2048 bits.
func New(o LeafOptions) *PKI {
	p := &PKI{CRLs: map[string][]byte{}}
	// Unique names: NSS finds issuers by subject name.
	tag := fmt.Sprintf(" %d", serial)
	rootCRL := fmt.Sprintf("/root-%d.crl", serial)
	caCRL := fmt.Sprintf("/ca-%d.crl", serial)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	now := time.Now()
	root := &x509.Certificate{SerialNumber: next(), Subject: pkix.Name{CommonName: "Test Root CA" + tag, Organization: []string{"BeSign Test"}},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, root, root, rk.Public(), rk)
	must(err)
	p.Root, _ = x509.ParseCertificate(der)
	p.RootKey = rk
	ck, err := rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	ca := &x509.Certificate{SerialNumber: next(), Subject: pkix.Name{CommonName: "Test Issuing CA" + tag, Organization: []string{"BeSign Test"}},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(5 * 365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	if o.CRLBase != "" {
		ca.CRLDistributionPoints = []string{o.CRLBase + rootCRL}
	}
	der, err = x509.CreateCertificate(rand.Reader, ca, p.Root, ck.Public(), rk)
	must(err)
	p.CA, _ = x509.ParseCertificate(der)
	p.CAKey = ck
	var key crypto.Signer
	if o.ECDSA {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	must(err)
	if o.NotBefore.IsZero() {
		o.NotBefore = now.Add(-24 * time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = now.Add(2 * 365 * 24 * time.Hour)
	}
	if o.KeyUsage == 0 {
		o.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	}
	if o.Name == "" {
		o.Name = "Budi Santoso, S.Kom."
	}
	leaf := &x509.Certificate{SerialNumber: next(), Subject: pkix.Name{CommonName: o.Name, Organization: []string{"Pemerintah Kabupaten Natuna"}},
		NotBefore: o.NotBefore, NotAfter: o.NotAfter, KeyUsage: o.KeyUsage, EmailAddresses: []string{"budi@natunakab.go.id"}}
	if o.CRLBase != "" {
		leaf.CRLDistributionPoints = []string{o.CRLBase + caCRL}
	}
	der, err = x509.CreateCertificate(rand.Reader, leaf, p.CA, key.Public(), ck)
	must(err)
	p.Leaf, _ = x509.ParseCertificate(der)
	if o.CRLBase != "" {
		for path, issuer := range map[string]struct {
			c *x509.Certificate
			k crypto.Signer
		}{rootCRL: {p.Root, rk}, caCRL: {p.CA, ck}} {
			crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: next(),
				ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(7 * 24 * time.Hour)}, issuer.c, issuer.k)
			must(err)
			p.CRLs[path] = crl
		}
	}
	p.Key = key
	return p
}

// WritePEM writes cert to path.
func WritePEM(path string, certs ...*x509.Certificate) error {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return os.WriteFile(path, b, 0o644)
}

// Files are the paths written by Write.
type Files struct {
	RootPEM, ChainPEM, KeyPEM, P12 string
	Password                       string
}

// Write writes the root, chain, key and a PKCS#12 (password "rahasia") to
// dir.
func (p *PKI) Write(dir string) (Files, error) {
	f := Files{
		RootPEM: filepath.Join(dir, "root.pem"), ChainPEM: filepath.Join(dir, "chain.pem"),
		KeyPEM: filepath.Join(dir, "key.pem"), P12: filepath.Join(dir, "signer.p12"), Password: "rahasia",
	}
	if err := WritePEM(f.RootPEM, p.Root); err != nil {
		return f, err
	}
	if err := WritePEM(f.ChainPEM, p.Leaf, p.CA); err != nil {
		return f, err
	}
	kd, err := x509.MarshalPKCS8PrivateKey(p.Key)
	if err != nil {
		return f, err
	}
	if err := os.WriteFile(f.KeyPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		return f, err
	}
	pfx, err := pkcs12.Modern.Encode(p.Key, p.Leaf, []*x509.Certificate{p.CA}, f.Password)
	if err != nil {
		return f, err
	}
	return f, os.WriteFile(f.P12, pfx, 0o600)
}

// TSA issues a time-stamping certificate named name under the issuing CA
// (extended key usage timeStamping, critical; naming the CA's CRL when
// CRLBase was set), valid until notAfter, and returns an RFC 3161 issuer
// with it: serve it with httptest.NewServer and point a
// timestamp.Client (or tsa_url) at it.
func (p *PKI) TSA(name string, notAfter time.Time) *timestamp.Issuer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	tmpl := timestamp.CertificateTemplate(pkix.Name{CommonName: name}, next(), time.Now().Add(-time.Hour), notAfter)
	if len(p.Leaf.CRLDistributionPoints) > 0 {
		tmpl.CRLDistributionPoints = p.Leaf.CRLDistributionPoints // the CA's CRL
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CA, k.Public(), p.CAKey)
	must(err)
	cert, err := x509.ParseCertificate(der)
	must(err)
	var serial atomic.Int64
	return &timestamp.Issuer{Signer: k, Chain: []*x509.Certificate{cert, p.CA},
		Serial: func(context.Context) (*big.Int, error) { return big.NewInt(serial.Add(1)), nil }}
}
