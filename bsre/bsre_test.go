package bsre_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/bsre"
	"github.com/natunakab/besign/bsre/accept"
	"github.com/natunakab/besign/bsre/bsretest"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
)

const (
	armanNIK   = "2103011901950003"
	armanEmail = "arman@natunakab.go.id"
	armanPass  = "Natuna#2024aman"
)

var arman = bsre.Signer{Email: armanEmail}

// standIn starts a stand-in with Arman (ISSUE) and a few signers in the
// other states.
func standIn(t *testing.T) *bsretest.Server {
	t.Helper()
	s := bsretest.New(t)
	s.AddUser(bsretest.User{NIK: armanNIK, Email: armanEmail, Name: "Arman Salim, S.Kom.", Passphrase: armanPass})
	s.AddUser(bsretest.User{NIK: "2103014107900002", Email: "siti@natunakab.go.id", Name: "Siti", Passphrase: armanPass, Status: "NO_CERTIFICATE"})
	s.AddUser(bsretest.User{NIK: "2103010202800004", Email: "budi@natunakab.go.id", Name: "Budi", Passphrase: armanPass, Status: "SUSPEND"})
	return s
}

func client(t *testing.T, s *bsretest.Server, timeout time.Duration) *bsre.Client {
	t.Helper()
	c, err := bsre.New(bsre.Config{URL: s.URL, CredentialsFile: s.WriteCredentials(t.TempDir()), Timeout: timeout, RootCAs: s.TLSRoots()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func want(doc bsre.Document, s *bsretest.Server) accept.Want {
	return accept.Want{Invisible: doc.Invisible, Page: doc.Page, Box: doc.Box, Email: armanEmail, Timestamp: true,
		Verify: pdfsign.VerifyOptions{Roots: s.Roots(), Offline: true}}
}

func visible(pdf []byte) bsre.Document {
	return bsre.Document{PDF: pdf, Page: 1, Box: authority.Box{X: 40, Y: 30, W: 200, H: 80}, Reason: "Menyetujui", Location: "Ranai"}
}

// empty fails unless dir holds no file.
func empty(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("%s was written", e.Name())
	}
}

// A passphrase signs a visible and an invisible document in one call; both
// pass the acceptance check, are written, and pdfsig and qpdf accept them.
func TestSignPassphrase(t *testing.T) {
	s := standIn(t)
	c := client(t, s, 30*time.Second)
	docs := []bsre.Document{visible(testpdf.Base()), {PDF: testpdf.Base(), Invisible: true}}
	out, err := c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, docs)
	if err != nil {
		t.Fatal(err)
	}
	if s.Signings() != 2 || len(out) != 2 {
		t.Fatalf("%d signings, %d files", s.Signings(), len(out))
	}
	dir := t.TempDir()
	for i, d := range docs {
		path, info, err := accept.Write(filepath.Join(dir, fmt.Sprintf("surat%d_signed.pdf", i)), 0o644, d.PDF, out[i], want(d, s))
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if !info.Valid || !info.Trusted || info.Reason != d.Reason || info.Timestamp == "" {
			t.Fatalf("document %d: %+v", i, info)
		}
		validators(t, path)
	}
}

// validators runs pdfsig (integrity: no NSS trust database here) and qpdf
// on a written file.
func validators(t *testing.T, path string) {
	t.Helper()
	if out, err := execOut("qpdf", "--check", path); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
	out, _ := execOut("pdfsig", path)
	if !strings.Contains(out, "Signature Validation: Signature is Valid.") {
		t.Errorf("pdfsig:\n%s", out)
	}
}

// The TOTP path: a code is "mailed", signs once, and does not sign again.
func TestSignTOTP(t *testing.T) {
	s := standIn(t)
	c := client(t, s, 30*time.Second)
	ctx := context.Background()
	if err := c.RequestTOTP(ctx, arman, 1); err != nil {
		t.Fatal(err)
	}
	code := s.MailedTOTP(armanEmail)
	if len(code) != 6 {
		t.Fatalf("mailed code %q", code)
	}
	doc := visible(testpdf.Base())
	out, err := c.Sign(ctx, arman, bsre.Credential{TOTP: code}, []bsre.Document{doc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := accept.Check(doc.PDF, out[0], want(doc, s)); err != nil {
		t.Fatal(err)
	}
	_, err = c.Sign(ctx, arman, bsre.Credential{TOTP: code}, []bsre.Document{doc})
	if !errors.Is(err, bsre.ErrRejected) || !strings.Contains(err.Error(), "OTP tidak valid") {
		t.Fatalf("a used code: %v", err)
	}
	if s.Signings() != 1 {
		t.Fatalf("%d signings", s.Signings())
	}
}

// Every refusal maps to its sentinel, signs nothing, and the error says
// what happened without the passphrase.
func TestRefusals(t *testing.T) {
	s := standIn(t)
	c := client(t, s, 30*time.Second)
	doc := []bsre.Document{visible(testpdf.Base())}
	cases := []struct {
		name   string
		signer bsre.Signer
		pass   string
		kind   error
		code   int
		text   string
	}{
		{"wrong passphrase", arman, "Salah#12345", bsre.ErrWrongPassphrase, 2031, "Passphrase anda salah"},
		{"not registered", bsre.Signer{NIK: "2103019999990001"}, armanPass, bsre.ErrNotRegistered, 2011, "tidak terdaftar"},
		{"no certificate", bsre.Signer{Email: "siti@natunakab.go.id"}, armanPass, bsre.ErrNoCertificate, 2021, "belum memiliki sertifikat"},
		{"suspended", bsre.Signer{Email: "budi@natunakab.go.id"}, armanPass, bsre.ErrRejected, 0, "SUSPEND"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Sign(context.Background(), tc.signer, bsre.Credential{Passphrase: tc.pass}, doc)
			var api *bsre.APIError
			if !errors.Is(err, tc.kind) || !errors.As(err, &api) || api.Code != tc.code || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("got %v", err)
			}
			if strings.Contains(err.Error(), tc.pass) {
				t.Fatalf("the passphrase is in the error: %v", err)
			}
		})
	}
	if s.Signings() != 0 {
		t.Fatalf("%d signings", s.Signings())
	}
}

// Wrong Basic credentials are ErrCredentials (HTTP 401); a credentials
// file others may read is refused before anything is sent, without
// quoting it.
func TestCredentials(t *testing.T) {
	s := standIn(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "creds")
	os.WriteFile(path, []byte("besign-app:salah\n"), 0o600)
	c, err := bsre.New(bsre.Config{URL: s.URL, CredentialsFile: path, RootCAs: s.TLSRoots()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CheckStatus(context.Background(), arman)
	var api *bsre.APIError
	if !errors.Is(err, bsre.ErrCredentials) || !errors.As(err, &api) || api.HTTPStatus != 401 {
		t.Fatalf("got %v", err)
	}
	os.Chmod(path, 0o644)
	_, err = bsre.New(bsre.Config{URL: s.URL, CredentialsFile: path})
	if !errors.Is(err, bsre.ErrCredentialsFile) || !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), "salah") {
		t.Fatalf("a 0644 file: %v", err)
	}
	os.WriteFile(path, []byte("no colon here"), 0o600)
	os.Chmod(path, 0o600)
	if _, err = bsre.New(bsre.Config{URL: s.URL, CredentialsFile: path}); !errors.Is(err, bsre.ErrCredentialsFile) || strings.Contains(err.Error(), "colon") {
		t.Fatalf("a malformed file: %v", err)
	}
	if _, err = bsre.New(bsre.Config{URL: "http://esign.example", CredentialsFile: path}); !errors.Is(err, bsre.ErrRequest) {
		t.Fatalf("plain http: %v", err)
	}
}

// A 500 carries the service's iText text; a document that is no PDF gets
// one from the service too; nothing is signed.
func TestServerError(t *testing.T) {
	s := standIn(t)
	c := client(t, s, 30*time.Second)
	s.SetFault(bsretest.ServerError)
	_, err := c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{visible(testpdf.Base())})
	if !errors.Is(err, bsre.ErrServer) || !strings.Contains(err.Error(), "com.itextpdf.text.exceptions.InvalidPdfException") {
		t.Fatalf("got %v", err)
	}
	s.SetFault(bsretest.None)
	_, err = c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{{PDF: []byte("not a pdf"), Invisible: true}})
	if !errors.Is(err, bsre.ErrServer) || !strings.Contains(err.Error(), "PDF header signature not found") {
		t.Fatalf("not a PDF: %v", err)
	}
	if s.Signings() != 0 {
		t.Fatalf("%d signings", s.Signings())
	}
}

