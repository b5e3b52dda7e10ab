package pdfsign

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"github.com/natunakab/besign/pdfsign/internal/pdf"
	"golang.org/x/crypto/ocsp"
)

// ErrUnsigned means a document has no signature to add validation
// material or an archive timestamp for.
var ErrUnsigned = errors.New("the document carries no signature")

// LTV describes the long-term validation material added after the
// signatures of a document (PAdES B-LT), and the document timestamp over
// it (B-LTA).
type LTV struct {
	// HTTPClient fetches OCSP answers and CRLs from the addresses the
	// certificates name; default: a client with a 5-second timeout.
	HTTPClient *http.Client
	// Offline fetches nothing: only Certs, OCSPs and CRLs are used.
	Offline bool
	// Certs complete chains the signatures do not carry (issuers, roots).
	Certs []*x509.Certificate
	// Roots, when set, complete a chain up to one of them (trusted roots:
	// a PKCS#12 file seldom carries its root).
	Roots *x509.CertPool
	// OCSPs and CRLs (DER) are revocation data the caller already has;
	// each is used when it is about a certificate of a chain and verifies.
	OCSPs, CRLs [][]byte
	// DocTimeStamp, when set, adds a document timestamp (B-LTA) in an
	// update after the DSS: it gets the SHA-256 of the signed bytes and
	// returns an RFC 3161 token over it (like Options.TimeStamp).
	DocTimeStamp func(digest []byte) ([]byte, error)
	// PDFPassword opens an encrypted PDF, as in Options.
	PDFPassword string
	// Report, when set, gets what SignFile's update added.
	Report func(*LTVResult)
	// Required makes a missing piece an error (ErrLTVIncomplete, nothing
	// written): revocation data for a certificate, or the document
	// timestamp asked for. Without it the update holds what could be had
	// and the result says what is missing.
	Required bool
	// Cache, when set, keeps fetched OCSP answers, CRLs and issuers for
	// other documents: a batch by one signer asks each responder once.
	Cache *FetchCache
}

// ErrLTVIncomplete means the validation material or the document
// timestamp a level needs could not be had (LTV.Required).
var ErrLTVIncomplete = errors.New("the validation material for long-term signatures is incomplete")

// FetchCache holds fetched revocation data and issuers, shared by the
// documents of a batch; safe for concurrent use. Answers are used only
// while they are current (ExtendUpdate checks each), so a long-lived
// cache is harmless, if pointless.
type FetchCache struct {
	mu  sync.Mutex
	got map[string][]byte
}

// LTVResult says what the DSS update holds.
type LTVResult struct {
	// Signatures is the number of signatures (document timestamps
	// included) the DSS covers.
	Signatures int
	// Certs, OCSPs and CRLs count what the update added.
	Certs, OCSPs, CRLs int
	// Unchecked names the certificates for which no revocation data could
	// be had, with why: the document is then short of B-LT for them.
	Unchecked []string
	// Missing says the same for programs that word it themselves: each
	// certificate's common name and the kind of why.
	Missing []Missing
	// DocTimeStamp reports an added document timestamp;
	// DocTimeStampErr is why none was added when one was asked for and the
	// TSA failed.
	DocTimeStamp    bool
	DocTimeStampErr error
}

// Missing is a certificate for which no revocation data could be had.
type Missing struct {
	Name string // the certificate's common name
	Why  MissingWhy
}

// MissingWhy is why a certificate has no revocation data.
type MissingWhy int

const (
	// MissingUnavailable: its OCSP responder and CRL did not give a
	// current, verifiable answer (offline, down, stale): trying again
	// later may help.
	MissingUnavailable MissingWhy = iota
	// MissingNoService: it names no OCSP responder or CRL, so it never
	// will have any: a level above B-T cannot be reached for it.
	MissingNoService
	// MissingIssuer: its issuer's certificate is not at hand (not in the
	// signature, the roots or its caIssuers address).
	MissingIssuer
)

// noService is the why of a certificate that names no revocation service.
const noService = "it names no revocation service"

