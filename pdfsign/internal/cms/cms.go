// Package cms builds and checks detached CMS SignedData (RFC 5652) as PAdES
// needs it: SHA-256, signed attributes content-type, message-digest and ESS
// signing-certificate-v2 (RFC 5035), the certificate chain included.
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
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
)

var (
	// ErrKey means the signer's key type is not supported.
	ErrKey = errors.New("unsupported key type (RSA or ECDSA P-256/P-384/P-521 needed)")
	// ErrMalformed means the bytes are not a CMS SignedData we understand.
	ErrMalformed = errors.New("malformed CMS signature")
)

var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSHA1                 = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidRSA                  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA1WithRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
)

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type contentInfoOut struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue   `asn1:"optional,tag:1"`
	SignerInfos      []asn1.RawValue `asn1:"set"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue // a SET, pre-encoded
}

// ESS signing-certificate-v2 (RFC 5035). The hash algorithm is omitted
// because SHA-256 is its default.
type essCertIDv2 struct {
	CertHash     []byte
	IssuerSerial issuerSerial
}

type issuerSerial struct {
	Issuer generalNames
	Serial *big.Int
}

// generalNames holds one directoryName, [4] EXPLICIT Name, tagged by hand.
type generalNames struct {
	Name asn1.RawValue
}

type signingCertificateV2 struct {
	Certs []essCertIDv2
}

var nullParams = asn1.RawValue{Tag: asn1.TagNull}

func sha256Alg() pkix.AlgorithmIdentifier {
	return pkix.AlgorithmIdentifier{Algorithm: oidSHA256}
}

// signatureAlg returns the signature algorithm identifier and the largest
// signature the key can produce.
func signatureAlg(pub crypto.PublicKey) (pkix.AlgorithmIdentifier, int, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return pkix.AlgorithmIdentifier{Algorithm: oidRSA, Parameters: nullParams}, (k.N.BitLen() + 7) / 8, nil
	case *ecdsa.PublicKey:
		var n int
		switch k.Curve {
		case elliptic.P256():
			n = 32
		case elliptic.P384():
			n = 48
		case elliptic.P521():
			n = 66
		default:
			return pkix.AlgorithmIdentifier{}, 0, ErrKey
		}
		// SEQUENCE { INTEGER r, INTEGER s }, each up to n+1 bytes.
		body := 2 * (n + 1 + 2)
		hdr := 2
		if body > 127 {
			hdr = 3
		}
		return pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}, body + hdr, nil
	}
	return pkix.AlgorithmIdentifier{}, 0, ErrKey
}

func setOf(elems [][]byte) []byte {
	// DER orders SET OF by the encodings.
	sorted := append([][]byte(nil), elems...)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i], sorted[j]) < 0 })
	body := bytes.Join(sorted, nil)
	v, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: body})
	return v
}

func attr(oid asn1.ObjectIdentifier, value any) ([]byte, error) {
	v, err := asn1.Marshal(value)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(attribute{Type: oid, Values: asn1.RawValue{FullBytes: setOf([][]byte{v})}})
}

// signedAttributes returns the DER SET of the signed attributes.
func signedAttributes(digest []byte, cert *x509.Certificate) ([]byte, error) {
	h := sha256.Sum256(cert.Raw)
	ct, err := attr(oidContentType, oidData)
	if err != nil {
		return nil, err
	}
	md, err := attr(oidMessageDigest, digest)
	if err != nil {
		return nil, err
	}
	scv2, err := attr(oidSigningCertificateV2, signingCertificateV2{Certs: []essCertIDv2{{
		CertHash:     h[:],
		IssuerSerial: issuerSerial{Issuer: generalNames{Name: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: cert.RawIssuer}}, Serial: cert.SerialNumber},
	}}})
	if err != nil {
		return nil, err
	}
	return setOf([][]byte{ct, md, scv2}), nil
}

func assemble(attrs []byte, sig []byte, sigAlg pkix.AlgorithmIdentifier, chain []*x509.Certificate) ([]byte, error) {
	leaf := chain[0]
	sid, err := asn1.Marshal(issuerAndSerial{Issuer: asn1.RawValue{FullBytes: leaf.RawIssuer}, Serial: leaf.SerialNumber})
	if err != nil {
		return nil, err
	}
	// In SignerInfo the attributes are [0] IMPLICIT instead of a SET.
	implicit := append([]byte(nil), attrs...)
	implicit[0] = 0xA0
	si, err := asn1.Marshal(signerInfo{
		Version:            1,
		SID:                asn1.RawValue{FullBytes: sid},
		DigestAlgorithm:    sha256Alg(),
		SignedAttrs:        asn1.RawValue{FullBytes: implicit},
		SignatureAlgorithm: sigAlg,
		Signature:          sig,
	})
	if err != nil {
		return nil, err
	}
	var certs []byte
	for _, c := range chain {
		certs = append(certs, c.Raw...)
	}
	sd, err := asn1.Marshal(signedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{sha256Alg()},
		EncapContentInfo: encapContentInfo{EContentType: oidData},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: certs},
		SignerInfos:      []asn1.RawValue{{FullBytes: si}},
	})
	if err != nil {
		return nil, err
	}
	// encoding/asn1 ignores "explicit" for pre-encoded values: tag by hand.
	return asn1.Marshal(contentInfoOut{ContentType: oidSignedData,
		Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sd}})
}

// MaxSize returns an upper bound of the DER size of a signature made by
// Sign with this chain: the placeholder size.
func MaxSize(chain []*x509.Certificate) (int, error) {
	if len(chain) == 0 {
		return 0, errors.New("no certificate")
	}
	alg, n, err := signatureAlg(chain[0].PublicKey)
	if err != nil {
		return 0, err
	}
	attrs, err := signedAttributes(make([]byte, sha256.Size), chain[0])
	if err != nil {
		return 0, err
	}
	der, err := assemble(attrs, make([]byte, n), alg, chain)
	if err != nil {
		return 0, err
	}
	return len(der), nil
}

// Sign returns a detached CMS SignedData over content whose SHA-256 is
// digest, signed by signer whose certificate is chain[0].
func Sign(digest []byte, signer crypto.Signer, chain []*x509.Certificate) ([]byte, error) {
	if len(chain) == 0 {
		return nil, errors.New("no certificate")
	}
	alg, _, err := signatureAlg(chain[0].PublicKey)
	if err != nil {
		return nil, err
	}
	attrs, err := signedAttributes(digest, chain[0])
	if err != nil {
		return nil, fmt.Errorf("encode signed attributes: %w", err)
	}
	h := sha256.Sum256(attrs)
	sig, err := signer.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return assemble(attrs, sig, alg, chain)
}

// Parsed is what Parse finds in a SignedData.
type Parsed struct {
	// Certificates are all certificates included; Signer is the one the
	// signer info names (nil when absent).
	Certificates []*x509.Certificate
	Signer       *x509.Certificate
	// MessageDigest is the signed message-digest attribute.
	MessageDigest []byte
	// Hash is the digest algorithm for the content.
	Hash crypto.Hash
	// HasSigningCertV2 reports the ESS signing-certificate-v2 attribute and
	// whether it matches Signer.
	HasSigningCertV2, SigningCertMatches bool

	signedAttrs []byte // as a DER SET, what the signature covers
	sigAlg      asn1.ObjectIdentifier
	signature   []byte
}

func hashFor(oid asn1.ObjectIdentifier) crypto.Hash {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256
	case oid.Equal(oidSHA384):
		return crypto.SHA384
	case oid.Equal(oidSHA512):
		return crypto.SHA512
	case oid.Equal(oidSHA1):
		return crypto.SHA1
	}
	return 0
}

// Parse decodes a DER ContentInfo holding a detached SignedData with one
// signer that uses signed attributes. Trailing zero padding is allowed.
func Parse(der []byte) (*Parsed, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	for _, b := range rest {
		if b != 0 {
			return nil, fmt.Errorf("%w: data after the signature", ErrMalformed)
		}
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: not SignedData", ErrMalformed)
	}
	var sd signedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(sd.EncapContentInfo.EContent.Bytes) > 0 {
		return nil, fmt.Errorf("%w: signature is not detached", ErrMalformed)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: %d signers", ErrMalformed, len(sd.SignerInfos))
	}
	p := &Parsed{}
	if len(sd.Certificates.Bytes) > 0 {
		certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificates: %v", ErrMalformed, err)
		}
		p.Certificates = certs
	}
	var si signerInfo
	if _, err := asn1.Unmarshal(sd.SignerInfos[0].FullBytes, &si); err != nil {
		return nil, fmt.Errorf("%w: signer info: %v", ErrMalformed, err)
	}
	p.Hash = hashFor(si.DigestAlgorithm.Algorithm)
	if p.Hash == 0 {
		return nil, fmt.Errorf("%w: unsupported digest algorithm %v", ErrMalformed, si.DigestAlgorithm.Algorithm)
	}
	p.sigAlg = si.SignatureAlgorithm.Algorithm
	p.signature = si.Signature
	// The signer is named by issuer and serial, or (version 3) by subject
	// key identifier.
	if si.SID.Class == asn1.ClassContextSpecific && si.SID.Tag == 0 {
		for _, c := range p.Certificates {
			if bytes.Equal(c.SubjectKeyId, si.SID.Bytes) {
				p.Signer = c
			}
		}
	} else {
		var ias issuerAndSerial
		if _, err := asn1.Unmarshal(si.SID.FullBytes, &ias); err != nil {
			return nil, fmt.Errorf("%w: signer identifier: %v", ErrMalformed, err)
		}
		for _, c := range p.Certificates {
			if bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) && c.SerialNumber.Cmp(ias.Serial) == 0 {
				p.Signer = c
			}
		}
	}
	if len(si.SignedAttrs.FullBytes) == 0 {
		return nil, fmt.Errorf("%w: no signed attributes", ErrMalformed)
	}
	set := append([]byte(nil), si.SignedAttrs.FullBytes...)
	set[0] = 0x31
	p.signedAttrs = set
	var attrs []attribute
	if _, err := asn1.UnmarshalWithParams(set, &attrs, "set"); err != nil {
		return nil, fmt.Errorf("%w: signed attributes: %v", ErrMalformed, err)
	}
	for _, a := range attrs {
		var vals []asn1.RawValue
		if _, err := asn1.UnmarshalWithParams(a.Values.FullBytes, &vals, "set"); err != nil || len(vals) == 0 {
			return nil, fmt.Errorf("%w: attribute values", ErrMalformed)
		}
		switch {
		case a.Type.Equal(oidMessageDigest):
			if _, err := asn1.Unmarshal(vals[0].FullBytes, &p.MessageDigest); err != nil {
				return nil, fmt.Errorf("%w: message digest: %v", ErrMalformed, err)
			}
		case a.Type.Equal(oidSigningCertificateV2):
			p.HasSigningCertV2 = true
			var sc signingCertificateV2
			if _, err := asn1.Unmarshal(vals[0].FullBytes, &sc); err == nil && len(sc.Certs) > 0 && p.Signer != nil {
				h := sha256.Sum256(p.Signer.Raw)
				p.SigningCertMatches = bytes.Equal(sc.Certs[0].CertHash, h[:])
			}
		}
	}
	if p.MessageDigest == nil {
		return nil, fmt.Errorf("%w: no message digest attribute", ErrMalformed)
	}
	return p, nil
}

// ErrBadSignature means the signature value does not verify.
var ErrBadSignature = errors.New("signature value does not verify")

// VerifySignature checks the signature over the signed attributes with the
// signer certificate's key.
func (p *Parsed) VerifySignature() error {
	if p.Signer == nil {
		return fmt.Errorf("%w: signer certificate not included", ErrMalformed)
	}
	var h crypto.Hash
	switch {
	case p.sigAlg.Equal(oidRSA), p.sigAlg.Equal(oidSHA256WithRSA), p.sigAlg.Equal(oidSHA384WithRSA),
		p.sigAlg.Equal(oidSHA512WithRSA), p.sigAlg.Equal(oidSHA1WithRSA):
		h = p.Hash
		if !p.sigAlg.Equal(oidRSA) {
			h = map[string]crypto.Hash{oidSHA1WithRSA.String(): crypto.SHA1, oidSHA256WithRSA.String(): crypto.SHA256,
				oidSHA384WithRSA.String(): crypto.SHA384, oidSHA512WithRSA.String(): crypto.SHA512}[p.sigAlg.String()]
		}
		pub, ok := p.Signer.PublicKey.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: RSA algorithm with a non-RSA key", ErrBadSignature)
		}
		if !h.Available() {
			return fmt.Errorf("%w: hash unavailable", ErrBadSignature)
		}
		d := h.New()
		d.Write(p.signedAttrs)
		if err := rsa.VerifyPKCS1v15(pub, h, d.Sum(nil), p.signature); err != nil {
			return ErrBadSignature
		}
		return nil
	case p.sigAlg.Equal(oidECDSAWithSHA256), p.sigAlg.Equal(oidECDSAWithSHA384), p.sigAlg.Equal(oidECDSAWithSHA512):
		h = map[string]crypto.Hash{oidECDSAWithSHA256.String(): crypto.SHA256, oidECDSAWithSHA384.String(): crypto.SHA384,
			oidECDSAWithSHA512.String(): crypto.SHA512}[p.sigAlg.String()]
		pub, ok := p.Signer.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: ECDSA algorithm with a non-ECDSA key", ErrBadSignature)
		}
		d := h.New()
		d.Write(p.signedAttrs)
		if !ecdsa.VerifyASN1(pub, d.Sum(nil), p.signature) {
			return ErrBadSignature
		}
		return nil
	}
	return fmt.Errorf("%w: unsupported signature algorithm %v", ErrMalformed, p.sigAlg)
}
