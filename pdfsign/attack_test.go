package pdfsign

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"github.com/natunakab/besign/pdfsign/testpki"
)

// goSign makes a PAdES CMS with the package's own signer.
func goSign(t *testing.T, p *testpki.PKI) func([]byte) []byte {
	return func(b []byte) []byte {
		d := sha256.Sum256(b)
		der, err := cms.Sign(d[:], p.Key, p.Chain())
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
}

// lastObject returns the body of the newest definition of object n.
func lastObject(t *testing.T, b []byte, n int) string {
	t.Helper()
	ms := regexp.MustCompile(fmt.Sprintf(`(?s)\n%d 0 obj\n(.*?)\nendobj`, n)).FindAllSubmatch(b, -1)
	if ms == nil {
		t.Fatalf("object %d not found", n)
	}
	return string(ms[len(ms)-1][1])
}

const textField = "<</Type/Annot/Subtype/Widget/FT/Tx/T(Nama)/P 3 0 R/Rect[10 10 200 30]>>"

func TestChangedAfterSigning(t *testing.T) {
	k := getKit(t)
	rsaPKI, _ := pkis()
	roots := rootsOf(rsaPKI)
	spec := sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", m: "D:20260101120000+07'00'", reason: "Setuju", fieldNum: 5}
	signed := signUpdate(t, basePDF(), spec, goSign(t, rsaPKI))
	sigDict := lastObject(t, signed, 6)

	// A document with a text field, signed, for form filling.
	withForm := appendUpdate(t, basePDF(), map[int]string{
		1: "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[10 0 R]>>>>", 3: "<<" + basePage + "/Annots[10 0 R]>>", 10: textField})
	formSpec := spec
	formSpec.fields = []int{10}
	formSigned := signUpdate(t, withForm, formSpec, goSign(t, rsaPKI))

	expired := testpki.New(testpki.LeafOptions{NotBefore: time.Now().Add(-72 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})
	backdated := spec
	backdated.m = time.Now().Add(-48 * time.Hour).Format("D:20060102150405Z")
	withShortRange := spec
	withShortRange.short = 20

	cases := []struct {
		name    string
		data    []byte
		roots   *x509.CertPool
		index   int // which signature is judged
		count   int
		valid   bool
		mods    string
		problem string
		reason  string
		pdfsig  string // pdfsig's Signature Validation for that signature
	}{
		{"untouched", signed, roots, 0, 1, true, ModNone, "", "Setuju", "Signature is Valid."},
		// pdfsig checks only the byte ranges ("Not total document signed"),
		// no difference analysis: it calls these changed documents valid.
		{"page content replaced", appendUpdate(t, signed, map[int]string{
			4: fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len("BT ET"), "BT ET")}), roots, 0, 1, false, ModOther, "the contents of page 1", "Setuju", "Signature is Valid."},
		{"page given new contents", appendUpdate(t, signed, map[int]string{
			3: "<<" + strings.Replace(basePage, "/Contents 4 0 R", "/Contents 9 0 R", 1) + "/Annots[5 0 R]>>",
			9: "<</Length 5>>\nstream\nBT ET\nendstream"}), roots, 0, 1, false, ModOther, "page 1 (/Contents)", "Setuju", "Signature is Valid."},
		// A page written back with its numbers rounded (besign's own
		// writer keeps 4 decimals) is the same page; a real change is not.
		{"page rewritten with rounded numbers", appendUpdate(t, signed, map[int]string{
			3: "<<" + strings.Replace(basePage, "[0 0 300 300]", "[0 0 300.00004 300.0]", 1) + "/Annots[5 0 R]>>"}), roots, 0, 1, true, ModNone, "", "Setuju", "Signature is Valid."},
		{"page box changed", appendUpdate(t, signed, map[int]string{
			3: "<<" + strings.Replace(basePage, "[0 0 300 300]", "[0 0 301 300]", 1) + "/Annots[5 0 R]>>"}), roots, 0, 1, false, ModOther, "page 1 (/MediaBox)", "Setuju", "Signature is Valid."},
		{"signature dictionary redefined", appendUpdate(t, signed, map[int]string{
			6: strings.Replace(sigDict, "/Reason(Setuju)", "/Reason(Palsu)", 1)}), roots, 0, 1, false, ModOther, "signature dictionary of field \"Sah\" was redefined", "Setuju", "Signature is Valid."},
		{"signature value swapped", appendUpdate(t, signed, map[int]string{
			5: "<</Type/Annot/Subtype/Widget/FT/Sig/T(Sah)/V 9 0 R/P 3 0 R/Rect[0 0 0 0]/F 132>>", 9: sigDict}), roots, 0, 1, false, ModOther, "copies another signature", "Setuju", "Signature is Valid."},
		{"shadow field reusing the byte range", appendUpdate(t, signed, map[int]string{
			1: "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[5 0 R 7 0 R]/SigFlags 3>>>>",
			3: "<<" + basePage + "/Annots[5 0 R 7 0 R]>>",
			7: "<</Type/Annot/Subtype/Widget/FT/Sig/T(Palsu)/V 8 0 R/P 3 0 R/Rect[0 0 0 0]/F 132>>",
			8: strings.Replace(sigDict, "/Reason(Setuju)", "/Reason(Palsu)", 1)}), roots, 1, 2, false, ModSignatures, "it copies another signature", "Palsu", "Signature is Valid."},
		{"original beside a shadow field", appendUpdate(t, signed, map[int]string{
			1: "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[5 0 R 7 0 R]/SigFlags 3>>>>",
			3: "<<" + basePage + "/Annots[5 0 R 7 0 R]>>",
			7: "<</Type/Annot/Subtype/Widget/FT/Sig/T(Palsu)/V 8 0 R/P 3 0 R/Rect[0 0 0 0]/F 132>>",
			8: sigDict}), roots, 0, 2, true, ModSignatures, "", "Setuju", "Signature is Valid."},
		{"annotation added", appendUpdate(t, signed, map[int]string{
			3: "<<" + basePage + "/Annots[5 0 R 9 0 R]>>", 9: "<</Type/Annot/Subtype/Text/Rect[10 10 30 30]/Contents(catatan)>>"}),
			roots, 0, 1, true, ModAnnotations, "", "Setuju", "Signature is Valid."},
		{"form filled", appendUpdate(t, formSigned, map[int]string{10: strings.Replace(textField, "/T(Nama)", "/T(Nama)/V(Budi)", 1)}),
			roots, 0, 1, true, ModFormFill, "", "Setuju", "Signature is Valid."},
		{"form field renamed", appendUpdate(t, formSigned, map[int]string{10: strings.Replace(textField, "/T(Nama)", "/T(Lain)", 1)}),
			roots, 0, 1, false, ModOther, "/T of field \"Nama\"", "Setuju", "Signature is Valid."},
		{"catalog entry added", appendUpdate(t, signed, map[int]string{
			1: "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[5 0 R]/SigFlags 3>>/OpenAction[3 0 R/Fit]>>"}),
			roots, 0, 1, false, ModOther, "catalog's /OpenAction", "Setuju", "Signature is Valid."},
		// Trust is judged now: /M is only the signer's claim.
		{"backdated /M with an expired certificate", signUpdate(t, basePDF(), backdated, goSign(t, expired)),
			rootsOf(expired), 0, 1, false, ModNone, "the certificate expired on", "Setuju", "Signature is Valid."},
		{"byte range short of the revision end", signUpdate(t, basePDF(), withShortRange, goSign(t, rsaPKI)),
			roots, 0, 1, false, ModOther, "does not end where a revision of the file ends", "", "Signature is Valid."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			infos := verifyBytes(t, c.data, c.roots)
			if len(infos) != c.count {
				t.Fatalf("%d signatures: %+v", len(infos), infos)
			}
			s := infos[c.index]
			if s.Valid != c.valid || s.Modifications != c.mods || s.Integrity != Valid {
				t.Fatalf("got %+v", s)
			}
			if (c.problem == "") != (s.Problem == "") || !strings.Contains(s.Problem, c.problem) {
				t.Fatalf("problem %q, want %q", s.Problem, c.problem)
			}
			if c.reason != "" && s.Reason != c.reason {
				t.Fatalf("reason %q, want %q (from the signed revision)", s.Reason, c.reason)
			}
			if AllValid(infos) != (c.valid && c.count == 1) {
				t.Fatalf("AllValid %v", AllValid(infos))
			}
			v := pdfsigVerdicts(t, k, c.data)
			if len(v) != c.count || v[c.index][0] != c.pdfsig {
				t.Fatalf("pdfsig: %v", v)
			}
		})
	}
}

