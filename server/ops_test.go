package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/internal/pgtest"
)

// running is a server serving in this process until the test ends.
type running struct {
	*Server
	URL   string
	admin *remote.Client
	user  *remote.Client
	http  *http.Client
}

func start(t *testing.T, cfg config.Config, pool *x509.CertPool) *running {
	t.Helper()
	s, err := Open(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	t.Cleanup(func() { stop(); <-served })
	r := &running{Server: s, URL: "https://" + s.Addr().String(),
		http: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}
	if r.admin, err = remote.New(remote.Options{URL: r.URL, RootCAs: pool, AdminKey: adminKey}); err != nil {
		t.Fatal(err)
	}
	if r.user, err = remote.New(remote.Options{URL: r.URL, RootCAs: pool}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *running) get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	res, err := r.http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

// On a server, mail goes by SMTP only (here with AUTH, the password from
// its own file), and its links point at the server's hand-over page,
// which opens the app with the same besign:// link; no session reads an
// outbox instead.
func TestMailBySMTPWithHandoverPage(t *testing.T) {
	cfg, pool := setup(t)
	const smtpPassword = "surat-rahasia-2026"
	sk := startSink(t, "besign", smtpPassword)
	cfg.SMTP.Port, cfg.SMTP.Username = sk.Addr.Port, "besign"
	cfg.SMTP.PasswordFile = writeFile(t, t.TempDir(), "smtp.password", smtpPassword+"\n", 0o600)
	cfg.Server.PublicURL = "https://besign.natunakab.go.id"

	inConfig := cfg
	inConfig.SMTP.Password = smtpPassword
	if _, err := Open(inConfig, slog.New(slog.DiscardHandler)); !errors.Is(err, ErrSecretInConfig) || !strings.Contains(err.Error(), "smtp.password") {
		t.Errorf("smtp.password in the configuration: %v", err)
	}

	r := start(t, cfg, pool)
	ctx := context.Background()
	const email = "siti@natunakab.go.id"
	if _, err := r.admin.CreateUser(ctx, authority.CreateUserRequest{Name: "Siti Rahmawati", Email: email}); err != nil {
		t.Fatal(err)
	}
	if err := r.user.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		t.Fatal(err)
	}
	m := sk.wait(t, email, "/buka/reset?token=")
	if m.From != "besign@natunakab.go.id" || m.Header.Get("To") != email {
		t.Errorf("mail from %q to %q", m.From, m.Header.Get("To"))
	}
	if strings.Contains(m.Body, "besign://") {
		t.Errorf("the mail carries a besign:// link rather than the page:\n%s", m.Body)
	}
	page := ""
	for _, u := range httpsLink.FindAllString(m.Body, -1) {
		if strings.Contains(u, "/buka/reset?") {
			page = u
		}
	}
	pu, err := url.Parse(page)
	if err != nil || pu.Host != "besign.natunakab.go.id" {
		t.Fatalf("hand-over link %q: %v", page, err)
	}
	// The page, asked of this server at its real address.
	res, body := r.get(t, r.URL+pu.RequestURI())
	l, _ := link.FromPage(pu.Path, pu.RawQuery)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `href="`+l.String()+`"`) ||
		res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("Cache-Control") != "no-store" ||
		!strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("hand-over page: %d %v\n%s", res.StatusCode, res.Header, body)
	}
	if _, err := r.user.OpenReset(ctx, l.Value); err != nil {
		t.Errorf("the page's token does not open the reset: %v", err)
	}
	// Junk and markup are not echoed: the page writes only links it parsed.
	for _, bad := range []string{"/buka/reset?token=%3Cscript%3E", "/buka/javascript:alert(1)", "/buka/reset%22%3E%3Cscript%3E?token=a"} {
		if res, body := r.get(t, r.URL+bad); res.StatusCode != http.StatusNotFound || strings.Contains(body, "<script") {
			t.Errorf("%s: %d %q", bad, res.StatusCode, body)
		}
	}
	// No outbox for users; the admin's shows no usable link.
	ses, err := r.a.LocalSession(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.user.Outbox(authority.WithSession(ctx, ses.Token), authority.OutboxQuery{To: email}); !errors.Is(err, httpapi.ErrAdminRequired) {
		t.Errorf("a session's outbox on the server: %v", err)
	}
	ms, err := r.admin.Outbox(ctx, authority.OutboxQuery{To: email})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if strings.Contains(m.Body, l.Value) || strings.Contains(m.ActionLink, l.Value) {
			t.Errorf("the outbox shows the link's token: %+v", m)
		}
	}
}

