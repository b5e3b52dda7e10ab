package cli

import (
	"net/http"

	"github.com/natunakab/besign/internal/localcrl"
)

// revocationClient is the HTTP client of verify's revocation checks: the
// local authority's CRL when the data dir has one, the network otherwise
// (none with offline). local tells whether the local CRL is served: then
// even an offline verification can use it. A configuration that cannot be
// read only loses the local CRL.
func revocationClient(env *Env, offline bool) (client *http.Client, local bool) {
	cfg, err := env.Config()
	if err != nil {
		return &http.Client{Timeout: localcrl.Timeout}, false
	}
	return localcrl.Client(env.DataDir, cfg, offline)
}