// goSignChain signs with p's key under another certificate for that key.
func goSignChain(t *testing.T, p *testpki.PKI, leaf *x509.Certificate) func([]byte) []byte {
	return func(b []byte) []byte {
		d := sha256.Sum256(b)
		der, err := cms.Sign(d[:], p.Key, []*x509.Certificate{leaf, p.CA})
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// XMP metadata and document information updates are allowed like DSS
// updates (pyHanko's metadata rule); a redefined font is not.
func TestMetadataUpdates(t *testing.T) {
	rsaPKI, _ := pkis()
	spec := sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", fieldNum: 5}
	withXMP := appendUpdate(t, basePDF(), map[int]string{
		1:  "<</Type/Catalog/Pages 2 0 R/Metadata 20 0 R>>",
		20: "<</Type/Metadata/Subtype/XML/Length 7>>\nstream\n<x:a/>\n\nendstream"})
	spec.extra = map[int]string{1: "<</Type/Catalog/Pages 2 0 R/Metadata 20 0 R/AcroForm<</Fields[5 0 R]/SigFlags 3>>>>"}
	signed := signUpdate(t, withXMP, spec, goSign(t, rsaPKI))
	for _, c := range []struct {
		name string
		objs map[int]string
		mods string
	}{
		{"new XMP stream", map[int]string{20: "<</Type/Metadata/Subtype/XML/Length 7>>\nstream\n<x:b/>\n\nendstream"}, ModSignatures},
		{"new metadata object", map[int]string{21: "<</Type/Metadata/Subtype/XML/Length 7>>\nstream\n<x:b/>\n\nendstream",
			1: "<</Type/Catalog/Pages 2 0 R/Metadata 21 0 R/AcroForm<</Fields[5 0 R]/SigFlags 3>>>>"}, ModSignatures},
		{"page tree changed", map[int]string{2: "<</Type/Pages/Count 1/Kids[3 0 R]/Rotate 90>>"}, ModOther},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := verifyBytes(t, appendUpdate(t, signed, c.objs), nil)[0]
			if s.Modifications != c.mods || s.Valid != (c.mods != ModOther) {
				t.Fatalf("got %+v", s)
			}
		})
	}
}

