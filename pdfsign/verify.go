package pdfsign

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

// SignatureInfo is what Verify reports for one signature. The JSON shape is
// the one `besign verify --json` prints.
type SignatureInfo struct {
	Field string `json:"field"`
	// Kind is "signature", or "document_timestamp" for an ETSI.RFC3161
	// document timestamp.
	Kind   string `json:"kind"`
	Signer string `json:"signer"`
	// SigningTime is the time of signing, RFC 3339: Timestamp when there
	// is one, else the signer's claim (/M, or the CMS signing time); ""
	// when absent.
	SigningTime string `json:"signing_time"`
	// ClaimedSigningTime is the signer's own claim (/M) when there is a
	// Timestamp, which is then SigningTime: the signer's clock, to compare.
	ClaimedSigningTime string `json:"claimed_signing_time,omitempty"`
	// Timestamp is the time a trusted RFC 3161 token vouches for (the
	// document timestamp's own time, or a PAdES B-T signature-time-stamp),
	// RFC 3339; "" when there is none. It is the validation time.
	Timestamp string `json:"timestamp,omitempty"`
	// TimestampAuthority names the TSA of Timestamp (its certificate's
	// common name).
	TimestampAuthority string `json:"timestamp_authority,omitempty"`
	Reason             string `json:"reason"`
	Location           string `json:"location"`
	// Integrity is "valid" when the digest matches the byte ranges and the
	// signature verifies with the signer's key, else "invalid".
	Integrity            string `json:"integrity"`
	CoversWholeDocument  bool   `json:"covers_whole_document"`
	ModifiedAfterSigning bool   `json:"modified_after_signing"`
	// Modifications classifies what was appended after the signed
	// revision: "none", "signatures" (later signature fields and their
	// widgets, DSS, document timestamps, document information), "form_fill",
	// "annotations" or "other" (anything else, which makes the signature
	// not valid).
	Modifications string `json:"modifications"`
	Trusted       bool   `json:"trusted"`
	// Revocation is "good", "revoked" or "not checked"; "" when the chain
	// was not built (no roots given, or not trusted for another reason).
	Revocation string `json:"revocation,omitempty"`
	// RevokedAt is when the signer's certificate (or an issuer's) was
	// revoked (RFC 3339), with Revocation "revoked".
	RevokedAt       string `json:"revoked_at,omitempty"`
	SubFilter       string `json:"subfilter"`
	DigestAlgorithm string `json:"digest_algorithm,omitempty"`
	// Level is the PAdES baseline level the signature reaches (LevelBB,
	// LevelBT, LevelBLT, LevelBLTA), "" for a signature that is not valid
	// and for document timestamps. See levels.
	Level string `json:"level,omitempty"`
	// ValidationTime is the time the signer's certificate was judged at,
	// RFC 3339: the earliest trusted timestamp's (the signature's own, else
	// a document timestamp over it), else the verification's time.
	ValidationTime string `json:"validation_time,omitempty"`
	// Valid is the bottom line: integrity, byte-range rules, no disallowed
	// modification, no weak algorithm, and trust when roots were given.
	Valid bool `json:"valid"`
	// Problem explains why the signature is not valid or not trusted.
	Problem string `json:"problem,omitempty"`
	// Warnings are findings that do not decide validity (no roots given,
	// revocation not checked, not PAdES-conformant...).
	Warnings []string `json:"warnings,omitempty"`
	// Findings are the problems (Fatal) and the warnings, each with a
	// stable code that callers word in their own language; Problem and
	// Warnings hold their technical details in English.
	Findings []Finding `json:"findings,omitempty"`

	// Chain holds the certificates included in the signature, signer first
	// when it is known.
	Chain []*x509.Certificate `json:"-"`

	problems, trustProblems, warnings []Finding
	lt                                ltEvidence
	// genuine: the field and its /V are in the revision the byte range covers
	genuine bool
}

const (
	Valid   = "valid"
	Invalid = "invalid"
)

// Modification levels, from least to most.
const (
	ModNone        = "none"
	ModSignatures  = "signatures"
	ModFormFill    = "form_fill"
	ModAnnotations = "annotations"
	ModOther       = "other"
)

// Kinds of signature.
const (
	KindSignature         = "signature"
	KindDocumentTimestamp = "document_timestamp"
)

