package pdfsign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"github.com/natunakab/besign/pdfsign/testpki"
)

// tsa is a timestamp authority run with `openssl ts`.
type tsa struct {
	is  issued
	cfg string
}

func newTSA(t *testing.T, p *testpki.PKI, edits ...func(*x509.Certificate)) *tsa {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	is := issue(t, p, k, func(c *x509.Certificate) {
		c.Subject.CommonName = "Test TSA"
		c.KeyUsage = x509.KeyUsageDigitalSignature
		// openssl ts wants the timeStamping usage critical.
		v, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
		c.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: v}}
		for _, e := range edits {
			e(c)
		}
	})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tsa.cnf")
	os.WriteFile(filepath.Join(dir, "serial"), []byte("01\n"), 0o600)
	os.WriteFile(cfg, []byte(`[ tsa ]
default_tsa = tsa1
[ tsa1 ]
serial = `+filepath.Join(dir, "serial")+`
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha1
accuracy = secs:1
ess_cert_id_alg = sha256
ess_cert_id_chain = no
`), 0o600)
	return &tsa{is: is, cfg: cfg}
}

// token returns a TimeStampToken over data, with the given imprint digest.
func (a *tsa) token(t *testing.T, data []byte, digest string) []byte {
	t.Helper()
	dir := t.TempDir()
	in, req, tok := filepath.Join(dir, "in"), filepath.Join(dir, "req"), filepath.Join(dir, "tok")
	os.WriteFile(in, data, 0o600)
	if out, err := run("openssl", "ts", "-query", "-data", in, "-"+digest, "-cert", "-out", req); err != nil {
		t.Fatalf("openssl ts -query: %v\n%s", err, out)
	}
	if out, err := run("openssl", "ts", "-reply", "-config", a.cfg, "-queryfile", req, "-signer", a.is.certPEM,
		"-inkey", a.is.keyPEM, "-chain", a.is.chainPEM, "-token_out", "-out", tok); err != nil {
		t.Fatalf("openssl ts -reply: %v\n%s", err, out)
	}
	b, err := os.ReadFile(tok)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDocumentTimestamp(t *testing.T) {
	k := getKit(t)
	rsaPKI, _ := pkis()
	roots := rootsOf(rsaPKI)
	a := newTSA(t, rsaPKI)
	stamp := func(b []byte) []byte { return a.token(t, b, "sha256") }

	// B-LTA shape: a signature, then a document timestamp over it.
	signed := signUpdate(t, basePDF(), sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", fieldNum: 5}, goSign(t, rsaPKI))
	before := time.Now().Add(-time.Minute)
	lta := signUpdate(t, signed, sigSpec{field: "Stempel", subFilter: "ETSI.RFC3161", docTS: true, fieldNum: 7, fields: []int{5}}, stamp)
	infos := verifyBytes(t, lta, roots)
	if len(infos) != 2 {
		t.Fatalf("%+v", infos)
	}
	sig, ts := infos[0], infos[1]
	if !sig.Valid || sig.Modifications != ModSignatures {
		t.Fatalf("signature: %+v", sig)
	}
	at, err := time.Parse(time.RFC3339, ts.Timestamp)
	if ts.Kind != KindDocumentTimestamp || ts.Integrity != Valid || !ts.Valid || !ts.Trusted || ts.Signer != "Test TSA" || err != nil || at.Before(before) {
		t.Fatalf("timestamp: %+v", ts)
	}
	if !strings.Contains(strings.Join(ts.Warnings, ";"), "revocation not checked") {
		t.Fatalf("warnings %v", ts.Warnings)
	}
	// pdfsig agrees on the signature; it has no verdict on document
	// timestamps (poppler 22.12 leaves ETSI.RFC3161 unverified).
	if v := pdfsigVerdicts(t, k, lta); len(v) != 2 || v[0][0] != "Signature is Valid." || v[1][0] != "Signature has not yet been verified." {
		t.Fatalf("pdfsig: %v", v)
	}

	// A timestamp over other bytes, and a TSA certificate without the
	// timeStamping usage.
	wrong := signUpdate(t, basePDF(), sigSpec{field: "Stempel", subFilter: "ETSI.RFC3161", docTS: true, fieldNum: 5},
		func(b []byte) []byte { return a.token(t, append(b, 'x'), "sha256") })
	if s := verifyBytes(t, wrong, roots)[0]; s.Integrity != Invalid || s.Valid || !strings.Contains(s.Problem, "message imprint mismatch") {
		t.Fatalf("wrong imprint: %+v", s)
	}
	sha1 := signUpdate(t, basePDF(), sigSpec{field: "Stempel", subFilter: "ETSI.RFC3161", docTS: true, fieldNum: 5},
		func(b []byte) []byte { return a.token(t, b, "sha1") })
	if s := verifyBytes(t, sha1, roots)[0]; s.Integrity != Valid || s.Valid || !strings.Contains(s.Problem, "weak algorithm: SHA-1 message imprint") {
		t.Fatalf("SHA-1 imprint: %+v", s)
	}
}

// A PAdES B-T signature: its signature-time-stamp token is the validation
// time, so a certificate that has expired since still counts.
func TestSignatureTimestamp(t *testing.T) {
	rsaPKI, _ := pkis()
	roots := rootsOf(rsaPKI)
	a := newTSA(t, rsaPKI)
	signer := issue(t, rsaPKI, rsaPKI.Key, nil) // valid for one more day
	chain := []*x509.Certificate{signer.cert, rsaPKI.CA}
	plain := func(b []byte) []byte {
		d := sha256.Sum256(b)
		der, err := cms.Sign(d[:], rsaPKI.Key, chain)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	stamped := func(b []byte) []byte {
		der := plain(b)
		p, err := cms.Parse(der)
		if err != nil {
			t.Fatal(err)
		}
		out, err := cms.AddSignatureTimeStamp(der, a.token(t, p.Signature, "sha256"))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	spec := sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", fieldNum: 5}
	later := time.Now().Add(72 * time.Hour) // the signer's certificate has expired by then
	for _, c := range []struct {
		name    string
		sign    func([]byte) []byte
		valid   bool
		problem string
	}{
		{"with a timestamp", stamped, true, ""},
		{"without", plain, false, "the certificate expired on"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := signUpdate(t, basePDF(), spec, c.sign)
			infos, err := VerifyWith(bytes.NewReader(b), int64(len(b)), VerifyOptions{Roots: roots, Time: later})
			if err != nil || len(infos) != 1 {
				t.Fatal(err, infos)
			}
			s := infos[0]
			if s.Valid != c.valid || s.Integrity != Valid || (c.problem == "") != (s.Problem == "") || !strings.Contains(s.Problem, c.problem) {
				t.Fatalf("got %+v", s)
			}
			if (s.Timestamp != "") != c.valid {
				t.Fatalf("timestamp %q", s.Timestamp)
			}
		})
	}
}

// A token is a TimeStampToken only when its content type says TSTInfo
// (RFC 3161 2.4.2): the same TSTInfo signed by the TSA's key as plain data
// (here by `openssl cms -sign`) is refused, not read as a timestamp.
func TestTimestampContentType(t *testing.T) {
	p, _ := pkis()
	a := newTSA(t, p)
	genuine := a.token(t, []byte("surat keputusan"), "sha256")
	ts, err := cms.ParseTimeStamp(genuine)
	if err != nil {
		t.Fatalf("genuine token: %v", err)
	}
	dir := t.TempDir()
	info, forged := filepath.Join(dir, "tstinfo"), filepath.Join(dir, "forged")
	os.WriteFile(info, ts.EContent, 0o600)
	if out, err := run("openssl", "cms", "-sign", "-nodetach", "-binary", "-in", info, "-signer", a.is.certPEM,
		"-inkey", a.is.keyPEM, "-outform", "DER", "-out", forged); err != nil {
		t.Fatalf("openssl cms -sign: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(forged)
	if _, err := cms.ParseTimeStamp(b); !errors.Is(err, cms.ErrMalformed) || !strings.Contains(err.Error(), "content type") {
		t.Fatalf("TSTInfo signed as data: %v", err)
	}
}
