package pdfsign

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func signBytes(t *testing.T, in string, opts Options) []byte {
	t.Helper()
	src, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Sign(&out, bytes.NewReader(src), int64(len(src)), opts); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func verifyBytes(t *testing.T, b []byte, roots *x509.CertPool) []SignatureInfo {
	t.Helper()
	infos, err := Verify(bytes.NewReader(b), int64(len(b)), roots)
	if err != nil {
		t.Fatal(err)
	}
	return infos
}

func lastByteRange(t *testing.T, b []byte) [4]int {
	ms := byteRangeRegex.FindAllSubmatch(b, -1)
	if len(ms) == 0 {
		t.Fatal("no byte range")
	}
	var br [4]int
	for i := range br {
		br[i], _ = strconv.Atoi(string(ms[len(ms)-1][i+1]))
	}
	return br
}

// appendInfoUpdate appends a classic incremental update that replaces the
// document information dictionary: a change after signing.
func appendInfoUpdate(t *testing.T, b []byte) []byte {
	start := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(b)
	root := regexp.MustCompile(`/Root (\d+ \d+ R)`).FindAllSubmatch(b, -1)
	size := regexp.MustCompile(`/Size (\d+)`).FindAllSubmatch(b, -1)
	if start == nil || root == nil || size == nil {
		t.Fatal("cannot find trailer parts")
	}
	n, _ := strconv.Atoi(string(size[len(size)-1][1]))
	var u bytes.Buffer
	u.Write(b)
	off := u.Len()
	fmt.Fprintf(&u, "%d 0 obj\n<</Title (changed after signing)>>\nendobj\n", n)
	x := u.Len()
	fmt.Fprintf(&u, "xref\n%d 1\n%010d 00000 n\r\ntrailer\n<</Size %d /Root %s /Info %d 0 R /Prev %s>>\nstartxref\n%d\n%%%%EOF\n",
		n, off, n+1, root[len(root)-1][1], n, start[1], x)
	return u.Bytes()
}

func TestVerifyTamper(t *testing.T) {
	rsaPKI, ecPKI := pkis()
	roots := x509.NewCertPool()
	roots.AddCert(rsaPKI.Root)
	signed := signBytes(t, "testdata/corpus/read.go.pdf", Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(), Reason: "Setuju", Location: "Ranai"})
	br := lastByteRange(t, signed)
	flip := func(at int) []byte {
		c := bytes.Clone(signed)
		c[at] ^= 0x01
		return c
	}
	// flipHex changes one hex digit of /Contents into another hex digit (a
	// flipped bit can make 'a' or 'f' a non-hex byte: another error).
	flipHex := func(at int) []byte {
		c := bytes.Clone(signed)
		if c[at] == '0' {
			c[at] = '1'
		} else {
			c[at] = '0'
		}
		return c
	}
	otherRoots := x509.NewCertPool()
	otherRoots.AddCert(ecPKI.Root)

	cases := []struct {
		name       string
		data       []byte
		roots      *x509.CertPool
		integrity  string
		whole      bool
		modified   bool
		trusted    bool
		valid      bool
		mods       string
		problemHas string // "" means: no problem at all
		code       string // of the first fatal finding
	}{
		{"untouched", signed, roots, Valid, true, false, true, true, ModNone, "", ""},
		{"byte in original part", flip(br[1] / 2), roots, Invalid, true, false, false, false, ModNone, "digest mismatch", FindDigestMismatch},
		{"byte in second range", flip(br[2] + 4), roots, Invalid, true, false, false, false, ModNone, "digest mismatch", FindDigestMismatch},
		{"byte in signature value", flipHex(br[2] - 200), roots, Invalid, true, false, false, false, ModNone, "signature", FindSignature},
		// Document information is metadata, allowed like a DSS update.
		{"info update appended", appendInfoUpdate(t, signed), roots, Valid, false, true, true, true, ModSignatures, "", ""},
		{"no trusted roots", signed, nil, Valid, true, false, false, true, ModNone, "", ""},
		{"other root", signed, otherRoots, Valid, true, false, false, false, ModNone, "not trusted", FindNotTrusted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			infos := verifyBytes(t, c.data, c.roots)
			if len(infos) != 1 {
				t.Fatalf("%d signatures", len(infos))
			}
			s := infos[0]
			if s.Integrity != c.integrity || s.CoversWholeDocument != c.whole || s.ModifiedAfterSigning != c.modified ||
				s.Trusted != c.trusted || s.Valid != c.valid || s.Modifications != c.mods {
				t.Fatalf("got %+v", s)
			}
			if (c.problemHas == "") != (s.Problem == "") || !strings.Contains(s.Problem, c.problemHas) {
				t.Fatalf("problem %q, want one with %q", s.Problem, c.problemHas)
			}
			first := ""
			for _, f := range s.Findings {
				if f.Fatal && first == "" {
					first = f.Code
				}
			}
			if first != c.code {
				t.Fatalf("first fatal finding %q, want %q (%+v)", first, c.code, s.Findings)
			}
			if s.Field != "Signature1" || s.Signer != rsaPKI.Leaf.Subject.CommonName || s.Reason != "Setuju" || s.Location != "Ranai" || s.SubFilter != "ETSI.CAdES.detached" {
				t.Fatalf("fields: %+v", s)
			}
		})
	}
	// pdfsig, an outside opinion, agrees on the tampered byte.
	k := getKit(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pdf")
	os.WriteFile(bad, flip(br[1]/2), 0o644)
	if err := k.pdfsig(bad, 1); err == nil || !strings.Contains(err.Error(), "Signature Validation") {
		t.Fatalf("pdfsig accepted a tampered file: %v", err)
	}
	upd := filepath.Join(dir, "upd.pdf")
	os.WriteFile(upd, appendInfoUpdate(t, signed), 0o644)
	if out, _ := run("pdfsig", "-nssdir", k.nss, upd); !strings.Contains(out, "Not total document signed") || !strings.Contains(out, "Signature is Valid") {
		t.Fatalf("pdfsig on an updated file:\n%s", out)
	}
}