// IncompleteError is ErrLTVIncomplete (LTV.Required) with what was
// missing: the certificates without revocation data, or the document
// timestamp's failure.
type IncompleteError struct {
	Missing      []Missing
	DocTimeStamp error
	text         string
}

func (e *IncompleteError) Error() string { return ErrLTVIncomplete.Error() + ": " + e.text }

func (e *IncompleteError) Unwrap() []error {
	if e.DocTimeStamp != nil {
		return []error{ErrLTVIncomplete, e.DocTimeStamp}
	}
	return []error{ErrLTVIncomplete}
}

// Complete reports whether every certificate that needs revocation data
// got some.
func (r *LTVResult) Complete() bool { return r != nil && len(r.Unchecked) == 0 }

// ltvSig is one signature of the document with the material it needs.
type ltvSig struct {
	contents []byte // the /Contents value, padding included (VRI key)
	chains   [][]*x509.Certificate
}

// dssData is the DSS being built: each item once, in order.
type dssData struct {
	certs, ocsps, crls [][]byte
	seen               map[[32]byte]int // index in its list
}

func (d *dssData) add(list *[][]byte, der []byte) int {
	k := sha256.Sum256(der)
	if i, ok := d.seen[k]; ok {
		return i
	}
	*list = append(*list, der)
	d.seen[k] = len(*list) - 1
	return len(*list) - 1
}

