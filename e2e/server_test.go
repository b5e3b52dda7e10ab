package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image/color"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/internal/pgtest"
	"github.com/natunakab/besign/server"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// TestServerJourney is TestJourney against an organisation server: a real
// `besign serve` process on loopback (HTTPS under a private TLS root, its
// database on a PostgreSQL that internal/pgtest starts, or a SQLite file
// where PostgreSQL is not installed), mailing by SMTP to a real sink on
// loopback, and two app instances as its clients, each with its own data
// dir and display. IT creates the signer and a verifier with `besign
// --config server.toml admin users add`; the signer's reset mail arrives at
// the sink and its besign:// link is handed to the app; OTP from the QR
// code, the password, the activation; the verifier, signed in on the second
// instance, approves it in Verifikasi; the approval mail's link opens the
// passphrase form; a PDF handed to the app is signed through the server,
// which signs the digest and time-stamps it. pdfsig (asking the server's
// OCSP online) finds the signature valid and trusted under the root `admin
// ca export` writes; openssl ts -verify accepts its time-stamp token and
// openssl ocsp a "good" for its certificate under the same root; the audit
// log has the digest, and neither laptop keeps personal data or keys.
func TestServerJourney(t *testing.T) {
	const passphrase = "Natuna#Sign2026"
	e := setup(t)
	started := time.Now()
	photoAtHome(t)
	e.srv = startOrgServer(t, e)
	e.cli(t, "admin", "users", "add", "--name", "Arman Salim", "--email", email)
	e.cli(t, "admin", "users", "add", "--name", "Budi Verifikator", "--email", verifierEmail, "--role", "verifier")

	d := startXvfb(t)
	e.startApp(t, d)
	_, _, before := e.firstSignIn(t, d, "50-")
	before = e.activate(t, d, "51-", before, "2103010101900001", "081234567890")
	e.waitCLI(t, "WAITING_FOR_VERIFICATION", "admin", "activations", "list")
	d.closeNotice(t)
	before = d.settled(t, e.artifacts, "52-notice-closed", before)

	// The verifier, on a second laptop (its own data dir and display),
	// signs in with password and OTP and approves in Verifikasi.
	vsecret := e.srv.prepareAccount(t, verifierEmail)
	v := e
	v.dataDir = t.TempDir()
	vd := startXvfb(t)
	v.startApp(t, vd)
	vbefore := vd.screenshot(t, v.artifacts, "60-verifikator-masuk")
	vd.typeText(t, verifierEmail)
	vd.key(t, "Tab")
	vd.typeText(t, password)
	vd.key(t, "Return")
	vbefore = vd.settled(t, v.artifacts, "61-verifikator-kode-otp", vbefore)
	code, _ := totp(t, vsecret, 0)
	vd.typeText(t, code)
	vd.key(t, "Return")
	vbefore = vd.settled(t, v.artifacts, "62-verifikator-masuk-berhasil", vbefore)
	// The pending activation comes from the server after the tab opens:
	// Setujui has the focus once it is shown beside Tolak, found by its red.
	vd.key(t, "ctrl+7")
	vbefore, _ = vd.waitColour(t, v.artifacts, "63-verifikasi", rejectColour, 15*time.Second)
	vd.key(t, "space")
	e.waitCLI(t, "verified", "admin", "activations", "list")
	vd.settled(t, v.artifacts, "64-disetujui", vbefore)
	if show := e.cli(t, "admin", "activations", "show", email); !strings.Contains(show, verifierEmail) {
		t.Errorf("not decided by the verifier:\n%s", show)
	}

	// The approval mail's "Set Passphrase" link, clicked in the mail program.
	link := e.srv.mail.link(t, email, "besign://passphrase?token=")
	e.handOver(t, d, link)
	before = d.settled(t, e.artifacts, "53-buat-passphrase", before)
	d.typeText(t, passphrase)
	d.key(t, "Tab")
	d.typeText(t, passphrase)
	d.key(t, "Tab", "space", "Tab", "Tab", "space")
	waitCertificateOn(t, e.srv.beside(t))
	before = d.settled(t, e.artifacts, "54-passphrase-berhasil", before)

	// A PDF opened with BeSign: queued on the laptop (its path and box, in
	// the data dir's queue.db; the server never sees it), previewed,
	// signed after the passphrase.
	docs := t.TempDir()
	in := filepath.Join(docs, "nota-dinas.pdf")
	if err := os.WriteFile(in, letterPDF("Nota Dinas Nomor 800/45/2026"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.handOver(t, d, in)
	waitLaptopQueued(t, e.dataDir, email, in)
	before, _ = d.waitColour(t, e.artifacts, "55-tanda-tangan-ditambahkan", boxColour, 60*time.Second)
	d.key(t, "ctrl+Return")
	before = d.settled(t, e.artifacts, "56-passphrase-diminta", before)
	d.typeText(t, passphrase)
	d.key(t, "Return")
	out := filepath.Join(docs, "nota-dinas_signed.pdf")
	waitFile(t, out, 60*time.Second)
	d.settled(t, e.artifacts, "57-ditandatangani", before)

	// pdfsig: valid, and trusted under the organisation's exported root.
	root := filepath.Join(t.TempDir(), "besign-root.pem")
	e.cli(t, "admin", "ca", "export", "--out", root)
	nss := t.TempDir()
	run(t, "certutil", "-N", "-d", "sql:"+nss, "--empty-password")
	run(t, "certutil", "-A", "-d", "sql:"+nss, "-n", "BeSign Root", "-t", "CT,C,C", "-i", root)
	report := run(t, "pdfsig", "-nssdir", "sql:"+nss, out)
	for _, want := range []string{"Signer Certificate Common Name: Arman Salim, S.Kom.", "Signature Validation: Signature is Valid.",
		"Certificate Validation: Certificate is Trusted.", "Total document signed"} {
		if !strings.Contains(report, want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, report)
		}
	}

	// The signature's time-stamp token, taken out of the CMS, verifies
	// with openssl for the SHA-256 of the signature value, under the same
	// root: the server's TSA stamped it.
	sig, token, certs, signed := signatureParts(t, out)
	sum := sha256.Sum256(sig)
	tok := filepath.Join(t.TempDir(), "token.der")
	if err := os.WriteFile(tok, token, 0o600); err != nil {
		t.Fatal(err)
	}
	if res := run(t, "openssl", "ts", "-verify", "-digest", hex.EncodeToString(sum[:]), "-token_in", "-in", tok, "-CAfile", root); !strings.Contains(res, "Verification: OK") {
		t.Errorf("openssl ts -verify:\n%s", res)
	}

	// besign verify on another laptop that trusts the same root: valid
	// and trusted, the signing time the server's token's, taken during
	// this test, not the signer's clock.
	var verdict []struct {
		Valid      bool
		Signatures []struct {
			Kind, Level        string
			Valid, Trusted     bool
			SigningTime        string `json:"signing_time"`
			Timestamp          string
			TimestampAuthority string `json:"timestamp_authority"`
			Problem            string
		}
	}
	vout := run(t, e.bin, "--data-dir", t.TempDir(), "verify", "--json", "--trust", root, out)
	if err := json.Unmarshal([]byte(vout), &verdict); err != nil || len(verdict) != 1 || len(verdict[0].Signatures) != 2 ||
		verdict[0].Signatures[0].Kind != "signature" || verdict[0].Signatures[1].Kind != "document_timestamp" {
		t.Fatalf("besign verify --json: want the signature and the document timestamp that makes it B-LTA: %v\n%s", err, vout)
	}
	s := verdict[0].Signatures[0]
	// The server names its OCSP and has a TSA: the app reaches the highest
	// level, the validation material and a document timestamp added.
	if s.Level != "B-LTA" {
		t.Errorf("the signature reaches %q, want B-LTA\n%s", s.Level, vout)
	}
	at, err := time.Parse(time.RFC3339, s.Timestamp)
	if !verdict[0].Valid || !s.Valid || !s.Trusted || err != nil || s.SigningTime != s.Timestamp || s.TimestampAuthority == "" ||
		at.Before(started.Truncate(time.Second)) || at.After(time.Now()) {
		t.Errorf("besign verify: %+v (%v)\n%s", s, err, vout)
	}

	// The server keeps the activation and the keys: neither laptop's data
	// dir holds the NIK, the phone number, a photo or a private key.
	for _, dir := range []string{e.dataDir, v.dataDir} {
		noneInClear(t, dir, map[string][]byte{"NIK": []byte("2103010101900001"), "phone": []byte("81234567890"),
			"JPEG": {0xff, 0xd8, 0xff}, "private key": []byte("PRIVATE KEY")})
	}
	// The server's audit log has who had which digest signed from where:
	// the signature's signed attributes, never the document's hash.
	audit := e.cli(t, "admin", "audit")
	row := lineOf(audit, email)
	doc, _ := os.ReadFile(in)
	docSum := sha256.Sum256(doc)
	if !strings.Contains(row, hex.EncodeToString(signed[:])) || !strings.Contains(row, "127.0.0.1") ||
		!strings.Contains(row, "BeSign Desktop") || strings.Contains(audit, hex.EncodeToString(docSum[:])) {
		t.Errorf("the audit log lacks the signing of %x by %s from the app, or holds the document's hash:\n%s", signed, email, audit)
	}

	// The certificate names the server's OCSP responder, which answers
	// "good" for it, signed under the same root.
	checkOCSP(t, certs, root, e.srv.revocation)
	t.Logf("the server journey took %s", time.Since(started).Round(time.Second))
}

// noneInClear fails when a file at the top of dir (the data dir's own
// files; its folders hold caches) contains one of needles.
func noneInClear(t *testing.T, dir string, needles map[string][]byte) {
	t.Helper()
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var scanned []string
	for _, f := range files {
		if !f.Type().IsRegular() {
			continue // folders, and the running app's socket
		}
		scanned = append(scanned, f.Name())
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for what, needle := range needles {
			if bytes.Contains(b, needle) {
				t.Errorf("%s holds the %s in clear", filepath.Join(dir, f.Name()), what)
			}
		}
	}
	t.Logf("scanned %s: %s", dir, strings.Join(scanned, " "))
}

// rejectColour is the Verifikasi tab's Tolak button (danger importance),
// shown with Setujui once an activation is.
var rejectColour = color.RGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}

