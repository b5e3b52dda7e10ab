// Package timestamp speaks RFC 3161 on both sides: it builds time-stamp
// requests (SHA-256 message imprint, nonce, certReq), asks a time-stamping
// authority over HTTP and checks its reply (Client), and issues tokens as
// a TSA with a given key and certificate (Issuer). The CMS underneath is
// pdfsign's own (pdfsign/internal/cms), so a token is built and read by
// the same code that signs and verifies documents.
package timestamp

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
)

// Media types of RFC 3161 over HTTP (section 3.4).
const (
	QueryType = "application/timestamp-query"
	ReplyType = "application/timestamp-reply"
)

// Sentinel errors; every error of this package wraps one of them.
var (
	// ErrUnreachable: the TSA could not be reached or did not answer in
	// time (network, DNS, TLS, timeout, an HTTP error status).
	ErrUnreachable = errors.New("the time-stamping authority cannot be reached")
	// ErrRefused: the TSA answered and refused the request (PKIStatus
	// rejection or waiting).
	ErrRefused = errors.New("the time-stamping authority refused the request")
	// ErrBadReply: the TSA's answer is not a token for this request: it
	// is unreadable, or its imprint, nonce, signature or certificate is
	// wrong.
	ErrBadReply = errors.New("the time-stamping authority's answer is not valid")
	// ErrBadRequest: a request this package cannot answer as a TSA.
	ErrBadRequest = errors.New("bad time-stamp request")
)

var (
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidEKU    = asn1.ObjectIdentifier{2, 5, 29, 37}
	// OIDTimeStamping is id-kp-timeStamping, the extended key usage a
	// TSA's certificate must carry alone, critical (RFC 3161 2.3).
	OIDTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

type messageImprint struct {
	Alg    pkix.AlgorithmIdentifier
	Digest []byte
}

// request is TimeStampReq (RFC 3161 2.4.1).
type request struct {
	Version        int
	MessageImprint messageImprint
	Policy         asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional"`
	Extensions     asn1.RawValue         `asn1:"optional,tag:0"`
}

type statusInfo struct {
	Status       int
	StatusString asn1.RawValue  `asn1:"optional"`
	FailInfo     asn1.BitString `asn1:"optional"`
}

// response is TimeStampResp (RFC 3161 2.4.2).
type response struct {
	Status statusInfo
	Token  asn1.RawValue `asn1:"optional"`
}

type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

// tstInfo is TSTInfo (RFC 3161 2.4.2).
type tstInfo struct {
	Version int
	// Policy stays raw: a 2.25 (UUID) policy's arc overflows
	// ObjectIdentifier, and a token is not refused for its policy.
	Policy         asn1.RawValue
	MessageImprint messageImprint
	Serial         *big.Int
	GenTime        time.Time     `asn1:"generalized"`
	Accuracy       accuracy      `asn1:"optional"`
	Ordering       bool          `asn1:"optional"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"optional,tag:0"`
	Extensions     asn1.RawValue `asn1:"optional,tag:1"`
}

// PKIStatus values.
const (
	statusGranted         = 0
	statusGrantedWithMods = 1
	statusRejection       = 2
)

// PKIFailureInfo bits.
const (
	failBadAlg              = 0
	failBadRequest          = 2
	failBadDataFormat       = 5
	failUnacceptedPolicy    = 15
	failUnacceptedExtension = 16
	failSystemFailure       = 25
)

// Request is one time-stamp request: what is sent, and what the reply must
// match.
type Request struct {
	// Digest is the SHA-256 message imprint.
	Digest []byte
	// Nonce is a random 64-bit number the token must repeat, so that an
	// old token replayed by someone in the path is refused.
	Nonce *big.Int
}

// NewRequest makes a request for the SHA-256 digest of what is to be
// timestamped (for PAdES B-T: the signature value), with a fresh nonce.
func NewRequest(digest []byte) (*Request, error) {
	if len(digest) != crypto.SHA256.Size() {
		return nil, fmt.Errorf("%w: a SHA-256 digest has %d bytes, not %d", ErrBadRequest, crypto.SHA256.Size(), len(digest))
	}
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return &Request{Digest: slices.Clone(digest), Nonce: n}, nil
}

// Marshal returns the DER TimeStampReq, asking for the TSA's certificate
// (certReq), which PAdES verification needs inside the token.
func (r *Request) Marshal() ([]byte, error) {
	return asn1.Marshal(request{Version: 1,
		MessageImprint: messageImprint{Alg: pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue}, Digest: r.Digest},
		Nonce:          r.Nonce, CertReq: true})
}