// A signing call that times out after the service signed is
// ErrOutcomeUnknown, and the client does not sign again.
func TestTimeoutAfterSigning(t *testing.T) {
	s := standIn(t)
	c := client(t, s, 2*time.Second)
	s.SetFault(bsretest.TimeoutAfterSigning)
	dir := t.TempDir()
	out, err := c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{visible(testpdf.Base())})
	if !errors.Is(err, bsre.ErrOutcomeUnknown) || out != nil {
		t.Fatalf("got %v, %d files", err, len(out))
	}
	if strings.Contains(err.Error(), armanPass) {
		t.Fatal("the passphrase is in the error")
	}
	// the client has returned: any retry would have happened by now
	time.Sleep(500 * time.Millisecond)
	if n := s.Signings(); n != 1 {
		t.Fatalf("signed %d times", n)
	}
	empty(t, dir)
	// The same for a context deadline instead of the client's timeout.
	c = client(t, s, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.Sign(ctx, arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{visible(testpdf.Base())}); !errors.Is(err, bsre.ErrOutcomeUnknown) {
		t.Fatalf("context deadline: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	if n := s.Signings(); n != 2 {
		t.Fatalf("signed %d times for two calls", n)
	}
}

// Documents signed wrongly come back, are refused with the reason, and
// nothing is written.
func TestReturnedRefused(t *testing.T) {
	s := standIn(t)
	c := client(t, s, 30*time.Second)
	cases := []struct {
		fault bsretest.Fault
		kind  error
	}{
		{bsretest.WrongPrefix, accept.ErrNotPrefix},
		{bsretest.SecondSignature, accept.ErrSignatureCount},
		{bsretest.WrongPlace, accept.ErrPlacement},
		{bsretest.OtherSigner, accept.ErrSigner},
		{bsretest.NoTimestamp, accept.ErrNoTimestamp},
	}
	for _, tc := range cases {
		t.Run(tc.kind.Error(), func(t *testing.T) {
			s.SetFault(tc.fault)
			doc := visible(testpdf.Base())
			out, err := c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{doc})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			path, _, err := accept.Write(filepath.Join(dir, "surat_signed.pdf"), 0o644, doc.PDF, out[0], want(doc, s))
			if !errors.Is(err, tc.kind) || !errors.Is(err, accept.ErrRefused) || path != "" {
				t.Fatalf("got %q, %v", path, err)
			}
			t.Log(err)
			empty(t, dir)
		})
	}
	// A signature by the right person but not trusted (other roots) is
	// refused as not verifying.
	s.SetFault(bsretest.None)
	doc := visible(testpdf.Base())
	out, err := c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{doc})
	if err != nil {
		t.Fatal(err)
	}
	w := want(doc, s)
	w.Verify.Roots = bsretest.New(t).Roots()
	if _, err := accept.Check(doc.PDF, out[0], w); !errors.Is(err, accept.ErrInvalid) {
		t.Fatalf("untrusted: %v", err)
	}
	// Invisible asked, visible returned.
	w = want(doc, s)
	w.Invisible = true
	if _, err := accept.Check(doc.PDF, out[0], w); !errors.Is(err, accept.ErrPlacement) {
		t.Fatalf("visible for invisible: %v", err)
	}
}

