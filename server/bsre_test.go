package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/bsre/accept"
	"github.com/natunakab/besign/bsre/bsretest"
	"github.com/natunakab/besign/bsre/forward"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
)

const (
	bsreEmail = "arman@natunakab.go.id"
	bsrePass  = "Natuna#2024aman"
)

// bsreServer starts `besign serve` with signer = "bsre" in front of a
// stand-in of the agency's Esign Client Service, and a session of Arman,
// who is registered at the stand-in with an issued certificate.
func bsreServer(t *testing.T, timeout time.Duration) (*running, *bsretest.Server, string, *syncBuffer) {
	t.Helper()
	cfg, pool := setup(t)
	st := bsretest.New(t)
	st.AddUser(bsretest.User{NIK: "2103011505850003", Email: bsreEmail, Name: "Arman Salim, S.Kom.", Passphrase: bsrePass})
	dir := t.TempDir()
	cfg.Server.Signer = config.SignerBSrE
	cfg.BSrE = config.BSrE{URL: st.URL, CredentialsFile: st.WriteCredentials(dir), Timeout: config.Duration{Duration: timeout},
		CAFile: writeFile(t, dir, "bsre-tls.pem", string(st.TLSPEM()), 0o644), RootsFile: writeFile(t, dir, "bsre-roots.pem", string(st.RootPEM()), 0o644),
		MaxDocuments: 2}
	var logged syncBuffer
	s, err := Open(cfg, slog.New(slog.NewJSONHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	t.Cleanup(func() { stop(); <-served })
	r := &running{Server: s, URL: "https://" + s.Addr().String()}
	r.admin = mustRemote(t, r.URL, pool, adminKey)
	r.user = mustRemote(t, r.URL, pool, "")
	if _, err := r.admin.CreateUser(ctx, authority.CreateUserRequest{Name: "Arman Salim", Email: bsreEmail}); err != nil {
		t.Fatal(err)
	}
	ses, err := s.a.LocalSession(ctx, bsreEmail)
	if err != nil {
		t.Fatal(err)
	}
	return r, st, ses.Token, &logged
}

func visibleDoc() authority.CertifiedDocument {
	return authority.CertifiedDocument{PDF: testpdf.Base(), Page: 1, Box: authority.Box{X: 40, Y: 30, W: 200, H: 80},
		Reason: "Menyetujui", Location: "Ranai"}
}

// A laptop signs through the organisation server in BSrE mode: the status
// comes from the service, documents come back signed (B-T) and pass the
// acceptance check again on the laptop's side; a wrong passphrase signs
// nothing and says BSrE's words; the mailed TOTP signs; a call bigger
// than the configured bound is refused before BSrE sees it.
func TestBSrEMode(t *testing.T) {
	r, st, token, logged := bsreServer(t, 30*time.Second)
	ctx := context.Background()
	status, err := r.user.CertifiedStatus(ctx, token)
	if err != nil || status.Status != authority.StatusIssue || status.Provider != authority.ProviderBSrE || status.MaxDocuments != 2 {
		t.Fatalf("status: %+v, %v", status, err)
	}
	docs := []authority.CertifiedDocument{visibleDoc(), {PDF: testpdf.Base(), Invisible: true}}
	resp, err := r.user.SignDocuments(ctx, authority.SignDocumentsRequest{Token: token, Passphrase: bsrePass, Documents: docs})
	if err != nil || len(resp.Documents) != 2 {
		t.Fatalf("sign: %+v, %v", resp, err)
	}
	verify := pdfsign.VerifyOptions{Roots: st.Roots(), Offline: true}
	dir := t.TempDir()
	for i, d := range resp.Documents {
		if d.Refused != "" {
			t.Fatalf("document %d refused: %s", i+1, d.Refused)
		}
		path, info, err := accept.Write(filepath.Join(dir, "surat_signed.pdf"), 0o644, docs[i].PDF, d.PDF, forward.Want(docs[i], bsreEmail, verify))
		if err != nil || info.Timestamp == "" {
			t.Fatalf("document %d on the laptop: %q, %+v, %v", i+1, path, info, err)
		}
	}
	before := st.Signings()
	_, err = r.user.SignDocuments(ctx, authority.SignDocumentsRequest{Token: token, Passphrase: "Salah#2024aman", Documents: docs[:1]})
	if !errors.Is(err, authority.ErrCertifiedPassphrase) || !strings.Contains(err.Error(), "Passphrase anda salah") {
		t.Errorf("wrong passphrase: %v", err)
	}
	if n := st.Signings(); n != before {
		t.Errorf("a wrong passphrase signed %d documents", n-before)
	}
	// TOTP: mailed by the service, then used instead of the passphrase.
	if err := r.user.RequestSigningCode(ctx, authority.SigningCodeRequest{Token: token, Documents: 1}); err != nil {
		t.Fatal(err)
	}
	code := st.MailedTOTP(bsreEmail)
	if code == "" {
		t.Fatal("no TOTP was mailed")
	}
	resp, err = r.user.SignDocuments(ctx, authority.SignDocumentsRequest{Token: token, Code: code, Documents: docs[:1]})
	if err != nil || resp.Documents[0].Refused != "" || len(resp.Documents[0].PDF) == 0 {
		t.Fatalf("TOTP: %+v, %v", resp, err)
	}
	three := []authority.CertifiedDocument{visibleDoc(), visibleDoc(), visibleDoc()}
	before = st.Signings()
	if _, err := r.user.SignDocuments(ctx, authority.SignDocumentsRequest{Token: token, Passphrase: bsrePass, Documents: three}); !errors.Is(err, authority.ErrCertifiedRequest) {
		t.Errorf("3 documents with max_documents = 2: %v", err)
	}
	if _, err := r.user.SignDocuments(ctx, authority.SignDocumentsRequest{Token: "not-a-session", Passphrase: bsrePass, Documents: docs[:1]}); !errors.Is(err, authority.ErrSessionExpired) {
		t.Errorf("without a session: %v", err)
	}
	if n := st.Signings(); n != before {
		t.Errorf("refused requests signed %d documents", n-before)
	}
	// The audit log: one row per call that came back signed (two), under
	// BSrE's certificate, with the SHA-256 of each document sent; none
	// for the refused calls.
	audit, err := r.admin.Audit(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(testpdf.Base())
	if len(audit) != 2 || len(audit[0].Digests) != 2 || len(audit[1].Digests) != 1 {
		t.Fatalf("audit after two signing calls: %+v", audit)
	}
	for _, e := range audit {
		if e.Account != bsreEmail || !strings.HasPrefix(e.Serial, "BSrE:") || len(e.Serial) < 6 || !bytes.Equal(e.Digests[0], sum[:]) {
			t.Errorf("audit row %+v", e)
		}
	}
	// Accounts BSrE does not let sign: not registered (2011), suspended.
	for addr, want := range map[string]error{"budi@natunakab.go.id": authority.ErrCertifiedNotRegistered, "sari@natunakab.go.id": authority.ErrCertifiedInactive} {
		if _, err := r.admin.CreateUser(ctx, authority.CreateUserRequest{Name: "Pegawai Lain", Email: addr}); err != nil {
			t.Fatal(err)
		}
		ses, err := r.a.LocalSession(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		if want == authority.ErrCertifiedInactive {
			st.AddUser(bsretest.User{NIK: "2103014107900002", Email: addr, Name: "Sari", Passphrase: bsrePass, Status: "SUSPEND"})
		}
		if _, err := r.user.SignDocuments(ctx, authority.SignDocumentsRequest{Token: ses.Token, Passphrase: bsrePass, Documents: docs[:1]}); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", addr, err, want)
		}
	}
	if n := st.Signings(); n != before {
		t.Errorf("accounts that may not sign had %d documents signed", n-before)
	}
	for _, secret := range []string{bsrePass, "Salah#2024aman", code, st.Password} {
		if strings.Contains(logged.String(), secret) {
			t.Errorf("the server's log holds a secret %q", secret)
		}
	}
}

// Each fault of the service ends with no document handed back and an
// error that says what happened; a timeout after BSrE signed is reported
// as an unknown outcome and never sent again.
func TestBSrEModeFaults(t *testing.T) {
	r, st, token, _ := bsreServer(t, 2*time.Second)
	ctx := context.Background()
	sign := func() (authority.SignDocumentsResponse, error) {
		return r.user.SignDocuments(ctx, authority.SignDocumentsRequest{Token: token, Passphrase: bsrePass,
			Documents: []authority.CertifiedDocument{visibleDoc()}})
	}
	for _, tc := range []struct {
		fault bsretest.Fault
		why   string
	}{
		{bsretest.WrongPrefix, "unchanged"},
		{bsretest.SecondSignature, "exactly one signature"},
		{bsretest.WrongPlace, "where it was asked"},
		{bsretest.OtherSigner, "account's certificate"},
		{bsretest.NoTimestamp, "timestamp"},
	} {
		st.SetFault(tc.fault)
		resp, err := sign()
		if err != nil || len(resp.Documents) != 1 || len(resp.Documents[0].PDF) != 0 || !strings.Contains(resp.Documents[0].Refused, tc.why) {
			t.Errorf("fault %d: %+v, %v", tc.fault, resp.Documents, err)
		}
	}
	st.SetFault(bsretest.ServerError)
	if resp, err := sign(); !errors.Is(err, authority.ErrCertifiedFailed) || len(resp.Documents) != 0 {
		t.Errorf("a 500: %v", err)
	}
	st.SetFault(bsretest.TimeoutAfterSigning)
	before := st.Signings()
	if resp, err := sign(); !errors.Is(err, authority.ErrCertifiedOutcomeUnknown) || len(resp.Documents) != 0 {
		t.Errorf("a timeout after signing: %v", err)
	}
	time.Sleep(time.Second) // a retry, if any, would have come by now
	if n := st.Signings() - before; n != 1 {
		t.Errorf("a timed-out document was signed %d times", n)
	}
	// Wrong credentials are IT's to fix, and say so.
	st.SetFault(bsretest.None)
	st.Password = "berubah"
	if _, err := sign(); !errors.Is(err, authority.ErrCertifiedConfig) {
		t.Errorf("credentials refused: %v", err)
	}
}

// A server that signs with its own CA answers the certified routes with
// ErrCertifiedOff, and a [bsre] that cannot work stops `besign serve`.
func TestBSrEModeOffAndRefused(t *testing.T) {
	cfg, pool := setup(t)
	r := start(t, cfg, pool)
	ctx := context.Background()
	if _, err := r.admin.CreateUser(ctx, authority.CreateUserRequest{Name: "Arman Salim", Email: bsreEmail}); err != nil {
		t.Fatal(err)
	}
	ses, _ := r.a.LocalSession(ctx, bsreEmail)
	if _, err := r.user.CertifiedStatus(ctx, ses.Token); !errors.Is(err, authority.ErrCertifiedOff) {
		t.Errorf("CA mode: %v", err)
	}
	cfg2, _ := setup(t)
	cfg2.Server.Signer = config.SignerBSrE
	dir := t.TempDir()
	open := writeFile(t, dir, "creds", "app:secret\n", 0o644)
	cfg2.BSrE = config.BSrE{URL: "https://esign.example.go.id", CredentialsFile: open}
	if _, err := Open(cfg2, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "bsre") {
		t.Errorf("a credentials file others may read: %v", err)
	}
}

func mustRemote(t *testing.T, url string, pool *x509.CertPool, key string) *remote.Client {
	t.Helper()
	c, err := remote.New(remote.Options{URL: url, RootCAs: pool, AdminKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
