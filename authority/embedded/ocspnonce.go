package embedded

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
)

// x/crypto/ocsp writes extensions only into the single response, but a
// nonce belongs in the response's own extensions (RFC 6960 4.4.1, RFC
// 8954), where openssl ocsp and other clients look for it. withNonce adds
// it there and signs the response data again with the same key and
// algorithm (SHA-256; the CA's key is ECDSA P-256).

var oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}

type nonceResponse struct {
	Status asn1.Enumerated
	Bytes  struct {
		Type     asn1.ObjectIdentifier
		Response []byte
	} `asn1:"explicit,tag:0"`
}

type nonceBasic struct {
	TBS          asn1.RawValue
	Algorithm    pkix.AlgorithmIdentifier
	Signature    asn1.BitString
	Certificates asn1.RawValue `asn1:"optional"`
}

type nonceData struct {
	Version     int `asn1:"optional,default:0,explicit,tag:0"`
	ResponderID asn1.RawValue
	ProducedAt  asn1.RawValue
	Responses   asn1.RawValue
	Extensions  []pkix.Extension `asn1:"optional,explicit,tag:1"`
}

func withNonce(der []byte, nonce pkix.Extension, key crypto.Signer) ([]byte, error) {
	var resp nonceResponse
	if _, err := asn1.Unmarshal(der, &resp); err != nil || !resp.Bytes.Type.Equal(oidOCSPBasic) {
		return nil, fmt.Errorf("OCSP nonce: read the response: %v", err)
	}
	var basic nonceBasic
	if _, err := asn1.Unmarshal(resp.Bytes.Response, &basic); err != nil {
		return nil, fmt.Errorf("OCSP nonce: read the basic response: %w", err)
	}
	var data nonceData
	if _, err := asn1.Unmarshal(basic.TBS.FullBytes, &data); err != nil {
		return nil, fmt.Errorf("OCSP nonce: read the response data: %w", err)
	}
	data.Extensions = append(data.Extensions, nonce)
	tbs, err := asn1.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("OCSP nonce: %w", err)
	}
	h := sha256.Sum256(tbs)
	sig, err := key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("OCSP nonce: sign: %w", err)
	}
	basic.TBS = asn1.RawValue{FullBytes: tbs}
	basic.Signature = asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}
	if resp.Bytes.Response, err = asn1.Marshal(basic); err != nil {
		return nil, fmt.Errorf("OCSP nonce: %w", err)
	}
	return asn1.Marshal(resp)
}
