package timestamp

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
)

// DefaultPolicy is the DER policy OID of the tokens an Issuer gives when
// it is told none: 2.25.291168842190197302872843172957757647633, under the
// UUID arc (ITU-T X.667) since the project has no registered arc of its
// own, fixed so that BeSign's tokens name one policy everywhere. Kept as
// DER because its arc does not fit encoding/asn1's ObjectIdentifier.
var DefaultPolicy = []byte{0x06, 0x14, 0x69, 0x83, 0xb6, 0x8d, 0x8a, 0x91, 0xd8, 0x9c, 0xda, 0x83,
	0xa1, 0x92, 0xaf, 0xf4, 0xdf, 0xcd, 0xcd, 0xf0, 0xd6, 0x11}

// maxQuery bounds a request's body: a TimeStampReq with a SHA-512 imprint
// and a nonce is under a hundred bytes; extensions are refused anyway.
const maxQuery = 4 << 10

// Issuer is a time-stamping authority: it answers TimeStampReqs with
// tokens signed by Signer, whose certificate is Chain[0].
type Issuer struct {
	Signer crypto.Signer
	// Chain is the TSA's certificate, then its issuers: all go into a
	// token whose request asked for certificates.
	Chain []*x509.Certificate
	// Serial returns each token's serial number: unique and increasing
	// for this TSA, also across server processes (RFC 3161 2.4.2), so it
	// comes from the database.
	Serial func(ctx context.Context) (*big.Int, error)
	// Policy is the tokens' policy as a DER OBJECT IDENTIFIER; nil:
	// DefaultPolicy.
	Policy []byte
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Respond answers the DER TimeStampReq query with a DER TimeStampResp: a
// token, or a rejection whose failure bits say why. The error is for the
// log: a rejection's cause, or what failed inside (then the reply says
// systemFailure).
func (is *Issuer) Respond(ctx context.Context, query []byte) ([]byte, error) {
	var req request
	rest, err := asn1.Unmarshal(query, &req)
	switch {
	case err != nil || len(rest) != 0:
		return reject(failBadDataFormat, "not a DER TimeStampReq"), fmt.Errorf("%w: not a DER TimeStampReq", ErrBadRequest)
	case req.Version != 1:
		return reject(failBadRequest, "version 1 only"), fmt.Errorf("%w: version %d", ErrBadRequest, req.Version)
	case len(req.Extensions.FullBytes) != 0:
		return reject(failUnacceptedExtension, "no extension is supported"), fmt.Errorf("%w: extensions", ErrBadRequest)
	}
	policy := is.Policy
	if policy == nil {
		policy = DefaultPolicy
	}
	if asked, _ := asn1.Marshal(req.Policy); req.Policy != nil && !equal(asked, policy) {
		return reject(failUnacceptedPolicy, "unknown policy"), fmt.Errorf("%w: policy %v", ErrBadRequest, req.Policy)
	}
	// Only the SHA-2 family: a SHA-1 or MD5 imprint would let someone
	// timestamp data of their choice colliding with another's.
	var size int
	switch alg := req.MessageImprint.Alg.Algorithm; {
	case alg.Equal(oidSHA256):
		size = 32
	case alg.Equal(oidSHA384):
		size = 48
	case alg.Equal(oidSHA512):
		size = 64
	default:
		return reject(failBadAlg, "SHA-256, SHA-384 or SHA-512 only"), fmt.Errorf("%w: imprint algorithm %v", ErrBadRequest, alg)
	}
	if len(req.MessageImprint.Digest) != size {
		return reject(failBadDataFormat, "the imprint's length does not match its algorithm"), fmt.Errorf("%w: imprint of %d bytes", ErrBadRequest, len(req.MessageImprint.Digest))
	}
	if req.Nonce != nil && (req.Nonce.Sign() < 0 || req.Nonce.BitLen() > 160) {
		return reject(failBadRequest, "nonce out of range"), fmt.Errorf("%w: nonce out of range", ErrBadRequest)
	}
	token, err := is.issue(ctx, req, policy)
	if err != nil {
		return reject(failSystemFailure, "the time-stamping authority failed"), err
	}
	return asn1.Marshal(response{Status: statusInfo{Status: statusGranted}, Token: asn1.RawValue{FullBytes: token}})
}

// issue signs a TSTInfo for req.
func (is *Issuer) issue(ctx context.Context, req request, policy []byte) ([]byte, error) {
	if is.Signer == nil || len(is.Chain) == 0 || is.Serial == nil {
		return nil, errors.New("timestamp: the issuer has no key, certificate or serial source")
	}
	serial, err := is.Serial(ctx)
	if err != nil {
		return nil, fmt.Errorf("timestamp serial: %w", err)
	}
	now := time.Now
	if is.Now != nil {
		now = is.Now
	}
	// Whole seconds, UTC ("Z", no fraction: RFC 3161 2.4.2 forbids
	// trailing zeros), with an accuracy of one second to match.
	gen := now().UTC().Truncate(time.Second)
	if gen.After(is.Chain[0].NotAfter) || gen.Before(is.Chain[0].NotBefore) {
		return nil, fmt.Errorf("timestamp: the TSA certificate is not valid at %s", gen.Format(time.RFC3339))
	}
	info, err := asn1.Marshal(tstInfo{Version: 1, Policy: asn1.RawValue{FullBytes: policy},
		MessageImprint: messageImprint{Alg: pkix.AlgorithmIdentifier{Algorithm: req.MessageImprint.Alg.Algorithm, Parameters: asn1.NullRawValue}, Digest: req.MessageImprint.Digest},
		Serial:         serial, GenTime: gen, Accuracy: accuracy{Seconds: 1}, Nonce: req.Nonce})
	if err != nil {
		return nil, fmt.Errorf("encode TSTInfo: %w", err)
	}
	return cms.SignTimeStamp(info, is.Signer, is.Chain, req.CertReq)
}

// reject is a TimeStampResp with status rejection, the failure bit and a
// text.
func reject(bit int, text string) []byte {
	fi := asn1.BitString{Bytes: make([]byte, bit/8+1), BitLength: bit + 1}
	fi.Bytes[bit/8] |= 0x80 >> (bit % 8)
	t, _ := asn1.MarshalWithParams(text, "utf8")
	ss, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: t})
	b, _ := asn1.Marshal(response{Status: statusInfo{Status: statusRejection, StatusString: asn1.RawValue{FullBytes: ss}, FailInfo: fi}})
	return b
}