// orgServer is a `besign serve` process on loopback with its SMTP sink.
type orgServer struct {
	url string // https://127.0.0.1:PORT
	// revocation is the plain HTTP address of the CRL and OCSP, named in
	// the certificates
	revocation string
	config     string    // server.toml, for `besign --config ... admin`
	laptop     string    // the laptops' configuration: authority and server_ca
	tlsCA      string    // the private root of the server's TLS certificate
	mail       *mailSink // where the server's mail arrives
}

// startOrgServer writes a server's files (TLS certificate under a private
// root, master key, server.toml with its database and SMTP to a sink) into
// a temporary directory, runs `besign serve` on a free loopback port and
// waits until it names its address. The CRL and OCSP are served on plain
// HTTP too, at the address certificates name. Its log is the artifacts'
// server.log.
func startOrgServer(t *testing.T, e env) *orgServer {
	t.Helper()
	dir := t.TempDir()
	o := &orgServer{config: filepath.Join(dir, "server.toml"), laptop: filepath.Join(dir, "laptop.toml"),
		tlsCA: filepath.Join(dir, "tls-ca.pem"), mail: startMailSink(t)}
	// PostgreSQL as an organisation runs it; a SQLite file (the server's
	// other store) only where Debian's postgresql is missing and
	// BESIGN_PG_TEST=1 does not ask for it.
	database := filepath.Join(dir, "besign.db")
	if _, err := pgtest.BinDir(); err == nil || os.Getenv("BESIGN_PG_TEST") == "1" {
		database = pgtest.DSN(t)
	} else {
		t.Logf("the server's database is a SQLite file: %v", err)
	}
	t.Logf("the server's database: %s", database)
	crt, key := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	writeTLS(t, o.tlsCA, crt, key)
	master := make([]byte, 32)
	rand.Read(master)
	writeFile(t, filepath.Join(dir, "master.key"), hex.EncodeToString(master)+"\n", 0o600)
	logf, err := os.OpenFile(filepath.Join(e.artifacts, "server.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })

	// The certificates name the revocation address, so it is fixed before
	// the start: a free port now, another try if it is taken meanwhile.
	for attempt := 0; attempt < 5; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		o.revocation = "http://" + ln.Addr().String()
		ln.Close()
		writeFile(t, o.config, fmt.Sprintf(`instansi = "Pemerintah Kabupaten Natuna"
email_domain = "natunakab.go.id"
self_registration = false
language = "id"

[smtp]
host = "127.0.0.1"
port = %d
tls = "none"
from = "besign@natunakab.go.id"

[server]
listen = "127.0.0.1:0"
tls_cert = %q
tls_key = %q
database = %q
master_key_file = %q
revocation_listen = %q
revocation_url = %q
`, o.mail.port, crt, key, database, filepath.Join(dir, "master.key"), strings.TrimPrefix(o.revocation, "http://"), o.revocation), 0o644)
		if addr := o.serve(t, e, logf); addr != "" {
			o.url = "https://" + addr
			writeFile(t, o.laptop, fmt.Sprintf("authority = %q\nserver_ca = %q\n", o.url, o.tlsCA), 0o644)
			return o
		}
	}
	t.Fatalf("besign serve did not start in 5 tries: see %s", logf.Name())
	return nil
}

// serve runs `besign serve` on o.config until the test ends and returns
// the address it names, or "" when it exits first (a port taken).
func (o *orgServer) serve(t *testing.T, e env, logf *os.File) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, e.bin, "serve", "--config", o.config)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	fmt.Fprintf(logf, "---- %s: %s\n", t.Name(), strings.Join(cmd.Args, " "))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("besign serve: %v", err)
	}
	// The JSON log names the address bound; every line goes to server.log.
	addr := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(logf, sc.Text())
			var l struct{ Msg, Address string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Address != "" && strings.HasPrefix(l.Msg, "serving") {
				addr <- l.Address
			}
		}
	}()
	stop := func() {
		cancel()
		<-copied
		cmd.Wait()
		fmt.Fprintf(logf, "---- %s\n", cmd.ProcessState)
	}
	select {
	case a := <-addr:
		t.Cleanup(stop)
		return a
	case <-copied:
		stop()
		return ""
	case <-time.After(30 * time.Second):
		stop()
		t.Fatalf("besign serve named no address within 30 s: see %s", logf.Name())
		return ""
	}
}

