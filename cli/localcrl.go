package cli

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/datadir"
)

// localCRL answers a request for the authority's CRL distribution point
// with the CRL the embedded authority keeps in the data dir, so that
// verifying its certificates needs no network (the published copy may be
// older, or not published at all). Any other URL goes to next.
type localCRL struct {
	url, path string
	next      http.RoundTripper
}

func (l localCRL) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && req.URL.String() == l.url {
		if b, err := os.ReadFile(l.path); err == nil {
			return &http.Response{
				Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header:        http.Header{"Content-Type": {"application/pkix-crl"}, "Content-Length": {strconv.Itoa(len(b))}},
				Body:          io.NopCloser(bytes.NewReader(b)),
				ContentLength: int64(len(b)),
				Request:       req,
			}, nil
		}
	}
	return l.next.RoundTrip(req)
}

// revocationClient is the HTTP client of verify's revocation checks: the
// local authority's CRL when the data dir has one, the network otherwise
// (none with offline). local tells whether the local CRL is served: then
// even an offline verification can use it. A configuration that cannot be
// read only loses the local CRL.
func revocationClient(env *Env, offline bool) (client *http.Client, local bool) {
	client = &http.Client{Timeout: 5 * time.Second}
	cfg, err := env.Config()
	if err != nil {
		return client, false
	}
	url := datadir.CRLURL(cfg)
	path := filepath.Join(env.DataDir, authority.CRLFileName)
	if _, err := os.Stat(path); url == "" || err != nil {
		return client, false
	}
	var next http.RoundTripper = http.DefaultTransport
	if offline {
		next = noNetwork{}
	}
	client.Transport = localCRL{url: url, path: path, next: next}
	return client, true
}

// noNetwork refuses every request: --offline with a local CRL.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("offline")
}
