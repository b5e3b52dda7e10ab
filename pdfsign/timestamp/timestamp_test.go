package timestamp

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testTSA is a root and a TSA certificate under it.
type testTSA struct {
	root, cert *x509.Certificate
	key        crypto.Signer
	serial     atomic.Int64
}

func newTestTSA(t testing.TB, tweak func(*x509.Certificate)) *testTSA {
	t.Helper()
	rk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	rt := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Root " + t.Name()},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, rt, rt, rk.Public(), rk)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(der)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := CertificateTemplate(pkix.Name{CommonName: "Test TSA"}, big.NewInt(2), now.Add(-time.Hour), now.Add(24*time.Hour))
	if tweak != nil {
		tweak(tmpl)
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, root, k.Public(), rk)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testTSA{root: root, cert: cert, key: k}
}

func (a *testTSA) issuer() *Issuer {
	return &Issuer{Signer: a.key, Chain: []*x509.Certificate{a.cert, a.root},
		Serial: func(context.Context) (*big.Int, error) { return big.NewInt(a.serial.Add(1)), nil }}
}

func (a *testTSA) server(t *testing.T) *httptest.Server {
	s := httptest.NewServer(a.issuer())
	t.Cleanup(s.Close)
	return s
}

func writePEM(t *testing.T, path string, certs ...*x509.Certificate) {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func openssl(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	out, err := exec.Command("openssl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// A token our Issuer gives over HTTP, fetched by our Client, is accepted
// by `openssl ts -verify` against the root, for the digest asked.
func TestIssuedTokenVerifiesWithOpenSSL(t *testing.T) {
	a := newTestTSA(t, nil)
	s := a.server(t)
	c, err := NewClient(s.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("nilai tanda tangan"))
	before := time.Now().Add(-time.Second)
	tok, err := c.Stamp(context.Background(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	if tok.GenTime.Before(before.Truncate(time.Second)) || tok.GenTime.After(time.Now()) || tok.Signer.Subject.CommonName != "Test TSA" || tok.Serial.Int64() != 1 {
		t.Fatalf("token %+v", tok)
	}
	again, err := c.Stamp(context.Background(), d[:])
	if err != nil || again.Serial.Int64() != 2 || again.Nonce.Cmp(tok.Nonce) == 0 {
		t.Fatalf("second token: serial %v nonce %v, %v", again.Serial, again.Nonce, err)
	}
	dir := t.TempDir()
	tokFile, rootFile := filepath.Join(dir, "tok.der"), filepath.Join(dir, "root.pem")
	os.WriteFile(tokFile, tok.DER, 0o600)
	writePEM(t, rootFile, a.root)
	out := openssl(t, "ts", "-verify", "-digest", hex.EncodeToString(d[:]), "-token_in", "-in", tokFile, "-CAfile", rootFile)
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify: %s", out)
	}
	// ... and refuses it for another digest: the check is real.
	other := sha256.Sum256([]byte("lain"))
	cmd := exec.Command("openssl", "ts", "-verify", "-digest", hex.EncodeToString(other[:]), "-token_in", "-in", tokFile, "-CAfile", rootFile)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("openssl accepted the token for another digest: %s", out)
	}
}

// A reply made by `openssl ts -reply` to our request is read and checked
// by ReadReply.
func TestOpenSSLReplyAccepted(t *testing.T) {
	a := newTestTSA(t, nil)
	dir := t.TempDir()
	cfg, certFile, keyFile, rootFile := filepath.Join(dir, "tsa.cnf"), filepath.Join(dir, "tsa.pem"), filepath.Join(dir, "tsa.key"), filepath.Join(dir, "root.pem")
	writePEM(t, certFile, a.cert)
	writePEM(t, rootFile, a.root)
	kd, _ := x509.MarshalPKCS8PrivateKey(a.key)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600)
	os.WriteFile(filepath.Join(dir, "serial"), []byte("01\n"), 0o600)
	os.WriteFile(cfg, []byte("[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = "+filepath.Join(dir, "serial")+
		"\ncrypto_device = builtin\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\ness_cert_id_alg = sha256\n"), 0o600)
	d := sha256.Sum256([]byte("nilai tanda tangan"))
	req, err := NewRequest(d[:])
	if err != nil {
		t.Fatal(err)
	}
	q, _ := req.Marshal()
	qFile, rFile := filepath.Join(dir, "q.tsq"), filepath.Join(dir, "r.tsr")
	os.WriteFile(qFile, q, 0o600)
	openssl(t, "ts", "-reply", "-config", cfg, "-queryfile", qFile, "-signer", certFile, "-inkey", keyFile, "-chain", rootFile, "-out", rFile)
	raw, _ := os.ReadFile(rFile)
	tok, err := ReadReply(raw, req)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Nonce.Cmp(req.Nonce) != 0 || tok.Signer.Subject.CommonName != "Test TSA" {
		t.Fatalf("token %+v", tok)
	}
	// The same reply for another request (another nonce and digest) is
	// refused: it cannot be replayed.
	other, _ := NewRequest(d[:])
	if _, err := ReadReply(raw, other); !errors.Is(err, ErrBadReply) || !strings.Contains(err.Error(), "nonce") {
		t.Fatalf("replayed reply: %v", err)
	}
}

// Attack tests: a token over another digest, a TSA certificate whose
// timeStamping usage is not critical or is missing, and a token whose
// TSTInfo was altered after signing are all refused.
func TestCheckRefuses(t *testing.T) {
	d := sha256.Sum256([]byte("tanda tangan"))
	good := newTestTSA(t, nil)
	resp, err := good.issuer().Respond(context.Background(), mustQuery(t, d[:], nil))
	if err != nil {
		t.Fatal(err)
	}
	tokDER := tokenOf(t, resp)
	if _, err := Check(tokDER, d[:], nil); err != nil {
		t.Fatalf("genuine token: %v", err)
	}
	other := sha256.Sum256([]byte("tanda tangan lain"))
	if _, err := Check(tokDER, other[:], nil); !errors.Is(err, ErrBadReply) || !strings.Contains(err.Error(), "imprint") {
		t.Fatalf("other digest: %v", err)
	}
	// Change one byte of the genuine token's genTime: the signature no
	// longer verifies.
	i := strings.Index(string(tokDER), time.Now().UTC().Format("20060102"))
	if i < 0 {
		t.Fatal("no genTime in the token")
	}
	forged := append([]byte(nil), tokDER...)
	forged[i] = '1'
	if _, err := Check(forged, d[:], nil); !errors.Is(err, ErrBadReply) {
		t.Fatalf("altered genTime: %v", err)
	}
	for name, tweak := range map[string]func(*x509.Certificate){
		"EKU not critical": func(c *x509.Certificate) { c.ExtraExtensions = nil },
		"no EKU":           func(c *x509.Certificate) { c.ExtraExtensions, c.ExtKeyUsage = nil, nil },
		"EKU with another": func(c *x509.Certificate) {
			v, _ := asn1.Marshal([]asn1.ObjectIdentifier{OIDTimeStamping, {1, 3, 6, 1, 5, 5, 7, 3, 4}})
			c.ExtraExtensions[0].Value = v
		},
	} {
		bad := newTestTSA(t, tweak)
		resp, err := bad.issuer().Respond(context.Background(), mustQuery(t, d[:], nil))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Check(tokenOf(t, resp), d[:], nil); !errors.Is(err, ErrBadReply) || !strings.Contains(err.Error(), "extended key usage") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The Issuer refuses what it should not sign, with a rejection the client
// reads as ErrRefused.
func TestIssuerRejects(t *testing.T) {
	a := newTestTSA(t, nil)
	is := a.issuer()
	sha1 := asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	for name, q := range map[string][]byte{
		"SHA-1":       mustQuery(t, make([]byte, 20), sha1),
		"short":       mustQuery(t, make([]byte, 20), oidSHA256),
		"not DER":     []byte("hello"),
		"trailing":    append(mustQuery(t, make([]byte, 32), nil), 0),
		"wrong polcy": mustMarshal(t, request{Version: 1, MessageImprint: messageImprint{Alg: pkix.AlgorithmIdentifier{Algorithm: oidSHA256}, Digest: make([]byte, 32)}, Policy: asn1.ObjectIdentifier{1, 2, 3}}),
	} {
		resp, err := is.Respond(context.Background(), q)
		if !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := ReadReply(resp, &Request{Digest: make([]byte, 32)}); !errors.Is(err, ErrRefused) {
			t.Errorf("%s: the client read %v", name, err)
		}
	}
	// Over HTTP: another media type is not a time-stamp query.
	s := a.server(t)
	r, err := http.Post(s.URL, "application/json", strings.NewReader("{}"))
	if err != nil || r.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("JSON post: %v %v", r, err)
	}
	r.Body.Close()
}

// A TSA that cannot be reached, or answers too late, is ErrUnreachable.
func TestClientUnreachable(t *testing.T) {
	d := sha256.Sum256([]byte("x"))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c, _ := NewClient("http://"+addr+"/tsa", nil)
	if _, err := c.Stamp(context.Background(), d[:]); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("closed port: %v", err)
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer slow.Close()
	c, _ = NewClient(slow.URL, nil)
	c.Timeout = 200 * time.Millisecond
	start := time.Now()
	if _, err := c.Stamp(context.Background(), d[:]); !errors.Is(err, ErrUnreachable) || time.Since(start) > 3*time.Second {
		t.Fatalf("slow TSA: %v after %v", err, time.Since(start))
	}
	if _, err := NewClient("ftp://tsa", nil); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("ftp URL: %v", err)
	}
}

func mustQuery(t *testing.T, digest []byte, alg asn1.ObjectIdentifier) []byte {
	if alg == nil {
		alg = oidSHA256
	}
	return mustMarshal(t, request{Version: 1, MessageImprint: messageImprint{Alg: pkix.AlgorithmIdentifier{Algorithm: alg}, Digest: digest}, CertReq: true})
}

func mustMarshal(t *testing.T, v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tokenOf(t *testing.T, resp []byte) []byte {
	var r response
	if _, err := asn1.Unmarshal(resp, &r); err != nil || r.Status.Status != 0 {
		t.Fatalf("response: %v %+v", err, r.Status)
	}
	return r.Token.FullBytes
}

// BenchmarkRespond is one token issued (request parsed, TSTInfo signed
// with ECDSA P-256, reply encoded), without HTTP or a database serial.
func BenchmarkRespond(b *testing.B) {
	a := newTestTSA(b, nil)
	is := a.issuer()
	d := sha256.Sum256([]byte("x"))
	req, _ := NewRequest(d[:])
	q, _ := req.Marshal()
	for b.Loop() {
		if _, err := is.Respond(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}
