package localcrl

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// The authority's CRL URL is answered from the local file, also offline;
// other URLs go to the network, or nowhere when offline.
func TestClientServesLocalCRL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "from the network "+r.URL.Path)
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "besign-ca.crl")
	crlURL := srv.URL + "/verifikasi/besign-ca.crl"
	get := func(c *http.Client, url string) (string, error) {
		resp, err := c.Get(url)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	// no CRL file yet: nothing local
	if _, local := Client(crlURL, path, false); local {
		t.Fatal("local CRL served before the file exists")
	}
	if err := os.WriteFile(path, []byte("local CRL"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, offline := range []bool{false, true} {
		c, local := Client(crlURL, path, offline)
		if !local || c.Timeout != Timeout {
			t.Fatalf("offline %v: local %v, timeout %v", offline, local, c.Timeout)
		}
		if got, err := get(c, crlURL); err != nil || got != "local CRL" {
			t.Errorf("offline %v: CRL URL answered %q, %v", offline, got, err)
		}
		got, err := get(c, srv.URL+"/other.crl")
		switch {
		case offline && !errors.Is(err, ErrOffline):
			t.Errorf("offline: another URL answered %q, %v", got, err)
		case !offline && (err != nil || got != "from the network /other.crl"):
			t.Errorf("online: another URL answered %q, %v", got, err)
		}
	}
	// without a URL the certificates name no CRL to serve
	if _, local := Client("", path, false); local {
		t.Error("local CRL served without a URL")
	}
}
