package pdfsign

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

// verifier holds what the signatures of one file share. The caches keep
// the cost of a verification linear in the file's size: signature fields
// that reuse one byte range (copies, which a crafted update can add by the
// thousand) share its reading, hashing and checking.
type verifier struct {
	r       io.ReaderAt
	size    int64
	f       *pdf.File
	opts    VerifyOptions
	revs    map[int64]*revision
	dss     *dss
	fetched map[string]fetched
	// gaps holds the signature value of each byte range's gap.
	gaps map[[2]int64]gapValue
	// digests holds the digest of each byte range by algorithm.
	digests map[digestKey]digestValue
	// prefixes hash the file's beginnings, by algorithm.
	prefixes map[crypto.Hash]*prefixHasher
	// checks holds the outcome of checkCMS or checkDocTimestamp for a byte
	// range and subfilter: the signature value is the range's gap, so the
	// outcome depends on nothing else.
	checks map[checkKey]*SignatureInfo
	// trusted holds trust judgements by certificate, intermediates,
	// validation time and purpose.
	trusted map[trustKey]*SignatureInfo
	// dssByEnd holds the DSS of revisions, by their end.
	dssByEnd map[int64]*dss
	// docStamps are the valid document timestamps found so far, with
	// the revision each covers.
	docStamps []docStamp
	// start is the verification's time (see now).
	start time.Time
}

type gapValue struct {
	contents []byte
	err      string // "" when the gap is a signature value
}

type digestKey struct {
	br [4]int64
	h  crypto.Hash
}

type digestValue struct {
	sum []byte
	err error
}

type checkKey struct {
	br  [4]int64
	sub pdf.Name
}

// sigField is a signature field as the final file has it.
type sigField struct {
	name string
	num  int // the field's object number, 0 when direct
	vRef pdf.Ref
	v    pdf.Dict
}

// field is one node of the AcroForm field tree.
type field struct {
	name string
	ft   pdf.Name
	num  int
	d    pdf.Dict
}

// fieldTree lists the fields of f with their object numbers. Cycles and
// absurd depths, which broken files have, end the descent quietly.
func fieldTree(f *pdf.File) (fields []field, acroNum int, err error) {
	catalog, ok, err := f.ResolveDict(f.Trailer["Root"])
	if err != nil {
		return nil, 0, mapParseErr(err)
	}
	if !ok {
		return nil, 0, fmt.Errorf("%w: the document catalog is missing", ErrMalformed)
	}
	if r, ok := catalog["AcroForm"].(pdf.Ref); ok {
		acroNum = r.Num
	}
	acro, _, err := f.ResolveDict(catalog["AcroForm"])
	if err != nil {
		return nil, 0, mapParseErr(err)
	}
	top, err := f.Resolve(acro["Fields"])
	if err != nil {
		return nil, 0, mapParseErr(err)
	}
	seen := map[int]bool{}
	visit := func(n fieldNode) {
		num := 0
		if n.indirect {
			num = n.ref.Num
			seen[num] = true
		}
		fields = append(fields, field{n.name, n.ft, num, n.dict})
	}
	arr, _ := top.(pdf.Array)
	if err := walkFieldNodes(f, arr, visit); err != nil {
		return nil, 0, err
	}
	// Signature widgets that pages list but /Fields does not (poppler's
	// pdfsig -add-signature writes those): readers show them, so they are
	// verified too.
	for _, page := range pageList(f, catalog) {
		pd, _, _ := f.ResolveDict(page)
		annots, _ := f.Resolve(pd["Annots"])
		aa, _ := annots.(pdf.Array)
		var orphans pdf.Array
		for _, a := range aa {
			r, ok := a.(pdf.Ref)
			if !ok || seen[r.Num] {
				continue
			}
			if d, ok, _ := f.ResolveDict(r); ok && d["FT"] == pdf.Name("Sig") && d["Parent"] == nil {
				orphans = append(orphans, r)
			}
		}
		if err := walkFieldNodes(f, orphans, visit); err != nil {
			return nil, 0, err
		}
	}
	return fields, acroNum, nil
}