// An unreachable service, and one whose certificate is not trusted, sign
// nothing and say so.
func TestUnreachable(t *testing.T) {
	s := standIn(t)
	c, err := bsre.New(bsre.Config{URL: s.URL, CredentialsFile: s.WriteCredentials(t.TempDir())}) // system roots
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{visible(testpdf.Base())})
	if !errors.Is(err, bsre.ErrTLS) {
		t.Fatalf("untrusted HTTPS: %v", err)
	}
	c = client(t, s, 5*time.Second)
	s.Close()
	_, err = c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{visible(testpdf.Base())})
	if !errors.Is(err, bsre.ErrUnavailable) || errors.Is(err, bsre.ErrOutcomeUnknown) {
		t.Fatalf("closed: %v", err)
	}
	if s.Signings() != 0 {
		t.Fatalf("%d signings", s.Signings())
	}
}

// Requests wrong before sending are refused without a call.
func TestRequestChecks(t *testing.T) {
	s := standIn(t)
	c := client(t, s, 30*time.Second)
	ctx := context.Background()
	var many []bsre.Document
	for range c.MaxFiles() + 1 {
		many = append(many, bsre.Document{PDF: testpdf.Base(), Invisible: true})
	}
	off := visible(testpdf.Base())
	off.Box.X = 200 // 200+200 > 300
	page := visible(testpdf.Base())
	page.Page = 2
	for name, call := range map[string]func() error{
		"too many":      func() error { _, err := c.Sign(ctx, arman, bsre.Credential{Passphrase: armanPass}, many); return err },
		"no credential": func() error { _, err := c.Sign(ctx, arman, bsre.Credential{}, many[:1]); return err },
		"both": func() error {
			_, err := c.Sign(ctx, arman, bsre.Credential{Passphrase: "a", TOTP: "1"}, many[:1])
			return err
		},
		"no signer": func() error {
			_, err := c.Sign(ctx, bsre.Signer{}, bsre.Credential{Passphrase: "a"}, many[:1])
			return err
		},
		"off the page": func() error {
			_, err := c.Sign(ctx, arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{off})
			return err
		},
		"no such page": func() error {
			_, err := c.Sign(ctx, arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{page})
			return err
		},
	} {
		if err := call(); !errors.Is(err, bsre.ErrRequest) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if s.Signings() != 0 {
		t.Fatalf("%d signings", s.Signings())
	}
}

// Status: ISSUE may sign; a 2011 answer reads as NOT_REGISTERED.
func TestCheckStatus(t *testing.T) {
	s := standIn(t)
	c := client(t, s, 30*time.Second)
	for signer, want := range map[bsre.Signer]bsre.Status{
		arman:                                bsre.StatusIssue,
		{NIK: armanNIK}:                      bsre.StatusIssue,
		{Email: "siti@natunakab.go.id"}:      bsre.StatusNoCertificate,
		{Email: "budi@natunakab.go.id"}:      bsre.StatusSuspend,
		{Email: "tidak.ada@natunakab.go.id"}: bsre.StatusNotRegistered,
	} {
		got, err := c.CheckStatus(context.Background(), signer)
		if err != nil || got != want {
			t.Errorf("%+v: %q, %v", signer, got, err)
		}
	}
	if !bsre.StatusIssue.CanSign() || bsre.StatusRenew.CanSign() {
		t.Error("CanSign")
	}
}

// The service's verification of a signed and of an unsigned document.
func TestVerifyPDF(t *testing.T) {
	s := standIn(t)
	c := client(t, s, 30*time.Second)
	doc := visible(testpdf.Base())
	out, err := c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{doc})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.VerifyPDF(context.Background(), out[0], "")
	if err != nil || v.Conclusion != "VALID" || v.SignatureCount != 1 || v.Signatures[0].SignerName != "Arman Salim, S.Kom." {
		t.Fatalf("%+v, %v", v, err)
	}
	v, err = c.VerifyPDF(context.Background(), doc.PDF, "")
	if err != nil || v.Conclusion != "NO_SIGNATURE" {
		t.Fatalf("unsigned: %+v, %v", v, err)
	}
}