// ServeHTTP answers POST application/timestamp-query (RFC 3161 3.4): the
// reply is always a TimeStampResp, a rejection included, so that a client
// reads why; only what is not a time-stamp query at all gets an HTTP
// error. Log, when set, receives the causes.
func (is *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST an application/timestamp-query", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != QueryType {
		http.Error(w, "POST an application/timestamp-query", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxQuery))
	if err != nil {
		http.Error(w, "the request is too large", http.StatusRequestEntityTooLarge)
		return
	}
	resp, _ := is.Respond(r.Context(), body)
	w.Header().Set("Content-Type", ReplyType)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(resp)
}

// ErrPolicy: a time-stamp policy that is not a dotted object identifier.
var ErrPolicy = errors.New("not an object identifier like 1.3.6.1.4.1.99999.1")

// PolicyOID encodes a dotted object identifier ("1.3.6.1.4.1.99999.1") as
// DER for Issuer.Policy. Arcs of any size are taken, as X.660 allows
// (2.25.<UUID> among them), though readers built on Go's encoding/asn1,
// pdfcpu's among them, cannot parse an arc beyond 31 bits: an
// organisation's own arc under its IANA enterprise number reads everywhere.
func PolicyOID(dotted string) ([]byte, error) {
	parts := strings.Split(dotted, ".")
	if len(parts) < 2 {
		return nil, fmt.Errorf("%w: %q", ErrPolicy, dotted)
	}
	arcs := make([]*big.Int, len(parts))
	for i, p := range parts {
		a, ok := new(big.Int).SetString(p, 10)
		if !ok || a.Sign() < 0 || (len(p) > 1 && p[0] == '0') || strings.ContainsAny(p, "+-") {
			return nil, fmt.Errorf("%w: %q", ErrPolicy, dotted)
		}
		arcs[i] = a
	}
	first, second := arcs[0].Int64(), arcs[1]
	if !arcs[0].IsInt64() || first > 2 || (first < 2 && second.Cmp(big.NewInt(39)) > 0) {
		return nil, fmt.Errorf("%w: %q", ErrPolicy, dotted)
	}
	// the first two arcs share one subidentifier: 40 * first + second
	sub := append([]*big.Int{new(big.Int).Add(big.NewInt(40*first), second)}, arcs[2:]...)
	var body []byte
	for _, a := range sub {
		body = append(body, base128(a)...)
	}
	if len(body) > 127 {
		return nil, fmt.Errorf("%w: %q is too long", ErrPolicy, dotted)
	}
	return append([]byte{0x06, byte(len(body))}, body...), nil
}

// base128 is a subidentifier in base 128, high bit set on all but the last
// byte.
func base128(a *big.Int) []byte {
	if a.Sign() == 0 {
		return []byte{0}
	}
	var out []byte
	v := new(big.Int).Set(a)
	mask := big.NewInt(0x7f)
	for v.Sign() > 0 {
		b := byte(new(big.Int).And(v, mask).Int64())
		if len(out) > 0 {
			b |= 0x80
		}
		out = append([]byte{b}, out...)
		v.Rsh(v, 7)
	}
	return out
}