// maxContents bounds a /Contents string we are willing to read.
const maxContents = 1 << 20

// MaxSignatures bounds the signatures (signed signature fields) of one
// document that Verify checks. Real documents carry a few, a circular
// signed by every employee of an office a few hundred; each signature is
// an incremental update of several kilobytes, so 1,000 is far beyond any
// real use. Copies of one signature cost little once verified, but each
// distinct signature still hashes the revision it signed: the bound keeps
// a crafted file from multiplying that work.
const MaxSignatures = 1000

// ErrTooManySignatures refuses a document with more than MaxSignatures
// signatures.
var ErrTooManySignatures = fmt.Errorf("too many signatures (more than %d)", MaxSignatures)

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Roots are the trusted roots; nil means no signature is trusted (and
	// trust does not count in Valid).
	Roots *x509.CertPool
	// Time is the validation time when no trusted timestamp says otherwise;
	// zero means now.
	Time time.Time
	// HTTPClient fetches CRLs and OCSP responses for the revocation check;
	// nil means a client with a short timeout.
	HTTPClient *http.Client
	// Offline skips online revocation checks (they are then reported as
	// not checked unless the PDF's DSS answers).
	Offline bool
	// Password opens an encrypted PDF whose user password is not empty
	// (the user or the owner password); without it such a file gives
	// ErrPasswordRequired. Files with an empty user password need none.
	Password string
}

// Verify checks every signature field of the PDF in r. roots may be nil:
// then no signature is trusted.
func Verify(r io.ReaderAt, size int64, roots *x509.CertPool) ([]SignatureInfo, error) {
	return VerifyWith(r, size, VerifyOptions{Roots: roots})
}

// VerifyWith is Verify with options.
func VerifyWith(r io.ReaderAt, size int64, opts VerifyOptions) ([]SignatureInfo, error) {
	if size == 0 {
		return nil, fmt.Errorf("%w: the file is empty", ErrNotPDF)
	}
	f, err := pdf.OpenWith(r, size, pdf.OpenOptions{Password: opts.Password})
	if err != nil {
		return nil, mapParseErr(err)
	}
	sigs, err := signatureFields(f)
	if err != nil {
		return nil, err
	}
	// The newest pages: what the signed revisions showed, unless an update
	// changed it (which the difference analysis reports).
	if err := checkPageStreams(f); err != nil {
		return nil, err
	}
	if len(sigs) > MaxSignatures {
		return nil, fmt.Errorf("%w: the document has %d", ErrTooManySignatures, len(sigs))
	}
	v := &verifier{r: r, size: size, f: f, opts: opts, revs: map[int64]*revision{}, fetched: map[string]fetched{},
		gaps: map[[2]int64]gapValue{}, digests: map[digestKey]digestValue{}, prefixes: map[crypto.Hash]*prefixHasher{},
		checks:  map[checkKey]*SignatureInfo{},
		trusted: map[trustKey]*SignatureInfo{}, dssByEnd: map[int64]*dss{}}
	if err := v.loadDSS(); err != nil {
		return nil, err
	}
	out := make([]SignatureInfo, len(sigs))
	// Document timestamps first, the latest first: each is judged at the
	// time of a later one over it, and the signatures at the earliest
	// one over them when they carry no timestamp of their own.
	for _, i := range v.docTimestampsFirst(sigs) {
		out[i] = v.verifyOne(sigs[i])
		if out[i].Kind == KindDocumentTimestamp {
			finish(&out[i], opts.Roots != nil)
			v.noteDocTimestamp(sigs[i], &out[i])
		}
	}
	markCopies(sigs, out)
	for i := range out {
		finish(&out[i], opts.Roots != nil)
	}
	v.levels(out)
	return out, nil
}

// AllValid reports the bottom line for a file: at least one signature, and
// every signature valid.
func AllValid(infos []SignatureInfo) bool {
	for _, s := range infos {
		if !s.Valid {
			return false
		}
	}
	return len(infos) > 0
}

