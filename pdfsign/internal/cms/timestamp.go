package cms

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// TimeStamp is an RFC 3161 TimeStampToken: a SignedData whose content is
// a TSTInfo.
type TimeStamp struct {
	*Parsed
	// GenTime is the time the TSA vouches for.
	GenTime time.Time
	// ImprintHash and Imprint are the message imprint: the digest of what
	// was timestamped.
	ImprintHash crypto.Hash
	Imprint     []byte
}

type tstInfo struct {
	Version int
	// Policy stays raw: a policy under the UUID arc (2.25, BeSign's own
	// TSA's) overflows ObjectIdentifier.
	Policy         asn1.RawValue
	MessageImprint struct {
		Alg    pkix.AlgorithmIdentifier
		Digest []byte
	}
	Serial  *big.Int
	GenTime time.Time `asn1:"generalized"`
}

// ParseTimeStamp reads a TimeStampToken (BER or DER, zero padding
// allowed).
func ParseTimeStamp(token []byte) (*TimeStamp, error) {
	p, err := Parse(token)
	if err != nil {
		return nil, err
	}
	if p.EContent == nil {
		return nil, fmt.Errorf("%w: the timestamp token has no TSTInfo", ErrMalformed)
	}
	// The TSA's key signs only TSTInfo as such: the same bytes signed as
	// another content type are not its timestamp.
	if !p.EContentType.Equal(oidTSTInfo) {
		return nil, fmt.Errorf("%w: the timestamp token's content type is %v, not TSTInfo", ErrMalformed, p.EContentType)
	}
	var info tstInfo
	if _, err := asn1.Unmarshal(p.EContent, &info); err != nil {
		return nil, fmt.Errorf("%w: TSTInfo: %v", ErrMalformed, err)
	}
	t := &TimeStamp{Parsed: p, GenTime: info.GenTime, Imprint: info.MessageImprint.Digest,
		ImprintHash: hashFor(info.MessageImprint.Alg.Algorithm)}
	if t.ImprintHash == 0 || !t.ImprintHash.Available() {
		return nil, fmt.Errorf("%w: unsupported message imprint algorithm %v", ErrMalformed, info.MessageImprint.Alg.Algorithm)
	}
	return t, nil
}

// Verify checks the TSA's signature over the TSTInfo.
func (t *TimeStamp) Verify() error {
	if !t.Hash.Available() {
		return fmt.Errorf("%w: hash unavailable", ErrMalformed)
	}
	d := t.Hash.New()
	d.Write(t.EContent)
	return t.Parsed.Verify(d.Sum(nil))
}

// AddSignatureTimeStamp returns the SignedData der with token added as the
// signer's unsigned signature-time-stamp attribute (PAdES B-T). Other
// unsigned attributes are replaced.
func AddSignatureTimeStamp(der, token []byte) ([]byte, error) {
	der, _, err := ToDER(der)
	if err != nil {
		return nil, err
	}
	var ci contentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var sd signedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: signed data", ErrMalformed)
	}
	var si signerInfo
	if _, err := asn1.Unmarshal(sd.SignerInfos[0].FullBytes, &si); err != nil {
		return nil, fmt.Errorf("%w: signer info: %v", ErrMalformed, err)
	}
	a, err := asn1.Marshal(attribute{Type: OIDSignatureTimeStamp, Values: asn1.RawValue{FullBytes: setOf([][]byte{token})}})
	if err != nil {
		return nil, err
	}
	set := setOf([][]byte{a})
	set[0] = 0xA1 // [1] IMPLICIT
	si.UnsignedAttrs = asn1.RawValue{FullBytes: set}
	siDER, err := asn1.Marshal(si)
	if err != nil {
		return nil, err
	}
	sd.SignerInfos = []asn1.RawValue{{FullBytes: siDER}}
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(contentInfoOut{ContentType: oidSignedData,
		Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER}})
}

// SignTimeStamp returns a TimeStampToken: a SignedData that encapsulates
// the DER TSTInfo, signed by the TSA's signer whose certificate is
// chain[0], with the signed attributes content-type (id-ct-TSTInfo),
// message-digest and ESS signing-certificate-v2 (RFC 3161 2.4.1 and RFC
// 5816: the TSA's certificate must be bound by the signature).
// With certs false (a request without certReq) the token carries no
// certificate.
func SignTimeStamp(tstInfo []byte, signer crypto.Signer, chain []*x509.Certificate, certs bool) ([]byte, error) {
	if len(chain) == 0 {
		return nil, errors.New("no certificate")
	}
	alg, _, err := signatureAlg(chain[0].PublicKey)
	if err != nil {
		return nil, err
	}
	d := sha256.Sum256(tstInfo)
	attrs, err := signedAttributesFor(oidTSTInfo, d[:], chain[0])
	if err != nil {
		return nil, fmt.Errorf("encode signed attributes: %w", err)
	}
	h := sha256.Sum256(attrs)
	sig, err := signer.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	// SignedData version 3: the encapsulated content is not id-data (RFC
	// 5652 5.1).
	return assembleWith(attrs, sig, alg, chain, certs, 3,
		encapContentInfo{EContentType: oidTSTInfo, EContent: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustOctets(tstInfo)}})
}

// mustOctets is the DER OCTET STRING of b.
func mustOctets(b []byte) []byte {
	v, _ := asn1.Marshal(b)
	return v
}
