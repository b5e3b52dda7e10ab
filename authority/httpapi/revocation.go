package httpapi

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/natunakab/besign/authority"
	"golang.org/x/crypto/ocsp"
)

// Paths of the revocation services, under the server's public URL: these
// are what the certificates name (CRL distribution point, OCSP in the
// authority information access).
const (
	CRLPath  = "/" + authority.CRLFileName
	OCSPPath = "/ocsp"
)

// maxOCSPRequest bounds an OCSP request: one certificate's is about 100
// bytes; a few with a nonce and a signature stay far below this.
const maxOCSPRequest = 16 << 10

// revocationTimeout bounds the authority's work for one request.
const revocationTimeout = 10 * time.Second

// Revoker is what the revocation services need of an authority: the
// current CRL (DER) and an OCSP answer (DER) to an OCSP request (DER).
// The embedded authority is one, on either database.
type Revoker interface {
	CurrentCRL(ctx context.Context) ([]byte, error)
	OCSP(ctx context.Context, request []byte) ([]byte, error)
}

// Revocation serves the CRL at CRLPath (GET) and OCSP at OCSPPath (POST
// with the DER request as the body, or GET with it in base64 after
// OCSPPath/, RFC 6960 appendix A). They need no credential: CRLs and OCSP
// answers are signed and public. Other paths are not found. Give it the
// raw request path: a GET request's base64 may hold "//", which
// http.ServeMux would clean away. log may be nil.
func Revocation(a Revoker, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), revocationTimeout)
		defer cancel()
		path := r.URL.EscapedPath()
		switch {
		case path == CRLPath && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			der, err := a.CurrentCRL(ctx)
			if err != nil {
				log.Error("CRL", "error", err)
				http.Error(w, "the CRL is not available", http.StatusServiceUnavailable)
				return
			}
			// a minute: a revocation reaches the CRL's readers quickly,
			// and a crowd of verifiers still costs one signature a day
			w.Header().Set("Cache-Control", "max-age=60")
			write(w, "application/pkix-crl", der)
		case path == OCSPPath && r.Method == http.MethodPost:
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOCSPRequest))
			if err != nil {
				write(w, "application/ocsp-response", ocsp.MalformedRequestErrorResponse)
				return
			}
			answerOCSP(ctx, w, a, log, body)
		case strings.HasPrefix(path, OCSPPath+"/") && r.Method == http.MethodGet:
			enc, err := url.PathUnescape(strings.TrimPrefix(path, OCSPPath+"/"))
			var der []byte
			if err == nil && len(enc) <= 2*maxOCSPRequest {
				der, err = base64.StdEncoding.DecodeString(enc)
			}
			if err != nil || len(enc) > 2*maxOCSPRequest {
				write(w, "application/ocsp-response", ocsp.MalformedRequestErrorResponse)
				return
			}
			answerOCSP(ctx, w, a, log, der)
		case IsRevocationPath(path):
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		default:
			http.NotFound(w, r)
		}
	})
}

// IsRevocationPath tells whether Revocation serves path (a request's
// escaped path).
func IsRevocationPath(path string) bool {
	return path == CRLPath || path == OCSPPath || strings.HasPrefix(path, OCSPPath+"/")
}

func answerOCSP(ctx context.Context, w http.ResponseWriter, a Revoker, log *slog.Logger, req []byte) {
	resp, err := a.OCSP(ctx, req)
	if err != nil {
		log.Error("OCSP", "error", err)
		resp = ocsp.InternalErrorErrorResponse
	}
	// answers carry the request's nonce and are made per request
	w.Header().Set("Cache-Control", "no-store")
	write(w, "application/ocsp-response", resp)
}

func write(w http.ResponseWriter, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Write(b)
}