// Rate limits are counted in PostgreSQL: two servers on one database
// refuse the account's sixth request and the address's ninth between
// them, with 429, the stable code, Retry-After, and ErrRateLimited on the
// client; the admin key is not limited.
func TestRateLimitsAcrossServers(t *testing.T) {
	cfg, pool := setup(t)
	cfg.Server.Database = pgtest.DSN(t)
	cfg.Server.RateLimitPerAccount, cfg.Server.RateLimitPerAddress = 5, 1000
	a, b := start(t, cfg, pool), start(t, cfg, pool)
	ctx := context.Background()
	servers := []*running{a, b}
	guess := func(i int, login string) error {
		_, err := servers[i%2].user.SignIn(ctx, authority.SignInRequest{Login: login, Password: "Tebakan#2026"})
		return err
	}
	for i := range 5 {
		if err := guess(i, "siti@natunakab.go.id"); !errors.Is(err, authority.ErrInvalidCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	for i := 5; i < 8; i++ {
		err := guess(i, "SITI@natunakab.go.id ")
		var he *httpapi.Error
		if !errors.Is(err, authority.ErrRateLimited) || !errors.As(err, &he) || he.Status != http.StatusTooManyRequests || he.Code != "rate_limited" {
			t.Fatalf("guess %d over the account's limit: %v", i, err)
		}
	}
	if err := guess(0, "budi@natunakab.go.id"); !errors.Is(err, authority.ErrInvalidCredentials) {
		t.Errorf("another account: %v", err)
	}
	// The answer says when to come back.
	req, _ := http.NewRequest(http.MethodPost, b.URL+httpapi.SignIn.Path, strings.NewReader(`{"login":"siti@natunakab.go.id","password":"x"}`))
	req.Header.Set("Content-Type", httpapi.ContentType)
	res, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("raw request over the limit: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}

	// Mail per account and hour: the fourth reset mail to one address in
	// the hour is refused, whichever server it reaches.
	cfg.Server.Database = pgtest.DSN(t)
	cfg.Server.RateLimitPerAccount, cfg.Server.RateLimitMailPerHour = 60, 3
	a, b = start(t, cfg, pool), start(t, cfg, pool)
	servers = []*running{a, b}
	for i := range 5 {
		err := servers[i%2].user.RequestReset(ctx, authority.ResetRequest{Login: "siti@natunakab.go.id"})
		if i < 3 && err != nil || i >= 3 && !errors.Is(err, authority.ErrRateLimited) {
			t.Errorf("reset request %d: %v", i, err)
		}
	}
	if err := a.user.RequestReset(ctx, authority.ResetRequest{Login: "budi@natunakab.go.id"}); err != nil {
		t.Errorf("another account's reset: %v", err)
	}

	// Per address: a new pair of servers on a database of its own.
	cfg.Server.Database = pgtest.DSN(t)
	cfg.Server.RateLimitPerAccount, cfg.Server.RateLimitPerAddress, cfg.Server.RateLimitMailPerHour = 0, 8, 0
	a, b = start(t, cfg, pool), start(t, cfg, pool)
	servers = []*running{a, b}
	limited := 0
	for i := range 12 {
		if _, err := servers[i%2].user.RootCertificate(ctx); errors.Is(err, authority.ErrRateLimited) {
			limited++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if limited != 4 {
		t.Errorf("12 requests from one address through two servers, limit 8: %d refused, want 4", limited)
	}
	if _, err := b.admin.ListUsers(ctx); err != nil {
		t.Errorf("the admin key was limited: %v", err)
	}
}

// Prometheus metrics on their own listener: request counts and latencies
// per route, signing counts; the public port does not serve them.
func TestMetrics(t *testing.T) {
	cfg, pool := setup(t)
	cfg.Server.MetricsListen = "127.0.0.1:0"
	cfg.AutoApproveActivations = true
	r := start(t, cfg, pool)
	ctx := context.Background()
	const email, passphrase = "siti@natunakab.go.id", "Tanda#Tangan2026"
	if _, err := r.admin.CreateUser(ctx, authority.CreateUserRequest{Name: "Siti Rahmawati", Email: email}); err != nil {
		t.Fatal(err)
	}
	ses, err := r.a.LocalSession(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.a.SubmitActivation(ctx, authority.ActivationRequest{Token: ses.Token, Data: authority.ActivationData{
		Name: "Siti Rahmawati", NIK: "2103015901950003", GelarDepan: "-", GelarBelakang: "S.Kom.", Phone: "081234567890",
		Employment: authority.EmploymentOther, Unit: "Diskominfo", Jabatan: "Pranata Komputer",
		Province: "21", Photo: testPhoto(), Consent: true}}); err != nil {
		t.Fatalf("SubmitActivation: %v", err)
	}
	if _, err := r.user.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: ses.Token, Passphrase: passphrase, Confirmation: passphrase, Consent: true}); err != nil {
		t.Fatal(err)
	}
	d1, d2 := sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))
	if _, err := r.user.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: passphrase, Digests: [][]byte{d1[:], d2[:]}}); err != nil {
		t.Fatal(err)
	}
	r.get(t, r.URL+"/no/such/path")

	res, body := r.get(t, "http://"+r.MetricsAddr().String()+"/metrics")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", res.StatusCode)
	}
	for _, want := range []string{
		`besign_http_requests_total{code="200",method="POST",route="/v1/admin/users/create"} 1`,
		`besign_http_requests_total{code="200",method="POST",route="/v1/certificates/sign-digests"} 1`,
		`besign_http_requests_total{code="404",method="GET",route="other"} 1`,
		`besign_http_request_duration_seconds_count{route="/v1/certificates/create-passphrase"} 1`,
		"besign_signed_digests_total 2", "besign_signing_calls_total 1", "besign_kdf_running 0",
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "/no/such/path") {
		t.Error("a scanner's path became a series")
	}
	if res, _ := r.get(t, r.URL+"/metrics"); res.StatusCode == http.StatusOK {
		t.Error("the public port serves the metrics")
	}
}