// ExtendUpdate returns the incremental update (the bytes to append to the
// document read from src) that adds or extends /DSS with the chains of
// every signature and of its signature timestamp, and their OCSP answers
// or CRLs, with a /VRI entry per signature (B-LT); with l.DocTimeStamp and
// revocation data for every certificate, a document timestamp in the same
// update covers it all (B-LTA).
func ExtendUpdate(src io.ReaderAt, size int64, l LTV) ([]byte, *LTVResult, error) {
	f, err := pdf.OpenWith(src, size, pdf.OpenOptions{Password: l.PDFPassword})
	if err != nil {
		return nil, nil, mapParseErr(err)
	}
	if f.HeaderOffset != 0 {
		return nil, nil, fmt.Errorf("%w: data before the %%PDF header", ErrUnsupported)
	}
	doc, err := readCatalog(f)
	if err != nil {
		return nil, nil, err
	}
	fields, err := signatureFields(f)
	if err != nil {
		return nil, nil, err
	}
	pool := append([]*x509.Certificate{}, l.Certs...)
	var sigs []ltvSig
	for _, s := range fields {
		if s.v == nil {
			continue
		}
		br, err := byteRange(f, s.v, size)
		if err != nil {
			continue
		}
		gap := make([]byte, br[2]-br[1])
		if _, err := src.ReadAt(gap, br[1]); err != nil {
			return nil, nil, fmt.Errorf("read signature: %w", err)
		}
		contents, ok := hexGap(gap)
		if !ok {
			continue
		}
		sig := ltvSig{contents: contents}
		var leaves []*x509.Certificate
		addToken := func(tok []byte) {
			ts, err := cms.ParseTimeStamp(tok)
			if err != nil || ts.Parsed == nil {
				return
			}
			pool = append(pool, ts.Parsed.Certificates...)
			if ts.Parsed.Signer != nil {
				leaves = append(leaves, ts.Parsed.Signer)
			}
		}
		if sub, _ := s.v["SubFilter"].(pdf.Name); sub == "ETSI.RFC3161" {
			addToken(contents)
		} else if p, err := cms.Parse(contents); err == nil {
			pool = append(pool, p.Certificates...)
			if p.Signer != nil {
				leaves = append(leaves, p.Signer)
			}
			if p.TimeStampToken != nil {
				addToken(p.TimeStampToken)
			}
		}
		if len(leaves) == 0 {
			continue
		}
		for _, leaf := range leaves {
			sig.chains = append(sig.chains, []*x509.Certificate{leaf})
		}
		sigs = append(sigs, sig)
	}
	if len(sigs) == 0 {
		return nil, nil, ErrUnsigned
	}
	existing := readExistingDSS(f, doc.catalog)
	pool = append(pool, existing.certs...)
	cache := l.Cache
	if cache == nil {
		cache = &FetchCache{}
	}
	rev := &revFetcher{l: l, cache: cache}
	for i := range sigs {
		for j, c := range sigs[i].chains {
			chain := buildChain(c[0], pool)
			// An issuer the signature does not carry is fetched from the
			// address its child names (authority information access).
			for top := chain[len(chain)-1]; !selfSigned(top) && !l.Offline && len(top.IssuingCertificateURL) > 0; top = chain[len(chain)-1] {
				got := rev.issuer(top)
				if got == nil {
					break
				}
				pool = append(pool, got)
				if chain = buildChain(c[0], pool); chain[len(chain)-1] == top {
					break
				}
			}
			if top := chain[len(chain)-1]; !selfSigned(top) && l.Roots != nil {
				if full := verifiedChain(c[0], pool, l.Roots); full != nil {
					chain = full
				}
			}
			sigs[i].chains[j] = chain
		}
	}

	data := &dssData{seen: map[[32]byte]int{}}
	res := &LTVResult{Signatures: len(sigs)}
	vris := make([]vriIdx, len(sigs))
	unchecked := map[string]bool{}
	for i, s := range sigs {
		for _, chain := range s.chains {
			for k, c := range chain {
				vris[i].certs = append(vris[i].certs, data.add(&data.certs, c.Raw))
				if k+1 >= len(chain) {
					if !selfSigned(c) {
						// Without its issuer neither its chain nor its
						// status can be shown.
						key := fmt.Sprintf("%q: the certificate of its issuer is not at hand", c.Subject.CommonName)
						if !unchecked[key] {
							unchecked[key] = true
							res.Unchecked = append(res.Unchecked, key)
							res.Missing = append(res.Missing, Missing{c.Subject.CommonName, MissingIssuer})
						}
					}
					continue // a root needs no status
				}
				ocspDER, crlDER, why := rev.status(c, chain[k+1], existing)
				switch {
				case ocspDER != nil:
					vris[i].ocsps = append(vris[i].ocsps, data.add(&data.ocsps, ocspDER))
				case crlDER != nil:
					vris[i].crls = append(vris[i].crls, data.add(&data.crls, crlDER))
				default:
					key := fmt.Sprintf("%q: %s", c.Subject.CommonName, why)
					if !unchecked[key] {
						unchecked[key] = true
						res.Unchecked = append(res.Unchecked, key)
						m := Missing{c.Subject.CommonName, MissingUnavailable}
						if why == noService {
							m.Why = MissingNoService
						}
						res.Missing = append(res.Missing, m)
					}
				}
				// The responder's own certificate, when the answer names
				// one, belongs to the chain a verifier needs.
				if ocspDER != nil {
					if r, err := ocsp.ParseResponse(ocspDER, nil); err == nil && r.Certificate != nil {
						vris[i].certs = append(vris[i].certs, data.add(&data.certs, r.Certificate.Raw))
					}
				}
			}
		}
	}

	return build(src, size, f, doc, plan{sigs: sigs, data: data, vris: vris, existing: existing, res: res}, l)
}

// plan is what the update will hold, worked out before it is written.
type plan struct {
	sigs     []ltvSig
	data     *dssData
	vris     []vriIdx
	existing *existingDSS
	res      *LTVResult
}

// vriIdx lists a signature's items by their index in the DSS lists.
type vriIdx struct{ certs, ocsps, crls []int }

