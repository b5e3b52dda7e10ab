package pdfsign

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/natunakab/besign/pdfsign/testpdf"
)

// encryptPDF encrypts b with qpdf.
func encryptPDF(t *testing.T, b []byte, user, owner string, how ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.WriteFile(in, b, 0o644)
	if o, err := run("qpdf", append(append([]string{"--encrypt", user, owner}, how...), "--", in, out)...); err != nil {
		t.Fatalf("qpdf --encrypt: %v\n%s", err, o)
	}
	enc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

func TestVerifyEncrypted(t *testing.T) {
	k := getKit(t)
	rsaPKI, _ := pkis()
	roots := rootsOf(rsaPKI)
	for _, c := range []struct {
		name, user string
		how        []string
	}{{"empty user password, AES-128", "", []string{"128", "--use-aes=y"}}, {"user password, AES-256", "rahasia", []string{"256"}}} {
		t.Run(c.name, func(t *testing.T) {
			enc := encryptPDF(t, testpdf.Base(), c.user, "pemilik", c.how...)
			var signed bytes.Buffer
			err := Sign(&signed, bytes.NewReader(enc), int64(len(enc)), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(),
				Reason: "Disetujui", PDFPassword: c.user})
			if err != nil {
				t.Fatal(err)
			}
			b := signed.Bytes()
			if c.user != "" {
				if _, err := VerifyWith(bytes.NewReader(b), int64(len(b)), VerifyOptions{Roots: roots}); !errors.Is(err, ErrPasswordRequired) {
					t.Fatalf("no password: %v", err)
				}
				if _, err := VerifyWith(bytes.NewReader(b), int64(len(b)), VerifyOptions{Roots: roots, Password: "salah"}); !errors.Is(err, ErrWrongPassword) {
					t.Fatalf("wrong password: %v", err)
				}
			}
			for _, pw := range []string{c.user, "pemilik"} {
				infos, err := VerifyWith(bytes.NewReader(b), int64(len(b)), VerifyOptions{Roots: roots, Password: pw})
				if err != nil || len(infos) != 1 {
					t.Fatalf("password %q: %v %+v", pw, err, infos)
				}
				if s := infos[0]; !s.Valid || s.Reason != "Disetujui" || s.Modifications != ModNone || s.Problem != "" {
					t.Fatalf("password %q: %+v", pw, s)
				}
			}
			path := filepath.Join(t.TempDir(), "enc.pdf")
			os.WriteFile(path, b, 0o644)
			out, _ := run("pdfsig", "-nssdir", k.nss, "-no-ocsp", "-upw", c.user, path)
			if !bytes.Contains([]byte(out), []byte("Signature Validation: Signature is Valid.")) {
				t.Fatalf("pdfsig:\n%s", out)
			}
			// A later update of the page content is still seen.
			changed := appendUpdate(t, b, map[int]string{4: testpdf.Stream("BT ET")})
			infos, err := VerifyWith(bytes.NewReader(changed), int64(len(changed)), VerifyOptions{Roots: roots, Password: c.user})
			if err != nil || infos[0].Valid || infos[0].Modifications != ModOther {
				t.Fatalf("changed: %v %+v", err, infos)
			}
		})
	}
}
