package signjob

import (
	"encoding/hex"
	"net/url"
	"strconv"
)

// The QR code of a visible signature points at the document it stands on.
// The signed revision's own hash cannot be in it: the code is drawn inside
// the signed revision, so that hash is known only once the code is fixed.
// What is known, and says as much, is the document as it was before
// signing: its SHA-256 and size (the queue's fingerprint, checked again
// while signing). A PAdES signature is an incremental update, so the
// signed copy begins with exactly those bytes: a verification page given
// the signed copy can hash its first "size" bytes and compare, and then
// check the signature that covers the rest. With the signer's certificate
// serial the address names one signature of one document.

// VerificationQuery is base (the organisation's verification address) with
// sha256 (hex), size and serial added to its query; base as it is when it
// cannot be read as a URL.
func VerificationQuery(base string, sha256 []byte, size int64, serial string) string {
	u, err := url.Parse(base)
	if err != nil || len(sha256) == 0 {
		return base
	}
	q := u.Query()
	q.Set("sha256", hex.EncodeToString(sha256))
	q.Set("size", strconv.FormatInt(size, 10))
	if serial != "" {
		q.Set("serial", serial)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// qr is the document's QR text.
func (d *doc) qr() string {
	if !d.job.QRDocument || d.job.QR == "" || len(d.Fingerprint.SHA256) == 0 {
		return d.job.QR
	}
	return VerificationQuery(d.job.QR, d.Fingerprint.SHA256, d.Fingerprint.Size, d.job.Serial)
}
