package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"
)

func certFor(t *testing.T, k crypto.Signer) *x509.Certificate {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(99), Subject: pkix.Name{CommonName: "Signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func TestSignParseVerify(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	e256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	e384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for name, k := range map[string]crypto.Signer{"rsa2048": rk, "p256": e256, "p384": e384} {
		t.Run(name, func(t *testing.T) {
			c := certFor(t, k)
			chain := []*x509.Certificate{c}
			max, err := MaxSize(chain)
			if err != nil {
				t.Fatal(err)
			}
			digest := sha256.Sum256([]byte("the signed bytes"))
			// ECDSA signatures vary in length: the bound must hold for all.
			for i := 0; i < 50; i++ {
				der, err := Sign(digest[:], k, chain)
				if err != nil {
					t.Fatal(err)
				}
				if len(der) > max {
					t.Fatalf("signature %d bytes > MaxSize %d", len(der), max)
				}
				p, err := Parse(append(der, 0, 0, 0, 0))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(p.MessageDigest, digest[:]) || p.Signer == nil || !p.HasSigningCertV2 || !p.SigningCertMatches || p.Hash != crypto.SHA256 {
					t.Fatalf("parsed %+v", p)
				}
				if err := p.Verify(digest[:]); err != nil {
					t.Fatal(err)
				}
				other := sha256.Sum256([]byte("other bytes"))
				if err := p.Verify(other[:]); !errors.Is(err, ErrDigest) {
					t.Fatalf("other content: %v", err)
				}
				// A changed signed attribute must not verify.
				p.signedAttrs[len(p.signedAttrs)-1] ^= 1
				if err := p.Verify(digest[:]); !errors.Is(err, ErrBadSignature) {
					t.Fatalf("tampered attributes: %v", err)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c := certFor(t, k)
	d := sha256.Sum256(nil)
	der, _ := Sign(d[:], k, []*x509.Certificate{c})
	for name, b := range map[string][]byte{
		"empty":         nil,
		"garbage":       []byte("not asn.1"),
		"trailing data": append(bytes.Clone(der), 1),
		"truncated":     der[:len(der)/2],
	} {
		if _, err := Parse(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestUnsupportedKey(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	c := certFor(t, k)
	if _, err := MaxSize([]*x509.Certificate{c}); !errors.Is(err, ErrKey) {
		t.Fatal(err)
	}
}