// build writes the update: the DSS and, when asked and the DSS is
// complete, a document timestamp in the same revision (one update per
// extension). A TSA that fails leaves the DSS alone in the update, and
// says why in the result.
func build(src io.ReaderAt, size int64, f *pdf.File, doc *document, pl plan, l LTV) ([]byte, *LTVResult, error) {
	res := pl.res
	if l.Required && !res.Complete() {
		return nil, nil, &IncompleteError{Missing: res.Missing, text: strings.Join(res.Unchecked, "; ")}
	}
	out, err := writeUpdate(src, size, f, doc, pl, l.DocTimeStamp != nil && res.Complete(), l)
	var se *stampError
	if errors.As(err, &se) && l.Required {
		return nil, nil, &IncompleteError{DocTimeStamp: se.err, text: "document timestamp: " + se.err.Error()}
	}
	if errors.As(err, &se) {
		res.DocTimeStampErr = se.err
		out, err = writeUpdate(src, size, f, doc, pl, false, l)
	}
	if err != nil {
		return nil, nil, err
	}
	return out, res, nil
}

// stampError is a failure of the document timestamp's TSA (or its
// token), which leaves the rest of the update usable.
type stampError struct{ err error }

func (e *stampError) Error() string { return e.err.Error() }
func (e *stampError) Unwrap() error { return e.err }

func writeUpdate(src io.ReaderAt, size int64, f *pdf.File, doc *document, pl plan, withTS bool, l LTV) ([]byte, error) {
	sigs, data, vris, existing, res := pl.sigs, pl.data, pl.vris, pl.existing, pl.res
	res.DocTimeStamp = false
	u := &update{base: size, offsets: map[int]int64{}, gens: map[int]int{}, next: firstFree(f), file: f}
	u.buf.WriteByte('\n')
	writeAll := func(list [][]byte, known map[[32]byte]pdf.Ref) ([]pdf.Ref, int, error) {
		refs := make([]pdf.Ref, len(list))
		added := 0
		for i, der := range list {
			if r, ok := known[sha256.Sum256(der)]; ok {
				refs[i] = r
				continue
			}
			num := u.alloc()
			if err := u.stream(num, pdf.Dict{}, der); err != nil {
				return nil, 0, err
			}
			refs[i] = pdf.Ref{Num: num}
			added++
		}
		return refs, added, nil
	}
	certRefs, nc, err := writeAll(data.certs, existing.refs)
	if err != nil {
		return nil, err
	}
	ocspRefs, no, err := writeAll(data.ocsps, existing.refs)
	if err != nil {
		return nil, err
	}
	crlRefs, nl, err := writeAll(data.crls, existing.refs)
	if err != nil {
		return nil, err
	}
	res.Certs, res.OCSPs, res.CRLs = nc, no, nl

	pick := func(refs []pdf.Ref, idx []int) pdf.Array {
		var a pdf.Array
		seen := map[int]bool{}
		for _, i := range idx {
			if !seen[i] {
				seen[i] = true
				a = append(a, refs[i])
			}
		}
		return a
	}
	vriDict := existing.vri.Clone()
	for i, s := range sigs {
		sum := sha1.Sum(s.contents)
		e := pdf.Dict{"Cert": pick(certRefs, vris[i].certs)}
		if a := pick(ocspRefs, vris[i].ocsps); len(a) > 0 {
			e["OCSP"] = a
		}
		if a := pick(crlRefs, vris[i].crls); len(a) > 0 {
			e["CRL"] = a
		}
		vriDict[pdf.Name(strings.ToUpper(hex.EncodeToString(sum[:])))] = e
	}
	merge := func(old pdf.Array, refs []pdf.Ref) pdf.Array {
		out := append(pdf.Array{}, old...)
		have := map[pdf.Ref]bool{}
		for _, o := range old {
			if r, ok := o.(pdf.Ref); ok {
				have[r] = true
			}
		}
		for _, r := range refs {
			if !have[r] {
				have[r] = true
				out = append(out, r)
			}
		}
		return out
	}
	dssDict := existing.dict.Clone()
	if dssDict == nil {
		dssDict = pdf.Dict{}
	}
	dssDict["Type"] = pdf.Name("DSS")
	dssDict["Certs"] = merge(existing.arrays["Certs"], certRefs)
	if a := merge(existing.arrays["OCSPs"], ocspRefs); len(a) > 0 {
		dssDict["OCSPs"] = a
	}
	if a := merge(existing.arrays["CRLs"], crlRefs); len(a) > 0 {
		dssDict["CRLs"] = a
	}
	dssDict["VRI"] = vriDict
	dssNum := u.alloc()
	if err := u.object(dssNum, 0, dssDict); err != nil {
		return nil, err
	}
	cat := doc.catalog.Clone()
	cat["DSS"] = pdf.Ref{Num: dssNum}
	if _, ok := cat["Extensions"]; !ok {
		// PAdES's extension to PDF 1.7 (ETSI EN 319 142-1, 5.4.1), which
		// tells readers to look for the DSS and document timestamps.
		cat["Extensions"] = pdf.Dict{"ESIC": pdf.Dict{"BaseVersion": pdf.Name("1.7"), "ExtensionLevel": pdf.Int(5)}}
	}
	if !withTS {
		if err := u.object(doc.rootRef.Num, doc.rootRef.Gen, cat); err != nil {
			return nil, err
		}
		if err := u.xref(f); err != nil {
			return nil, err
		}
		return u.buf.Bytes(), nil
	}
	// The document timestamp's field goes into the same revision; a
	// direct AcroForm is written inside the catalog, so the catalog with
	// its /DSS is what the field code starts from.
	withDSS := &document{rootRef: doc.rootRef, catalog: cat}
	out, err := u.stampDocument(src, size, f, withDSS, l.DocTimeStamp)
	if err != nil {
		return nil, err
	}
	res.DocTimeStamp = true
	return out, nil
}