// testPhoto is a photo the activation accepts.
func testPhoto() []byte {
	img := image.NewGray(image.Rect(0, 0, 300, 360))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

// Mail over TLS, as a real mail server speaks it: STARTTLS (the default)
// and TLS from the start, the server's certificate verified with
// smtp.ca_file. A mail server whose certificate nothing vouches for (a
// stand-in on the network) gets no mail, and the outbox says why.
func TestMailOverTLS(t *testing.T) {
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			cfg, pool := setup(t)
			sk, caPEM := startTLSSink(t, "besign", "surat-rahasia-2026", mode)
			cfg.SMTP = config.SMTP{Host: "127.0.0.1", Port: sk.Addr.Port, From: "besign@natunakab.go.id", TLS: mode,
				Username: "besign", PasswordFile: writeFile(t, t.TempDir(), "smtp.password", "surat-rahasia-2026\n", 0o600)}

			untrusted := start(t, cfg, pool)
			ctx := context.Background()
			if _, err := untrusted.admin.CreateUser(ctx, authority.CreateUserRequest{Name: "Budi Santoso", Email: "budi@natunakab.go.id"}); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				ms, err := untrusted.admin.Outbox(ctx, authority.OutboxQuery{To: "budi@natunakab.go.id"})
				if err != nil {
					t.Fatal(err)
				}
				if len(ms) == 1 && strings.Contains(ms[0].SendError, "certificate") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("an untrusted mail server: %+v", ms)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if sk.count() != 0 {
				t.Fatal("a mail server with an unverified certificate got the mail")
			}

			cfg.SMTP.CAFile = writeFile(t, t.TempDir(), "mail-ca.pem", string(caPEM), 0o644)
			cfg.Server.Database = filepath.Join(t.TempDir(), "authority.db")
			r := start(t, cfg, pool)
			if _, err := r.admin.CreateUser(ctx, authority.CreateUserRequest{Name: "Siti Rahmawati", Email: "siti@natunakab.go.id"}); err != nil {
				t.Fatal(err)
			}
			if m := sk.wait(t, "siti@natunakab.go.id", "Siti Rahmawati"); m.Header.Get("Subject") == "" {
				t.Errorf("mail without a subject: %v", m.Header)
			}
		})
	}
}
