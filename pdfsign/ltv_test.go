package pdfsign

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"github.com/natunakab/besign/pdfsign/internal/pdf"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
	"github.com/natunakab/besign/pdfsign/timestamp"
	"golang.org/x/crypto/ocsp"
)

// ltvWorld is a hierarchy whose signer and TSA certificates name an OCSP
// responder, and whose issuing CA names a CRL, all served on 127.0.0.1,
// with a TSA (timestamp.Issuer) beside them.
type ltvWorld struct {
	p       *testpki.PKI
	srv     *revocationServer
	signer  issued
	tsa     issued
	stamp   func([]byte) ([]byte, error)
	revoked map[string]bool // serials the responder calls revoked
	dir     string
}

func newLTVWorld(t *testing.T) *ltvWorld {
	t.Helper()
	w := &ltvWorld{srv: newRevocationServer(t), revoked: map[string]bool{}, dir: t.TempDir()}
	w.p = testpki.New(testpki.LeafOptions{CRLBase: w.srv.URL})
	w.srv.mu.Lock()
	for path, b := range w.p.CRLs {
		w.srv.crls[path] = b
	}
	w.srv.ocsp = func(req *ocsp.Request) []byte {
		st := ocsp.Good
		if w.revoked[req.SerialNumber.String()] {
			st = ocsp.Revoked
		}
		now := time.Now()
		b, err := ocsp.CreateResponse(w.p.CA, w.p.CA, ocsp.Response{Status: st, SerialNumber: req.SerialNumber,
			ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(24 * time.Hour), RevokedAt: now.Add(-time.Hour)}, w.p.CAKey)
		if err != nil {
			panic(err)
		}
		return b
	}
	w.srv.mu.Unlock()
	ocspURL := []string{w.srv.URL + "/ocsp"}
	sk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	w.signer = issue(t, w.p, sk, func(c *x509.Certificate) { c.OCSPServer = ocspURL })
	tk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	w.tsa = issue(t, w.p, tk, func(c *x509.Certificate) {
		*c = *timestamp.CertificateTemplate(pkix.Name{CommonName: "BeSign TSA LTV Test"}, c.SerialNumber, c.NotBefore, c.NotAfter)
		c.OCSPServer = ocspURL
	})
	var serial atomic.Int64
	tsaSrv := httptest.NewServer(&timestamp.Issuer{Signer: tk, Chain: []*x509.Certificate{w.tsa.cert, w.p.CA},
		Serial: func(context.Context) (*big.Int, error) { return big.NewInt(serial.Add(1)), nil }})
	t.Cleanup(tsaSrv.Close)
	c, err := timestamp.NewClient(tsaSrv.URL+"/tsa", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.stamp = stamper(c)
	return w
}

func (w *ltvWorld) opts() Options {
	return Options{Signer: w.signer.key, Chain: []*x509.Certificate{w.signer.cert, w.p.CA, w.p.Root}, TimeStamp: w.stamp}
}

// dssOf reads the DSS streams and VRI keys of b with our own parser.
func dssOf(t *testing.T, b []byte) (certs, ocsps, crls [][]byte, vri pdf.Dict) {
	t.Helper()
	f, err := pdf.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	cat, _, _ := f.ResolveDict(f.Trailer["Root"])
	d, ok, _ := f.ResolveDict(cat["DSS"])
	if !ok {
		t.Fatal("no /DSS")
	}
	get := func(k pdf.Name) [][]byte {
		o, _ := f.Resolve(d[k])
		arr, _ := o.(pdf.Array)
		var out [][]byte
		for _, e := range arr {
			so, _ := f.Resolve(e)
			data, err := f.StreamData(so.(pdf.Stream))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, data)
		}
		return out
	}
	certs, ocsps, crls = get("Certs"), get("OCSPs"), get("CRLs")
	vri, _, _ = f.ResolveDict(d["VRI"])
	return
}

