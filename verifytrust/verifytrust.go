// Package verifytrust assembles what a verification trusts and how it
// checks revocation (the authority's root, the data dir's trusted-roots
// folder, roots the caller names, the authority's CRL from the data dir,
// online revocation), one way for the app and `besign verify`.
package verifytrust

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/datadir"
	"github.com/natunakab/besign/internal/atomicfile"
	"github.com/natunakab/besign/internal/localcrl"
	"github.com/natunakab/besign/internal/trustedroots"
	"github.com/natunakab/besign/pdfsign"
)

// Timeout bounds each revocation fetch of an assembled client.
const Timeout = localcrl.Timeout

// Sources says where trust comes from; every field may be left empty.
type Sources struct {
	// Authority, when not nil, has its root certificate trusted.
	Authority authority.Trust
	// DataDir is the data dir whose CRL (the authority's) is read
	// locally, and whose trusted-roots folder is read with TrustedRoots.
	DataDir string
	// TrustedRoots trusts the roots added in DataDir's trusted-roots
	// folder (the app's settings).
	TrustedRoots bool
	// Config names the authority's CRL distribution point (its
	// verification URL); nil when the configuration could not be read,
	// which only loses the local CRL.
	Config *config.Config
	// Roots are trusted as well (`besign verify --trust`).
	Roots []*x509.Certificate
	// Offline: no revocation check over the network; the local CRL is
	// still read.
	Offline bool
}

// Trust is what a verification trusts and how it checks revocation.
type Trust struct {
	// Roots are the trusted roots; nil when none was given, so that the
	// signers' identities are not checked.
	Roots *x509.CertPool
	// Client fetches revocation data: the local CRL for the authority's
	// URL, the network for others (none offline); each fetch is bounded by
	// Timeout.
	Client *http.Client
	// LocalCRL tells whether the authority's CRL is read from the data dir.
	LocalCRL bool
	// Offline is set when revocation data cannot be had at all: offline
	// and no local CRL.
	Offline bool
	// FolderErr is why the trusted-roots folder could not be read whole;
	// the roots that could be read, and the others, are trusted still.
	FolderErr error
}

// Assemble gathers the trust s describes. Its only error is the
// authority's root certificate that cannot be had.
func Assemble(ctx context.Context, s Sources) (Trust, error) {
	var t Trust
	roots := append([]*x509.Certificate(nil), s.Roots...)
	if s.Authority != nil {
		root, err := authorityRoot(ctx, s)
		if err != nil {
			return Trust{}, err
		}
		roots = append(roots, root)
	}
	switch {
	case s.TrustedRoots:
		t.Roots, t.FolderErr = trustedroots.Pool(s.DataDir, roots...)
	case len(roots) > 0:
		t.Roots = x509.NewCertPool()
		for _, c := range roots {
			t.Roots.AddCert(c)
		}
	}
	t.Client, t.LocalCRL = revocationClient(s)
	// the authority's own CRL is local: offline still reads it
	t.Offline = s.Offline && !t.LocalCRL
	return t, nil
}

// RootCacheName is the copy of the authority's root kept in the data dir,
// so that an organisation server's root is trusted while it cannot be
// reached (a laptop offline verifies as it did online).
const RootCacheName = "authority-root.der"

// authorityRoot asks s.Authority for its root and keeps a copy in the data
// dir; when the authority cannot answer, the copy stands in.
func authorityRoot(ctx context.Context, s Sources) (*x509.Certificate, error) {
	cache := ""
	if s.DataDir != "" {
		cache = filepath.Join(s.DataDir, RootCacheName)
	}
	der, err := s.Authority.RootCertificate(ctx)
	if err != nil {
		if cache != "" {
			if kept, rerr := os.ReadFile(cache); rerr == nil {
				if root, perr := x509.ParseCertificate(kept); perr == nil {
					return root, nil
				}
			}
		}
		return nil, fmt.Errorf("root certificate: %w", err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("root certificate: %w", err)
	}
	if cache != "" {
		if kept, _ := os.ReadFile(cache); !bytes.Equal(kept, der) {
			_ = atomicfile.Replace(cache, der, 0o600) // only a copy: the next verification tries again
		}
	}
	return root, nil
}

// revocationClient is the client of the revocation checks of s.
func revocationClient(s Sources) (*http.Client, bool) {
	if s.Config == nil || s.DataDir == "" {
		return &http.Client{Timeout: Timeout}, false
	}
	return localcrl.Client(datadir.CRLURL(*s.Config), filepath.Join(s.DataDir, authority.CRLFileName), s.Offline)
}

// Options are the verification options of this trust, with password for
// an encrypted PDF.
func (t Trust) Options(password string) pdfsign.VerifyOptions {
	return pdfsign.VerifyOptions{Roots: t.Roots, Offline: t.Offline, Password: password, HTTPClient: t.Client}
}
