// Package server runs the organisation server (`besign serve`): it opens
// the authority the configuration names, serves its roles over HTTPS with
// authority/httpapi, answers /healthz, logs each request (never a body),
// and stops gracefully. The authority is the embedded one's rules on the
// configured database: PostgreSQL (authority/store/pg), which several
// server processes may share, or a SQLite file for a single process.
package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/natunakab/besign/pdfsign/timestamp"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/store/pg"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/datadir"
)

// Errors of starting the server; each names the configuration key or file.
var (
	// ErrMissing: a key that `besign serve` needs is not in the file.
	ErrMissing = errors.New("is required for besign serve")
	// ErrKeyFile: a key file is unreadable, malformed, or open to others.
	ErrKeyFile = errors.New("key file is not usable")
	// ErrSecretInConfig: a secret written in the configuration file, which
	// a server takes only from a file of its own.
	ErrSecretInConfig = errors.New("must not hold a secret")
	// ErrNoCertificates: a CA file without a PEM certificate.
	ErrNoCertificates = errors.New("holds no PEM certificate")
)

// Timeouts of the HTTP server: a client that sends its headers or body too
// slowly is dropped instead of holding a connection.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 2 * time.Minute // an import of 64 MiB on a slow link
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 30 * time.Second
)

// Server is an opened organisation server, listening but not yet serving.
type Server struct {
	a   *embedded.Authority
	ln  net.Listener
	srv *http.Server
	log *slog.Logger
	// metricsLn and metricsSrv serve /metrics apart from the public port
	// (server.metrics_listen); nil without it.
	metricsLn  net.Listener
	metricsSrv *http.Server
	// plain serves only the CRL and OCSP over HTTP (revocation_listen);
	// nil without it.
	plain *plainServer
}

