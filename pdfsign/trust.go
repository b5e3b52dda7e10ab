package pdfsign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"slices"
	"strings"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"golang.org/x/crypto/ocsp"
)

// revocationTimeout bounds each CRL or OCSP fetch: a verification must not
// hang on an unreachable responder.
const revocationTimeout = 5 * time.Second

// maxRevocationData bounds a fetched CRL or OCSP response.
const maxRevocationData = 16 << 20

var (
	oidEKUDocumentSigning   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}
	oidEKUAdobeAuthentic    = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 5}
	oidEKUMSDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}
)

// purpose is what a certificate must be good for.
type purpose int

const (
	forDocuments purpose = iota
	forTimestamps
)

// now is the verification's time: VerifyOptions.Time, else the moment
// the verification started (one time for the whole file, so that "judged
// now" is recognisable and the trust cache is shared).
func (v *verifier) now() time.Time {
	if v.start.IsZero() {
		v.start = v.opts.Time
		if v.start.IsZero() {
			v.start = time.Now()
		}
	}
	return v.start
}

// signatureTimestamp checks a PAdES B-T signature-time-stamp token and
// returns the validation time: the token's time when it is trustworthy,
// else now.
func (v *verifier) signatureTimestamp(info *SignatureInfo, p *cms.Parsed, end int64) time.Time {
	at := v.coverTime(info, end)
	if p.TimeStampToken == nil {
		return at
	}
	ts, err := cms.ParseTimeStamp(p.TimeStampToken)
	if err != nil {
		info.warn(FindTimestamp, "the signature's timestamp is unreadable: %v", err)
		return at
	}
	h := ts.ImprintHash.New()
	h.Write(p.Signature)
	if !bytes.Equal(h.Sum(nil), ts.Imprint) {
		info.warn(FindTimestamp, "the signature's timestamp does not cover this signature")
		return at
	}
	if err := ts.Verify(); err != nil {
		info.warn(FindTimestamp, "the signature's timestamp does not verify: %v", err)
		return at
	}
	if v.opts.Roots != nil {
		// The TSA's certificate is judged at the time it vouches for.
		var tmp SignatureInfo
		v.trust(&tmp, ts.Parsed, ts.GenTime, forTimestamps)
		if !tmp.Trusted {
			info.warn(FindTimestampTrust, "the signature's timestamp is not trusted: %s", details(tmp.trustProblems))
			return at
		}
		info.warnings = append(info.warnings, dssFindings(tmp.warnings)...)
		info.lt.tsa, info.lt.used = tmp.lt.chain, append(info.lt.used, tmp.lt.used...)
	}
	info.lt.timestamped, info.lt.docStamped = true, false
	info.Timestamp = ts.GenTime.Format(time.RFC3339)
	info.TimestampAuthority = ts.SignerName
	return ts.GenTime
}

// checkDocTimestamp verifies an ETSI.RFC3161 document timestamp: the
// token's message imprint against the byte ranges, and the TSA's
// signature.
func (v *verifier) checkDocTimestamp(info *SignatureInfo, contents []byte, br [4]int64) {
	ts, err := cms.ParseTimeStamp(contents)
	if err != nil {
		info.fail(FindUnreadable, "cannot read the timestamp: %v", err)
		return
	}
	info.Signer = ts.SignerName
	info.DigestAlgorithm = cms.HashName(ts.ImprintHash)
	digest, err := v.hashRanges(ts.ImprintHash, br)
	if err != nil {
		info.fail(FindUnreadable, "cannot read the signed bytes")
		return
	}
	if !bytes.Equal(digest, ts.Imprint) {
		info.fail(FindDigestMismatch, "the document was changed inside the timestamped byte range (message imprint mismatch)")
		return
	}
	if err := ts.Verify(); err != nil {
		info.fail(FindSignature, "the timestamp authority's signature: %v", err)
		return
	}
	info.Integrity = Valid
	info.Timestamp = ts.GenTime.Format(time.RFC3339)
	info.TimestampAuthority = ts.SignerName
	for _, w := range ts.Weak() {
		info.fail(FindWeak, "weak algorithm: %s", w)
	}
	if n := cms.HashName(ts.ImprintHash); n == "SHA-1" || n == "MD5" {
		info.fail(FindWeak, "weak algorithm: %s message imprint", n)
	}
	for _, c := range ts.Certificates {
		info.Chain = append(info.Chain, c)
	}
	at := v.coverTime(nil, br[2]+br[3])
	info.ValidationTime = at.UTC().Format(time.RFC3339)
	v.trust(info, ts.Parsed, at, forTimestamps)
}