func signatureFields(f *pdf.File) ([]sigField, error) {
	fields, _, err := fieldTree(f)
	if err != nil {
		return nil, err
	}
	var sigs []sigField
	// Fields that share one signature dictionary share its reading.
	dicts := map[pdf.Ref]pdf.Dict{}
	for _, fd := range fields {
		if fd.ft != "Sig" {
			continue
		}
		if _, signed := fd.d["V"]; !signed {
			continue
		}
		vRef, indirect := fd.d["V"].(pdf.Ref)
		v, seen := dicts[vRef]
		if !indirect || !seen {
			// An unreadable signature dictionary is reported, not skipped.
			v, _, _ = f.ResolveDict(fd.d["V"])
			if indirect {
				dicts[vRef] = v
			}
		}
		sigs = append(sigs, sigField{fd.name, fd.num, vRef, v})
	}
	return sigs, nil
}

// revision is the file as it stood at the end of one signed byte range.
type revision struct {
	end    int64
	f      *pdf.File
	err    error
	fields []field
	// byName indexes fields by name, made on first use.
	byName map[string][]int
	// diff is the difference analysis of what follows the revision, made
	// on first use: it depends on the revision only, not on which of its
	// signatures asks.
	diff *diffState
}

var errRevisionEnd = errors.New("the signed byte range does not end where a revision of the file ends")

// revision opens the prefix of the file that ends at end as a PDF of its
// own: the revision a signature signed.
func (v *verifier) revision(end int64) *revision {
	if rv, ok := v.revs[end]; ok {
		return rv
	}
	rv := &revision{end: end}
	v.revs[end] = rv
	tail := make([]byte, min(end, 64))
	if _, err := v.r.ReadAt(tail, end-int64(len(tail))); err != nil && err != io.EOF {
		rv.err = err
		return rv
	}
	if !bytes.HasSuffix(bytes.TrimRight(tail, " \t\r\n\x00"), []byte("%%EOF")) {
		rv.err = errRevisionEnd
		return rv
	}
	f, err := pdf.OpenWith(io.NewSectionReader(v.r, 0, end), end, pdf.OpenOptions{Password: v.opts.Password})
	if err != nil {
		rv.err = fmt.Errorf("%w: %v", errRevisionEnd, err)
		return rv
	}
	rv.f = f
	if rv.fields, _, err = fieldTree(f); err != nil {
		rv.err = err
	}
	return rv
}

func (v *verifier) verifyOne(s sigField) SignatureInfo {
	info := SignatureInfo{Field: s.name, Kind: KindSignature, Integrity: Invalid, Modifications: ModNone}
	if s.v == nil {
		info.fail(FindUnreadable, "the signature dictionary cannot be read")
		info.Modifications = ModOther
		return info
	}
	br, err := byteRange(v.f, s.v, v.size)
	if err != nil {
		info.fail(FindByteRange, "%v", err)
		info.Modifications = ModOther
		return info
	}
	end := br[2] + br[3]
	info.lt.end = end
	info.CoversWholeDocument = end == v.size
	info.ModifiedAfterSigning = end < v.size

	// The signed revision decides: the signature dictionary as it stands
	// there, not as a later update may have redefined it.
	sd, rf := s.v, v.f
	rev := v.revision(end)
	if rev.err != nil {
		info.fail(FindUnreadable, "%v", rev.err)
		info.Modifications = ModOther
	} else {
		own, ok := rev.signatureField(s)
		if !ok {
			info.fail(FindCopy, "field %q is not in the revision its byte range covers: it copies another signature", s.name)
		} else {
			sd, rf = own, rev.f
			info.genuine = true
		}
	}
	str := func(k pdf.Name) string {
		o, _ := rf.Resolve(sd[k])
		if t, ok := o.(pdf.String); ok {
			return decodeText(t)
		}
		return ""
	}
	info.Reason, info.Location = str("Reason"), str("Location")
	sub, _ := sd["SubFilter"].(pdf.Name)
	info.SubFilter = string(sub)
	if t, ok := sd["Type"].(pdf.Name); (ok && t == "DocTimeStamp") || sub == "ETSI.RFC3161" {
		info.Kind = KindDocumentTimestamp
	}
	if at, ok := parsePDFDate(str("M")); ok {
		info.SigningTime = at.Format(time.RFC3339)
	}
	name := str("Name")

	// The gap must be exactly the /Contents hex string of this signature.
	contents, why := v.gap(br)
	if why != "" {
		info.fail(FindByteRange, "%s", why)
		return info
	}
	if c, _ := rf.Resolve(sd["Contents"]); !bytes.Equal([]byte(asString(c)), contents) {
		info.fail(FindByteRange, "the byte range gap is not this signature's /Contents")
	}
	if rev.err == nil && end < v.size {
		if rev.diff == nil {
			rev.diff = v.difference(rev, s)
		}
		d := rev.diff
		info.Modifications = d.level
		switch p := docMDP(rf, sd); {
		case d.level == ModOther:
			info.fail(FindChanged, "changed after signing: %s", d.what)
		case p == 1 && d.level != ModNone && (d.approval != "" || d.level != ModSignatures):
			what := d.what
			if d.approval != "" {
				what = "new signature field " + d.approval
			}
			info.fail(FindCertification, "the certification allows no changes, but the document was changed: %s", what)
		case p == 2 && d.level == ModAnnotations:
			info.fail(FindCertification, "the certification allows only form filling and signing, but the document was changed: %s", d.what)
		}
	}

	v.check(&info, contents, br, sub)
	if info.Signer == "" {
		info.Signer = name
	}
	return info
}