// Token is what Check found in a token.
type Token struct {
	// DER is the TimeStampToken (a CMS ContentInfo), as embedded in a
	// signature.
	DER []byte
	// GenTime is the time the TSA vouches for.
	GenTime time.Time
	// Serial and Policy are the TSA's serial number and policy.
	Serial *big.Int
	Policy asn1.RawValue
	// Nonce is the token's nonce; nil when absent.
	Nonce *big.Int
	// Signer is the TSA's certificate, Certificates all included ones.
	Signer       *x509.Certificate
	Certificates []*x509.Certificate
}

// Check reads a TimeStampToken and checks it against the SHA-256 digest
// that was to be timestamped and the request's nonce (nil: any): the
// imprint, the nonce, the TSA's signature over the TSTInfo, and the TSA
// certificate, which must be included and carry the timeStamping extended
// key usage alone and critical. Trust in the TSA is not judged here (that
// is verification's, at the time the token vouches for).
func Check(der, digest []byte, nonce *big.Int) (*Token, error) {
	ts, err := cms.ParseTimeStamp(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadReply, err)
	}
	var info tstInfo
	if _, err := asn1.Unmarshal(ts.EContent, &info); err != nil {
		return nil, fmt.Errorf("%w: TSTInfo: %v", ErrBadReply, err)
	}
	if ts.ImprintHash != crypto.SHA256 || !equal(ts.Imprint, digest) {
		// The token vouches for other data: using it would date this
		// signature with another one's time.
		return nil, fmt.Errorf("%w: the token's message imprint is not the digest asked for", ErrBadReply)
	}
	if nonce != nil && (info.Nonce == nil || info.Nonce.Cmp(nonce) != 0) {
		return nil, fmt.Errorf("%w: the token's nonce is not the request's (a replayed token?)", ErrBadReply)
	}
	if ts.Signer == nil {
		return nil, fmt.Errorf("%w: the token does not include the TSA's certificate", ErrBadReply)
	}
	if err := ts.Verify(); err != nil {
		return nil, fmt.Errorf("%w: the TSA's signature: %v", ErrBadReply, err)
	}
	if !ts.SigningCertMatches {
		return nil, fmt.Errorf("%w: the token does not bind the TSA's certificate (ESS signing certificate)", ErrBadReply)
	}
	if why := TSACertProblem(ts.Signer); why != "" {
		return nil, fmt.Errorf("%w: %s", ErrBadReply, why)
	}
	return &Token{DER: trimmed(der), GenTime: info.GenTime, Serial: info.Serial, Policy: info.Policy,
		Nonce: info.Nonce, Signer: ts.Signer, Certificates: ts.Certificates}, nil
}

// TSACertProblem says why c may not sign timestamps ("" when it may): RFC
// 3161 2.3 wants the extended key usage timeStamping, alone, in a critical
// extension.
func TSACertProblem(c *x509.Certificate) string {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidEKU) {
			if !e.Critical {
				return "the TSA certificate's extended key usage is not critical"
			}
			if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(c.UnknownExtKeyUsage) != 0 {
				return "the TSA certificate's extended key usage is not timeStamping alone"
			}
			return ""
		}
	}
	return "the TSA certificate has no timeStamping extended key usage"
}

func equal(a, b []byte) bool { return len(a) == len(b) && string(a) == string(b) }

// trimmed returns the DER element at the start of b, without trailing
// bytes (a token read from a zero-padded /Contents).
func trimmed(b []byte) []byte {
	var v asn1.RawValue
	if rest, err := asn1.Unmarshal(b, &v); err == nil && len(rest) < len(b) {
		return b[:len(b)-len(rest)]
	}
	return b
}

// CertificateTemplate returns a TSA certificate's template for x509's
// CreateCertificate: key usage digitalSignature, and the extended key
// usage timeStamping alone in a critical extension (RFC 3161 2.3; x509
// would write it non-critical from ExtKeyUsage, which `openssl ts -verify`
// refuses).
func CertificateTemplate(subject pkix.Name, serial *big.Int, notBefore, notAfter time.Time) *x509.Certificate {
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{OIDTimeStamping})
	return &x509.Certificate{SerialNumber: serial, Subject: subject, NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		ExtraExtensions: []pkix.Extension{{Id: oidEKU, Critical: true, Value: eku}}}
}
