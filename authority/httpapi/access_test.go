package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
)

const testAdminKey = "0123456789abcdef0123456789abcdef-test"

var bg = context.Background()

// server serves a over TLS on loopback.
func server(t *testing.T, a authority.Authority, opts Options) *httptest.Server {
	t.Helper()
	h, err := New(a, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// answer is a raw answer: what an attacker with curl would see.
type answer struct {
	Status int
	Body   string
	Env    struct {
		Error ErrorBody `json:"error"`
	}
}

// post sends body (a string is sent as it is) to path with the bearer auth
// ("" for none), as any HTTP client could, without authority/remote.
func post(t *testing.T, srv *httptest.Server, path, auth string, body any) answer {
	t.Helper()
	var b []byte
	if s, ok := body.(string); ok {
		b = []byte(s)
	} else {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ContentType)
	if auth != "" {
		req.Header.Set(AuthHeader, auth)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	a := answer{Status: res.StatusCode, Body: string(data)}
	if res.StatusCode != http.StatusOK {
		json.Unmarshal(data, &a.Env)
	}
	return a
}

// users makes a signer and a verifier and returns their sessions.
func users(t *testing.T, e *embedded.Authority) (signer, verifier authority.Session) {
	t.Helper()
	for _, u := range []authority.CreateUserRequest{
		{Name: "Siti Rahmawati", Email: "siti@natunakab.go.id"},
		{Name: "Budi Verifikator", Email: "budi@natunakab.go.id", Role: authority.RoleVerifier},
	} {
		if _, err := e.CreateUser(bg, u); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if signer, err = e.LocalSession(bg, "siti@natunakab.go.id"); err != nil {
		t.Fatal(err)
	}
	if verifier, err = e.LocalSession(bg, "budi@natunakab.go.id"); err != nil {
		t.Fatal(err)
	}
	return signer, verifier
}

// adminBodies are well-formed requests of every administration route, each
// of which would change or reveal accounts if it got through.
var adminBodies = map[string]any{
	CreateUser.Path:            authority.CreateUserRequest{Name: "Mallory", Email: "mallory@natunakab.go.id", Role: authority.RoleVerifier},
	ImportUsers.Path:           Users{Rows: []authority.CreateUserRequest{{Name: "Mallory", Email: "mallory@natunakab.go.id", Role: authority.RoleVerifier}}},
	ListUsers.Path:             Empty{},
	UnlockUser.Path:            EmailRequest{Email: "siti@natunakab.go.id"},
	ResetOTP.Path:              EmailRequest{Email: "siti@natunakab.go.id"},
	ListActivations.Path:       authority.ActivationQuery{},
	ShowActivation.Path:        EmailRequest{Email: "siti@natunakab.go.id"},
	AdminDecideActivation.Path: authority.DecisionRequest{Email: "siti@natunakab.go.id", Approve: true},
	ImportDirectory.Path:       Employees{Rows: []authority.Employee{{NIP: "199501192022032003", Name: "Siti", Unit: "Diskominfo", Jabatan: "Pranata Komputer", Province: "Kepulauan Riau"}}},
}

// A signer's session, a verifier's, no credential, a wrong key, and an
// empty bearer on a server without a key are all refused by every
// administration route, before the authority sees the request: no account
// appears, and nothing about the accounts comes back.
func TestSignerCannotCallAdminRoutes(t *testing.T) {
	e := openEmbedded(t)
	signer, verifier := users(t, e)
	withKey := server(t, e, Options{AdminKey: testAdminKey})
	withoutKey := server(t, e, Options{})
	for _, r := range Routes {
		if r.Access == AdminOnly && adminBodies[r.Path] == nil {
			t.Fatalf("no attack body for %s", r.Path)
		}
	}
	for path, body := range adminBodies {
		for _, c := range []struct {
			name string
			srv  *httptest.Server
			auth string
		}{
			{"signer's session", withKey, BearerPrefix + signer.Token},
			{"verifier's session", withKey, BearerPrefix + verifier.Token},
			{"no credential", withKey, ""},
			{"a wrong key", withKey, BearerPrefix + testAdminKey + "x"},
			{"the key without Bearer", withKey, testAdminKey},
			{"signer's session, no key configured", withoutKey, BearerPrefix + signer.Token},
			{"empty bearer, no key configured", withoutKey, BearerPrefix},
			{"blank bearer, no key configured", withoutKey, BearerPrefix + "   "},
		} {
			a := post(t, c.srv, path, c.auth, body)
			if a.Status != http.StatusForbidden || a.Env.Error.Code != "admin_required" {
				t.Errorf("%s with %s: %d %s", path, c.name, a.Status, a.Body)
			}
			if strings.Contains(a.Body, "siti@") {
				t.Errorf("%s with %s revealed an account: %s", path, c.name, a.Body)
			}
		}
	}
	list, err := e.ListUsers(bg)
	if err != nil || len(list) != 2 {
		t.Errorf("accounts after the attempts: %d, %v", len(list), err)
	}
	if acc, _ := e.Resume(bg, signer.Token); acc.Account.Email != "siti@natunakab.go.id" {
		t.Error("the signer's session no longer works: ResetOTP got through")
	}

	// The admin key opens them.
	a := post(t, withKey, ListUsers.Path, BearerPrefix+testAdminKey, Empty{})
	if a.Status != http.StatusOK || !strings.Contains(a.Body, "budi@natunakab.go.id") {
		t.Errorf("ListUsers with the admin key: %d %s", a.Status, a.Body)
	}
}

// The Outbox gives a session its own mail only, and the admin key all.
func TestOutboxOnlyOwnMail(t *testing.T) {
	e := openEmbedded(t)
	signer, _ := users(t, e)
	srv := server(t, e, Options{AdminKey: testAdminKey})
	var own []authority.Mail
	for _, q := range []authority.OutboxQuery{{}, {To: "siti@natunakab.go.id"}, {To: " SITI@natunakab.go.id"}} {
		a := post(t, srv, Outbox.Path, BearerPrefix+signer.Token, q)
		if a.Status != http.StatusOK {
			t.Fatalf("own outbox %+v: %d %s", q, a.Status, a.Body)
		}
		if err := json.Unmarshal([]byte(a.Body), &own); err != nil || len(own) == 0 {
			t.Fatalf("own outbox: %d mails, %v", len(own), err)
		}
		for _, m := range own {
			if m.To != "siti@natunakab.go.id" {
				t.Errorf("own outbox %+v holds mail to %s", q, m.To)
			}
		}
	}
	for _, c := range []struct {
		name, auth, to string
		status         int
		code           string
	}{
		{"another address", BearerPrefix + signer.Token, "budi@natunakab.go.id", http.StatusForbidden, "outbox_foreign"},
		{"an address that is no address", BearerPrefix + signer.Token, "budi", http.StatusForbidden, "outbox_foreign"},
		{"no credential", "", "budi@natunakab.go.id", http.StatusUnauthorized, "session_expired"},
		{"no credential, no address", "", "", http.StatusUnauthorized, "session_expired"},
		{"a made-up session", BearerPrefix + "garbage", "", http.StatusUnauthorized, "session_expired"},
	} {
		a := post(t, srv, Outbox.Path, c.auth, authority.OutboxQuery{To: c.to})
		if a.Status != c.status || a.Env.Error.Code != c.code || strings.Contains(a.Body, "budi@") {
			t.Errorf("outbox with %s: %d %s", c.name, a.Status, a.Body)
		}
	}
	a := post(t, srv, Outbox.Path, BearerPrefix+testAdminKey, authority.OutboxQuery{To: "budi@natunakab.go.id"})
	if a.Status != http.StatusOK || !strings.Contains(a.Body, "budi@natunakab.go.id") {
		t.Errorf("outbox with the admin key: %d %s", a.Status, a.Body)
	}
}

// Requests that are not one JSON POST within the route's limit are refused
// before the authority sees them; an administration route checks the key
// before it reads a byte of the body.
func TestMalformedRequests(t *testing.T) {
	e := openEmbedded(t)
	srv := server(t, e, Options{AdminKey: testAdminKey})
	big := `{"login":"` + strings.Repeat("a", SmallBody) + `","password":"x"}`
	for _, c := range []struct {
		name, path, auth, body string
		status                 int
		code                   string
	}{
		{"a body over the limit", SignIn.Path, "", big, http.StatusRequestEntityTooLarge, "request_too_large"},
		// the key is checked before the body is read: a broken body
		// without the key is refused for the key, not for the body
		{"a broken import without the key", ImportUsers.Path, "", `{"rows":[{"name":"x",`, http.StatusForbidden, "admin_required"},
		{"a broken import with the key", ImportUsers.Path, BearerPrefix + testAdminKey, `{"rows":[{"name":"x",`, http.StatusBadRequest, "bad_request"},
		{"not JSON", SignIn.Path, "", "login=siti&password=x", http.StatusBadRequest, "bad_request"},
		{"two values", SignIn.Path, "", `{"login":"a"}{"login":"b"}`, http.StatusBadRequest, "bad_request"},
		{"the wrong type", SignIn.Path, "", `{"login":12}`, http.StatusBadRequest, "bad_request"},
		{"an unknown route", "/v1/flows/become-admin", "", `{}`, http.StatusNotFound, "not_served"},
	} {
		a := post(t, srv, c.path, c.auth, c.body)
		if a.Status != c.status || a.Env.Error.Code != c.code {
			t.Errorf("%s: %d %.200s", c.name, a.Status, a.Body)
		}
		if strings.Contains(a.Body, "siti") {
			t.Errorf("%s: the answer quotes the request: %.200s", c.name, a.Body)
		}
	}

	// A form post, as a browser on another site would send it, and a GET.
	res, err := srv.Client().Post(srv.URL+SignIn.Path, "application/x-www-form-urlencoded", strings.NewReader("login=siti&password=x"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form post: %d", res.StatusCode)
	}
	res, err = srv.Client().Get(srv.URL + RootCertificate.Path)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != http.MethodPost {
		t.Errorf("GET: %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

// failing is the real embedded authority with two methods broken, to see
// what a caller learns of an internal error or a bug.
type failing struct {
	*embedded.Authority
}

func (failing) ListUsers(context.Context) ([]authority.Account, error) {
	return nil, errors.New("sqlite: /var/lib/besign/authority.db: disk I/O error")
}

func (failing) SignOut(context.Context, string) error { panic("nil map in /srv/besign/session.go") }

// An internal error or a panic answers 500 with the generic text; the
// cause goes to the server's log only.
func TestInternalErrorsStayInside(t *testing.T) {
	var logged syncBuffer
	srv := server(t, failing{openEmbedded(t)}, Options{AdminKey: testAdminKey, Log: slog.New(slog.NewJSONHandler(&logged, nil))})
	for _, c := range []struct {
		path, auth string
		body       any
	}{
		{ListUsers.Path, BearerPrefix + testAdminKey, Empty{}},
		{SignOut.Path, "", TokenRequest{Token: "x"}},
	} {
		a := post(t, srv, c.path, c.auth, c.body)
		if a.Status != http.StatusInternalServerError || a.Env.Error.Code != "internal" || a.Env.Error.Message != ErrInternal.Error() {
			t.Errorf("%s: %d %s", c.path, a.Status, a.Body)
		}
		if strings.Contains(a.Body, "besign/") || strings.Contains(a.Body, "sqlite") {
			t.Errorf("%s: internals in the answer: %s", c.path, a.Body)
		}
	}
	for _, want := range []string{"disk I/O error", "nil map in"} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logged.String())
		}
	}
	// the server still answers
	if a := post(t, srv, RootCertificate.Path, "", Empty{}); a.Status != http.StatusOK {
		t.Errorf("after the panic: %d %s", a.Status, a.Body)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A key shorter than MinAdminKeyLen is refused.
func TestWeakAdminKey(t *testing.T) {
	if _, err := New(openEmbedded(t), Options{AdminKey: "rahasia"}); !errors.Is(err, ErrAdminKeyWeak) {
		t.Errorf("a short admin key: %v", err)
	}
}
