package remote

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/authoritytest"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/httpapi"
)

// adminKey is the test server's admin key; the conformance suite needs the
// administration routes and the Outbox of every address.
const adminKey = "0123456789abcdef0123456789abcdef-test"

// openEmbedded opens a real embedded authority on a temporary SQLite file,
// configured as the conformance suite asks.
func openEmbedded(t testing.TB, now func() time.Time, mod func(*embedded.Options)) *embedded.Authority {
	t.Helper()
	opts := embedded.DefaultOptions()
	opts.Path = filepath.Join(t.TempDir(), "authority.db")
	opts.MasterKey = bytes.Repeat([]byte{7}, authority.MasterKeySize)
	opts.EmailDomain = authoritytest.Domain
	opts.SelfRegistration = true
	opts.Now = now
	opts.Logf = func(string, ...any) {}
	if mod != nil {
		mod(&opts)
	}
	a, err := embedded.Open(opts)
	if err != nil {
		t.Fatalf("embedded.Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// exchange is one request as the server received it, after TLS.
type exchange struct {
	Path   string
	Header http.Header
	Body   []byte
}

// recorder keeps every request that reaches the server.
type recorder struct {
	mu   sync.Mutex
	seen []exchange
}

func (r *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.seen = append(r.seen, exchange{req.URL.Path, req.Header.Clone(), body})
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, req)
	})
}

// take returns the requests recorded so far and forgets them.
func (r *recorder) take() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.seen
	r.seen = nil
	return s
}

// serve serves a over real TLS on loopback and returns a client of it that
// trusts only the test server's certificate, with the admin key when admin
// is true.
func serve(t testing.TB, a authority.Authority, admin bool) (*Client, *recorder) {
	t.Helper()
	h, err := httpapi.New(a, httpapi.Options{AdminKey: adminKey})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	srv := httptest.NewUnstartedServer(rec.wrap(h))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	opts := Options{URL: srv.URL, RootCAs: srvPool(srv), Timeout: 30 * time.Second}
	if admin {
		opts.AdminKey = adminKey
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, rec
}