// docMDP returns the P of a certification signature's DocMDP transform
// (1 no changes, 2 form filling and signing, 3 also annotations), or 0
// for an approval signature.
func docMDP(f *pdf.File, sd pdf.Dict) int {
	refs, _ := f.Resolve(sd["Reference"])
	arr, _ := refs.(pdf.Array)
	for _, r := range arr {
		ref, ok, _ := f.ResolveDict(r)
		if !ok || ref["TransformMethod"] != pdf.Name("DocMDP") {
			continue
		}
		params, _, _ := f.ResolveDict(ref["TransformParams"])
		if p, ok := params["P"].(pdf.Int); ok && p >= 1 && p <= 3 {
			return int(p)
		}
		return 2
	}
	return 0
}

func asString(o pdf.Object) pdf.String {
	s, _ := o.(pdf.String)
	return s
}

// gap reads and decodes the signature value between the two ranges of
// br; why says what is wrong with it otherwise.
func (v *verifier) gap(br [4]int64) (contents []byte, why string) {
	key := [2]int64{br[1], br[2]}
	if g, ok := v.gaps[key]; ok {
		return g.contents, g.err
	}
	g := gapValue{}
	buf := make([]byte, br[2]-br[1])
	if _, err := v.r.ReadAt(buf, br[1]); err != nil {
		g.err = "cannot read the signature value"
	} else if c, ok := hexGap(buf); !ok {
		g.err = "the byte range gap is not a signature value"
	} else {
		g.contents = c
	}
	v.gaps[key] = g
	return g.contents, g.err
}

// check verifies the signature value against the byte ranges and judges
// the signer, once per byte range and subfilter; info gets the outcome.
func (v *verifier) check(info *SignatureInfo, contents []byte, br [4]int64, sub pdf.Name) {
	key := checkKey{br, sub}
	r, ok := v.checks[key]
	if !ok {
		r = &SignatureInfo{Integrity: Invalid}
		switch sub {
		case "ETSI.CAdES.detached", "adbe.pkcs7.detached", "adbe.pkcs7.sha1":
			v.checkCMS(r, contents, br, sub)
		case "ETSI.RFC3161":
			v.checkDocTimestamp(r, contents, br)
		default:
			r.fail(FindUnsupported, "unsupported signature type %q", sub)
		}
		v.checks[key] = r
	}
	info.Signer = r.Signer
	if info.SigningTime == "" {
		// checkCMS falls back on the CMS signing time when /M is absent.
		info.SigningTime = r.SigningTime
	}
	info.Timestamp = r.Timestamp
	info.TimestampAuthority = r.TimestampAuthority
	if info.Timestamp != "" {
		// The signer's clock is only a claim: a trusted token's time is
		// the signing time shown.
		info.ClaimedSigningTime, info.SigningTime = info.SigningTime, info.Timestamp
	}
	info.Integrity = r.Integrity
	info.ValidationTime = r.ValidationTime
	end := info.lt.end
	info.lt = r.lt
	info.lt.end = end
	info.Trusted = r.Trusted
	info.Revocation = r.Revocation
	info.RevokedAt = r.RevokedAt
	if r.DigestAlgorithm != "" {
		info.DigestAlgorithm = r.DigestAlgorithm
	}
	info.Chain = slices.Clone(r.Chain)
	info.warnings = append(info.warnings, r.warnings...)
	info.problems = append(info.problems, r.problems...)
	info.trustProblems = append(info.trustProblems, r.trustProblems...)
}