// A certification signature (DocMDP) allows less than an approval one:
// P=1 only DSS and document timestamps, P=2 also form filling and
// signatures, P=3 also annotations.
func TestCertificationChanges(t *testing.T) {
	k := getKit(t)
	rsaPKI, _ := pkis()
	roots := rootsOf(rsaPKI)
	certified := func(p int) []byte {
		return signUpdate(t, basePDF(), sigSpec{field: "Sertifikasi", subFilter: "ETSI.CAdES.detached", fieldNum: 5,
			sigExtra: fmt.Sprintf("/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P %d/V/1.2>>>>]", p),
			catExtra: "/Perms<</DocMDP 6 0 R>>"}, goSign(t, rsaPKI))
	}
	keep := "/Perms<</DocMDP 6 0 R>>"
	approve := func(b []byte) []byte {
		return signUpdate(t, b, sigSpec{field: "Setuju", subFilter: "ETSI.CAdES.detached", fieldNum: 7, fields: []int{5}, catExtra: keep}, goSign(t, rsaPKI))
	}
	stamp := func(b []byte) []byte {
		a := newTSA(t, rsaPKI)
		return signUpdate(t, b, sigSpec{field: "Stempel", subFilter: "ETSI.RFC3161", docTS: true, fieldNum: 7, fields: []int{5}, catExtra: keep},
			func(d []byte) []byte { return a.token(t, d, "sha256") })
	}
	annotate := func(b []byte) []byte {
		return appendUpdate(t, b, map[int]string{3: "<<" + basePage + "/Annots[5 0 R 9 0 R]>>",
			9: "<</Type/Annot/Subtype/Text/Rect[10 10 30 30]/Contents(catatan)>>"})
	}
	for _, c := range []struct {
		name    string
		data    []byte
		valid   bool
		problem string
	}{
		{"P=1, then a signature", approve(certified(1)), false, "the certification allows no changes, but the document was changed: new signature field Setuju"},
		{"P=1, then a document timestamp", stamp(certified(1)), true, ""},
		{"P=2, then a signature", approve(certified(2)), true, ""},
		{"P=2, then an annotation", annotate(certified(2)), false, "the certification allows only form filling and signing"},
		{"P=3, then an annotation", annotate(certified(3)), true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := verifyBytes(t, c.data, roots)[0]
			if s.Valid != c.valid || s.Integrity != Valid || (c.problem == "") != (s.Problem == "") || !strings.Contains(s.Problem, c.problem) {
				t.Fatalf("got %+v", s)
			}
			// pdfsig checks no DocMDP permissions: integrity only.
			if v := pdfsigVerdicts(t, k, c.data); v[0][0] != "Signature is Valid." {
				t.Fatalf("pdfsig: %v", v)
			}
		})
	}
}

// Signing into existing empty signature fields, one after the other, is a
// signature-only change for the first signature.
func TestSignEmptyFieldsInTurn(t *testing.T) {
	k := getKit(t)
	rsaPKI, ecPKI := pkis()
	roots := rootsOf(rsaPKI)
	roots.AddCert(ecPKI.Root)
	form := appendUpdate(t, basePDF(), map[int]string{
		1:  "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[10 0 R 11 0 R]>>>>",
		3:  "<<" + basePage + "/Annots[10 0 R 11 0 R]>>",
		10: "<</Type/Annot/Subtype/Widget/FT/Sig/T(Kepala)/P 3 0 R/Rect[20 20 120 60]/F 4>>",
		11: "<</Type/Annot/Subtype/Widget/FT/Sig/T(Sekretaris)/P 3 0 R/Rect[150 20 250 60]/F 4>>"})
	sign := func(in []byte, p *testpki.PKI, field string) []byte {
		var out bytes.Buffer
		if err := Sign(&out, bytes.NewReader(in), int64(len(in)), Options{Signer: p.Key, Chain: p.Chain(), FieldName: field}); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	both := sign(sign(form, rsaPKI, "Kepala"), ecPKI, "Sekretaris")
	infos := verifyBytes(t, both, roots)
	if len(infos) != 2 || !infos[0].Valid || infos[0].Modifications != ModSignatures || !infos[1].Valid || infos[1].Modifications != ModNone {
		t.Fatalf("%+v", infos)
	}
	if v := pdfsigVerdicts(t, k, both); len(v) != 2 || v[0][0] != "Signature is Valid." || v[1][0] != "Signature is Valid." {
		t.Fatalf("pdfsig: %v", v)
	}
}
