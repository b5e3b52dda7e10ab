package cms

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

var oidTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}

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
