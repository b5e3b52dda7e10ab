package config

import (
	"net/url"
	"path/filepath"
)

// BSrE is how the organisation server reaches the agency's BSrE Esign
// Client Service (server.signer = "bsre"). Its Basic credentials are in
// CredentialsFile, never in this file.
type BSrE struct {
	// URL is the service's base address, https://esign.example.go.id.
	URL string `toml:"url"`
	// CredentialsFile holds one line USERNAME:PASSWORD (the application's
	// credentials from the service's admin page), mode 0600.
	CredentialsFile string `toml:"credentials_file"`
	// Timeout bounds one call to the service (default 50s: under the
	// app's 60s wait for the organisation server, so that a slow BSrE is
	// reported by the server rather than lost on the way).
	Timeout Duration `toml:"timeout"`
	// CAFile holds the PEM roots of the service's HTTPS certificate;
	// empty: the system's roots.
	CAFile string `toml:"ca_file"`
	// RootsFile holds BSrE's signing roots (PEM); when set, every
	// signature the service returns must chain to them.
	RootsFile string `toml:"roots_file"`
	// MaxDocuments bounds the documents of one call (default 10).
	MaxDocuments int `toml:"max_documents"`
}

// Signers of server.signer.
const (
	SignerCA   = "ca"
	SignerBSrE = "bsre"
)

func validateBSrE(signer string, b BSrE) error {
	switch signer {
	case "", SignerCA:
		return nil
	case SignerBSrE:
	default:
		return keyErrorf("server.signer", "must be \"ca\" or \"bsre\", not %q", signer)
	}
	u, err := url.Parse(b.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return keyErrorf("bsre.url", "must be the service's https:// address, not %q", b.URL)
	}
	if b.CredentialsFile == "" {
		return keyErrorf("bsre.credentials_file", "is required when server.signer is \"bsre\"")
	}
	for _, f := range []struct{ key, path string }{
		{"bsre.credentials_file", b.CredentialsFile}, {"bsre.ca_file", b.CAFile}, {"bsre.roots_file", b.RootsFile},
	} {
		if f.path != "" && !filepath.IsAbs(f.path) {
			return keyErrorf(f.key, "must be an absolute path, not %q", f.path)
		}
	}
	if b.Timeout.Duration < 0 || b.MaxDocuments < 0 {
		return keyErrorf("bsre.timeout", "must not be negative")
	}
	return nil
}