// Open reads the key files, opens the authority and binds the address of
// cfg.Server; nothing is served until Serve.
func Open(cfg config.Config, log *slog.Logger) (*Server, error) {
	sc := cfg.Server
	for _, r := range []struct{ key, value string }{
		{"server.tls_cert", sc.TLSCert}, {"server.tls_key", sc.TLSKey},
		{"server.database", sc.Database}, {"server.master_key_file", sc.MasterKeyFile},
		// Mail reaches people by SMTP only: there is no outbox for users.
		{"smtp.host", cfg.SMTP.Host},
	} {
		if r.value == "" {
			return nil, fmt.Errorf("configuration key %q %w", r.key, ErrMissing)
		}
	}
	cert, err := tls.LoadX509KeyPair(sc.TLSCert, sc.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", sc.TLSCert, sc.TLSKey, err)
	}
	var adminKey string
	if sc.AdminKeyFile != "" {
		if adminKey, err = ReadAdminKey(sc.AdminKeyFile); err != nil {
			return nil, err
		}
	}
	var running func() int64
	m := newMetrics(func() int64 { return running() })
	a, err := openAuthority(cfg, log, m.signed)
	if err != nil {
		return nil, err
	}
	running = a.KDFRunning
	tsa, err := a.TimeStampIssuer(context.Background())
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("time-stamping authority: %w", err)
	}
	if cfg.Server.TSAPolicy != "" {
		if tsa.Policy, err = timestamp.PolicyOID(cfg.Server.TSAPolicy); err != nil {
			a.Close()
			return nil, fmt.Errorf("server.tsa_policy: %w", err)
		}
	}
	hopts := httpapi.Options{AdminKey: adminKey, Log: log, MailOnly: true, TimeStamps: tsa}
	if hopts.Certified, err = certifiedSigner(cfg, a, a.AuditCertified, log); err != nil {
		a.Close()
		return nil, err
	}
	if rc, ok := a.RateCounter(); ok {
		hopts.Limits = &httpapi.Limits{Counter: rc, PerAddress: sc.RateLimitPerAddress, PerAccount: sc.RateLimitPerAccount,
			MailPerHour: sc.RateLimitMailPerHour}
	} else {
		log.Warn("the database keeps no request counts: no rate limits")
	}
	h, err := httpapi.New(a, hopts)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("admin key %s: %w", sc.AdminKeyFile, err)
	}
	ln, err := net.Listen("tcp", sc.Listen)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("listen on %s: %w", sc.Listen, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", health(a))
	mux.HandleFunc("GET "+link.PagePath, handover)
	mux.Handle("/", h)
	s := &Server{a: a, ln: ln, log: log}
	if s.plain, err = listenPlain(sc.RevocationListen, a, log, m); err != nil {
		ln.Close()
		a.Close()
		return nil, err
	}
	s.srv = &http.Server{
		Handler:           logRequests(log, m, withRevocation(a, log, mux)),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if sc.MetricsListen != "" {
		if s.metricsLn, err = net.Listen("tcp", sc.MetricsListen); err != nil {
			ln.Close()
			if s.plain != nil {
				s.plain.ln.Close() // bound, never served
			}
			a.Close()
			return nil, fmt.Errorf("metrics: listen on %s: %w", sc.MetricsListen, err)
		}
		s.metricsSrv = &http.Server{Handler: m.handler(), ReadHeaderTimeout: readHeaderTimeout,
			WriteTimeout: writeTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	}
	return s, nil
}

// OpenAuthority opens the authority of the configuration's [server]
// section: its database (PostgreSQL or a SQLite file) under the master key
// file. `besign serve` serves it; `besign admin` run on the server host
// with the server's configuration administers it directly.
func OpenAuthority(cfg config.Config, log *slog.Logger) (*embedded.Authority, error) {
	return openAuthority(cfg, log, nil)
}

// openAuthority is OpenAuthority; signed counts the digests signed.
func openAuthority(cfg config.Config, log *slog.Logger, signed func(int)) (*embedded.Authority, error) {
	sc := cfg.Server
	for _, r := range []struct{ key, value string }{
		{"server.database", sc.Database}, {"server.master_key_file", sc.MasterKeyFile},
	} {
		if r.value == "" {
			return nil, fmt.Errorf("configuration key %q %w", r.key, ErrMissing)
		}
	}
	master, err := ReadMasterKey(sc.MasterKeyFile)
	if err != nil {
		return nil, err
	}
	if cfg.SMTP.Password != "" {
		return nil, fmt.Errorf("configuration key \"smtp.password\": %w: a server reads it from smtp.password_file", ErrSecretInConfig)
	}
	opts := datadir.AuthorityOptions(sc.Database, master, cfg)
	opts.Logf = func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) }
	revocationURLs(&opts, sc.RevocationBase())
	if opts.SMTP != nil && cfg.SMTP.PasswordFile != "" {
		if opts.SMTP.Password, err = readPrivate(cfg.SMTP.PasswordFile); err != nil {
			return nil, fmt.Errorf("smtp.password_file: %w", err)
		}
	}
	if opts.SMTP != nil && cfg.SMTP.CAFile != "" {
		pem, err := os.ReadFile(cfg.SMTP.CAFile)
		if err != nil {
			return nil, fmt.Errorf("smtp.ca_file: %w", err)
		}
		opts.SMTP.RootCAs = x509.NewCertPool()
		if !opts.SMTP.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("smtp.ca_file %s: %w", cfg.SMTP.CAFile, ErrNoCertificates)
		}
	}
	opts.KDFWorkers, opts.LinkPage, opts.Signed = sc.KDFWorkers, sc.PublicURL, signed
	// Password checks are CPU work of 19 MiB each: more at once than twice
	// the processors buys no speed, only memory, when hundreds sign in.
	opts.PasswordWorkers = 2 * runtime.GOMAXPROCS(0)
	name := sc.Database
	if config.IsPostgres(sc.Database) {
		// The connection string may hold a password: messages name the
		// database by pg's Name instead.
		db, err := pg.Open(context.Background(), withPoolSize(sc.Database, sc.KDFWorkers+4*runtime.GOMAXPROCS(0)+2))
		if err != nil {
			return nil, fmt.Errorf("authority database: %w", err)
		}
		opts.Path, opts.DB, name = "", db, db.Name()
	}
	a, err := embedded.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("authority database %s: %w", name, err)
	}
	return a, nil
}

