package pdfsign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
)

// The tests here build their own foreign signatures (openssl, NSS through
// pdfsig) and attack files, and compare besign's verdict with pdfsig's.

const basePage = testpdf.Page

func basePDF() []byte { return testpdf.Base() }

// appendUpdate appends an incremental update that defines objs.
func appendUpdate(t *testing.T, b []byte, objs map[int]string) []byte {
	t.Helper()
	out, err := testpdf.Update(b, objs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sigSpec describes one signature update made by signUpdate.
type sigSpec struct {
	field     string
	subFilter string
	docTS     bool // a /DocTimeStamp
	m         string
	reason    string
	fieldNum  int   // the new field's object number; the signature is fieldNum+1
	fields    []int // fields already in the document
	room      int   // placeholder bytes; default 12000
	short     int   // the byte range stops this many bytes before the end
	extra     map[int]string
	sigExtra  string // more entries of the signature dictionary
	catExtra  string // more entries of the catalog
}

var byteRangePlaceholder = "/ByteRange[0 0000000000 0000000000 0000000000]"

// signUpdate appends a signature field and its signature dictionary to b,
// then fills /Contents with sign(signed bytes).
func signUpdate(t *testing.T, b []byte, s sigSpec, sign func([]byte) []byte) []byte {
	t.Helper()
	if s.room == 0 {
		s.room = 12000
	}
	all := append(append([]int{}, s.fields...), s.fieldNum)
	var refs []string
	for _, n := range all {
		refs = append(refs, fmt.Sprintf("%d 0 R", n))
	}
	list := strings.Join(refs, " ")
	typ := "/Type/Sig/Filter/Adobe.PPKLite"
	if s.docTS {
		typ = "/Type/DocTimeStamp/Filter/Adobe.PPKLite"
	}
	sig := fmt.Sprintf("<<%s/SubFilter/%s", typ, s.subFilter)
	if s.m != "" {
		sig += "/M(" + s.m + ")"
	}
	if s.reason != "" {
		sig += "/Reason(" + s.reason + ")"
	}
	sig += s.sigExtra
	sig += byteRangePlaceholder + "/Contents<" + strings.Repeat("0", 2*s.room) + ">>>"
	objs := map[int]string{
		1:              fmt.Sprintf("<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[%s]/SigFlags 3>>%s>>", list, s.catExtra),
		3:              fmt.Sprintf("<<%s/Annots[%s]>>", basePage, list),
		s.fieldNum:     fmt.Sprintf("<</Type/Annot/Subtype/Widget/FT/Sig/T(%s)/V %d 0 R/P 3 0 R/Rect[0 0 0 0]/F 132>>", s.field, s.fieldNum+1),
		s.fieldNum + 1: sig,
	}
	for n, o := range s.extra {
		objs[n] = o
	}
	out := appendUpdate(t, b, objs)
	at := bytes.LastIndex(out, []byte(byteRangePlaceholder))
	c := at + len(byteRangePlaceholder) + len("/Contents")
	cEnd := c + 2*s.room + 2
	br := fmt.Sprintf("/ByteRange[0 %010d %010d %010d]", c, cEnd, len(out)-cEnd-s.short)
	copy(out[at:], br)
	signed := append(append([]byte{}, out[:c]...), out[cEnd:len(out)-s.short]...)
	der := sign(signed)
	if 2*len(der) > 2*s.room {
		t.Fatalf("signature of %d bytes does not fit", len(der))
	}
	hex.Encode(out[c+1:], der)
	return out
}

// issued is a signer certificate made for one test, with its files.
type issued struct {
	cert              *x509.Certificate
	key               crypto.Signer
	certPEM, keyPEM   string
	chainPEM, rootPEM string
}

// issue makes a signer certificate under p's issuing CA.
func issue(t *testing.T, p *testpki.PKI, key crypto.Signer, edit func(*x509.Certificate)) issued {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "Penanda Tangan Asing"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
	if edit != nil {
		edit(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CA, key.Public(), p.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	dir := t.TempDir()
	is := issued{cert: c, key: key, certPEM: filepath.Join(dir, "cert.pem"), keyPEM: filepath.Join(dir, "key.pem"),
		chainPEM: filepath.Join(dir, "chain.pem"), rootPEM: filepath.Join(dir, "root.pem")}
	testpki.WritePEM(is.certPEM, c)
	testpki.WritePEM(is.chainPEM, p.CA)
	testpki.WritePEM(is.rootPEM, p.Root)
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(is.keyPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600)
	return is
}

// opensslSign signs with `openssl cms -sign` (detached, DER unless the
// extra arguments say otherwise).
func opensslSign(t *testing.T, is issued, extra ...string) func([]byte) []byte {
	return func(data []byte) []byte {
		t.Helper()
		dir := t.TempDir()
		in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
		os.WriteFile(in, data, 0o600)
		args := append([]string{"cms", "-sign", "-binary", "-in", in, "-signer", is.certPEM, "-inkey", is.keyPEM,
			"-certfile", is.chainPEM, "-outform", "DER", "-out", out}, extra...)
		if o, err := run("openssl", args...); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, o)
		}
		der, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
}

// pdfsigVerdicts returns pdfsig's "Signature Validation" and "Certificate
// Validation" lines per signature, with the kit's NSS trust database.
func pdfsigVerdicts(t *testing.T, k *toolkit, b []byte) [][2]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.pdf")
	os.WriteFile(path, b, 0o644)
	out, _ := run("pdfsig", "-nssdir", k.nss, "-no-ocsp", path)
	var res [][2]string
	for _, blk := range strings.Split(out, "Signature #")[1:] {
		var v [2]string
		for _, l := range strings.Split(blk, "\n") {
			l = strings.TrimSpace(l)
			if s, ok := strings.CutPrefix(l, "- Signature Validation: "); ok {
				v[0] = s
			}
			if s, ok := strings.CutPrefix(l, "- Certificate Validation: "); ok {
				v[1] = s
			}
		}
		res = append(res, v)
	}
	return res
}

func rootsOf(p *testpki.PKI) *x509.CertPool {
	r := x509.NewCertPool()
	r.AddCert(p.Root)
	return r
}

func TestForeignCMS(t *testing.T) {
	k := getKit(t)
	rsaPKI, _ := pkis()
	rk := rsaPKI.Key
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsaIs := issue(t, rsaPKI, rk, nil)
	ski := issue(t, rsaPKI, p256, func(c *x509.Certificate) { c.SubjectKeyId = []byte{1, 2, 3, 4, 5, 6, 7, 8} })
	cases := []struct {
		name      string
		subFilter string
		is        issued
		args      []string
		sha1      bool // adbe.pkcs7.sha1: sign the SHA-1 of the ranges, encapsulated
		valid     bool
		problem   string
		// pdfsig's "Signature Validation" judges integrity only: it is
		// compared with besign's integrity (trust, weak algorithms and
		// key usage are what besign's valid adds).
		pdfsig string
	}{
		{"signed attributes", "adbe.pkcs7.detached", rsaIs, nil, false, true, "", "Signature is Valid."},
		{"no signed attributes", "adbe.pkcs7.detached", rsaIs, []string{"-noattr"}, false, true, "", "Signature is Valid."},
		{"CAdES without signing-certificate-v2", "ETSI.CAdES.detached", rsaIs, nil, false, true, "", "Signature is Valid."},
		{"RSA-PSS", "adbe.pkcs7.detached", rsaIs, []string{"-keyopt", "rsa_padding_mode:pss"}, false, true, "", "Signature is Valid."},
		{"ECDSA P-256", "adbe.pkcs7.detached", issue(t, rsaPKI, p256, nil), nil, false, true, "", "Signature is Valid."},
		// pdfsig 22.12 (poppler with NSS) fails on a signer named by subject
		// key identifier, which RFC 5652 allows (SignerIdentifier CHOICE):
		// besign differs on purpose and this pins pdfsig's answer.
		{"ECDSA P-256 by key identifier", "adbe.pkcs7.detached", ski, []string{"-keyid"}, false, true, "", "Unknown Validation Failure."},
		{"ECDSA P-384", "adbe.pkcs7.detached", issue(t, rsaPKI, p384, nil), []string{"-md", "sha384"}, false, true, "", "Signature is Valid."},
		{"SHA-1 digest", "adbe.pkcs7.detached", rsaIs, []string{"-md", "sha1"}, false, false, "weak algorithm: SHA-1 digest", "Signature is Valid."},
		{"adbe.pkcs7.sha1", "adbe.pkcs7.sha1", rsaIs, []string{"-nodetach", "-md", "sha1"}, true, false, "weak algorithm: SHA-1 digest", "Signature is Valid."},
		// pdfsig reports a digest mismatch when the SignerInfo's digest
		// algorithm is not SHA-1 (with SHA-1, the case above, it agrees).
		// besign follows RFC 5652 5.4: the SignerInfo's digest algorithm
		// digests the encapsulated content (here the range's SHA-1).
		{"adbe.pkcs7.sha1 with SHA-256 signature", "adbe.pkcs7.sha1", rsaIs, []string{"-nodetach"}, true, true, "", "Digest Mismatch."},
		{"TLS server certificate", "adbe.pkcs7.detached", issue(t, rsaPKI, rk, func(c *x509.Certificate) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		}), nil, false, false, "extended key usage (TLS server) is not for signing documents", "Signature is Valid."},
		{"document signing extended key usage", "adbe.pkcs7.detached", issue(t, rsaPKI, rk, func(c *x509.Certificate) {
			c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 36}}
		}), nil, false, true, "", "Signature is Valid."},
		{"key usage for encryption only", "adbe.pkcs7.detached", issue(t, rsaPKI, rk, func(c *x509.Certificate) {
			c.KeyUsage = x509.KeyUsageKeyEncipherment
		}), nil, false, false, "key usage allows neither digital signature nor non-repudiation", "Signature is Valid."},
		{"RSA key of 1024 bits", "adbe.pkcs7.detached", issue(t, rsaPKI, rsa1024, nil), nil, false, false, "weak algorithm: RSA key of 1024 bits", "Signature is Valid."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sign := opensslSign(t, c.is, c.args...)
			if c.sha1 {
				inner := sign
				sign = func(b []byte) []byte {
					h := crypto.SHA1.New()
					h.Write(b)
					return inner(h.Sum(nil))
				}
			}
			b := signUpdate(t, basePDF(), sigSpec{field: "Asing", subFilter: c.subFilter, m: "D:20260101120000+07'00'", fieldNum: 5}, sign)
			infos := verifyBytes(t, b, rootsOf(rsaPKI))
			if len(infos) != 1 {
				t.Fatalf("%d signatures", len(infos))
			}
			s := infos[0]
			if s.Integrity != Valid || s.Valid != c.valid || s.Signer != c.is.cert.Subject.CommonName || s.Modifications != ModNone {
				t.Fatalf("got %+v", s)
			}
			if (c.problem == "") != (s.Problem == "") || !strings.Contains(s.Problem, c.problem) {
				t.Fatalf("problem %q, want %q", s.Problem, c.problem)
			}
			if c.name == "CAdES without signing-certificate-v2" && !strings.Contains(strings.Join(s.Warnings, ";"), "not PAdES-conformant") {
				t.Fatalf("warnings %v", s.Warnings)
			}
			if s.SigningTime != "2026-01-01T12:00:00+07:00" {
				t.Fatalf("signing time %q: /M first", s.SigningTime)
			}
			if v := pdfsigVerdicts(t, k, b); len(v) != 1 || v[0][0] != c.pdfsig {
				t.Fatalf("pdfsig: %v", v)
			}
		})
	}
}