// signatureField finds s in the revision: the same field name with the
// same /V object. Its signature dictionary as the revision has it is
// returned.
func (rv *revision) signatureField(s sigField) (pdf.Dict, bool) {
	if rv.byName == nil {
		rv.byName = map[string][]int{}
		for i, fd := range rv.fields {
			if fd.ft == "Sig" {
				rv.byName[fd.name] = append(rv.byName[fd.name], i)
			}
		}
	}
	for _, i := range rv.byName[s.name] {
		fd := rv.fields[i]
		vRef, _ := fd.d["V"].(pdf.Ref)
		if vRef != s.vRef {
			continue
		}
		if d, ok, err := rv.f.ResolveDict(fd.d["V"]); err == nil && ok {
			return d, true
		}
	}
	return nil, false
}

// markCopies flags signatures that reuse another field's byte range or
// signature value: only the one found in its own revision (the first)
// can be genuine.
func markCopies(sigs []sigField, out []SignatureInfo) {
	seen := map[string]int{}
	order := make([]int, 0, len(sigs))
	for _, genuine := range []bool{true, false} {
		for i := range sigs {
			if out[i].genuine == genuine {
				order = append(order, i)
			}
		}
	}
	for _, i := range order {
		s := sigs[i]
		for _, key := range []string{"br:" + fmt.Sprint(s.v["ByteRange"]), "c:" + string(asString(s.v["Contents"]))} {
			if key == "c:" {
				continue
			}
			if j, ok := seen[key]; ok && out[i].genuine {
				out[i].fail(FindCopy, "field %q reuses the byte range or signature value of field %q: it is a copy", s.name, sigs[j].name)
				break
			}
			seen[key] = i
		}
	}
}

// errOverlap refuses to hash more byte ranges once those hashed after
// their gaps add up to more than the file: the ranges of a real file's
// signatures each cover after the gap only the rest of their own update.
var errOverlap = errors.New("not checked: the byte ranges of this file's signatures overlap far more than real signatures do")

// hashRanges digests the two signed ranges, once per byte range and
// algorithm. The first range, a prefix of the file, continues a hash state
// shared by all signatures (see prefixHasher); the second is hashed on
// its own, within a budget of the file's size per algorithm. Together the
// cost stays linear in the file's size, whatever the ranges.
func (v *verifier) hashRanges(h crypto.Hash, br [4]int64) ([]byte, error) {
	key := digestKey{br, h}
	if d, ok := v.digests[key]; ok {
		return d.sum, d.err
	}
	sum, err := v.hashRangesNow(h, br)
	v.digests[key] = digestValue{sum, err}
	return sum, err
}

func (v *verifier) hashRangesNow(h crypto.Hash, br [4]int64) ([]byte, error) {
	p := v.prefixes[h]
	if p == nil {
		p = newPrefixHasher(v.r, h)
		v.prefixes[h] = p
	}
	if p.tails += br[3]; p.tails > v.size {
		return nil, errOverlap
	}
	d, err := p.prefix(br[1])
	if err != nil {
		return nil, err
	}
	if _, err := io.CopyN(d, io.NewSectionReader(v.r, br[2], br[3]), br[3]); err != nil {
		return nil, err
	}
	return d.Sum(nil), nil
}

// checkpoint is how far apart prefixHasher keeps saved states.
const checkpoint = 256 << 10

// prefixHasher hashes prefixes [0, n) of the file with one running state
// that only moves forward, saving the state every checkpoint bytes: a
// prefix costs the bytes past the longest one asked so far, or at most
// checkpoint bytes from a saved state.
type prefixHasher struct {
	r     io.ReaderAt
	h     crypto.Hash
	run   hash.Hash // covers [0, pos)
	pos   int64
	saved [][]byte // saved[i] covers [0, i*checkpoint)
	// tails counts the bytes hashed after the gaps.
	tails int64
}

func newPrefixHasher(r io.ReaderAt, h crypto.Hash) *prefixHasher {
	return &prefixHasher{r: r, h: h, run: h.New()}
}