// usableFor checks key usage and extended key usage.
func usableFor(c *x509.Certificate, p purpose) string {
	if p == forTimestamps {
		if !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
			return "the certificate is not a timestamp authority's (no timeStamping extended key usage)"
		}
		return ""
	}
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return "its key usage allows neither digital signature nor non-repudiation"
	}
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return ""
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageAny || u == x509.ExtKeyUsageEmailProtection {
			return ""
		}
	}
	for _, u := range c.UnknownExtKeyUsage {
		if u.Equal(oidEKUDocumentSigning) || u.Equal(oidEKUAdobeAuthentic) || u.Equal(oidEKUMSDocumentSigning) {
			return ""
		}
	}
	names := map[x509.ExtKeyUsage]string{x509.ExtKeyUsageServerAuth: "TLS server", x509.ExtKeyUsageClientAuth: "TLS client",
		x509.ExtKeyUsageCodeSigning: "code signing", x509.ExtKeyUsageTimeStamping: "timestamping", x509.ExtKeyUsageOCSPSigning: "OCSP signing"}
	var got []string
	for _, u := range c.ExtKeyUsage {
		if n, ok := names[u]; ok {
			got = append(got, n)
		} else {
			got = append(got, fmt.Sprint(u))
		}
	}
	for _, u := range c.UnknownExtKeyUsage {
		got = append(got, u.String())
	}
	return fmt.Sprintf("its extended key usage (%s) is not for signing documents", strings.Join(got, ", "))
}