// nssDB is a throwaway NSS database holding one signer's key, as
// poppler, Firefox and LibreOffice use.
type nssDB struct{ dir, db, nick string }

func newNSSDB(t *testing.T, p *testpki.PKI) *nssDB {
	t.Helper()
	dir := t.TempDir()
	files, err := p.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := &nssDB{dir: dir, db: "sql:" + filepath.Join(dir, "nss")}
	os.Mkdir(filepath.Join(dir, "nss"), 0o700)
	if out, err := run("certutil", "-N", "-d", n.db, "--empty-password"); err != nil {
		t.Fatalf("certutil: %v\n%s", err, out)
	}
	if out, err := run("pk12util", "-i", files.P12, "-d", n.db, "-W", files.Password, "-K", ""); err != nil {
		t.Fatalf("pk12util: %v\n%s", err, out)
	}
	out, err := run("certutil", "-L", "-d", n.db)
	if err != nil {
		t.Fatalf("certutil -L: %v\n%s", err, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasSuffix(strings.TrimSpace(l), "u,u,u") {
			n.nick = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(l), "u,u,u"))
		}
	}
	if n.nick == "" {
		t.Fatalf("no key in the NSS database:\n%s", out)
	}
	return n
}

// sign signs in with `pdfsig -add-signature`; ok is false when pdfsig
// refuses the file.
func (n *nssDB) sign(t *testing.T, in []byte, field string) (out []byte, msg string, ok bool) {
	t.Helper()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.WriteFile(src, in, 0o644)
	// (-etsi is "not supported yet with -add-signature" in poppler 22.12.)
	args := []string{"-add-signature", "-nssdir", n.db, "-nick", n.nick, "-new-signature-field-name", field, "-reason", "Disetujui", src, dst}
	if o, err := run("pdfsig", args...); err != nil {
		return nil, o, false
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return b, "", true
}

// TestNSSCorpus signs every corpus file with pdfsig and NSS, as the
// issue's 125 public PDFs were, and compares the verdicts.
func TestNSSCorpus(t *testing.T) {
	k := getKit(t)
	rsaPKI, _ := pkis()
	db := newNSSDB(t, rsaPKI)
	signed := 0
	for _, in := range corpusFiles(t) {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			b, msg, ok := db.sign(t, src, "NSS")
			if !ok {
				t.Logf("pdfsig cannot sign it: %s", strings.TrimSpace(msg))
				return
			}
			signed++
			infos, err := Verify(bytes.NewReader(b), int64(len(b)), rootsOf(rsaPKI))
			if err != nil {
				t.Fatal(err)
			}
			v := pdfsigVerdicts(t, k, b)
			if len(infos) != len(v) || len(infos) == 0 {
				t.Fatalf("besign found %d signatures, pdfsig %d", len(infos), len(v))
			}
			last := infos[len(infos)-1]
			if last.Integrity != Valid || !last.Valid || v[len(v)-1][0] != "Signature is Valid." {
				t.Fatalf("besign %+v, pdfsig %v", last, v)
			}
		})
	}
	if signed < 15 {
		t.Fatalf("pdfsig signed only %d corpus files", signed)
	}
}