// prefix returns a new hash state that has hashed [0, n).
func (p *prefixHasher) prefix(n int64) (hash.Hash, error) {
	m, ok := p.run.(encoding.BinaryMarshaler)
	if !ok {
		// No way to copy a state: hash the prefix on its own.
		d := p.h.New()
		_, err := io.CopyN(d, io.NewSectionReader(p.r, 0, n), n)
		return d, err
	}
	from, at := p.run, p.pos
	if n < p.pos {
		i := n / checkpoint
		from, at = p.h.New(), i*checkpoint
		if err := from.(encoding.BinaryUnmarshaler).UnmarshalBinary(p.saved[i]); err != nil {
			return nil, err
		}
	} else {
		for p.pos < n {
			if p.pos%checkpoint == 0 && int(p.pos/checkpoint) == len(p.saved) {
				st, err := m.MarshalBinary()
				if err != nil {
					return nil, err
				}
				p.saved = append(p.saved, st)
			}
			step := min(n, (p.pos/checkpoint+1)*checkpoint) - p.pos
			if _, err := io.CopyN(p.run, io.NewSectionReader(p.r, p.pos, step), step); err != nil {
				// The running state is past repair: start over next time.
				p.run, p.pos, p.saved = p.h.New(), 0, nil
				return nil, err
			}
			p.pos += step
		}
		at = n
	}
	st, err := from.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, err
	}
	d := p.h.New()
	if err := d.(encoding.BinaryUnmarshaler).UnmarshalBinary(st); err != nil {
		return nil, err
	}
	if _, err := io.CopyN(d, io.NewSectionReader(p.r, at, n-at), n-at); err != nil {
		return nil, err
	}
	return d, nil
}

func (v *verifier) checkCMS(info *SignatureInfo, contents []byte, br [4]int64, sub pdf.Name) {
	p, err := cms.Parse(contents)
	if err != nil {
		info.fail(FindUnreadable, "cannot read the signature: %v", err)
		return
	}
	info.Signer = p.SignerName
	if info.SigningTime == "" && !p.SigningTime.IsZero() {
		// No /M: the CMS signing-time attribute, also only a claim.
		info.SigningTime = p.SigningTime.Format(time.RFC3339)
	}
	if p.Signer != nil {
		info.Chain = append(info.Chain, p.Signer)
	}
	for _, c := range p.Certificates {
		if c != p.Signer {
			info.Chain = append(info.Chain, c)
		}
	}
	info.DigestAlgorithm = cms.HashName(p.Hash)
	if !p.Hash.Available() {
		info.fail(FindUnsupported, "unsupported digest algorithm")
		return
	}
	digest, err := v.hashRanges(p.Hash, br)
	if err != nil {
		info.fail(hashProblem(err), "%s", hashDetail(err))
		return
	}
	switch {
	case sub == "adbe.pkcs7.sha1":
		// The encapsulated content is the SHA-1 of the byte ranges.
		sha, err := v.hashRanges(crypto.SHA1, br)
		if err != nil {
			info.fail(hashProblem(err), "%s", hashDetail(err))
			return
		}
		if !bytes.Equal(sha, p.EContent) {
			info.fail(FindDigestMismatch, "the document was changed inside the signed byte range (digest mismatch)")
			return
		}
		d := p.Hash.New()
		d.Write(p.EContent)
		digest = d.Sum(nil)
		info.DigestAlgorithm = "SHA-1"
	case p.EContent != nil:
		info.fail(FindEmbedded, "the signature carries its own content instead of signing the document")
		return
	}
	switch err := p.Verify(digest); {
	case errors.Is(err, cms.ErrDigest):
		info.fail(FindDigestMismatch, "the document was changed inside the signed byte range (digest mismatch)")
		return
	case errors.Is(err, cms.ErrNoSigner):
		info.fail(FindNoSigner, "the signer's certificate is not included in the signature")
		return
	case err != nil:
		info.fail(FindSignature, "%v", err)
		return
	}
	info.Integrity = Valid
	for _, w := range p.Weak() {
		info.fail(FindWeak, "weak algorithm: %s", w)
	}
	if sub == "ETSI.CAdES.detached" && !p.HasSigningCertV2 {
		info.warn(FindNotPAdES, "not PAdES-conformant: no signing-certificate-v2 attribute")
	}
	if (p.HasSigningCertV2 || p.HasSigningCertV1) && p.Signer != nil && !p.SigningCertMatches {
		info.fail(FindSigningCert, "the signing-certificate attribute does not name the signer's certificate")
	}
	at := v.signatureTimestamp(info, p, br[2]+br[3])
	info.ValidationTime = at.UTC().Format(time.RFC3339)
	v.trustOnce(info, p, at, forDocuments)
}

