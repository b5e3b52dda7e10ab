package server

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/crypto/ocsp"
)

// An OCSP GET whose base64 holds "//" reaches the responder: the server's
// ServeMux alone would answer it with a redirect to a cleaned path, which
// no OCSP client follows.
func TestRevocationBeforeMux(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/", http.NotFoundHandler())
	const path = "/ocsp/MEMwQTA//PzA9MDsw!"
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code/100 != 3 {
		t.Fatalf("the mux alone answers %d; the test no longer shows why withRevocation exists", rec.Code)
	}
	rec = httptest.NewRecorder()
	// the request is malformed (not whole base64): the responder's own answer
	// shows it got there, without asking the authority
	withRevocation(nil, nil, mux).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/ocsp-response" || !bytes.Equal(body, ocsp.MalformedRequestErrorResponse) {
		t.Fatalf("through withRevocation: %d %q %x", rec.Code, rec.Header().Get("Content-Type"), body)
	}
}