func TestVerifyJSONShape(t *testing.T) {
	rsaPKI, _ := pkis()
	tm := time.Now().Truncate(time.Second).In(time.FixedZone("WIB", 7*3600))
	signed := signBytes(t, "testdata/corpus/test.pdf", Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(), Time: tm, Reason: "Disetujui ✓"})
	infos := verifyBytes(t, signed, nil)
	b, err := json.Marshal(infos)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	json.Unmarshal(b, &got)
	want := map[string]any{"field": "Signature1", "signer": rsaPKI.Leaf.Subject.CommonName, "signing_time": tm.Format(time.RFC3339),
		"reason": "Disetujui ✓", "location": "", "integrity": "valid", "covers_whole_document": true, "modified_after_signing": false,
		"trusted": false, "subfilter": "ETSI.CAdES.detached", "kind": "signature", "modifications": "none", "valid": true,
		"digest_algorithm": "SHA-256", "level": LevelBB}
	if len(got) != 1 {
		t.Fatalf("got %s", b)
	}
	for k, v := range want {
		if got[0][k] != v {
			t.Errorf("%s = %v, want %v", k, got[0][k], v)
		}
	}
	if w, _ := got[0]["warnings"].([]any); len(w) != 1 || w[0] != "trust not checked: no trusted root given" {
		t.Errorf("warnings in %s", b)
	}
	if f, _ := got[0]["findings"].([]any); len(f) != 1 || f[0].(map[string]any)["code"] != FindTrustNotChecked || f[0].(map[string]any)["fatal"] != nil {
		t.Errorf("findings in %s", b)
	}
	if vt, _ := got[0]["validation_time"].(string); vt == "" {
		t.Errorf("no validation_time in %s", b)
	}
	if len(got[0]) != len(want)+3 {
		t.Errorf("extra keys in %s", b)
	}
}

func TestVerifyUnsigned(t *testing.T) {
	b, _ := os.ReadFile("testdata/corpus/test.pdf")
	if infos := verifyBytes(t, b, nil); len(infos) != 0 {
		t.Fatalf("%+v", infos)
	}
}