// writeTLS makes a private root and, under it, the server's certificate
// for 127.0.0.1, as IT would with its own CA.
func writeTLS(t *testing.T, caFile, crtFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Natuna IT TLS Root (e2e)"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "besign.natunakab.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, caFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})), 0o644)
	writeFile(t, crtFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), 0o644)
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})), 0o600)
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// client is the HTTPS client of the server, as a laptop's app has it.
func (o *orgServer) client(t *testing.T) *remote.Client {
	t.Helper()
	pool := x509.NewCertPool()
	b, err := os.ReadFile(o.tlsCA)
	if err != nil || !pool.AppendCertsFromPEM(b) {
		t.Fatalf("TLS root %s: %v", o.tlsCA, err)
	}
	c, err := remote.New(remote.Options{URL: o.url, RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// prepareAccount gives an account IT created a password and an OTP device
// over HTTPS, from the reset mail the sink receives, and returns the OTP
// key (the seed path's screens are the signer's, in the test). The
// enrolment's code is the previous time step's, so that the current one is
// free for the sign-in.
func (o *orgServer) prepareAccount(t *testing.T, addr string) string {
	t.Helper()
	a, ctx := o.client(t), context.Background()
	if err := a.RequestReset(ctx, authority.ResetRequest{Login: addr}); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(o.mail.link(t, addr, "besign://reset?token="))
	if err != nil {
		t.Fatal(err)
	}
	tk, err := a.OpenReset(ctx, u.Query().Get("token"))
	if err != nil {
		t.Fatal(err)
	}
	en, err := a.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := pqtotp.GenerateCodeCustom(en.Secret, time.Now().Add(-30*time.Second),
		pqtotp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if _, err := a.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: code, DeviceName: "HP"}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: password, Confirmation: password}); err != nil {
		t.Fatal(err)
	}
	return en.Secret
}

// beside opens the server's database as `besign admin` does on the server
// host, with a session of the test's account, for waitQueuedOn and
// waitCertificateOn.
func (o *orgServer) beside(t *testing.T) func() (*embedded.Authority, string, func()) {
	return func() (*embedded.Authority, string, func()) {
		t.Helper()
		cfg, err := config.Load(config.Paths{System: o.config})
		if err != nil {
			t.Fatal(err)
		}
		a, err := server.OpenAuthority(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		bg := context.Background()
		s, err := a.LocalSession(bg, email)
		if err != nil {
			a.Close()
			t.Fatal(err)
		}
		return a, s.Token, func() {
			a.SignOut(bg, s.Token)
			a.Close()
		}
	}
}

// mailSink is a real SMTP server on loopback (github.com/emersion/go-smtp)
// that keeps what it is sent: the organisation server's mailbox.
type mailSink struct {
	port  int
	mu    sync.Mutex
	mails []sunkMail
}

type sunkMail struct {
	To, Subject, Body string // Body decoded
}

func startMailSink(t *testing.T) *mailSink {
	t.Helper()
	s := &mailSink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

type sinkSession struct {
	s  *mailSink
	to []string
}

func (x *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}
func (x *sinkSession) Reset()        { x.to = nil }
func (x *sinkSession) Logout() error { return nil }

func (x *sinkSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(m.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		subject = m.Header.Get("Subject")
	}
	x.s.mu.Lock()
	for _, to := range x.to {
		x.s.mails = append(x.s.mails, sunkMail{To: to, Subject: subject, Body: string(b)})
	}
	x.s.mu.Unlock()
	return nil
}

// wait returns the newest mail to `to` whose subject or body holds want,
// waiting for the server's delivery.
func (s *mailSink) wait(t *testing.T, to, want string) sunkMail {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		s.mu.Lock()
		for i := len(s.mails) - 1; i >= 0; i-- {
			if m := s.mails[i]; strings.EqualFold(m.To, to) && strings.Contains(m.Subject+"\n"+m.Body, want) {
				s.mu.Unlock()
				return m
			}
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Fatalf("no mail to %s with %q; the sink holds %d: %+v", to, want, len(s.mails), s.mails)
	return sunkMail{}
}

var linkEnd = regexp.MustCompile(`[\s"<>]`)

// link waits for a mail to `to` holding a link that begins with prefix and
// returns the link.
func (s *mailSink) link(t *testing.T, to, prefix string) string {
	t.Helper()
	body := s.wait(t, to, prefix).Body
	l := body[strings.Index(body, prefix):]
	if i := linkEnd.FindStringIndex(l); i != nil {
		l = l[:i[0]]
	}
	return l
}

// signatureParts reads the first signature of a signed PDF: its CMS from
// /Contents, the signature value, the signature-time-stamp token
// (id-aa-signatureTimeStampToken) among the signer's unsigned attributes,
// the certificates, and the SHA-256 of the signed attributes (what the
// authority signed). It parses the ASN.1 itself rather than with pdfsign's
// reader, which the test checks.
func signatureParts(t *testing.T, path string) (sig, token []byte, certs []*x509.Certificate, signed [32]byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ranges := regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`).FindAllSubmatch(b, -1)
	if len(ranges) == 0 {
		t.Fatalf("%s has no /ByteRange", path)
	}
	// the first: the signature (a document timestamp, B-LTA, follows it)
	first := ranges[0]
	start, _ := strconv.Atoi(string(first[2]))
	end, _ := strconv.Atoi(string(first[3]))
	// The zeros padding /Contents follow the DER: Unmarshal leaves them.
	der, err := hex.DecodeString(string(b[start+1 : end-1]))
	if err != nil {
		t.Fatalf("/Contents of %s: %v", path, err)
	}
	children := func(raw []byte) []asn1.RawValue {
		var out []asn1.RawValue
		for len(raw) > 0 {
			var v asn1.RawValue
			rest, err := asn1.Unmarshal(raw, &v)
			if err != nil {
				t.Fatalf("the CMS of %s: %v", path, err)
			}
			out, raw = append(out, v), rest
		}
		return out
	}
	var ci asn1.RawValue
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		t.Fatalf("the CMS of %s: %v", path, err)
	}
	// ContentInfo { contentType, [0] EXPLICIT SignedData }; SignedData's
	// last element is signerInfos, a SET of SignerInfo.
	parts := children(ci.Bytes)
	sd := children(children(parts[1].Bytes)[0].Bytes)
	for _, f := range sd {
		if f.Class == asn1.ClassContextSpecific && f.Tag == 0 { // certificates
			for _, c := range children(f.Bytes) {
				cert, err := x509.ParseCertificate(c.FullBytes)
				if err != nil {
					t.Fatalf("a certificate in the signature of %s: %v", path, err)
				}
				certs = append(certs, cert)
			}
		}
	}
	signers := children(sd[len(sd)-1].Bytes)
	tsOID := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	for _, f := range children(signers[0].Bytes) {
		switch {
		case f.Class == asn1.ClassContextSpecific && f.Tag == 0: // signedAttrs
			// signed as a SET OF, not with the [0] tag it is stored under
			der := append([]byte{0x31}, f.FullBytes[1:]...)
			signed = sha256.Sum256(der)
		case f.Class == asn1.ClassUniversal && f.Tag == asn1.TagOctetString:
			sig = f.Bytes
		case f.Class == asn1.ClassContextSpecific && f.Tag == 1: // unsignedAttrs
			for _, attr := range children(f.Bytes) {
				av := children(attr.Bytes)
				var oid asn1.ObjectIdentifier
				if _, err := asn1.Unmarshal(av[0].FullBytes, &oid); err == nil && oid.Equal(tsOID) {
					token = children(av[1].Bytes)[0].FullBytes
				}
			}
		}
	}
	if sig == nil || token == nil {
		t.Fatalf("the signature of %s has no time-stamp token", path)
	}
	return sig, token, certs, signed
}

// checkOCSP asks the OCSP responder the signer's certificate names (at
// base, the server's revocation address), with openssl ocsp, and requires
// a verified "good" for it.
func checkOCSP(t *testing.T, certs []*x509.Certificate, root, base string) {
	t.Helper()
	var signer, issuer *x509.Certificate
	for _, c := range certs {
		if !c.IsCA {
			signer = c
		}
	}
	for _, c := range certs {
		if signer != nil && c.IsCA && bytes.Equal(c.RawSubject, signer.RawIssuer) {
			issuer = c
		}
	}
	if signer == nil || issuer == nil || len(signer.OCSPServer) != 1 || len(signer.CRLDistributionPoints) != 1 {
		t.Fatalf("the signature's chain lacks the signer, its issuer or their revocation addresses: %d certificates", len(certs))
	}
	if !strings.HasPrefix(signer.OCSPServer[0], base+"/") || !strings.HasPrefix(signer.CRLDistributionPoints[0], base+"/") {
		t.Errorf("the certificate names OCSP %s and CRL %s, not at the server's %s", signer.OCSPServer[0], signer.CRLDistributionPoints[0], base)
	}
	dir := t.TempDir()
	signerFile, issuerFile := filepath.Join(dir, "signer.pem"), filepath.Join(dir, "issuer.pem")
	writeFile(t, signerFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: signer.Raw})), 0o644)
	writeFile(t, issuerFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: issuer.Raw})), 0o644)
	out := run(t, "openssl", "ocsp", "-issuer", issuerFile, "-cert", signerFile, "-url", signer.OCSPServer[0],
		"-CAfile", root, "-verify_other", issuerFile)
	if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, signerFile+": good") {
		t.Errorf("openssl ocsp for the signer's certificate at %s:\n%s", signer.OCSPServer[0], out)
	}
}
