package pdfsign

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"github.com/natunakab/besign/pdfsign/testpki"
	"github.com/natunakab/besign/pdfsign/timestamp"
)

// ourTSA is timestamp.Issuer served over HTTP, its certificate issued by
// p's issuing CA (as the organisation's CA issues the server's).
func ourTSA(t *testing.T, p *testpki.PKI) (*timestamp.Client, issued) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	is := issue(t, p, k, func(c *x509.Certificate) {
		*c = *timestamp.CertificateTemplate(pkix.Name{CommonName: "BeSign TSA Test"}, c.SerialNumber, c.NotBefore, c.NotAfter)
	})
	var serial atomic.Int64
	srv := httptest.NewServer(&timestamp.Issuer{Signer: k, Chain: []*x509.Certificate{is.cert, p.CA},
		Serial: func(context.Context) (*big.Int, error) { return big.NewInt(serial.Add(1)), nil }})
	t.Cleanup(srv.Close)
	c, err := timestamp.NewClient(srv.URL+"/tsa", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, is
}

func stamper(c *timestamp.Client) func([]byte) ([]byte, error) {
	return func(d []byte) ([]byte, error) {
		tok, err := c.Stamp(context.Background(), d)
		if err != nil {
			return nil, err
		}
		return tok.DER, nil
	}
}

// A signature made with Options.TimeStamp is PAdES B-T with our own TSA's
// token: pdfsig calls it valid, `openssl ts -verify` accepts the token
// extracted from it for the signature value's digest, and verification
// reports the token's time and TSA and validates at that time.
func TestSignWithOurTSA(t *testing.T) {
	k := getKit(t)
	rsaPKI, _ := pkis()
	c, tsa := ourTSA(t, rsaPKI)
	base := basePDF()
	var out bytes.Buffer
	before := time.Now().Add(-time.Second).Truncate(time.Second)
	if err := Sign(&out, bytes.NewReader(base), int64(len(base)), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(), TimeStamp: stamper(c)}); err != nil {
		t.Fatal(err)
	}
	b := out.Bytes()
	if v := pdfsigVerdicts(t, k, b); len(v) != 1 || v[0][0] != "Signature is Valid." {
		t.Fatalf("pdfsig: %v", v)
	}
	infos, err := VerifyWith(bytes.NewReader(b), int64(len(b)), VerifyOptions{Roots: rootsOf(rsaPKI), Time: time.Now().Add(3 * 365 * 24 * time.Hour)})
	if err != nil || len(infos) != 1 {
		t.Fatal(err, infos)
	}
	s := infos[0]
	at, err := time.Parse(time.RFC3339, s.Timestamp)
	// Three years on the signer's certificate has expired: the token's
	// time, not the clock, is the validation time.
	if !s.Valid || err != nil || at.Before(before) || s.TimestampAuthority != "BeSign TSA Test" || s.SigningTime != s.Timestamp {
		t.Fatalf("verify: %+v", s)
	}

	// The token, taken out of the signature, verifies with openssl for
	// the SHA-256 of the signature value.
	br := lastByteRange(t, b)
	der, _, err := cms.ToDER(mustHex(t, b[br[1]+1:br[2]-1]))
	if err != nil {
		t.Fatal(err)
	}
	p, err := cms.Parse(der)
	if err != nil || p.TimeStampToken == nil {
		t.Fatalf("no token: %v", err)
	}
	d := sha256.Sum256(p.Signature)
	dir := t.TempDir()
	tokFile, caFile := filepath.Join(dir, "tok.der"), filepath.Join(dir, "ca.pem")
	os.WriteFile(tokFile, p.TimeStampToken, 0o600)
	testpki.WritePEM(caFile, rsaPKI.Root)
	if out, err := run("openssl", "ts", "-verify", "-digest", hex.EncodeToString(d[:]), "-token_in", "-in", tokFile,
		"-CAfile", caFile, "-untrusted", tsa.chainPEM); err != nil || !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
}

// Attack test: a TSA (or someone between) answering with a genuine token
// over another signature's value is refused, and nothing is signed with
// it; a TSA that cannot be reached fails the signature with its error.
func TestSignRefusesForeignToken(t *testing.T) {
	rsaPKI, _ := pkis()
	c, _ := ourTSA(t, rsaPKI)
	other := sha256.Sum256([]byte("tanda tangan orang lain"))
	foreign := func([]byte) ([]byte, error) {
		tok, err := c.Stamp(context.Background(), other[:])
		if err != nil {
			return nil, err
		}
		return tok.DER, nil
	}
	base := basePDF()
	var out bytes.Buffer
	err := Sign(&out, bytes.NewReader(base), int64(len(base)), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(), TimeStamp: foreign})
	if !errors.Is(err, ErrTimeStamp) || !strings.Contains(err.Error(), "imprint") {
		t.Fatalf("foreign token: %v", err)
	}
	dead, _ := timestamp.NewClient("http://127.0.0.1:1/tsa", nil)
	err = Sign(&out, bytes.NewReader(base), int64(len(base)), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(), TimeStamp: stamper(dead)})
	if !errors.Is(err, timestamp.ErrUnreachable) {
		t.Fatalf("unreachable TSA: %v", err)
	}
}

func mustHex(t *testing.T, b []byte) []byte {
	t.Helper()
	out := make([]byte, hex.DecodedLen(len(b)))
	if _, err := hex.Decode(out, b); err != nil {
		t.Fatal(err)
	}
	return out
}

// Attack test on the verifying side: a genuine token of our TSA, but over
// another signature's value, grafted onto a signature whose certificate
// has since expired, does not date it: no timestamp is reported, the
// finding says why, and the signature is judged now (expired: not valid).
func TestVerifyIgnoresForeignToken(t *testing.T) {
	rsaPKI, _ := pkis()
	c, _ := ourTSA(t, rsaPKI)
	signer := issue(t, rsaPKI, rsaPKI.Key, nil) // valid for one more day
	chain := []*x509.Certificate{signer.cert, rsaPKI.CA}
	other := sha256.Sum256([]byte("nilai tanda tangan lain"))
	grafted := func(b []byte) []byte {
		d := sha256.Sum256(b)
		der, err := cms.Sign(d[:], rsaPKI.Key, chain)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := c.Stamp(context.Background(), other[:])
		if err != nil {
			t.Fatal(err)
		}
		out, err := cms.AddSignatureTimeStamp(der, tok.DER)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	b := signUpdate(t, basePDF(), sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", fieldNum: 5}, grafted)
	infos, err := VerifyWith(bytes.NewReader(b), int64(len(b)), VerifyOptions{Roots: rootsOf(rsaPKI), Time: time.Now().Add(72 * time.Hour)})
	if err != nil || len(infos) != 1 {
		t.Fatal(err, infos)
	}
	s := infos[0]
	if s.Timestamp != "" || s.TimestampAuthority != "" || s.Valid || !strings.Contains(s.Problem, "expired") ||
		!strings.Contains(strings.Join(s.Warnings, ";"), "does not cover this signature") {
		t.Fatalf("grafted token: %+v", s)
	}
}