// rotatedPDF is one blank page: media box 600 x 800, crop box [50 70 550
// 770] (500 x 700 displayed unrotated), /Rotate rot.
func rotatedPDF(rot int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	var offs []int
	for _, body := range []string{
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Count 1/Kids[3 0 R]>>",
		fmt.Sprintf("<</Type/Page/Parent 2 0 R/MediaBox[0 0 600 800]/CropBox[50 70 550 770]/Rotate %d/Contents 4 0 R/Resources<<>>>>", rot),
		"<</Length 0>>\nstream\n\nendstream",
	} {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	x := b.Len()
	b.WriteString("xref\n0 5\n0000000000 65535 f\r\n")
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", x)
	return b.Bytes()
}

// The box as placed on the displayed page (crop box, after /Rotate) goes
// out with the top-left origin of the guide's illustration, and comes back
// where it was placed, for every rotation.
func TestPlacementRotatedCropped(t *testing.T) {
	s := standIn(t)
	c := client(t, s, 30*time.Second)
	box := authority.Box{X: 40, Y: 30, W: 200, H: 80}
	for _, rot := range []int{0, 90, 180, 270} {
		t.Run(fmt.Sprint(rot), func(t *testing.T) {
			doc := bsre.Document{PDF: rotatedPDF(rot), Page: 1, Box: box}
			out, err := c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{doc})
			if err != nil {
				t.Fatal(err)
			}
			// displayed: 500 x 700 upright, 700 x 500 on its side
			h := 700.0
			if rot%180 != 0 {
				h = 500
			}
			got := s.LastProperties()[0]
			if got.Tampilan != "VISIBLE" || got.Page != 1 || got.OriginX != 40 || got.OriginY != h-110 || got.Width != 200 || got.Height != 80 {
				t.Fatalf("sent %+v", got)
			}
			if _, err := accept.Check(doc.PDF, out[0], want(doc, s)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestToOrigin(t *testing.T) {
	o, err := bsre.ToOrigin(authority.Box{X: 350, Y: 40, W: 220, H: 80}, 595, 842)
	if err != nil || o != (bsre.Origin{X: 350, Y: 722, Width: 220, Height: 80}) {
		t.Fatalf("%+v, %v", o, err)
	}
	for _, b := range []authority.Box{{X: 400, Y: 40, W: 220, H: 80}, {X: 0, Y: 800, W: 10, H: 80}, {W: 0, H: 10}, {X: -5, W: 10, H: 10}} {
		if _, err := bsre.ToOrigin(b, 595, 842); !errors.Is(err, bsre.ErrRequest) {
			t.Errorf("%+v: %v", b, err)
		}
	}
}

// Request bodies that public clients send, posted as they are, sign:
//   - rumahasn-invisible.json: BKD Jatim's (taufiqurrohmansuwarto/rumahASN,
//     utils/esign-utils.js, signWithNikAndPassphrase; the same team's
//     esign-fullstack): nik, passphrase, one INVISIBLE item, file.
//   - esign-ts-visible.json: kiiskominfokepri/esign-ts (src/v2/EsignClient.ts
//     and src/dto/SignatureProperties.ts, examples/v2/sign_visible.ts):
//     properties first, then file, nik, email, passphrase; integer
//     coordinates.
//   - guide-otp-mixed.json: the guide's own example "d. Visualisasi Banyak
//     Jenis" (6.2), "otp" instead of "totp", a null location; its third
//     item (tag_koordinat) and the trailing commas left out, which no JSON
//     parser reads.
//
// Values (NIK, passphrase, email) are ours; the shapes are theirs.
func TestPublicClientBodies(t *testing.T) {
	s := bsretest.New(t)
	s.AddUser(bsretest.User{NIK: "3578010101900001", Email: armanEmail, Name: "Arman", Passphrase: "Rahasia#2024"})
	pdf := base64.StdEncoding.EncodeToString(testpdf.Base())
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4)))
	for _, name := range []string{"rumahasn-invisible.json", "esign-ts-visible.json", "guide-otp-mixed.json"} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			body := strings.ReplaceAll(string(raw), "FILE_BASE64", pdf)
			body = strings.ReplaceAll(body, "IMAGE_BASE64", base64.StdEncoding.EncodeToString(img.Bytes()))
			if strings.Contains(body, "OTP_CODE") {
				c := client(t, s, 30*time.Second)
				if err := c.RequestTOTP(context.Background(), arman, 2); err != nil {
					t.Fatal(err)
				}
				body = strings.ReplaceAll(body, "OTP_CODE", s.MailedTOTP(armanEmail))
			}
			req, _ := http.NewRequest("POST", s.URL+bsre.PathSign, strings.NewReader(body))
			req.SetBasicAuth(s.Username, s.Password)
			req.Header.Set("Content-Type", "application/json")
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				var b bytes.Buffer
				b.ReadFrom(resp.Body)
				t.Fatalf("HTTP %d: %s", resp.StatusCode, b.String())
			}
			files, props, err := bsretest.DecodeSign([]byte(body))
			if err != nil || files == 0 || len(props) == 0 {
				t.Fatalf("%d files, %+v, %v", files, props, err)
			}
			if name == "esign-ts-visible.json" && (props[0].OriginX != 100 || props[0].Height != 50 || props[0].Location != "Tanjungpinang") {
				t.Fatalf("%+v", props[0])
			}
		})
	}
}

