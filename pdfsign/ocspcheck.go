package pdfsign

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/ocsp"
)

// ocspClockSkew is how far in the future an OCSP answer's thisUpdate may
// lie: the responder's clock and ours differ a little.
const ocspClockSkew = 5 * time.Minute

// ocspMaxAge bounds the age of an online answer that names no nextUpdate.
const ocspMaxAge = 7 * 24 * time.Hour

// Why an OCSP answer is not used.
var (
	errOCSPUnusable  = errors.New("unusable OCSP response")
	errOCSPResponder = errors.New("the OCSP response is signed by a certificate not authorised for OCSP (no id-kp-OCSPSigning)")
	errOCSPStale     = errors.New("the OCSP response is out of date")
)

// ocspStatus reads an OCSP answer about c, which issuer issued: ocsp.Good,
// ocsp.Revoked (with the RFC 3339 time) or ocsp.Unknown. The answer must be
// signed by issuer itself or by a responder certificate that issuer issued
// for OCSP signing (RFC 6960 4.2.2.2): x/crypto/ocsp checks only that
// issuer signed the responder's certificate, so without this rule any
// certificate of the same CA (a signer's own) could vouch that it is good.
// With now (an answer fetched now), it must be current too; a zero now
// leaves freshness to the caller (the DSS, judged at a timestamp's time).
func ocspStatus(der []byte, c, issuer *x509.Certificate, now time.Time) (int, string, error) {
	r, err := ocsp.ParseResponseForCert(der, c, issuer)
	if err != nil || r.SerialNumber == nil || r.SerialNumber.Cmp(c.SerialNumber) != 0 {
		return 0, "", errOCSPUnusable
	}
	if rc := r.Certificate; rc != nil && !rc.Equal(issuer) {
		if !slices.Contains(rc.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
			return 0, "", errOCSPResponder
		}
		at := r.ProducedAt
		if !now.IsZero() {
			at = now
		}
		if at.Before(rc.NotBefore) || at.After(rc.NotAfter) {
			return 0, "", fmt.Errorf("the OCSP responder's certificate is not valid at %s", at.UTC().Format(time.RFC3339))
		}
	}
	if !now.IsZero() {
		switch {
		case r.ThisUpdate.After(now.Add(ocspClockSkew)):
			return 0, "", fmt.Errorf("%w: it is dated in the future (%s)", errOCSPStale, r.ThisUpdate.UTC().Format(time.RFC3339))
		case !r.NextUpdate.IsZero() && now.After(r.NextUpdate):
			return 0, "", fmt.Errorf("%w (next update %s)", errOCSPStale, r.NextUpdate.UTC().Format(time.RFC3339))
		case r.NextUpdate.IsZero() && now.Sub(r.ThisUpdate) > ocspMaxAge:
			return 0, "", fmt.Errorf("%w (produced %s)", errOCSPStale, r.ThisUpdate.UTC().Format(time.RFC3339))
		}
	}
	switch r.Status {
	case ocsp.Good:
		return ocsp.Good, "", nil
	case ocsp.Revoked:
		return ocsp.Revoked, r.RevokedAt.UTC().Format(time.RFC3339), nil
	}
	return ocsp.Unknown, "the OCSP responder does not know the certificate", nil
}
