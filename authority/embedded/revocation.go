package embedded

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/natunakab/besign/authority/store"
	"golang.org/x/crypto/ocsp"
)

// Revocation as the organisation server publishes it: the CRL from the
// database (so that a PostgreSQL server, which has no CRL file, has one
// too) and OCSP answers (RFC 6960) signed by the CA itself, looked up in
// the database at each request so that a revocation by any server
// process is answered at once by every other.

// ocspLifetime is how long an OCSP answer says it stays current
// (nextUpdate): short, since answers are made per request anyway.
const ocspLifetime = time.Hour

// crlRenewal: a cached CRL is signed again when its nextUpdate is this
// close, so that a published CRL is never near its end.
const crlRenewal = 6 * 24 * time.Hour

// oidOCSPNonce is the nonce extension (RFC 8954) echoed in answers.
var oidOCSPNonce = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}

// crlCache keeps the last CRL this process signed and the revoked set it
// lists, so that a busy distribution point does not sign (and number) a
// CRL per request; the set is read from the database every time.
type crlCache struct {
	mu      sync.Mutex
	revoked string
	der     []byte
	signed  time.Time
}

// CurrentCRL returns a CRL (DER) of every certificate the database says
// is revoked now: the cached one while that set is unchanged and it is
// younger than a day, else a freshly signed one.
func (e *Authority) CurrentCRL(ctx context.Context) ([]byte, error) {
	var revoked []store.Certificate
	if err := e.view(ctx, func(tx store.Tx) error {
		var err error
		revoked, err = tx.RevokedCertificates(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, c := range revoked {
		fmt.Fprintf(&b, "%s@%d;", c.Serial, c.RevokedAt.UnixNano())
	}
	e.crl.mu.Lock()
	defer e.crl.mu.Unlock()
	now := e.now()
	if e.crl.der != nil && e.crl.revoked == b.String() && now.Sub(e.crl.signed) < crlLifetime-crlRenewal {
		return e.crl.der, nil
	}
	der, err := e.CRL(ctx)
	if err != nil {
		return nil, err
	}
	e.crl.revoked, e.crl.der, e.crl.signed = b.String(), der, now
	return der, nil
}

// tbsRequest is the part of an OCSP request that x/crypto/ocsp does not
// expose: its extensions, for the nonce.
type tbsRequest struct {
	Version       int              `asn1:"explicit,tag:0,default:0,optional"`
	RequestorName asn1.RawValue    `asn1:"explicit,tag:1,optional"`
	RequestList   []asn1.RawValue  // read by ocsp.ParseRequest
	Extensions    []pkix.Extension `asn1:"explicit,tag:2,optional"`
}

type ocspRequest struct {
	TBS tbsRequest
}

// OCSP answers an OCSP request (DER) with a response (DER) signed by the
// CA: good for a certificate it issued and has not revoked, revoked with
// the time for one it revoked, unknown for a serial it never issued. A
// malformed request gets the malformedRequest answer and a request about
// another issuer unauthorized, as RFC 6960 says; the error is only for
// the authority that cannot answer (database, CA key), which the caller
// turns into internalError.
func (e *Authority) OCSP(ctx context.Context, der []byte) ([]byte, error) {
	req, err := ocsp.ParseRequest(der)
	if err != nil || req.SerialNumber == nil || !req.HashAlgorithm.Available() {
		return ocsp.MalformedRequestErrorResponse, nil
	}
	var resp []byte
	err = e.view(ctx, func(tx store.Tx) error {
		caCert, caKey, err := e.ca(ctx, tx)
		if err != nil {
			return err
		}
		if !sameIssuer(req, caCert) {
			resp = ocsp.UnauthorizedErrorResponse
			return nil
		}
		// To the minute: x/crypto/ocsp dates the answer (producedAt) to
		// the minute, and NSS (pdfsig, Firefox, LibreOffice) refuses one
		// whose thisUpdate comes after its producedAt as "not yet valid",
		// which left signatures untrusted wherever certificates name OCSP.
		now := e.now().Truncate(time.Minute)
		tmpl := ocsp.Response{SerialNumber: req.SerialNumber, IssuerHash: req.HashAlgorithm,
			ThisUpdate: now, NextUpdate: now.Add(ocspLifetime)}
		c, err := tx.CertificateBySerial(ctx, req.SerialNumber.Text(16))
		switch {
		case errors.Is(err, store.ErrNotFound) || req.SerialNumber.Sign() <= 0:
			tmpl.Status = ocsp.Unknown
		case err != nil:
			return err
		case !c.RevokedAt.IsZero():
			tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, c.RevokedAt.UTC().Truncate(time.Second), ocsp.Unspecified
		default:
			tmpl.Status = ocsp.Good
		}
		resp, err = ocsp.CreateResponse(caCert, caCert, tmpl, caKey)
		if err != nil {
			return fmt.Errorf("sign OCSP response: %w", err)
		}
		if n := requestNonce(der); n != nil {
			resp, err = withNonce(resp, *n, caKey)
		}
		return err
	})
	return resp, err
}

// sameIssuer tells whether the request names caCert as the issuer: the
// hashes of its name and of its public key.
func sameIssuer(req *ocsp.Request, caCert *x509.Certificate) bool {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(caCert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	return equalHash(req.HashAlgorithm, caCert.RawSubject, req.IssuerNameHash) &&
		equalHash(req.HashAlgorithm, spki.PublicKey.RightAlign(), req.IssuerKeyHash)
}

func equalHash(h crypto.Hash, data, want []byte) bool {
	w := h.New()
	w.Write(data)
	return string(w.Sum(nil)) == string(want)
}

// requestNonce returns the request's nonce extension, to be echoed: a
// client that sent one (openssl ocsp does) can tell a replayed answer.
func requestNonce(der []byte) *pkix.Extension {
	var r ocspRequest
	if _, err := asn1.Unmarshal(der, &r); err != nil {
		return nil
	}
	for _, x := range r.TBS.Extensions {
		if x.Id.Equal(oidOCSPNonce) && len(x.Value) <= 128 {
			return &pkix.Extension{Id: oidOCSPNonce, Value: x.Value}
		}
	}
	return nil
}
