package cms

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
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
	Version        int
	Policy         asn1.ObjectIdentifier
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
