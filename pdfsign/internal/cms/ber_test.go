package cms

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"
)

// toBER re-encodes DER the way NSS does: every constructed element with an
// indefinite length, and OCTET STRINGs longer than chunk cut into a
// constructed string of chunks.
func toBER(t *testing.T, der []byte, chunk int) []byte {
	t.Helper()
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(der, &raw)
	if err != nil || len(rest) != 0 {
		t.Fatalf("toBER: %v", err)
	}
	hdr := raw.FullBytes[:len(raw.FullBytes)-len(raw.Bytes)]
	tagBytes := hdr[:1]
	if hdr[0]&0x1f == 0x1f {
		i := 1
		for hdr[i]&0x80 != 0 {
			i++
		}
		tagBytes = hdr[:i+1]
	}
	switch {
	case raw.IsCompound:
		out := append(append([]byte{}, tagBytes...), 0x80)
		for rest := raw.Bytes; len(rest) > 0; {
			var c asn1.RawValue
			rest, err = asn1.Unmarshal(rest, &c)
			if err != nil {
				t.Fatalf("toBER: %v", err)
			}
			out = append(out, toBER(t, c.FullBytes, chunk)...)
		}
		return append(out, 0, 0)
	case raw.Class == asn1.ClassUniversal && raw.Tag == asn1.TagOctetString && len(raw.Bytes) > chunk:
		out := []byte{0x24, 0x80}
		for b := raw.Bytes; len(b) > 0; {
			n := min(chunk, len(b))
			piece, _ := asn1.Marshal(b[:n])
			out = append(out, piece...)
			b = b[n:]
		}
		return append(out, 0, 0)
	}
	return raw.FullBytes
}

func TestBERSignature(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c := certFor(t, k)
	d := sha256.Sum256([]byte("content"))
	der, err := Sign(d[:], k, []*x509.Certificate{c})
	if err != nil {
		t.Fatal(err)
	}
	ber := toBER(t, der, 7)
	if bytes.Equal(ber, der) || !bytes.Contains(ber, []byte{0x30, 0x80}) {
		t.Fatal("test encoding is not BER")
	}
	// The normalisation gives back the DER exactly.
	got, rest, err := ToDER(append(ber, 0, 0, 0))
	if err != nil || !bytes.Equal(got, der) || len(rest) != 3 {
		t.Fatalf("ToDER: %v, equal %v, rest %d", err, bytes.Equal(got, der), len(rest))
	}
	p, err := Parse(append(ber, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(d[:]); err != nil {
		t.Fatal(err)
	}
	if p.SignerName != "Signer" || !p.HasSigningCertV2 || !p.SigningCertMatches {
		t.Fatalf("%+v", p)
	}
}

func TestBERErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"no end-of-contents":   {0x30, 0x80, 0x02, 0x01, 0x01},
		"indefinite primitive": {0x04, 0x80, 0x00, 0x00},
		"length past end":      {0x30, 0x05, 0x02, 0x01},
		"bad chunk":            {0x24, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00},
		"huge length":          {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff},
		"truncated long tag":   {0x1f},
		"deep nesting":         bytes.Repeat([]byte{0x30, 0x80}, 100),
	} {
		if _, _, err := ToDER(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// OpenSSL 3.0 cannot make Ed25519 CMS signatures: this one is assembled
// here as RFC 8419 describes (signed attributes, pure Ed25519 over them).
func TestEd25519(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	c := certFor(t, key)
	d := sha256.Sum256([]byte("content"))
	attrs, err := signedAttributes(d[:], c)
	if err != nil {
		t.Fatal(err)
	}
	der, err := assemble(attrs, ed25519.Sign(key, attrs), pkix.AlgorithmIdentifier{Algorithm: oidEd25519}, []*x509.Certificate{c})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(d[:]); err != nil || p.KeyAlgorithm != "Ed25519" || !pub.Equal(p.SignerKey) {
		t.Fatalf("%v %+v", err, p)
	}
	p.Signature[0] ^= 1
	if err := p.Verify(d[:]); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered: %v", err)
	}
}