// trustKey names one trust judgement: the signer's certificate and the
// certificates that came with it, at a validation time, for a purpose.
type trustKey struct {
	certs [sha256.Size]byte
	at    int64
	use   purpose
}

// trustOnce is trust, made once for signatures of the same certificate
// with the same intermediates, validation time and purpose (chain building
// and the revocation check are the costly parts).
func (v *verifier) trustOnce(info *SignatureInfo, p *cms.Parsed, at time.Time, use purpose) {
	if p.Signer == nil {
		v.trust(info, p, at, use)
		return
	}
	h := sha256.New()
	for _, c := range append([]*x509.Certificate{p.Signer}, p.Certificates...) {
		h.Write(c.Raw)
	}
	key := trustKey{at: at.UnixNano(), use: use}
	h.Sum(key.certs[:0])
	r, ok := v.trusted[key]
	if !ok {
		r = &SignatureInfo{}
		v.trust(r, p, at, use)
		v.trusted[key] = r
	}
	info.Trusted = r.Trusted
	info.Revocation = r.Revocation
	info.RevokedAt = r.RevokedAt
	info.lt.chain, info.lt.used = r.lt.chain, append(info.lt.used, r.lt.used...)
	info.warnings = append(info.warnings, r.warnings...)
	info.trustProblems = append(info.trustProblems, r.trustProblems...)
}

// hashProblem and hashDetail word a failure of hashRanges.
func hashProblem(err error) string {
	if errors.Is(err, errOverlap) {
		return FindByteRange
	}
	return FindUnreadable
}

func hashDetail(err error) string {
	if errors.Is(err, errOverlap) {
		return err.Error()
	}
	return "cannot read the signed bytes"
}

var errByteRange = errors.New("invalid /ByteRange")

func byteRange(f *pdf.File, v pdf.Dict, size int64) ([4]int64, error) {
	var br [4]int64
	o, err := f.Resolve(v["ByteRange"])
	if err != nil {
		return br, errByteRange
	}
	a, ok := o.(pdf.Array)
	if !ok || len(a) != 4 {
		return br, errByteRange
	}
	for i, e := range a {
		n, ok := e.(pdf.Int)
		if !ok || n < 0 {
			return br, errByteRange
		}
		br[i] = int64(n)
	}
	if br[0] != 0 {
		return br, fmt.Errorf("%w: it does not start at the beginning of the file", errByteRange)
	}
	if br[1] <= 0 || br[2] <= br[1]+1 || br[2]+br[3] > size || br[2]-br[1] > 2*maxContents+2 {
		return br, errByteRange
	}
	return br, nil
}

// hexGap decodes "<hex>" allowing trailing zero padding.
func hexGap(gap []byte) ([]byte, bool) {
	if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
		return nil, false
	}
	h := gap[1 : len(gap)-1]
	if len(h)%2 != 0 {
		return nil, false
	}
	out := make([]byte, len(h)/2)
	if _, err := hex.Decode(out, h); err != nil {
		return nil, false
	}
	return out, true
}

// parsePDFDate reads D:YYYYMMDDHHmmSSOHH'mm' (trailing parts optional).
func parsePDFDate(s string) (time.Time, bool) {
	if len(s) >= 2 && s[:2] == "D:" {
		s = s[2:]
	}
	if len(s) < 4 {
		return time.Time{}, false
	}
	field := func(i, n, def int) (int, bool) {
		if len(s) < i+n {
			return def, true
		}
		v, err := strconv.Atoi(s[i : i+n])
		return v, err == nil
	}
	var v [6]int
	spec := [6][3]int{{0, 4, 0}, {4, 2, 1}, {6, 2, 1}, {8, 2, 0}, {10, 2, 0}, {12, 2, 0}}
	for i, sp := range spec {
		n, ok := field(sp[0], sp[1], sp[2])
		if !ok {
			return time.Time{}, false
		}
		v[i] = n
	}
	loc := time.UTC
	if len(s) > 14 && (s[14] == '+' || s[14] == '-') {
		hh, ok1 := field(15, 2, 0)
		mm := 0
		ok2 := true
		if len(s) >= 20 {
			mm, ok2 = field(18, 2, 0)
		}
		if !ok1 || !ok2 {
			return time.Time{}, false
		}
		off := hh*3600 + mm*60
		if s[14] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	return time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, loc), true
}