// existingDSS is a document's /DSS, kept by the update that extends it.
type existingDSS struct {
	dict   pdf.Dict
	vri    pdf.Dict
	arrays map[pdf.Name]pdf.Array
	refs   map[[32]byte]pdf.Ref // the streams already there, by content
	certs  []*x509.Certificate
	ocsps  [][]byte
	crls   [][]byte
}

func readExistingDSS(f *pdf.File, catalog pdf.Dict) *existingDSS {
	e := &existingDSS{vri: pdf.Dict{}, arrays: map[pdf.Name]pdf.Array{}, refs: map[[32]byte]pdf.Ref{}}
	d, ok, err := f.ResolveDict(catalog["DSS"])
	if err != nil || !ok {
		return e
	}
	e.dict = d.Clone()
	if v, ok, _ := f.ResolveDict(d["VRI"]); ok {
		e.vri = v.Clone()
	}
	for _, k := range []pdf.Name{"Certs", "OCSPs", "CRLs"} {
		o, _ := f.Resolve(d[k])
		arr, _ := o.(pdf.Array)
		e.arrays[k] = arr
		for _, item := range arr {
			r, ok := item.(pdf.Ref)
			if !ok {
				continue
			}
			so, err := f.Resolve(r)
			s, ok := so.(pdf.Stream)
			if err != nil || !ok {
				continue
			}
			data, err := f.StreamData(s)
			if err != nil {
				continue
			}
			e.refs[sha256.Sum256(data)] = r
			switch k {
			case "Certs":
				if c, err := x509.ParseCertificate(data); err == nil {
					e.certs = append(e.certs, c)
				}
			case "OCSPs":
				e.ocsps = append(e.ocsps, data)
			case "CRLs":
				e.crls = append(e.crls, data)
			}
		}
	}
	return e
}

