package datadir

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/keystore"
	"github.com/natunakab/besign/localqueue"
	"github.com/natunakab/besign/pdfsign/timestamp"
	"github.com/natunakab/besign/signjob"
)

// ErrServerCA: the configuration's server_ca is not a readable PEM file of
// certificates.
var ErrServerCA = errors.New("server_ca is not a PEM file of certificates")

// openServer opens the client of the organisation server cfg.Authority
// names, with the signing queue served from the data dir (localqueue), so
// that documents are prepared with no network. Nothing is asked of the
// server yet, so the window opens offline; each request says when the
// server cannot be reached. The data dir keeps what is the person's own:
// the keyring's remembered session, the queue, the history, the previews.
func openServer(dir string, cfg config.Config) (*Local, error) {
	roots, err := serverRoots(cfg, x509.NewCertPool())
	if err != nil {
		return nil, err
	}
	c, err := remote.New(remote.Options{URL: cfg.Authority, RootCAs: roots})
	if err != nil {
		return nil, fmt.Errorf("authority %s: %w", cfg.Authority, err)
	}
	a, err := localqueue.Open(context.Background(), filepath.Join(dir, localqueue.FileName), c, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	// The server's client also signs through a certification authority
	// when the server is in BSrE mode (it says so when asked): the queue's
	// wrapper must not hide that role from the screens.
	return &Local{Dir: dir, Keys: keystore.New(dir), Authority: queueAndCertified{a, c}}, nil
}

// queueAndCertified is the organisation server's client with the queue
// in the data dir and the CertifiedSigner role of the client itself.
type queueAndCertified struct {
	*localqueue.Authority
	authority.CertifiedSigner
}

// serverRoots adds the configuration's server_ca certificates to pool; nil
// when there is no server_ca (the system's roots).
func serverRoots(cfg config.Config, pool *x509.CertPool) (*x509.CertPool, error) {
	if cfg.ServerCA == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(cfg.ServerCA)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrServerCA, err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%w: %s holds no certificate", ErrServerCA, cfg.ServerCA)
	}
	return pool, nil
}

// TimeStamper is the signing pipeline's time stamping (signjob.Job's
// TimeStamp) for cfg: the TSA of tsa_url, else the organisation server's
// own; nil when neither is configured (PAdES B-B). Over https it trusts the
// system's roots and server_ca's, so that a server under a private root
// time-stamps as it answers.
func TimeStamper(cfg config.Config) (func(context.Context, []byte) ([]byte, error), error) {
	u := cfg.TimeStampURL()
	if u == "" {
		return nil, nil
	}
	var hc *http.Client
	if cfg.ServerCA != "" {
		system, err := x509.SystemCertPool()
		if err != nil {
			system = x509.NewCertPool()
		}
		roots, err := serverRoots(cfg, system)
		if err != nil {
			return nil, err
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		hc = &http.Client{Transport: tr, Timeout: timestamp.DefaultTimeout}
	}
	ts, err := signjob.TimeStamper(u, hc)
	if err != nil {
		return nil, fmt.Errorf("tsa_url: %w", err)
	}
	return ts, nil
}
