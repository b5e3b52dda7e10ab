package config

import (
	"net"
	"net/url"
)

// validateRevocation checks the server's revocation keys: the revocation
// URL goes into every certificate issued, so a mistake there outlives the
// configuration by years.
func validateRevocation(s Server) error {
	if s.RevocationURL != "" {
		u, err := url.Parse(s.RevocationURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return keyErrorf("server.revocation_url", "must be an http(s) URL without query, like \"http://besign.example\", not %q", s.RevocationURL)
		}
	}
	if s.RevocationListen != "" {
		if _, _, err := net.SplitHostPort(s.RevocationListen); err != nil {
			return keyErrorf("server.revocation_listen", "must be an address like \":80\", not %q", s.RevocationListen)
		}
	}
	return nil
}

// RevocationBase is the address certificates name for their CRL and OCSP:
// RevocationURL, else PublicURL, else "" (none).
func (s Server) RevocationBase() string {
	if s.RevocationURL != "" {
		return s.RevocationURL
	}
	return s.PublicURL
}
