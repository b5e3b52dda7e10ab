package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/httpapi"
)

// revocationURLs writes the server's CRL and OCSP addresses under its
// public URL into the options of the authority, which names them in every
// certificate it issues. Without a public URL the configuration's
// verification_url (where IT may publish the CRL) stays.
func revocationURLs(opts *embedded.Options, publicURL string) {
	if publicURL == "" {
		return
	}
	base := strings.TrimRight(publicURL, "/")
	opts.CRLURL = base + httpapi.CRLPath
	opts.OCSPURL = base + httpapi.OCSPPath
}

// withRevocation sends the CRL and OCSP paths to httpapi.Revocation before
// next (a ServeMux) sees them: an OCSP GET's base64 may hold "//", which
// the mux would redirect away.
func withRevocation(a httpapi.Revoker, log *slog.Logger, next http.Handler) http.Handler {
	rev := httpapi.Revocation(a, log)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if httpapi.IsRevocationPath(r.URL.EscapedPath()) {
			rev.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// plainServer serves the revocation services alone over plain HTTP.
type plainServer struct {
	ln  net.Listener
	srv *http.Server
	log *slog.Logger
}

// listenPlain binds addr for the revocation services over HTTP; nil for
// no address.
func listenPlain(addr string, a httpapi.Revoker, log *slog.Logger, m *metrics) (*plainServer, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (server.revocation_listen): %w", addr, err)
	}
	rev := httpapi.Revocation(a, log)
	return &plainServer{ln: ln, log: log, srv: &http.Server{
		// nothing but the CRL and OCSP: the authority's routes carry
		// passwords and tokens, never over plain HTTP
		Handler:           logRequests(log, m, rev),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readHeaderTimeout,
		WriteTimeout:      readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}}, nil
}

// RevocationAddr is the plain HTTP address of the revocation services;
// nil without server.revocation_listen.
func (s *Server) RevocationAddr() net.Addr {
	if s.plain == nil {
		return nil
	}
	return s.plain.ln.Addr()
}

func (p *plainServer) serve() {
	if err := p.srv.Serve(p.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		p.log.Error("revocation listener", "error", err)
	}
}

func (p *plainServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	p.srv.Shutdown(ctx)
}