// Addr is the address the server listens on (with the port chosen when
// the configuration said ":0").
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve serves HTTPS until ctx ends, then stops taking requests, lets the
// running ones finish (up to 30 s) and closes the authority.
func (s *Server) Serve(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- s.srv.ServeTLS(s.ln, "", "") }()
	if s.metricsSrv != nil {
		go func() {
			if err := s.metricsSrv.Serve(s.metricsLn); !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("metrics listener stopped", "error", err.Error())
			}
		}()
	}
	if s.plain != nil {
		go s.plain.serve()
	}
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		err = s.srv.Shutdown(sctx)
		cancel()
		if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	if s.metricsSrv != nil {
		s.metricsSrv.Close()
	}
	if s.plain != nil {
		s.plain.stop()
	}
	if cerr := s.a.Close(); err == nil || errors.Is(err, http.ErrServerClosed) {
		err = cerr
	}
	return err
}

// MetricsAddr is the address of the metrics listener, nil without one.
func (s *Server) MetricsAddr() net.Addr {
	if s.metricsLn == nil {
		return nil
	}
	return s.metricsLn.Addr()
}

// health answers whether the authority can read its database: a load
// balancer takes an instance out when it cannot.
func health(a authority.Trust) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if _, err := a.RootCertificate(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("unavailable\n"))
			return
		}
		w.Write([]byte("ok\n"))
	}
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// logRequests logs one line per request: route, status, duration and the
// client's address; never a body or a header, which carry secrets.
func logRequests(log *slog.Logger, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		d := time.Since(start)
		m.observe(r.Method, r.URL.Path, sw.status, d)
		// The metrics' route, not the path: a scanner's paths stay out
		// of the log as they stay out of the metrics.
		log.Info("request", "method", r.Method, "path", m.route(r.URL.Path), "status", sw.status,
			"ms", d.Milliseconds(), "client", r.RemoteAddr, "user_agent", userAgent(r))
	})
}

// userAgent is r's user agent for the log, cut short.
func userAgent(r *http.Request) string {
	ua := r.UserAgent()
	if len(ua) > 128 {
		ua = ua[:128]
	}
	return ua
}

// ReadMasterKey reads the master key file: authority.MasterKeySize bytes
// written as hexadecimal (`openssl rand -hex 32`), readable by its owner
// only.
func ReadMasterKey(path string) ([]byte, error) {
	text, err := readPrivate(path)
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(text)
	if err != nil || len(key) != authority.MasterKeySize {
		return nil, fmt.Errorf("%s: %w: it must hold %d hexadecimal digits (openssl rand -hex %d)", path, ErrKeyFile, 2*authority.MasterKeySize, authority.MasterKeySize)
	}
	return key, nil
}

// ReadAdminKey reads the admin key file: at least httpapi.MinAdminKeyLen
// characters on one line, readable by its owner only.
func ReadAdminKey(path string) (string, error) {
	text, err := readPrivate(path)
	if err != nil {
		return "", err
	}
	if len(text) < httpapi.MinAdminKeyLen || strings.ContainsAny(text, "\r\n\t ") {
		return "", fmt.Errorf("%s: %w: it must hold one line of at least %d characters (openssl rand -hex 32)", path, ErrKeyFile, httpapi.MinAdminKeyLen)
	}
	return text, nil
}

// readPrivate reads a small secret file that only its owner may read.
func readPrivate(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if !st.Mode().IsRegular() || st.Size() > 4096 {
		return "", fmt.Errorf("%s: %w: not a small regular file", path, ErrKeyFile)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s: %w: other users may read it (mode %04o); chmod 600 it", path, ErrKeyFile, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	return strings.TrimSpace(string(b)), nil
}