// TestNSSSignatures: pdfsig -add-signature (NSS, BER) on a fresh PDF and
// on top of a besign signature. pdfsig 22.12 cannot sign with an ECDSA key
// ("unable update signature"), so the signer is RSA.
func TestNSSSignatures(t *testing.T) {
	k := getKit(t)
	rsaPKI, _ := pkis()
	roots := rootsOf(rsaPKI)
	db := newNSSDB(t, rsaPKI)
	nss := func(in []byte, field string) []byte {
		b, msg, ok := db.sign(t, in, field)
		if !ok {
			t.Fatalf("pdfsig -add-signature: %s", msg)
		}
		return b
	}
	b := nss(basePDF(), "NSS")
	// The point of the test: NSS writes BER (indefinite lengths).
	if !regexp.MustCompile(`/Contents\s*<3080`).Match(b) {
		t.Fatal("pdfsig did not write an indefinite-length CMS")
	}
	infos := verifyBytes(t, b, roots)
	if len(infos) != 1 {
		t.Fatalf("%d signatures", len(infos))
	}
	s := infos[0]
	if s.Integrity != Valid || !s.Valid || !s.Trusted || s.Reason != "Disetujui" || s.Signer != rsaPKI.Leaf.Subject.CommonName || s.Problem != "" {
		t.Fatalf("got %+v", s)
	}
	if v := pdfsigVerdicts(t, k, b); len(v) != 1 || v[0][0] != "Signature is Valid." {
		t.Fatalf("pdfsig: %v", v)
	}
	// NSS counter-signs a besign signature: the first one sees only a
	// later signature. (Poppler lists the new field in the page's /Annots
	// but not in /Fields.)
	first := signBytes(t, "testdata/corpus/read.go.pdf", Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain()})
	both := nss(first, "Kedua")
	infos = verifyBytes(t, both, roots)
	if len(infos) != 2 || !infos[0].Valid || infos[0].Modifications != ModSignatures || !infos[1].Valid || infos[1].Modifications != ModNone {
		t.Fatalf("got %+v", infos)
	}
	if v := pdfsigVerdicts(t, k, both); len(v) != 2 || v[0][0] != "Signature is Valid." || v[1][0] != "Signature is Valid." {
		t.Fatalf("pdfsig: %v", v)
	}
}

