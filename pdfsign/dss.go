package pdfsign

import (
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
	"golang.org/x/crypto/ocsp"
)

// dss is the PDF's Document Security Store (PAdES B-LT): certificates and
// revocation data embedded for validation. items holds the SHA-256 of
// every entry's bytes, so that a level can say which entries it relied on
// and a document timestamp whether it covers them.
type dss struct {
	certs []*x509.Certificate
	crls  []*x509.RevocationList
	ocsps [][]byte
	items map[[sha256.Size]byte]bool
}

// readDSS reads /DSS from f's catalog; unreadable entries are skipped
// (they only help), and a missing DSS is an empty one.
func readDSS(f *pdf.File) (*dss, error) {
	out := &dss{items: map[[sha256.Size]byte]bool{}}
	catalog, _, err := f.ResolveDict(f.Trailer["Root"])
	if err != nil {
		return nil, mapParseErr(err)
	}
	d, ok, err := f.ResolveDict(catalog["DSS"])
	if err != nil || !ok {
		return out, nil
	}
	streams := func(k pdf.Name) [][]byte {
		o, _ := f.Resolve(d[k])
		arr, _ := o.(pdf.Array)
		var list [][]byte
		for _, e := range arr {
			so, err := f.Resolve(e)
			if s, ok := so.(pdf.Stream); ok && err == nil {
				if data, err := f.StreamData(s); err == nil {
					list = append(list, data)
					out.items[sha256.Sum256(data)] = true
				}
			}
		}
		return list
	}
	for _, b := range streams("Certs") {
		if c, err := x509.ParseCertificate(b); err == nil {
			out.certs = append(out.certs, c)
		}
	}
	for _, b := range streams("CRLs") {
		if c, err := x509.ParseRevocationList(b); err == nil {
			out.crls = append(out.crls, c)
		}
	}
	out.ocsps = streams("OCSPs")
	return out, nil
}

// loadDSS reads the final file's DSS.
func (v *verifier) loadDSS() error {
	d, err := readDSS(v.f)
	v.dss = d
	return err
}

// dssAt is the DSS as the revision ending at end had it (what a document
// timestamp over that revision vouches for).
func (v *verifier) dssAt(end int64) *dss {
	if d, ok := v.dssByEnd[end]; ok {
		return d
	}
	var d *dss
	if rv := v.revision(end); rv.err == nil {
		d, _ = readDSS(rv.f)
	}
	if d == nil {
		d = &dss{}
	}
	v.dssByEnd[end] = d
	return d
}

// dssContainers lists the objects of f that hold the DSS (its dictionary,
// the /Certs, /OCSPs, /CRLs arrays, /VRI and its entries and their
// arrays) and that nothing outside the DSS refers to. A later update may
// redefine those to add validation data (pyHanko keeps them indirect and
// rewrites them); an object shared with the rest of the document (a page's
// resources posing as /VRI) stays judged as what it also is.
func dssContainers(f *pdf.File) map[int]bool {
	catalog, _, _ := f.ResolveDict(f.Trailer["Root"])
	if catalog == nil || catalog["DSS"] == nil {
		return nil
	}
	out := map[int]bool{}
	note := func(o pdf.Object) {
		if r, ok := o.(pdf.Ref); ok {
			out[r.Num] = true
		}
	}
	note(catalog["DSS"])
	d, _, _ := f.ResolveDict(catalog["DSS"])
	for _, k := range []pdf.Name{"Certs", "OCSPs", "CRLs"} {
		note(d[k])
	}
	note(d["VRI"])
	vri, _, _ := f.ResolveDict(d["VRI"])
	for _, e := range vri {
		note(e)
		ed, _, _ := f.ResolveDict(e)
		for _, k := range []pdf.Name{"Cert", "OCSP", "CRL"} {
			note(ed[k])
		}
	}
	// Whatever the rest of the document reaches is not the DSS's alone.
	trailer := pdf.Dict{}
	for k, o := range f.Trailer {
		trailer[k] = o
	}
	rest := pdf.Dict{}
	for k, o := range catalog {
		if k != "DSS" {
			rest[k] = o
		}
	}
	delete(trailer, "Root")
	for n := range reachable(f, pdf.Array{trailer, rest}) {
		delete(out, n)
	}
	if r, ok := f.Trailer["Root"].(pdf.Ref); ok {
		delete(out, r.Num)
	}
	return out
}

// dssObject says whether object num of the signed revision f holds only
// its DSS. The walk it needs is made once per revision, and only when an
// update redefined an object nothing else explains.
func (s *oldStructure) dssObject(f *pdf.File, num int) bool {
	if s.dss == nil {
		m := dssContainers(f)
		s.dss = &m
	}
	return (*s.dss)[num]
}

