// Package bsre is a client of BSrE's Esign Client Service, API version 2:
// the agency's own signing server that holds no keys itself but has BSrE's
// cloud sign a document's hash for a registered signer.
//
// It signs PDFs (/api/v2/sign/pdf, with a passphrase or a mailed TOTP),
// asks for that TOTP (/api/v2/sign/get/totp), reads a signer's certificate
// status (/api/v2/user/check/status) and has a document verified
// (/api/v2/verify/pdf). The application's HTTP Basic credentials come from
// a file only its owner may read; every answer and failure maps to a
// sentinel error. A signing call is never retried: one that times out
// after it was sent is ErrOutcomeUnknown. The passphrase and the TOTP live
// only in the request being sent: never logged, kept or put in an error.
//
// What comes back is not trusted here: package bsre/accept checks a
// returned document before anything is written.
package bsre

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"
)

// Config is how to reach one agency's Esign Client Service.
type Config struct {
	// URL is the service's base, e.g. https://esign.natunakab.go.id; the
	// API paths are added to it. http:// is refused unless AllowHTTP.
	URL string
	// CredentialsFile holds the application's Basic credentials, one line
	// "USERNAME:PASSWORD" (from the service's admin page). It must be a
	// small regular file that only its owner may read.
	CredentialsFile string
	// Timeout bounds one call, answer included; default DefaultTimeout.
	// Signing a batch waits for BSrE's cloud and timestamp: leave room.
	Timeout time.Duration
	// RootCAs are the roots trusted for the service's HTTPS certificate;
	// nil means the system's.
	RootCAs *x509.CertPool
	// AllowHTTP permits an http:// URL (a service on the same host or a
	// private link). The passphrase then crosses that link in clear.
	AllowHTTP bool
	// MaxFiles bounds the documents of one signing call; default
	// DefaultMaxFiles. A bigger batch is the caller's to split.
	MaxFiles int
	// MaxResponseBytes bounds an answer's size; default DefaultMaxResponse.
	MaxResponseBytes int64
}

const (
	DefaultTimeout     = 2 * time.Minute
	DefaultMaxFiles    = 10
	DefaultMaxResponse = 512 << 20
)

// Client calls one Esign Client Service. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	user     string
	password string
	http     *http.Client
	maxFiles int
	maxResp  int64
}

// New reads the credentials file and prepares a client; it sends nothing.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%w: the service URL %q is not an http(s) URL", ErrRequest, cfg.URL)
	}
	if u.Scheme == "http" && !cfg.AllowHTTP {
		return nil, fmt.Errorf("%w: the service URL %q is not https: the passphrase would cross the network in clear", ErrRequest, cfg.URL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: the service URL carries credentials: put them in the credentials file", ErrRequest)
	}
	user, password, err := readCredentials(cfg.CredentialsFile)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxFiles <= 0 {
		cfg.MaxFiles = DefaultMaxFiles
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponse
	}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSClientConfig:     &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 15 * time.Second,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 4,
	}
	return &Client{
		base: u, user: user, password: password,
		// No redirects: a redirected POST would resend the passphrase to
		// wherever the answer points.
		http: &http.Client{Transport: tr, Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		maxFiles: cfg.MaxFiles,
		maxResp:  cfg.MaxResponseBytes,
	}, nil
}

// MaxFiles is the most documents one Sign call takes.
func (c *Client) MaxFiles() int { return c.maxFiles }

// readCredentials reads "USERNAME:PASSWORD" from a file only its owner may
// read: the credentials sign for every account of the agency.
func readCredentials(path string) (user, password string, err error) {
	if path == "" {
		return "", "", fmt.Errorf("%w: no credentials file configured", ErrCredentialsFile)
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrCredentialsFile, err)
	}
	if !st.Mode().IsRegular() || st.Size() > 4096 {
		return "", "", fmt.Errorf("%s: %w: not a small regular file", path, ErrCredentialsFile)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return "", "", fmt.Errorf("%s: %w: other users may read it (mode %04o); chmod 600 it", path, ErrCredentialsFile, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrCredentialsFile, err)
	}
	line := strings.TrimSpace(string(b))
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		return "", "", fmt.Errorf("%s: %w: expected one line USERNAME:PASSWORD", path, ErrCredentialsFile)
	}
	user, password, ok := strings.Cut(line, ":")
	if !ok || user == "" || password == "" {
		// the file's content is a secret: never quote it
		return "", "", fmt.Errorf("%s: %w: expected one line USERNAME:PASSWORD", path, ErrCredentialsFile)
	}
	return user, password, nil
}

// errTLS tells a certificate the roots do not trust.
func errTLS(err error) bool {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) || errors.As(err, &verify)
}
