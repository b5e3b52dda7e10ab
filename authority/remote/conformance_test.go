package remote

import (
	"crypto/x509"
	"net/http/httptest"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/authoritytest"
)

func srvPool(srv *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(srv.Certificate())
	return p
}

// The client meets the contract's conformance suite against a real
// embedded authority served by httpapi over TLS on loopback: every sentinel
// the suite expects survives the trip, as do the results beside them.
func TestConformanceOverHTTPS(t *testing.T) {
	authoritytest.Run(t, func(t *testing.T, clock *authoritytest.Clock) authority.Authority {
		c, _ := serve(t, openEmbedded(t, clock.Now, nil), true)
		return c
	})
}