// trust judges the signer's certificate at validation time at: validity
// period, key usage, chain to the roots, revocation. Reasons go to
// info's trust problems; Trusted is set when there are none.
func (v *verifier) trust(info *SignatureInfo, p *cms.Parsed, at time.Time, use purpose) {
	defer func() { info.Trusted = v.opts.Roots != nil && len(info.trustProblems) == 0 && p.Signer != nil }()
	if p.Signer == nil {
		if p.SignerProblem != "" {
			info.distrust(FindCertUnusable, "the signer's certificate is not usable: %s", p.SignerProblem)
		}
		return
	}
	c := p.Signer
	const day = "2006-01-02 15:04 MST"
	timeOK := true
	if at.After(c.NotAfter) {
		info.distrust(FindCertExpired, "the certificate expired on %s (validation time %s)", c.NotAfter.UTC().Format(day), at.UTC().Format(day))
		timeOK = false
	} else if at.Before(c.NotBefore) {
		info.distrust(FindCertNotYet, "the certificate is valid only from %s (validation time %s)", c.NotBefore.UTC().Format(day), at.UTC().Format(day))
		timeOK = false
	}
	if why := usableFor(c, use); why != "" {
		info.distrust(FindCertUnusable, "%s", why)
	}
	if v.opts.Roots == nil || !timeOK {
		return
	}
	inter := x509.NewCertPool()
	for _, ic := range append(slices.Clone(p.Certificates), v.dss.certs...) {
		inter.AddCert(ic)
	}
	chains, err := c.Verify(x509.VerifyOptions{Roots: v.opts.Roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		info.distrust(FindNotTrusted, "certificate not trusted: %v", err)
		return
	}
	status, detail, when, lt, used, dssWhy := v.revocation(chains[0], at)
	info.lt.chain, info.lt.used = lt, used
	for _, w := range dssWhy {
		info.warn(FindDSS, "unusable validation data: %s", w)
	}
	info.Revocation = status
	if status == "revoked" {
		info.RevokedAt = when.UTC().Format(time.RFC3339)
	}
	switch status {
	case "revoked":
		info.distrust(FindRevoked, "%s", detail)
	case "not checked":
		info.warn(FindRevocation, "revocation not checked: %s", detail)
	case "good":
		if detail != "" {
			info.warn(FindRevocation, "%s", detail)
		}
	}
}

// revocation checks each certificate of chain but the root: the DSS first
// (revocation data signed as it must be and fresh for at), then the OCSP
// responders and CRL distribution points the certificates name.
// revokedAt is the revocation time when status is "revoked". lt is the
// chain's part of PAdES B-LT: every certificate's status came from the
// DSS; used names the DSS entries relied on, dssWhy what was unusable.
func (v *verifier) revocation(chain []*x509.Certificate, at time.Time) (status, detail string, revokedAt time.Time, lt bool, used [][sha256.Size]byte, dssWhy []string) {
	var unchecked, later []string
	lt = true
	for i := 0; i+1 < len(chain); i++ {
		c, issuer := chain[i], chain[i+1]
		st, d, fromDSS, u, why := v.certStatus(c, issuer, at)
		dssWhy = append(dssWhy, why...)
		if fromDSS {
			used = append(used, u)
		} else {
			lt = false
		}
		switch st {
		case ocsp.Revoked:
			when, _ := time.Parse(time.RFC3339, d)
			if when.After(at) {
				// Revoked after the time a trusted timestamp vouches for:
				// the signature was made while the certificate was good.
				later = append(later, fmt.Sprintf("the certificate %q was revoked on %s, after the validation time", c.Subject.CommonName, when.Format("2006-01-02")))
				continue
			}
			return "revoked", fmt.Sprintf("the certificate %q was revoked on %s", c.Subject.CommonName, when.Format("2006-01-02")), when, false, nil, dssWhy
		case ocsp.Unknown:
			lt = false
			unchecked = append(unchecked, fmt.Sprintf("%q: %s", c.Subject.CommonName, d))
		}
	}
	if len(unchecked) > 0 {
		return "not checked", strings.Join(unchecked, "; "), time.Time{}, false, nil, dssWhy
	}
	return "good", strings.Join(later, "; "), time.Time{}, lt, used, dssWhy
}

// certStatus returns ocsp.Good, ocsp.Revoked (with the RFC 3339 time) or
// ocsp.Unknown (with why); fromDSS when the answer is the DSS's entry
// used, dssWhy what the DSS held for c that could not be used.
func (v *verifier) certStatus(c, issuer *x509.Certificate, at time.Time) (st int, d string, fromDSS bool, used [sha256.Size]byte, dssWhy []string) {
	// Judged now, old DSS data is simply old (an archive's last document
	// timestamp): only data that fails at a timestamp's time is reported.
	st, d, used, fromDSS, dssWhy = v.dss.status(c, issuer, at, !at.Equal(v.now()))
	if fromDSS {
		return st, d, true, used, nil
	}
	st, d = v.onlineStatus(c, issuer)
	return st, d, false, used, dssWhy
}

// onlineStatus asks the OCSP responders and CRL distribution points c
// names.
func (v *verifier) onlineStatus(c, issuer *x509.Certificate) (int, string) {
	if len(c.OCSPServer) == 0 && len(c.CRLDistributionPoints) == 0 {
		return ocsp.Unknown, "it names no revocation service"
	}
	if v.opts.Offline {
		return ocsp.Unknown, "offline"
	}
	var why []string
	for _, url := range c.OCSPServer {
		req, err := ocsp.CreateRequest(c, issuer, nil)
		if err != nil {
			why = append(why, err.Error())
			continue
		}
		der, err := v.fetch(http.MethodPost, url, req)
		if err != nil {
			why = append(why, err.Error())
			continue
		}
		st, d, err := ocspStatus(der, c, issuer, time.Now())
		if err == nil {
			return st, d
		}
		why = append(why, url+": "+err.Error())
	}
	for _, url := range c.CRLDistributionPoints {
		der, err := v.fetch(http.MethodGet, url, nil)
		if err != nil {
			why = append(why, err.Error())
			continue
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			why = append(why, url+": unreadable CRL")
			continue
		}
		if st, d, ok := crlStatus(crl, c, issuer); ok {
			return st, d
		}
		why = append(why, url+": CRL not signed by the issuer")
	}
	return ocsp.Unknown, strings.Join(why, "; ")
}

type fetched struct {
	data []byte
	err  error
}

// fetch gets a CRL (GET) or an OCSP answer (POST); answers are kept for
// the other signatures of the file. A host that let a request time out is
// not asked again for this file: behind a network that drops packets each
// try would wait the whole timeout, the CRL after the OCSP responder of
// the same server, and again for each signer of the same organisation.
func (v *verifier) fetch(method, url string, body []byte) ([]byte, error) {
	key := method + " " + url + " " + string(body)
	if f, ok := v.fetched[key]; ok {
		return f.data, f.err
	}
	down := "timed out " + hostOf(url)
	if _, ok := v.fetched[down]; ok {
		return nil, fmt.Errorf("%s: unreachable (its server did not answer before)", url)
	}
	b, err := v.fetchNow(method, url, body)
	v.fetched[key] = fetched{b, err}
	if errors.Is(err, errTimedOut) {
		v.fetched[down] = fetched{}
	}
	return b, err
}

// errTimedOut: the revocation service did not answer in time.
var errTimedOut = errors.New("unreachable (no answer in time)")

// hostOf is the host (and port) of a URL; the URL itself when it has none.
func hostOf(raw string) string {
	if u, err := neturl.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

func (v *verifier) fetchNow(method, url string, body []byte) ([]byte, error) {
	return fetchRevocation(v.opts.HTTPClient, method, url, body)
}

// fetchRevocation asks url for a CRL (GET) or an OCSP answer (POST with
// body) within revocationTimeout, reading at most maxRevocationData; a
// timeout is errTimedOut, so that the host is not asked again. nil client:
// one of its own.
func fetchRevocation(client *http.Client, method, url string, body []byte) ([]byte, error) {
	if client == nil {
		client = &http.Client{Timeout: revocationTimeout}
	}
	ctx, cancel := context.WithTimeout(context.Background(), revocationTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", url, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/ocsp-request")
	}
	resp, err := client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("%s: %w", url, errTimedOut)
		}
		return nil, fmt.Errorf("%s: unreachable", url)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxRevocationData+1))
	if err != nil || len(b) > maxRevocationData {
		return nil, fmt.Errorf("%s: unreadable answer", url)
	}
	return b, nil
}

func crlStatus(crl *x509.RevocationList, c, issuer *x509.Certificate) (int, string, bool) {
	if !bytes.Equal(crl.RawIssuer, c.RawIssuer) || crl.CheckSignatureFrom(issuer) != nil {
		return 0, "", false
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
			return ocsp.Revoked, e.RevocationTime.UTC().Format(time.RFC3339), true
		}
	}
	return ocsp.Good, "", true
}

// details joins the findings' technical texts.
func details(fs []Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Detail)
	}
	return strings.Join(out, "; ")
}
