package server_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/authority/store"
	"github.com/natunakab/besign/authority/store/pg"
	"github.com/natunakab/besign/authority/store/sqlite"
	"github.com/natunakab/besign/cli"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/internal/pgtest"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/server"
	"github.com/natunakab/besign/verifytrust"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// The server's revocation services as outsiders use them: certificates it
// issues name its CRL and OCSP under server.revocation_url; `openssl ocsp`
// accepts its answers (good, then revoked) and `openssl crl -verify` its
// CRL, over the plain HTTP listener and over HTTPS; and a signature by the
// revoked certificate is revoked for verification online (what `besign
// verify` and Verifikasi Dokumen assemble with verifytrust), "not checked"
// but still valid offline. On SQLite and on PostgreSQL, which has no CRL
// file.
func TestRevocationServed(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	t.Run("sqlite", func(t *testing.T) { testRevocationServed(t, "") })
	t.Run("postgresql", func(t *testing.T) { testRevocationServed(t, pgtest.DSN(t)) })
}

func testRevocationServed(t *testing.T, dsn string) {
	cfg, pool := revocationSetup(t)
	if dsn != "" {
		cfg.Server.Database = dsn
	}
	plain := freeAddr(t)
	cfg.Server.RevocationListen = plain
	cfg.Server.RevocationURL = "http://" + plain + "/"
	s, err := server.Open(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	t.Cleanup(func() { stop(); <-served })
	if s.RevocationAddr().String() != plain {
		t.Fatalf("revocation listener on %s, want %s", s.RevocationAddr(), plain)
	}
	httpsURL := "https://" + s.Addr().String()

	cert, root, sign := certified(t, httpsURL, pool)
	if !slices.Equal(cert.OCSPServer, []string{"http://" + plain + "/ocsp"}) ||
		!slices.Equal(cert.CRLDistributionPoints, []string{"http://" + plain + "/besign-ca.crl"}) {
		t.Fatalf("the certificate names OCSP %v and CRL %v", cert.OCSPServer, cert.CRLDistributionPoints)
	}
	dir := t.TempDir()
	rootPEM, certPEM := filepath.Join(dir, "root.pem"), filepath.Join(dir, "cert.pem")
	writePEM(t, rootPEM, root)
	writePEM(t, certPEM, cert)

	openssl := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("openssl", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	ocspSays := func(url, want string) {
		t.Helper()
		out := openssl("ocsp", "-issuer", rootPEM, "-cert", certPEM, "-url", url, "-CAfile", rootPEM, "-timeout", "10")
		if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, certPEM+": "+want) || strings.Contains(out, "WARNING") {
			t.Fatalf("openssl ocsp against %s, want %q:\n%s", url, want, out)
		}
	}
	crlVerifies := func(url string, revoked bool) {
		t.Helper()
		der := get(t, url)
		path := filepath.Join(dir, "besign-ca.crl")
		os.WriteFile(path, der, 0o644)
		out := openssl("crl", "-inform", "DER", "-in", path, "-CAfile", rootPEM, "-verify", "-noout", "-text")
		serial := strings.ToUpper(cert.SerialNumber.Text(16))
		if !strings.Contains(out, "verify OK") || strings.Contains(out, serial) != revoked {
			t.Fatalf("openssl crl -verify of %s (revoked %v, serial %s):\n%s", url, revoked, serial, out)
		}
	}
	ocspSays(cert.OCSPServer[0], "good")
	crlVerifies(cert.CRLDistributionPoints[0], false)

	signed := sign(testpdf.Base())
	verify := func(offline bool) pdfsign.SignatureInfo {
		t.Helper()
		tr, err := verifytrust.Assemble(context.Background(), verifytrust.Sources{Roots: []*x509.Certificate{root}, Offline: offline})
		if err != nil {
			t.Fatal(err)
		}
		infos, err := pdfsign.VerifyWith(bytes.NewReader(signed), int64(len(signed)), tr.Options(""))
		if err != nil || len(infos) != 1 {
			t.Fatalf("verify: %+v, %v", infos, err)
		}
		return infos[0]
	}
	if v := verify(false); !v.Valid || !v.Trusted || v.Revocation != "good" {
		t.Fatalf("before the revocation: valid %v, trusted %v, revocation %q: %s %v", v.Valid, v.Trusted, v.Revocation, v.Problem, v.Warnings)
	}

	// Revoked in the database, as "Lupa Passphrase" does when it issues a
	// new certificate (and as another server process would).
	var db store.DB
	if dsn != "" {
		db, err = pg.Open(context.Background(), dsn)
	} else {
		db, err = sqlite.Open(context.Background(), cfg.Server.Database)
	}
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(context.Background(), func(tx store.Tx) error {
		return tx.RevokeCertificate(context.Background(), cert.SerialNumber.Text(16), time.Now().Add(-time.Minute))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	ocspSays(cert.OCSPServer[0], "revoked")
	ocspSays(httpsURL+"/ocsp", "revoked") // the HTTPS listener answers too
	crlVerifies(cert.CRLDistributionPoints[0], true)
	if v := verify(false); v.Valid || v.Revocation != "revoked" || !strings.Contains(v.Problem, "was revoked on") {
		t.Fatalf("after the revocation, online: valid %v, revocation %q: %s", v.Valid, v.Revocation, v.Problem)
	}
	if v := verify(true); !v.Valid || v.Revocation != "not checked" || !strings.Contains(strings.Join(v.Warnings, ";"), "revocation not checked") {
		t.Fatalf("offline: valid %v, revocation %q, warnings %v", v.Valid, v.Revocation, v.Warnings)
	}

	// The command itself, on another laptop (an empty data dir): online the
	// signature is not valid, revoked; offline it stays valid with the
	// revocation not checked.
	pdf := filepath.Join(dir, "surat_signed.pdf")
	os.WriteFile(pdf, signed, 0o644)
	for _, c := range []struct {
		args             []string
		code             int
		valid            bool
		revocation, text string
	}{
		{nil, 1, false, "revoked", "was revoked on"},
		{[]string{"--offline"}, 0, true, "not checked", "revocation not checked"},
	} {
		code, out := besignVerify(t, append(c.args, "--trust", rootPEM, pdf)...)
		var res []struct {
			Valid      bool `json:"valid"`
			Signatures []struct {
				Valid      bool     `json:"valid"`
				Revocation string   `json:"revocation"`
				RevokedAt  string   `json:"revoked_at"`
				Problem    string   `json:"problem"`
				Warnings   []string `json:"warnings"`
			} `json:"signatures"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 || len(res[0].Signatures) != 1 {
			t.Fatalf("besign verify %v: %v\n%s", c.args, err, out)
		}
		sig := res[0].Signatures[0]
		if code != c.code || res[0].Valid != c.valid || sig.Revocation != c.revocation || (sig.RevokedAt != "") != (c.revocation == "revoked") ||
			!strings.Contains(sig.Problem+strings.Join(sig.Warnings, ";"), c.text) {
			t.Fatalf("besign verify %v: exit %d\n%s", c.args, code, out)
		}
	}
}

// besignVerify runs `besign verify --json ARGS` in-process with an empty
// data dir and configuration; it returns the exit status and the output.
func besignVerify(t *testing.T, args ...string) (int, string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	os.WriteFile(cfgPath, nil, 0o644)
	var out, errb bytes.Buffer
	code := cli.Run(append([]string{"--data-dir", filepath.Join(dir, "data"), "--config", cfgPath, "verify", "--json"}, args...),
		strings.NewReader(""), &out, &errb, func(*cli.Env) error {
			t.Fatal("GUI started by besign verify")
			return nil
		})
	if errb.Len() > 0 {
		t.Logf("besign verify: %s", errb.String())
	}
	return code, out.String()
}

const adminKey = "5e1f0a9c3b7d2e4f6a8c0b1d3e5f7a9c-admin"

// revocationSetup writes a TLS certificate for 127.0.0.1, the key files and
// the configuration of a server on a free loopback port (as the package's
// own tests do); it returns the configuration and the pool that trusts
// the TLS certificate.
// linkByMail returns the link in the newest setup's mailbox (server.MailSink).
var linkByMail func(to, prefix string) string

func revocationSetup(t *testing.T) (config.Config, *x509.CertPool) {
	t.Helper()
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "besign.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, body []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := config.Default()
	cfg.EmailDomain = "natunakab.go.id"
	var port int
	port, linkByMail = server.MailSink(t)
	cfg.SMTP = config.SMTP{Host: "127.0.0.1", Port: port, From: "besign@natunakab.go.id", TLS: "none"}
	cfg.Server = config.Server{
		Listen:        "127.0.0.1:0",
		TLSCert:       write("server.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644),
		TLSKey:        write("server.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600),
		Database:      filepath.Join(dir, "db", "authority.db"),
		MasterKeyFile: write("master.key", []byte(strings.Repeat("cd", authority.MasterKeySize)+"\n"), 0o600),
		AdminKeyFile:  write("admin.key", []byte(adminKey+"\n"), 0o600),
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return cfg, pool
}

// freeAddr is a loopback address with a port free a moment ago: the public
// URL must be known before the server issues certificates naming it.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return b
}

func writePEM(t *testing.T, path string, c *x509.Certificate) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// certified walks an account through the server to a certificate, as the
// app does (reset link, OTP, password, activation, an admin's approval,
// the passphrase); it returns the certificate, the root and a function that
// signs a PDF with it through SignDigests.
func certified(t *testing.T, url string, pool *x509.CertPool) (*x509.Certificate, *x509.Certificate, func([]byte) []byte) {
	t.Helper()
	ctx := context.Background()
	c, err := remote.New(remote.Options{URL: url, RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := remote.New(remote.Options{URL: url, RootCAs: pool, AdminKey: adminKey})
	if err != nil {
		t.Fatal(err)
	}
	const email, password, passphrase = "siti@natunakab.go.id", "Rahasia#Sekali2026", "Tanda#Tangan2026"
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// A server mails its links (SMTP only): they come from the mailbox.
	mailLink := func(kind authority.MailKind) string {
		t.Helper()
		prefix := map[authority.MailKind]string{authority.MailReset: "besign://reset",
			authority.MailActivationApproved: "besign://passphrase"}[kind]
		l, err := link.Parse(linkByMail(email, prefix))
		must("link", err)
		return l.Value
	}
	_, err = admin.CreateUser(ctx, authority.CreateUserRequest{Name: "Siti Rahmawati", Email: email})
	must("CreateUser", err)
	must("RequestReset", c.RequestReset(ctx, authority.ResetRequest{Login: email}))
	tk, err := c.OpenReset(ctx, mailLink(authority.MailReset))
	must("OpenReset", err)
	en, err := c.BeginOTPEnrolment(ctx, tk.Ticket)
	must("BeginOTPEnrolment", err)
	code := func(at time.Time) string {
		s, err := totp.GenerateCodeCustom(en.Secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		must("TOTP", err)
		return s
	}
	_, err = c.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: code(time.Now()), DeviceName: "HP"})
	must("ConfirmOTPEnrolment", err)
	must("SetPassword", c.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: password, Confirmation: password}))
	ch, err := c.SignIn(ctx, authority.SignInRequest{Login: email, Password: password})
	must("SignIn", err)
	ses, err := c.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: ch.OTPChallenge, Code: code(time.Now().Add(30 * time.Second))})
	must("SignInOTP", err)
	form := authority.ActivationData{
		Name: "Siti Rahmawati", NIK: "2103015901950003", GelarDepan: "-", GelarBelakang: "S.Kom.", Phone: "0812-3456-7890",
		Employment: authority.EmploymentASN, NIP: "199501192022032003", Unit: "Dinas Komunikasi dan Informatika",
		Jabatan: "Pranata Komputer", Province: "21", Photo: testPhoto(t), Consent: true,
	}
	_, err = c.SubmitActivation(ctx, authority.ActivationRequest{Token: ses.Token, Data: form})
	must("SubmitActivation", err)
	_, err = admin.AdminDecideActivation(ctx, authority.DecisionRequest{Email: email, Approve: true})
	must("AdminDecideActivation", err)
	info, err := c.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: mailLink(authority.MailActivationApproved),
		Passphrase: passphrase, Confirmation: passphrase, Consent: true})
	must("CreatePassphrase", err)
	var chain []*x509.Certificate
	for _, der := range info.Chain {
		cert, err := x509.ParseCertificate(der)
		must("chain", err)
		chain = append(chain, cert)
	}
	sign := func(pdf []byte) []byte {
		t.Helper()
		var out bytes.Buffer
		signer := digestSigner{pub: chain[0].PublicKey, sign: func(d []byte) ([]byte, error) {
			r, err := c.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: passphrase, Digests: [][]byte{d}})
			if err != nil {
				return nil, err
			}
			return r.Signatures[0], nil
		}}
		must("sign", pdfsign.Sign(&out, bytes.NewReader(pdf), int64(len(pdf)), pdfsign.Options{Signer: signer, Chain: chain}))
		return out.Bytes()
	}
	return chain[0], chain[len(chain)-1], sign
}

// digestSigner signs through the server's SignDigests: only the digest
// crosses the network, as in the app.
type digestSigner struct {
	pub  crypto.PublicKey
	sign func(digest []byte) ([]byte, error)
}

func (s digestSigner) Public() crypto.PublicKey { return s.pub }
func (s digestSigner) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	return s.sign(digest)
}

// testPhoto is a noisy JPEG within the photo rules, as a camera gives.
func testPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 400))
	for y := range 400 {
		for x := range 320 {
			v := uint8((x*7 + y*13 + x*y) % 256)
			img.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
