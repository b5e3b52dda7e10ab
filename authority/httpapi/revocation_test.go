package httpapi

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/ocsp"
)

// The revocation services over HTTP: the CRL by GET, OCSP by POST and by
// GET (base64 in the path, "/" and "//" in it too), answers signed by the
// authority's root; wrong methods, other paths and oversized requests are
// refused without reaching the authority's routes.
func TestRevocationHTTP(t *testing.T) {
	a := openEmbedded(t)
	rootDER, err := a.RootCertificate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	srv := httptest.NewServer(Revocation(a, nil))
	defer srv.Close()
	do := func(method, path string, body []byte) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	resp, b := do("GET", CRLPath, nil)
	crl, err := x509.ParseRevocationList(b)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pkix-crl" || err != nil || crl.CheckSignatureFrom(root) != nil {
		t.Fatalf("CRL: %s %q, %v", resp.Status, resp.Header.Get("Content-Type"), err)
	}

	// A request whose base64 holds "//": GET paths must survive it.
	var req []byte
	for n := int64(1); ; n++ {
		leaf := &x509.Certificate{SerialNumber: big.NewInt(n)}
		req, _ = ocsp.CreateRequest(leaf, root, nil)
		if strings.Contains(base64.StdEncoding.EncodeToString(req), "//") {
			break
		}
	}
	enc := base64.StdEncoding.EncodeToString(req)
	for _, c := range []struct {
		name, method, path string
		body               []byte
	}{
		{"POST", "POST", OCSPPath, req},
		{"GET, escaped", "GET", OCSPPath + "/" + url.PathEscape(enc), nil},
		{"GET, raw", "GET", OCSPPath + "/" + enc, nil},
	} {
		resp, b := do(c.method, c.path, c.body)
		r, err := ocsp.ParseResponse(b, root)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/ocsp-response" || err != nil || r.Status != ocsp.Unknown {
			t.Errorf("%s: %s, %v", c.name, resp.Status, err)
		}
	}

	var re ocsp.ResponseError
	for _, c := range []struct {
		name, method, path string
		body               []byte
		status             int
		ocspStatus         ocsp.ResponseStatus
	}{
		{"oversized", "POST", OCSPPath, bytes.Repeat([]byte{0x30}, maxOCSPRequest+1), 200, ocsp.Malformed},
		{"not base64", "GET", OCSPPath + "/!!!!", nil, 200, ocsp.Malformed},
		{"PUT", "PUT", OCSPPath, req, http.StatusMethodNotAllowed, 0},
		{"POST to the CRL", "POST", CRLPath, nil, http.StatusMethodNotAllowed, 0},
		{"another path", "GET", "/v1/admin/users/list", nil, http.StatusNotFound, 0},
	} {
		resp, b := do(c.method, c.path, c.body)
		if resp.StatusCode != c.status {
			t.Errorf("%s: %s", c.name, resp.Status)
		}
		if c.ocspStatus != 0 {
			if _, err := ocsp.ParseResponse(b, nil); !errors.As(err, &re) || re.Status != c.ocspStatus {
				t.Errorf("%s: %v", c.name, err)
			}
		}
	}
}
