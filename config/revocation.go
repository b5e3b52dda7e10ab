package config

import (
	"net"
	"net/url"
)

// validateRevocation checks the server's revocation keys: the public URL
// goes into every certificate issued, so a mistake there outlives the
// configuration by years.
func validateRevocation(s Server) error {
	if s.PublicURL != "" {
		u, err := url.Parse(s.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return keyErrorf("server.public_url", "must be an http(s) URL without query, like \"http://besign.example\", not %q", s.PublicURL)
		}
	}
	if s.RevocationListen != "" {
		if _, _, err := net.SplitHostPort(s.RevocationListen); err != nil {
			return keyErrorf("server.revocation_listen", "must be an address like \":80\", not %q", s.RevocationListen)
		}
	}
	return nil
}
