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
	oidTSTInfo              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
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
	return signedAttributesFor(oidData, digest, cert)
}

// signedAttributesFor is signedAttributes for content of the given type.
func signedAttributesFor(contentType asn1.ObjectIdentifier, digest []byte, cert *x509.Certificate) ([]byte, error) {
	h := sha256.Sum256(cert.Raw)
	ct, err := attr(oidContentType, contentType)
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
	return assembleWith(attrs, sig, sigAlg, chain, true, 1, encapContentInfo{EContentType: oidData})
}

// assembleWith is assemble with a SignedData version and encapsulated
// content of the caller's (a timestamp token's TSTInfo).
func assembleWith(attrs []byte, sig []byte, sigAlg pkix.AlgorithmIdentifier, chain []*x509.Certificate, withCerts bool, version int, eci encapContentInfo) ([]byte, error) {
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
	sdv := signedData{
		Version:          version,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{sha256Alg()},
		EncapContentInfo: eci,
		SignerInfos:      []asn1.RawValue{{FullBytes: si}},
	}
	if withCerts {
		sdv.Certificates = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: certs}
	}
	sd, err := asn1.Marshal(sdv)
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