// buildChain follows issuers through pool from leaf up to a self-signed
// certificate, or as far as pool reaches.
func buildChain(leaf *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	chain := []*x509.Certificate{leaf}
	for c := leaf; len(chain) < 10; {
		if selfSigned(c) {
			break
		}
		var next *x509.Certificate
		for _, p := range pool {
			if bytes.Equal(p.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(p) == nil && !p.Equal(c) {
				next = p
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next)
		c = next
	}
	return chain
}

// verifiedChain is a chain from leaf to one of roots through pool, judged
// at the leaf's start of validity (the chain need not be valid now, only
// complete), or nil.
func verifiedChain(leaf *x509.Certificate, pool []*x509.Certificate, roots *x509.CertPool) []*x509.Certificate {
	inter := x509.NewCertPool()
	for _, c := range pool {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: leaf.NotBefore.Add(time.Second),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil || len(chains) == 0 {
		return nil
	}
	return chains[0]
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

// issuer fetches c's issuer from its caIssuers addresses (DER or PEM).
func (r *revFetcher) issuer(c *x509.Certificate) *x509.Certificate {
	for _, url := range c.IssuingCertificateURL {
		b, err := r.fetch(http.MethodGet, url, nil)
		if err != nil {
			continue
		}
		if blk, _ := pem.Decode(b); blk != nil {
			b = blk.Bytes
		}
		if ic, err := x509.ParseCertificate(b); err == nil && c.CheckSignatureFrom(ic) == nil {
			return ic
		}
	}
	return nil
}

// revFetcher gets revocation data for a certificate: given by the caller,
// already in the DSS while still current, or fetched from its OCSP
// responder, then its CRL distribution points.
type revFetcher struct {
	l     LTV
	cache *FetchCache
}

func (r *revFetcher) status(c, issuer *x509.Certificate, existing *existingDSS) (ocspDER, crlDER []byte, why string) {
	now := time.Now()
	for _, der := range append(append([][]byte{}, r.l.OCSPs...), existing.ocsps...) {
		if _, _, err := ocspStatus(der, c, issuer, now); err == nil {
			return der, nil, ""
		}
	}
	for _, der := range append(append([][]byte{}, r.l.CRLs...), existing.crls...) {
		if crlFor(der, c, issuer, now) {
			return nil, der, ""
		}
	}
	if len(c.OCSPServer) == 0 && len(c.CRLDistributionPoints) == 0 {
		return nil, nil, noService
	}
	if r.l.Offline {
		return nil, nil, "offline"
	}
	var whys []string
	for _, url := range c.OCSPServer {
		req, err := ocsp.CreateRequest(c, issuer, nil)
		if err != nil {
			whys = append(whys, err.Error())
			continue
		}
		der, err := r.fetch(http.MethodPost, url, req)
		if err != nil {
			whys = append(whys, err.Error())
			continue
		}
		if _, _, err := ocspStatus(der, c, issuer, now); err != nil {
			whys = append(whys, url+": "+err.Error())
			continue
		}
		return der, nil, ""
	}
	for _, url := range c.CRLDistributionPoints {
		der, err := r.fetch(http.MethodGet, url, nil)
		if err != nil {
			whys = append(whys, err.Error())
			continue
		}
		if !crlFor(der, c, issuer, now) {
			whys = append(whys, url+": not a current CRL of the issuer")
			continue
		}
		return nil, der, ""
	}
	return nil, nil, strings.Join(whys, "; ")
}

// crlFor reports whether der is a CRL of c's issuer, signed by it and
// current at now.
func crlFor(der []byte, c, issuer *x509.Certificate, now time.Time) bool {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return false
	}
	if !bytes.Equal(crl.RawIssuer, c.RawIssuer) || crl.CheckSignatureFrom(issuer) != nil {
		return false
	}
	return crl.NextUpdate.IsZero() || !now.After(crl.NextUpdate)
}

// fetch gets a CRL (GET) or an OCSP answer (POST) once per document.
func (r *revFetcher) fetch(method, url string, body []byte) ([]byte, error) {
	key := method + " " + url + " " + string(body)
	r.cache.mu.Lock()
	b, ok := r.cache.got[key]
	r.cache.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := fetchRevocation(r.l.HTTPClient, method, url, body)
	if err != nil {
		return nil, err
	}
	r.cache.mu.Lock()
	if r.cache.got == nil || len(r.cache.got) > 10000 {
		r.cache.got = map[string][]byte{}
	}
	r.cache.got[key] = b
	r.cache.mu.Unlock()
	return b, nil
}