// finish computes the bottom line, the problem text, the warnings and the
// findings.
func finish(info *SignatureInfo, haveRoots bool) {
	info.Valid = info.Integrity == Valid && len(info.problems) == 0 && info.Modifications != ModOther &&
		(!haveRoots || info.Trusted)
	fatal := slices.Clone(info.problems)
	warnings := slices.Clone(info.warnings)
	if haveRoots {
		fatal = append(fatal, info.trustProblems...)
	} else {
		warnings = append(warnings, Finding{Code: FindTrustNotChecked, Detail: "trust not checked: no trusted root given"})
		warnings = append(warnings, info.trustProblems...)
	}
	var details []string
	info.Findings = nil
	for _, f := range fatal {
		f.Fatal = true
		details = append(details, f.Detail)
		info.Findings = append(info.Findings, f)
	}
	info.Problem = strings.Join(details, "; ")
	info.Warnings = nil
	for _, f := range warnings {
		f.Fatal = false
		info.Warnings = append(info.Warnings, f.Detail)
		info.Findings = append(info.Findings, f)
	}
}

// fail records a problem that makes the signature not valid.
func (info *SignatureInfo) fail(code, format string, args ...any) {
	info.problems = append(info.problems, Finding{Code: code, Detail: fmt.Sprintf(format, args...)})
}

// distrust records a reason not to trust the signer.
func (info *SignatureInfo) distrust(code, format string, args ...any) {
	info.trustProblems = append(info.trustProblems, Finding{Code: code, Detail: fmt.Sprintf(format, args...)})
}

func (info *SignatureInfo) warn(code, format string, args ...any) {
	info.warnings = append(info.warnings, Finding{Code: code, Detail: fmt.Sprintf(format, args...)})
}

// A Finding is one problem or warning about a signature.
type Finding struct {
	// Code says what it is about (the Find constants).
	Code string `json:"code"`
	// Fatal findings make the signature not valid, or not trusted when
	// roots were given; the others are warnings.
	Fatal bool `json:"fatal,omitempty"`
	// Detail is the technical text, in English.
	Detail string `json:"detail"`
}

// Finding codes.
const (
	FindUnreadable      = "unreadable"        // the signature or its signed bytes cannot be read
	FindByteRange       = "byte_range"        // the byte range does not cover the file as a signature must
	FindCopy            = "copy"              // the field copies another signature
	FindChanged         = "changed"           // the document was changed after signing beyond what is allowed
	FindCertification   = "certification"     // changes the certifying signature forbids
	FindUnsupported     = "unsupported"       // a signature type or algorithm this verifier does not know
	FindDigestMismatch  = "digest_mismatch"   // the signed bytes were changed
	FindEmbedded        = "embedded"          // the signature carries its own content instead of the document's
	FindNoSigner        = "no_signer"         // the signer's certificate is missing
	FindSignature       = "signature"         // the cryptographic signature does not verify
	FindWeak            = "weak_algorithm"    // a weak hash or key
	FindSigningCert     = "signing_cert"      // the signing-certificate attribute names another certificate
	FindNotPAdES        = "not_pades"         // not conformant to PAdES
	FindTimestamp       = "timestamp"         // a timestamp that is unreadable, does not cover or does not verify
	FindTimestampTrust  = "timestamp_trust"   // a timestamp whose authority is not trusted
	FindCertUnusable    = "cert_unusable"     // a certificate not issued for signing documents
	FindCertExpired     = "cert_expired"      // the certificate had expired at the validation time
	FindCertNotYet      = "cert_not_yet"      // the certificate was not yet valid at the validation time
	FindNotTrusted      = "not_trusted"       // no chain to a trusted root
	FindRevoked         = "revoked"           // the certificate was revoked
	FindRevocation      = "revocation"        // revocation could not be checked, or a note on it
	FindTrustNotChecked = "trust_not_checked" // no roots were given
	FindDSS             = "dss"               // validation data in the DSS that cannot be used (bad signature, another certificate, not fresh)
)

// decodeText decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM,
// else PDFDocEncoding, read here as Latin-1).
func decodeText(s pdf.String) string {
	if len(s) >= 2 && s[0] == 0xfe && s[1] == 0xff {
		u := make([]uint16, 0, len(s)/2)
		for i := 2; i+1 < len(s); i += 2 {
			u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return string(utf16.Decode(u))
	}
	if len(s) >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf {
		return string(s[3:])
	}
	r := make([]rune, len(s))
	for i, c := range s {
		r[i] = rune(c)
	}
	return string(r)
}
