package localqueue

// The rules of a queued document, the same as authority/embedded/queue.go's
// (a copy: that package is not to import; the contract could hold one set).

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/natunakab/besign/authority"
)

// checkQueuePath accepts an absolute, cleaned path of at most
// MaxQueuePathLen bytes of UTF-8 without control characters; what names
// the path in the error.
func checkQueuePath(p string, sentinel error, what string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: %s is empty", sentinel, what)
	case len(p) > authority.MaxQueuePathLen:
		return fmt.Errorf("%w: %s is longer than %d bytes", sentinel, what, authority.MaxQueuePathLen)
	case !utf8.ValidString(p):
		return fmt.Errorf("%w: %s is not UTF-8", sentinel, what)
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: %s holds a control character", sentinel, what)
		}
	}
	if !filepath.IsAbs(p) {
		return fmt.Errorf("%w: %s is not absolute", sentinel, what)
	}
	// Not cleaned here: "/a/link/../b.pdf" need not be "/a/b.pdf", and one
	// file must have one spelling for the duplicate check.
	if filepath.Clean(p) != p {
		return fmt.Errorf("%w: %s is not in its clean form", sentinel, what)
	}
	return nil
}

// checkFingerprint refuses a fingerprint that could not be compared with
// a file: a negative size, a hash that is not SHA-256, a time the database
// cannot keep to the nanosecond.
func checkFingerprint(f authority.Fingerprint) error {
	switch {
	case f.Size < 0:
		return fmt.Errorf("%w: fingerprint: negative size", authority.ErrQueueSettings)
	case len(f.SHA256) != 0 && len(f.SHA256) != 32:
		return fmt.Errorf("%w: fingerprint: a hash of %d bytes", authority.ErrQueueSettings, len(f.SHA256))
	case !f.ModTime.IsZero() && !time.Unix(0, f.ModTime.UnixNano()).Equal(f.ModTime):
		return fmt.Errorf("%w: fingerprint: time out of range", authority.ErrQueueSettings)
	}
	return nil
}

// checkSignatureSettings checks s for a document of pages pages (0: not
// known) and returns it with Reason and Location trimmed.
func checkSignatureSettings(s authority.SignatureSettings, pages int) (authority.SignatureSettings, error) {
	if s.Page < 1 || (pages > 0 && s.Page > pages) {
		return s, fmt.Errorf("%w: page %d of %d", authority.ErrQueueSettings, s.Page, pages)
	}
	b := s.Box
	for _, v := range []float64{b.X, b.Y, b.W, b.H} {
		// NaN and infinities cannot be stored even for an unused box.
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return s, fmt.Errorf("%w: box: not a finite number", authority.ErrQueueSettings)
		}
	}
	if !s.Invisible {
		switch {
		case b.W <= 0 || b.H <= 0:
			return s, fmt.Errorf("%w: box: width and height must be positive", authority.ErrQueueSettings)
		case b.X < 0 || b.Y < 0:
			return s, fmt.Errorf("%w: box: outside the page", authority.ErrQueueSettings)
		case max(b.X, b.Y, b.W, b.H, b.X+b.W, b.Y+b.H) > authority.MaxBoxPoints:
			return s, fmt.Errorf("%w: box: beyond %d points", authority.ErrQueueSettings, authority.MaxBoxPoints)
		}
	}
	var err error
	if s.Reason, err = checkSignatureText(s.Reason, "reason"); err != nil {
		return s, err
	}
	if s.Location, err = checkSignatureText(s.Location, "location"); err != nil {
		return s, err
	}
	if s.OutputDir != "" {
		if err := checkQueuePath(s.OutputDir, authority.ErrQueueSettings, "output folder"); err != nil {
			return s, err
		}
	}
	return s, nil
}

// checkSignatureText trims an optional reason or location, which goes into
// the signature and so before a verifier's eyes.
func checkSignatureText(s, what string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	return authority.CheckFreeText(s, authority.MaxSignatureTextLen, false, authority.TextErrors{
		Empty:   fmt.Errorf("%w: %s is empty", authority.ErrQueueSettings, what), // not reached
		Long:    fmt.Errorf("%w: %s is longer than %d characters", authority.ErrQueueSettings, what, authority.MaxSignatureTextLen),
		Invalid: fmt.Errorf("%w: %s contains characters that are not allowed", authority.ErrQueueSettings, what),
	})
}