// A certificate crypto/x509 refuses (negative serial number, made by
// openssl) is a trust problem; the signature's integrity is still checked.
func TestRefusedCertificate(t *testing.T) {
	k := getKit(t)
	rsaPKI, _ := pkis()
	dir := t.TempDir()
	caPEM, caKey := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cakey.pem")
	testpki.WritePEM(caPEM, rsaPKI.CA)
	kd, _ := x509.MarshalPKCS8PrivateKey(rsaPKI.CAKey)
	os.WriteFile(caKey, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600)
	is := issued{certPEM: filepath.Join(dir, "cert.pem"), keyPEM: filepath.Join(dir, "key.pem"), chainPEM: caPEM}
	csr := filepath.Join(dir, "req.csr")
	for _, args := range [][]string{
		{"req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", is.keyPEM, "-out", csr, "-subj", "/CN=Serial Negatif"},
		{"x509", "-req", "-in", csr, "-CA", caPEM, "-CAkey", caKey, "-set_serial", "-1234", "-days", "2", "-out", is.certPEM},
	} {
		if out, err := run("openssl", args...); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	b := signUpdate(t, basePDF(), sigSpec{field: "Asing", subFilter: "adbe.pkcs7.detached", fieldNum: 5}, opensslSign(t, is))
	for _, roots := range []*x509.CertPool{nil, rootsOf(rsaPKI)} {
		s := verifyBytes(t, b, roots)[0]
		if s.Integrity != Valid || s.Signer != "Serial Negatif" || s.Trusted {
			t.Fatalf("got %+v", s)
		}
		why := s.Problem
		if roots == nil {
			why = strings.Join(s.Warnings, ";")
		}
		if s.Valid != (roots == nil) || !strings.Contains(why, "negative serial number") {
			t.Fatalf("got %+v", s)
		}
	}
	// Tampered, the same file is invalid: integrity is really checked.
	c := bytes.Clone(b)
	c[100] ^= 1
	if s := verifyBytes(t, c, nil)[0]; s.Integrity != Invalid || !strings.Contains(s.Problem, "digest mismatch") {
		t.Fatalf("tampered: %+v", s)
	}
	if v := pdfsigVerdicts(t, k, b); len(v) != 1 || v[0][0] != "Signature is Valid." {
		t.Fatalf("pdfsig: %v", v)
	}
}

// Without /M the CMS signing-time attribute (openssl adds one) is shown,
// still as the signer's claim.
func TestSigningTimeAttribute(t *testing.T) {
	rsaPKI, _ := pkis()
	before := time.Now().Add(-time.Minute)
	b := signUpdate(t, basePDF(), sigSpec{field: "Asing", subFilter: "adbe.pkcs7.detached", fieldNum: 5}, opensslSign(t, issue(t, rsaPKI, rsaPKI.Key, nil)))
	s := verifyBytes(t, b, nil)[0]
	at, err := time.Parse(time.RFC3339, s.SigningTime)
	if err != nil || at.Before(before) || at.After(time.Now().Add(time.Minute)) || !s.Valid {
		t.Fatalf("%+v", s)
	}
}
