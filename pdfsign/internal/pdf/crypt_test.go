package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// encryptions are qpdf --encrypt settings covering every standard
// security handler revision besign reads.
var encryptions = []struct {
	name string
	args []string
}{
	{"rc4-40", []string{"--allow-weak-crypto", "--encrypt", "USER", "owner", "40", "--"}},
	{"rc4-128", []string{"--allow-weak-crypto", "--encrypt", "USER", "owner", "128", "--use-aes=n", "--"}},
	{"aes-128", []string{"--encrypt", "USER", "owner", "128", "--use-aes=y", "--"}},
	{"aes-128-clear-metadata", []string{"--encrypt", "USER", "owner", "128", "--use-aes=y", "--cleartext-metadata", "--"}},
	{"aes-256-r5", []string{"--encrypt", "USER", "owner", "256", "--force-R5", "--"}},
	{"aes-256", []string{"--encrypt", "USER", "owner", "256", "--"}},
}

// qpdfEncrypt writes src encrypted with user password user (the USER
// placeholder in args), in object streams or not.
func qpdfEncrypt(t *testing.T, src []byte, args []string, user string, objStreams bool) []byte {
	t.Helper()
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Fatalf("qpdf is needed (scripts/install-deps.sh): %v", err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.WriteFile(in, src, 0o600)
	var a []string
	for _, s := range args {
		if s == "USER" {
			s = user
		}
		a = append(a, s)
	}
	if objStreams {
		a = append(a, "--object-streams=generate")
	}
	a = append(a, in, out)
	if b, err := exec.Command("qpdf", a...).CombinedOutput(); err != nil {
		t.Fatalf("qpdf %v: %v\n%s", a, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// plainPDF has a known string (the page's /Title-like key) and a known
// content stream.
func plainPDF() []byte {
	var b bytes.Buffer
	offs := []int{}
	b.WriteString("%PDF-1.7\n")
	objs := []string{
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Count 1/Kids[3 0 R]>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R/PieceInfo<</Note(Halo Natuna)>>>>",
		"<</Length 28>>\nstream\nBT /F1 12 Tf (Rahasia) Tj ET\nendstream",
	}
	for i, o := range objs {
		offs = append(offs, b.Len())
		b.WriteString(itoa(i+1) + " 0 obj\n" + o + "\nendobj\n")
	}
	x := b.Len()
	b.WriteString("xref\n0 5\n0000000000 65535 f\r\n")
	for _, o := range offs {
		s := itoa(o)
		b.WriteString("0000000000"[len(s):] + s + " 00000 n\r\n")
	}
	b.WriteString("trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n" + itoa(x) + "\n%%EOF\n")
	return b.Bytes()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var s []byte
	for ; n > 0; n /= 10 {
		s = append([]byte{byte('0' + n%10)}, s...)
	}
	return string(s)
}

// readBack finds the page's string and content stream in pf.
func readBack(t *testing.T, pf *File) (string, string) {
	t.Helper()
	cat, _, err := pf.ResolveDict(pf.Trailer["Root"])
	if err != nil {
		t.Fatal(err)
	}
	pages, _, _ := pf.ResolveDict(cat["Pages"])
	kids, _ := pages["Kids"].(Array)
	page, _, err := pf.ResolveDict(kids[0])
	if err != nil {
		t.Fatal(err)
	}
	pi, _ := pf.Resolve(page["PieceInfo"])
	note, _ := pi.(Dict)["Note"].(String)
	co, err := pf.Resolve(page["Contents"])
	if err != nil {
		t.Fatal(err)
	}
	data, err := pf.StreamData(co.(Stream))
	if err != nil {
		t.Fatal(err)
	}
	return string(note), string(bytes.TrimSpace(data))
}

func TestEncryptedOpen(t *testing.T) {
	for _, e := range encryptions {
		for _, objStreams := range []bool{false, true} {
			name := e.name
			if objStreams {
				name += "-objstm"
			}
			t.Run(name, func(t *testing.T) {
				empty := qpdfEncrypt(t, plainPDF(), e.args, "", objStreams)
				pf, err := Open(bytes.NewReader(empty), int64(len(empty)))
				if err != nil {
					t.Fatalf("empty user password: %v", err)
				}
				if !pf.Encrypted() || !pf.CanSign() {
					t.Fatalf("encrypted %v can sign %v", pf.Encrypted(), pf.CanSign())
				}
				if note, content := readBack(t, pf); note != "Halo Natuna" || content != "BT /F1 12 Tf (Rahasia) Tj ET" {
					t.Fatalf("decrypted %q %q", note, content)
				}
				locked := qpdfEncrypt(t, plainPDF(), e.args, "rahasia", objStreams)
				r := bytes.NewReader(locked)
				if _, err := Open(r, r.Size()); !errors.Is(err, ErrPasswordRequired) {
					t.Fatalf("no password: %v", err)
				}
				if _, err := OpenWith(r, r.Size(), OpenOptions{Password: "salah"}); !errors.Is(err, ErrWrongPassword) {
					t.Fatalf("wrong password: %v", err)
				}
				for _, pw := range []string{"rahasia", "owner"} {
					pf, err := OpenWith(r, r.Size(), OpenOptions{Password: pw})
					if err != nil {
						t.Fatalf("password %q: %v", pw, err)
					}
					if note, _ := readBack(t, pf); note != "Halo Natuna" {
						t.Fatalf("password %q: decrypted %q", pw, note)
					}
				}
			})
		}
	}
}

// TestDecryptStrings: strings round-trip through the object key for each
// method, a signature's /Contents is left alone, and an AES string of a
// wrong length (left unencrypted by its writer) is kept as it is.
func TestDecryptStrings(t *testing.T) {
	for _, m := range []cryptMethod{cryptRC4, cryptAESV2, cryptAESV3} {
		key := bytes.Repeat([]byte{7}, 16)
		if m == cryptAESV3 {
			key = bytes.Repeat([]byte{7}, 32)
		}
		s := &security{r: 4, key: key, str: m, stm: m, encryptNum: -1}
		f := &File{crypt: s}
		plain := Dict{"T": String("Persetujuan"), "Type": Name("Sig"), "Contents": String("\x30\x82raw"), "A": Array{String("x")}}
		enc, err := f.EncryptObject(plain, 12, 0)
		if err != nil {
			t.Fatal(err)
		}
		ed := enc.(Dict)
		if bytes.Equal(ed["T"].(String), plain["T"].(String)) || !bytes.Equal(ed["Contents"].(String), plain["Contents"].(String)) {
			t.Fatalf("method %d: encrypted %q", m, ed)
		}
		dec, err := s.decryptObject(enc, 12, 0)
		if err != nil || fmt.Sprint(dec) != fmt.Sprint(plain) {
			t.Fatalf("method %d: %v %v", m, dec, err)
		}
		if m != cryptRC4 {
			odd, err := s.decryptObject(Dict{"S": String("short")}, 12, 0)
			if err != nil || string(odd.(Dict)["S"].(String)) != "short" {
				t.Fatalf("method %d: odd string %v %v", m, odd, err)
			}
		}
	}
}