// A document that carries a signature already gets a second one: the
// earlier signature stays and the new one is accepted, by NIK too.
func TestSignAlreadySigned(t *testing.T) {
	s := standIn(t)
	c := client(t, s, 30*time.Second)
	first := bsre.Document{PDF: testpdf.Base(), Invisible: true}
	out, err := c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{first})
	if err != nil {
		t.Fatal(err)
	}
	second := visible(out[0])
	again, err := c.Sign(context.Background(), bsre.Signer{NIK: armanNIK}, bsre.Credential{Passphrase: armanPass}, []bsre.Document{second})
	if err != nil {
		t.Fatal(err)
	}
	w := want(second, s)
	w.Email, w.NIK = "", armanNIK
	if _, err := accept.Check(second.PDF, again[0], w); err != nil {
		t.Fatal(err)
	}
	infos, err := pdfsign.VerifyWith(bytes.NewReader(again[0]), int64(len(again[0])), w.Verify)
	if err != nil || len(infos) != 2 || !pdfsign.AllValid(infos) {
		t.Fatalf("%d signatures, %v", len(infos), err)
	}
}

// A gateway's timeout in front of the service (502, 504) leaves a signing
// call's outcome unknown, and only a signing call's; the gateway is asked
// once.
func TestGatewayTimeout(t *testing.T) {
	for _, status := range []int{502, 504} {
		calls := 0
		gw := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls++
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			w.Write([]byte("<html><body>Gateway Time-out</body></html>"))
		}))
		defer gw.Close()
		roots := x509.NewCertPool()
		roots.AddCert(gw.Certificate())
		dir := t.TempDir()
		cred := filepath.Join(dir, "creds")
		os.WriteFile(cred, []byte("app:secret\n"), 0o600)
		c, err := bsre.New(bsre.Config{URL: gw.URL, CredentialsFile: cred, RootCAs: roots})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Sign(context.Background(), arman, bsre.Credential{Passphrase: armanPass}, []bsre.Document{visible(testpdf.Base())})
		if !errors.Is(err, bsre.ErrOutcomeUnknown) || calls != 1 || strings.Contains(err.Error(), "html") {
			t.Fatalf("HTTP %d: %v, %d calls", status, err, calls)
		}
		if _, err = c.CheckStatus(context.Background(), arman); !errors.Is(err, bsre.ErrUnavailable) {
			t.Fatalf("status behind HTTP %d: %v", status, err)
		}
	}
}
