package pdfsign

import (
	"crypto/sha256"
	"fmt"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"github.com/natunakab/besign/pdfsign/timestamp"
)

// stampSignature adds a signature-time-stamp token over der's signature
// value (PAdES B-T), from stamp. The token is checked here whoever
// fetched it: its imprint must be this signature value's SHA-256, its TSA
// signature must verify and its certificate be a TSA's, so that a
// document never carries a time that does not belong to its signature.
func stampSignature(der []byte, stamp func([]byte) ([]byte, error)) ([]byte, error) {
	p, err := cms.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("read own signature: %w", err)
	}
	d := sha256.Sum256(p.Signature)
	token, err := stamp(d[:])
	if err != nil {
		return nil, err
	}
	tok, err := timestamp.Check(token, d[:], nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTimeStamp, err)
	}
	out, err := cms.AddSignatureTimeStamp(der, tok.DER)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimeStamp, err)
	}
	return out, nil
}