// pdfsigAccepts reports pdfsig calling the first sigs signatures valid,
// followed by docTS document timestamps. Poppler (22.12) does not
// implement ETSI.RFC3161 ("Unable to validate this type of signature"):
// it leaves them "not yet verified", and the tests check their tokens with
// openssl ts -verify instead.
func pdfsigAccepts(v [][2]string, sigs, docTS int) bool {
	if len(v) != sigs+docTS {
		return false
	}
	for i, x := range v {
		want := "Signature is Valid."
		if i >= sigs {
			want = "Signature has not yet been verified."
		}
		if x[0] != want {
			return false
		}
	}
	return true
}

// Signing with Options.LTV gives PAdES B-LTA: a signature with its
// timestamp, then one update with the DSS (signer's and TSA's chains,
// OCSP answers, the CA's CRL, a VRI entry keyed by the SHA-1 of the
// signature's /Contents) and a document timestamp over all of it. pdfsig
// calls both valid, qpdf --check and mutool accept the file, each OCSP
// answer taken out of the DSS passes `openssl ocsp -respin`, and the
// document timestamp's token passes `openssl ts -verify` for the digest
// of its byte range.
func TestSignLTA(t *testing.T) {
	k := getKit(t)
	w := newLTVWorld(t)
	in := filepath.Join(w.dir, "in.pdf")
	os.WriteFile(in, basePDF(), 0o644)
	out := filepath.Join(w.dir, "out.pdf")
	var res *LTVResult
	opts := w.opts()
	opts.LTV = &LTV{DocTimeStamp: w.stamp, Report: func(r *LTVResult) { res = r }}
	if err := SignFile(in, out, opts, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	if !res.Complete() || !res.DocTimeStamp || res.OCSPs != 2 || res.CRLs != 1 {
		t.Fatalf("result: %+v", res)
	}
	b, _ := os.ReadFile(out)
	if n := bytes.Count(b, []byte("%%EOF")) - bytes.Count(basePDF(), []byte("%%EOF")); n != 2 {
		t.Fatalf("%d updates, want 2 (signature; DSS with document timestamp)", n)
	}
	if v := pdfsigVerdicts(t, k, b); !pdfsigAccepts(v, 1, 1) {
		t.Fatalf("pdfsig: %v", v)
	}
	if o, err := run("qpdf", "--check", out); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, o)
	}
	if o, err := run("mutool", "info", out); err != nil || strings.Contains(o, "error") {
		t.Fatalf("mutool info: %v\n%s", err, o)
	}

	certs, ocsps, crls, vri := dssOf(t, b)
	if len(certs) < 4 || len(ocsps) != 2 || len(crls) != 1 {
		t.Fatalf("DSS: %d certs, %d OCSPs, %d CRLs", len(certs), len(ocsps), len(crls))
	}
	// The VRI key is the first signature's /Contents, padding included.
	f, _ := pdf.Open(bytes.NewReader(b), int64(len(b)))
	fields, _ := signatureFields(f)
	br0, _ := byteRange(f, fields[0].v, int64(len(b)))
	contents, _ := hexGap(b[br0[1]:br0[2]])
	sum := sha1.Sum(contents)
	if _, ok := vri[pdf.Name(strings.ToUpper(hex.EncodeToString(sum[:])))]; !ok {
		t.Fatalf("no VRI entry for the signature: %v", vri)
	}
	rootPEM := w.signer.rootPEM
	caPEM := filepath.Join(w.dir, "ca.pem")
	testpki.WritePEM(caPEM, w.p.CA)
	for i, der := range ocsps {
		path := filepath.Join(w.dir, "ocsp.der")
		os.WriteFile(path, der, 0o644)
		r, _ := ocsp.ParseResponse(der, nil)
		certPEM := w.signer.certPEM
		if r.SerialNumber.Cmp(w.tsa.cert.SerialNumber) == 0 {
			certPEM = w.tsa.certPEM
		}
		o, err := run("openssl", "ocsp", "-respin", path, "-issuer", caPEM, "-cert", certPEM, "-CAfile", rootPEM, "-verify_other", caPEM)
		if err != nil || !strings.Contains(o, "Response verify OK") || !strings.Contains(o, ": good") {
			t.Fatalf("openssl ocsp #%d: %v\n%s", i, err, o)
		}
	}

	crlFile := filepath.Join(w.dir, "ca.crl")
	os.WriteFile(crlFile, crls[0], 0o644)
	if o, err := run("openssl", "crl", "-inform", "DER", "-in", crlFile, "-CAfile", rootPEM, "-noout"); err != nil || !strings.Contains(o, "verify OK") {
		t.Fatalf("openssl crl: %v\n%s", err, o)
	}

	// The document timestamp covers the whole file, DSS included.
	br := lastByteRange(t, b)
	if br[2]+br[3] != len(b) {
		t.Fatalf("the document timestamp does not cover the file: %v of %d", br, len(b))
	}
	tok, _ := hexGap(b[br[1]:br[2]])
	der, _, err := cms.ToDER(tok)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	h.Write(b[:br[1]])
	h.Write(b[br[2]:])
	tokFile := filepath.Join(w.dir, "doc.tsr")
	os.WriteFile(tokFile, der, 0o644)
	if o, err := run("openssl", "ts", "-verify", "-digest", hex.EncodeToString(h.Sum(nil)), "-token_in", "-in", tokFile,
		"-CAfile", rootPEM, "-untrusted", caPEM); err != nil || !strings.Contains(o, "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, o)
	}
	// Our verifier, offline and after the signer's certificate expired,
	// finds all it needs in the DSS: the revocation status is "good", not
	// "not checked" as for the same signature without a DSS.
	infos, err := VerifyWith(bytes.NewReader(b), int64(len(b)), VerifyOptions{Roots: rootsOf(w.p), Offline: true, Time: time.Now().Add(3 * 365 * 24 * time.Hour)})
	if err != nil || len(infos) != 2 || !infos[0].Valid || infos[0].Revocation != "good" {
		t.Fatalf("verify: %v %+v", err, infos)
	}
	if !bytes.Contains(b, []byte("/Type/DocTimeStamp")) && !bytes.Contains(b, []byte("/Type /DocTimeStamp")) {
		t.Fatal("no /Type /DocTimeStamp")
	}
}

