package verifytrust

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/datadir"
	"github.com/natunakab/besign/internal/localcrl"
	"github.com/natunakab/besign/internal/trustedroots"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
)

// signed writes a PDF signed by pki's signer into dir.
func signed(t *testing.T, dir string, pki *testpki.PKI) string {
	t.Helper()
	src := testpdf.Base()
	var out bytes.Buffer
	if err := pdfsign.Sign(&out, bytes.NewReader(src), int64(len(src)), pdfsign.Options{Signer: pki.Key, Chain: pki.Chain()}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "signed.pdf")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// trusted verifies path with tr and tells whether its one signature is
// trusted.
func trusted(t *testing.T, tr Trust, path string) bool {
	t.Helper()
	opts := tr.Options("")
	opts.Offline = true // the test PKI names no revocation source
	infos, err := pdfsign.VerifyFileWith(path, opts)
	if err != nil || len(infos) != 1 {
		t.Fatalf("verify: %d signatures, %v", len(infos), err)
	}
	return infos[0].Trusted
}

// The roots of each source are trusted, and only those asked for.
func TestRoots(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	pki := testpki.New(testpki.LeafOptions{})
	path := signed(t, t.TempDir(), pki)

	// no source: no roots at all, so that trust reads "not checked"
	tr, err := Assemble(ctx, Sources{DataDir: dir})
	if err != nil || tr.Roots != nil || trusted(t, tr, path) {
		t.Fatalf("no source: roots %v, %v", tr.Roots, err)
	}
	// roots the caller names (besign verify --trust)
	tr, err = Assemble(ctx, Sources{DataDir: dir, Roots: []*x509.Certificate{pki.Root}})
	if err != nil || !trusted(t, tr, path) {
		t.Fatalf("named root not trusted: %v", err)
	}
	// the trusted-roots folder, read only when asked
	if _, err := trustedroots.Add(dir, []*x509.Certificate{pki.Root}); err != nil {
		t.Fatal(err)
	}
	tr, err = Assemble(ctx, Sources{DataDir: dir})
	if err != nil || tr.Roots != nil {
		t.Fatalf("folder read without TrustedRoots: roots %v, %v", tr.Roots, err)
	}
	tr, err = Assemble(ctx, Sources{DataDir: dir, TrustedRoots: true})
	if err != nil || tr.FolderErr != nil || !trusted(t, tr, path) {
		t.Fatalf("folder root not trusted: %v, folder %v", err, tr.FolderErr)
	}
	// another hierarchy's signer stays untrusted with all of them
	other := signed(t, t.TempDir(), testpki.New(testpki.LeafOptions{}))
	if trusted(t, tr, other) {
		t.Fatal("a signer under an unknown root is trusted")
	}
}

// A trusted-roots folder that cannot be read is reported, and the other
// roots stay trusted.
func TestUnreadableFolder(t *testing.T) {
	dir := t.TempDir()
	pki := testpki.New(testpki.LeafOptions{})
	path := signed(t, t.TempDir(), pki)
	// a file where the folder should be: reading it fails
	if err := os.WriteFile(trustedroots.Dir(dir), []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	tr, err := Assemble(context.Background(), Sources{DataDir: dir, TrustedRoots: true, Roots: []*x509.Certificate{pki.Root}})
	if err != nil || tr.FolderErr == nil || !trusted(t, tr, path) {
		t.Fatalf("err %v, folder error %v", err, tr.FolderErr)
	}
}

// openAuthority opens a real embedded authority in dir.
func openAuthority(t *testing.T, dir string) *embedded.Authority {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	a, err := embedded.Open(datadir.AuthorityOptions(filepath.Join(dir, datadir.DatabaseName), key, config.Default()))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The authority's root is trusted; when it cannot be had, nothing is
// assembled.
func TestAuthorityRoot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := openAuthority(t, dir)
	der, err := a.RootCertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Assemble(ctx, Sources{Authority: a, DataDir: dir, TrustedRoots: true})
	if err != nil || tr.Roots == nil {
		t.Fatalf("roots %v, %v", tr.Roots, err)
	}
	if _, err := root.Verify(x509.VerifyOptions{Roots: tr.Roots}); err != nil {
		t.Fatalf("the authority's root is not in the pool: %v", err)
	}
	if kept, err := os.ReadFile(filepath.Join(dir, RootCacheName)); err != nil || !bytes.Equal(kept, der) {
		t.Fatalf("the root is not kept in the data dir: %v", err)
	}
	// An authority that cannot answer (an organisation server offline, here
	// closed): the kept copy stands in, so a laptop offline trusts as it
	// did online; without a copy, nothing is trusted in its name.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	tr, err = Assemble(ctx, Sources{Authority: a, DataDir: dir})
	if err != nil || tr.Roots == nil {
		t.Fatalf("offline with the kept root: %v", err)
	}
	if _, err := root.Verify(x509.VerifyOptions{Roots: tr.Roots}); err != nil {
		t.Fatalf("the kept root is not trusted offline: %v", err)
	}
	if _, err := Assemble(ctx, Sources{Authority: a, DataDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "root certificate") {
		t.Fatalf("closed authority, nothing kept: %v", err)
	}
	// A damaged copy is no root.
	if err := os.WriteFile(filepath.Join(dir, RootCacheName), []byte("rusak"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Assemble(ctx, Sources{Authority: a, DataDir: dir}); err == nil {
		t.Fatal("a damaged kept root was trusted")
	}
}

// The authority's CRL URL (from the configuration) is answered from the
// data dir, also offline, which then still checks revocation; other URLs
// go to the network, or nowhere when offline. Without the file, the URL or
// a readable configuration, nothing is local.
func TestLocalCRL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "from the network "+r.URL.Path)
	}))
	defer srv.Close()
	ctx := context.Background()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.VerificationURL = srv.URL + "/verifikasi/"
	get := func(c *http.Client, url string) (string, error) {
		resp, err := c.Get(url)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	for _, offline := range []bool{false, true} {
		tr, err := Assemble(ctx, Sources{DataDir: dir, Config: &cfg, Offline: offline})
		if err != nil || tr.LocalCRL || tr.Offline != offline {
			t.Fatalf("no CRL in the data dir, offline %v: local %v, offline %v, %v", offline, tr.LocalCRL, tr.Offline, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, authority.CRLFileName), []byte("local CRL"), 0o600); err != nil {
		t.Fatal(err)
	}
	crlURL := srv.URL + "/verifikasi/" + authority.CRLFileName
	for _, offline := range []bool{false, true} {
		tr, err := Assemble(ctx, Sources{DataDir: dir, Config: &cfg, Offline: offline})
		if err != nil || !tr.LocalCRL || tr.Offline || tr.Client.Timeout != Timeout {
			t.Fatalf("offline %v: local %v, offline %v, timeout %v, %v", offline, tr.LocalCRL, tr.Offline, tr.Client.Timeout, err)
		}
		if o := tr.Options("pw"); o.Offline || o.HTTPClient != tr.Client || o.Password != "pw" {
			t.Fatalf("options %+v", o)
		}
		if got, err := get(tr.Client, crlURL); err != nil || got != "local CRL" {
			t.Errorf("offline %v: CRL URL answered %q, %v", offline, got, err)
		}
		got, err := get(tr.Client, srv.URL+"/other.crl")
		switch {
		case offline && !errors.Is(err, localcrl.ErrOffline):
			t.Errorf("offline: another URL answered %q, %v", got, err)
		case !offline && (err != nil || got != "from the network /other.crl"):
			t.Errorf("online: another URL answered %q, %v", got, err)
		}
	}
	// a configuration that cannot be read only loses the local CRL
	tr, err := Assemble(ctx, Sources{DataDir: dir, Offline: true})
	if err != nil || tr.LocalCRL || !tr.Offline || tr.Client == nil || tr.Client.Timeout != Timeout {
		t.Fatalf("no configuration: local %v, offline %v, %v", tr.LocalCRL, tr.Offline, err)
	}
	// without a verification URL the certificates name no CRL to serve
	cfg.VerificationURL = ""
	if tr, _ := Assemble(ctx, Sources{DataDir: dir, Config: &cfg}); tr.LocalCRL {
		t.Error("local CRL served without a verification URL")
	}
}