// reachable is the set of objects reached from o (the walk of references,
// from another start).
func reachable(f *pdf.File, o pdf.Object) map[int]bool {
	seen := map[int]bool{}
	stack := []pdf.Object{o}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch t := x.(type) {
		case pdf.Ref:
			if seen[t.Num] || t.Num <= 0 {
				continue
			}
			seen[t.Num] = true
			if ob, err := f.Object(t.Num); err == nil {
				stack = append(stack, ob)
			}
		case pdf.Array:
			for _, e := range t {
				stack = append(stack, e)
			}
		case pdf.Dict:
			for _, e := range t {
				stack = append(stack, e)
			}
		case pdf.Stream:
			stack = append(stack, t.Dict)
		}
	}
	return seen
}

// dssContainerDiff judges a redefined DSS container: it must stay a
// dictionary or an array (what the DSS is made of), else it is another
// change.
func dssContainerDiff(d *diffState, num int, was, now pdf.Object) {
	_, wasArr := was.(pdf.Array)
	_, nowArr := now.(pdf.Array)
	wd, wasDict := was.(pdf.Dict)
	_, nowDict := now.(pdf.Dict)
	if (wasArr && nowArr) || (wasDict && nowDict) {
		d.add(ModSignatures, "/DSS")
		return
	}
	d.add(ModOther, describe(num, wd))
}

// status looks for c's status at time at in the DSS: a CRL of its issuer
// or an OCSP response about it, signed as it must be, fresh for at, and
// produced while c was still valid (a CA may drop an expired certificate
// from its CRL: a list issued after the expiry proves nothing about it).
// When several entries qualify, one that says revoked wins. used is the
// SHA-256 of the entry relied on; why says, when nothing usable was found,
// what the DSS held for c instead (entries that are only too old or too
// new for at, when reportAge).
func (d *dss) status(c, issuer *x509.Certificate, at time.Time, reportAge bool) (st int, detail string, used [sha256.Size]byte, ok bool, why []string) {
	name := c.Subject.CommonName
	other, aged := 0, false
	usable := func(thisUpdate, nextUpdate time.Time, what string) bool {
		switch {
		case !reportAge && (thisUpdate.After(c.NotAfter) || !fresh(thisUpdate, nextUpdate, at)):
			aged = true
		case thisUpdate.After(c.NotAfter):
			why = append(why, fmt.Sprintf("the DSS's %s about %q was produced on %s, after the certificate expired", what, name, thisUpdate.UTC().Format(time.RFC3339)))
		case !fresh(thisUpdate, nextUpdate, at):
			why = append(why, fmt.Sprintf("the DSS's %s about %q (produced %s) is not fresh for the validation time %s",
				what, name, thisUpdate.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)))
		default:
			return true
		}
		return false
	}
	take := func(s int, det string, raw []byte) {
		if !ok || (st != ocsp.Revoked && s == ocsp.Revoked) {
			st, detail, used, ok = s, det, sha256.Sum256(raw), true
		}
	}
	for _, der := range d.ocsps {
		s, det, err := ocspStatus(der, c, issuer, time.Time{})
		if errors.Is(err, errOCSPUnusable) {
			// Not about c, or not signed by its issuer: say which.
			if r, err := ocsp.ParseResponse(der, nil); err == nil && r.SerialNumber != nil && r.SerialNumber.Cmp(c.SerialNumber) == 0 {
				why = append(why, fmt.Sprintf("an OCSP response about %q in the DSS is not signed by its issuer or a responder it designated", name))
			} else {
				other++
			}
			continue
		}
		if err != nil {
			why = append(why, fmt.Sprintf("an OCSP response about %q in the DSS: %v", name, err))
			continue
		}
		r, _ := ocsp.ParseResponseForCert(der, c, issuer)
		if usable(r.ThisUpdate, r.NextUpdate, "OCSP response") {
			take(s, det, der)
		}
	}
	for _, crl := range d.crls {
		if string(crl.RawIssuer) != string(c.RawIssuer) {
			continue
		}
		s, det, signed := crlStatus(crl, c, issuer)
		if !signed {
			why = append(why, fmt.Sprintf("a CRL in the DSS names the issuer of %q but is not signed by it", name))
			continue
		}
		if usable(crl.ThisUpdate, crl.NextUpdate, "CRL") {
			take(s, det, crl.Raw)
		}
	}
	if ok {
		return st, detail, used, true, nil
	}
	if len(why) == 0 && !aged && other > 0 {
		why = append(why, fmt.Sprintf("the DSS's OCSP responses are about other certificates than %q", name))
	}
	return ocsp.Unknown, "", used, false, why
}

// dssFreshness is how far before the validation time revocation data may
// have been produced and still speak for it when it names no next update.
const dssFreshness = 24 * time.Hour

// fresh says whether revocation data produced at thisUpdate (valid until
// nextUpdate, zero when unsaid) speaks for the time at: produced after it
// (it then knows every revocation before at), or current at it.
func fresh(thisUpdate, nextUpdate, at time.Time) bool {
	if !thisUpdate.Before(at.Add(-ocspClockSkew)) {
		return true
	}
	if nextUpdate.IsZero() {
		return at.Sub(thisUpdate) <= dssFreshness
	}
	return !at.After(nextUpdate)
}