// A TSA that fails for the document timestamp leaves a B-LT document (the
// DSS alone in the update) and says why; a certificate naming no
// revocation service leaves the DSS incomplete, and then no document
// timestamp is asked for.
func TestSignLTDegrades(t *testing.T) {
	w := newLTVWorld(t)
	in := filepath.Join(w.dir, "in.pdf")
	os.WriteFile(in, basePDF(), 0o644)
	var res *LTVResult
	opts := w.opts()
	down := errors.New("tsa down")
	opts.LTV = &LTV{DocTimeStamp: func([]byte) ([]byte, error) { return nil, down }, Report: func(r *LTVResult) { res = r }}
	if err := SignFile(in, filepath.Join(w.dir, "lt.pdf"), opts, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	if !res.Complete() || res.DocTimeStamp || !errors.Is(res.DocTimeStampErr, down) {
		t.Fatalf("result: %+v", res)
	}

	p := testpki.New(testpki.LeafOptions{}) // no CRL, no OCSP
	asked := false
	o := Options{Signer: p.Key, Chain: p.Chain(), TimeStamp: w.stamp,
		LTV: &LTV{DocTimeStamp: func(d []byte) ([]byte, error) { asked = true; return w.stamp(d) }, Report: func(r *LTVResult) { res = r }}}
	if err := SignFile(in, filepath.Join(w.dir, "bt.pdf"), o, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	if res.Complete() || res.DocTimeStamp || asked || !strings.Contains(strings.Join(res.Unchecked, ";"), "names no revocation service") {
		t.Fatalf("result: %+v (asked %v)", res, asked)
	}
	// Asked for as required (besign sign --level B-LT), the same fails
	// and writes nothing.
	o.LTV.Required = true
	req := filepath.Join(w.dir, "required.pdf")
	err := SignFile(in, req, o, FileOptions{})
	var ie *IncompleteError
	if !errors.Is(err, ErrLTVIncomplete) || !errors.As(err, &ie) || len(ie.Missing) == 0 {
		t.Fatalf("required: %v", err)
	}
	// the same, for programs that word it themselves: which certificate,
	// and that it will never have revocation data
	if m := ie.Missing[0]; m.Name != p.Leaf.Subject.CommonName || m.Why != MissingNoService || !strings.Contains(err.Error(), "names no revocation service") {
		t.Fatalf("missing: %+v (%v)", ie.Missing, err)
	}
	if _, err := os.Stat(req); !os.IsNotExist(err) {
		t.Fatalf("output written: %v", err)
	}
	opts.LTV.Required = true
	err = SignFile(in, req, opts, FileOptions{})
	if !errors.Is(err, ErrLTVIncomplete) || !errors.Is(err, down) || !errors.As(err, &ie) || ie.DocTimeStamp == nil {
		t.Fatalf("required document timestamp: %v", err)
	}
}

// ExtendFile on a B-B document signed by another program's certificate
// layout and on our own B-T: one update each, the earlier signatures still
// valid for pdfsig, the file replaced by rename (its old inode keeps the
// old bytes), and a second extension adds a second document timestamp
// reusing the DSS entries already there.
func TestExtendFile(t *testing.T) {
	k := getKit(t)
	w := newLTVWorld(t)
	path := filepath.Join(w.dir, "doc.pdf")
	os.WriteFile(path, basePDF(), 0o644)
	signed := filepath.Join(w.dir, "signed.pdf")
	if err := SignFile(path, signed, w.opts(), FileOptions{}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(signed)
	old, _ := os.Open(signed)
	defer old.Close()
	res, err := ExtendFile(signed, signed, LTV{DocTimeStamp: w.stamp})
	if err != nil || !res.Complete() || !res.DocTimeStamp {
		t.Fatalf("extend: %v %+v", err, res)
	}
	after, _ := os.ReadFile(signed)
	if !bytes.HasPrefix(after, before) || bytes.Count(after, []byte("%%EOF")) != bytes.Count(before, []byte("%%EOF"))+1 {
		t.Fatal("extend did not add exactly one update after the old bytes")
	}
	// Read through the descriptor opened before: rename left its bytes.
	kept, _ := io.ReadAll(old)
	if !bytes.Equal(kept, before) {
		t.Fatal("the old file was rewritten in place")
	}
	// The archive timestamp's renewal date: the TSA's certificate's end.
	if exp, ok, err := ArchiveExpiry(signed, ""); err != nil || !ok || !exp.Equal(w.tsa.cert.NotAfter) {
		t.Fatalf("archive expiry: %v %v %v, want %v", exp, ok, err, w.tsa.cert.NotAfter)
	}
	if _, ok, err := ArchiveExpiry(path, ""); err != nil || ok {
		t.Fatalf("archive expiry of an unsigned file: %v %v", ok, err)
	}
	res2, err := ExtendFile(signed, signed, LTV{DocTimeStamp: w.stamp})
	if err != nil || !res2.DocTimeStamp || res2.Signatures != 2 {
		t.Fatalf("second extend: %v %+v", err, res2)
	}
	final, _ := os.ReadFile(signed)
	if v := pdfsigVerdicts(t, k, final); !pdfsigAccepts(v, 1, 2) {
		t.Fatalf("pdfsig: %v", v)
	}
	if o, err := run("qpdf", "--check", signed); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, o)
	}

	// Through a symbolic link the document it names is extended, and the
	// link stays a link.
	link := filepath.Join(w.dir, "link.pdf")
	if err := os.Symlink(signed, link); err != nil {
		t.Fatal(err)
	}
	if _, err := ExtendFile(link, link, LTV{}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if b, _ := os.ReadFile(signed); bytes.Count(b, []byte("%%EOF")) != bytes.Count(final, []byte("%%EOF"))+1 {
		t.Fatal("the linked document was not extended")
	}

	// A document without signatures is refused, and left alone.
	if _, err := ExtendFile(path, path, LTV{}); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned: %v", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, basePDF()) {
		t.Fatal("unsigned input changed")
	}
	if m, _ := filepath.Glob(filepath.Join(w.dir, ".besign-*")); len(m) != 0 {
		t.Fatalf("temporary files left: %v", m)
	}
}

// A signature whose chain stops below the root (a PKCS#12 file without
// it) is completed from LTV.Roots; without them the issuer is missing and
// the result says so.
func TestLTVRoots(t *testing.T) {
	w := newLTVWorld(t)
	in := filepath.Join(w.dir, "in.pdf")
	os.WriteFile(in, basePDF(), 0o644)
	opts := w.opts()
	opts.Chain = opts.Chain[:2]
	var res *LTVResult
	opts.LTV = &LTV{Report: func(r *LTVResult) { res = r }}
	if err := SignFile(in, filepath.Join(w.dir, "a.pdf"), opts, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	if res.Complete() || !strings.Contains(strings.Join(res.Unchecked, ";"), "issuer is not at hand") {
		t.Fatalf("without roots: %+v", res)
	}
	opts.LTV = &LTV{Roots: rootsOf(w.p), Report: func(r *LTVResult) { res = r }}
	if err := SignFile(in, filepath.Join(w.dir, "b.pdf"), opts, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	if !res.Complete() || res.CRLs != 1 {
		t.Fatalf("with roots: %+v", res)
	}
}

// A shared FetchCache asks the responder once for a batch.
func TestLTVCache(t *testing.T) {
	w := newLTVWorld(t)
	in := filepath.Join(w.dir, "in.pdf")
	os.WriteFile(in, basePDF(), 0o644)
	cache := &FetchCache{}
	opts := w.opts()
	opts.LTV = &LTV{Cache: cache}
	for i := range 3 {
		if err := SignFile(in, filepath.Join(w.dir, "out"+string(rune('a'+i))+".pdf"), opts, FileOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Signer's OCSP, TSA's OCSP, the CA's CRL: three fetches, not nine.
	if n := w.srv.fetches.Load(); n != 3 {
		t.Fatalf("%d fetches", n)
	}
}

// Attack test: an OCSP answer the caller hands over (or a responder sends)
// for another certificate, or signed by a key that is not the issuer's,
// and a CRL in the issuer's name signed by another key never enter the
// DSS as the signer's status.
func TestLTVRefusesForeignOCSP(t *testing.T) {
	w := newLTVWorld(t)
	in := filepath.Join(w.dir, "in.pdf")
	os.WriteFile(in, basePDF(), 0o644)
	signed := filepath.Join(w.dir, "signed.pdf")
	if err := SignFile(in, signed, w.opts(), FileOptions{}); err != nil {
		t.Fatal(err)
	}
	other := testpki.New(testpki.LeafOptions{})
	now := time.Now()
	forged, err := ocsp.CreateResponse(w.p.CA, other.CA, ocsp.Response{Status: ocsp.Good, SerialNumber: w.signer.cert.SerialNumber,
		ThisUpdate: now, NextUpdate: now.Add(time.Hour)}, other.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	wrongCert, _ := ocsp.CreateResponse(w.p.CA, w.p.CA, ocsp.Response{Status: ocsp.Good, SerialNumber: big.NewInt(42),
		ThisUpdate: now, NextUpdate: now.Add(time.Hour)}, w.p.CAKey)
	// A CRL naming the CA as its issuer but signed by another key, which
	// would vouch for the CA's certificates.
	forgedCRL, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), Issuer: w.p.CA.Subject,
		ThisUpdate: now, NextUpdate: now.Add(time.Hour)}, &x509.Certificate{Subject: w.p.CA.Subject, RawSubject: w.p.CA.RawSubject,
		KeyUsage: x509.KeyUsageCRLSign, SubjectKeyId: w.p.CA.SubjectKeyId}, other.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ExtendFile(signed, signed, LTV{Offline: true, OCSPs: [][]byte{forged, wrongCert}, CRLs: [][]byte{forgedCRL}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete() || res.OCSPs != 0 || res.CRLs != 0 {
		t.Fatalf("foreign OCSP answers used: %+v", res)
	}
	b, _ := os.ReadFile(signed)
	_, ocsps, crls, _ := dssOf(t, b)
	if len(ocsps) != 0 || len(crls) != 0 {
		t.Fatalf("%d OCSP answers, %d CRLs in the DSS", len(ocsps), len(crls))
	}
}

// B-LTA on every corpus file that takes a signature (cross-reference
// tables and streams, object streams, AcroForms, earlier updates): qpdf
// --check and mutool accept the result, pdfsig calls the signature valid,
// and our verifier finds it valid offline years later from the DSS.
func TestLTACorpus(t *testing.T) {
	k := getKit(t)
	w := newLTVWorld(t)
	for _, in := range corpusFiles(t) {
		t.Run(filepath.Base(in), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.pdf")
			var res *LTVResult
			opts := w.opts()
			opts.LTV = &LTV{DocTimeStamp: w.stamp, Required: true, Report: func(r *LTVResult) { res = r }}
			if err := SignFile(in, out, opts, FileOptions{}); err != nil {
				if errors.Is(err, ErrLTVIncomplete) {
					t.Fatal(err)
				}
				t.Skipf("does not take a signature: %v", err)
			}
			if !res.DocTimeStamp {
				t.Fatalf("result: %+v", res)
			}
			// Warnings the input already had are its own.
			if err := k.qpdf(in, out); err != nil {
				t.Fatal(err)
			}
			if o, err := run("mutool", "info", out); err != nil {
				t.Fatalf("mutool info: %v\n%s", err, o)
			}
			b, _ := os.ReadFile(out)
			v := pdfsigVerdicts(t, k, b)
			if len(v) < 2 || v[len(v)-2][0] != "Signature is Valid." || v[len(v)-1][0] != "Signature has not yet been verified." {
				t.Fatalf("pdfsig: %v", v)
			}
			infos, err := VerifyWith(bytes.NewReader(b), int64(len(b)), VerifyOptions{Roots: rootsOf(w.p), Offline: true, Time: time.Now().Add(3 * 365 * 24 * time.Hour)})
			if err != nil || len(infos) < 2 || !infos[len(infos)-2].Valid || infos[len(infos)-2].Revocation != "good" {
				t.Fatalf("verify: %v %+v", err, infos)
			}
		})
	}
}

// An encrypted document gets its DSS streams encrypted like its other
// streams: qpdf --check with the password decodes them, and our verifier
// reads the certificates and revocation data from them offline.
func TestLTAEncrypted(t *testing.T) {
	k := getKit(t)
	w := newLTVWorld(t)
	enc := encryptPDF(t, testpdf.Base(), "rahasia", "pemilik", "256")
	in := filepath.Join(w.dir, "enc.pdf")
	os.WriteFile(in, enc, 0o644)
	out := filepath.Join(w.dir, "out.pdf")
	opts := w.opts()
	opts.PDFPassword = "rahasia"
	var res *LTVResult
	opts.LTV = &LTV{DocTimeStamp: w.stamp, Required: true, Report: func(r *LTVResult) { res = r }}
	if err := SignFile(in, out, opts, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	if !res.DocTimeStamp {
		t.Fatalf("result: %+v", res)
	}
	if o, err := run("qpdf", "--password=rahasia", "--check", out); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, o)
	}
	_ = k
	b, _ := os.ReadFile(out)
	infos, err := VerifyWith(bytes.NewReader(b), int64(len(b)), VerifyOptions{Roots: rootsOf(w.p), Offline: true, Password: "rahasia",
		Time: time.Now().Add(3 * 365 * 24 * time.Hour)})
	if err != nil || len(infos) != 2 || !infos[0].Valid || infos[0].Revocation != "good" {
		t.Fatalf("verify: %v %+v", err, infos)
	}
}
