// Package localcrl serves the embedded authority's CRL from a local file to
// the revocation checks of verification, so that checking the authority's
// own certificates needs no network (verifytrust says which file and URL).
package localcrl

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// Timeout bounds each revocation fetch of the client Client returns.
const Timeout = 5 * time.Second

// ErrOffline is the error of every network request of an offline client.
var ErrOffline = errors.New("offline")

// Transport answers a request for the authority's CRL distribution point
// (URL) with the CRL the embedded authority keeps at Path (the published
// copy may be older, or not published at all). Any other URL goes to Next.
type Transport struct {
	URL, Path string
	Next      http.RoundTripper
}

func (l Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && req.URL.String() == l.URL {
		if b, err := os.ReadFile(l.Path); err == nil {
			return &http.Response{
				Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header:        http.Header{"Content-Type": {"application/pkix-crl"}, "Content-Length": {strconv.Itoa(len(b))}},
				Body:          io.NopCloser(bytes.NewReader(b)),
				ContentLength: int64(len(b)),
				Request:       req,
			}, nil
		}
	}
	return l.Next.RoundTrip(req)
}

// Client is the HTTP client of verification's revocation checks: the CRL
// at path answers its distribution point url when the file exists, the
// network answers the rest (nothing answers when offline). Without url,
// path or the file, it is a plain client. local tells whether the local
// CRL is served: then even an offline verification can use it, so the
// caller should not set pdfsign.VerifyOptions.Offline.
func Client(url, path string, offline bool) (client *http.Client, local bool) {
	client = &http.Client{Timeout: Timeout}
	if url == "" || path == "" {
		return client, false
	}
	if _, err := os.Stat(path); err != nil {
		return client, false
	}
	var next http.RoundTripper = http.DefaultTransport
	if offline {
		next = noNetwork{}
	}
	client.Transport = Transport{URL: url, Path: path, Next: next}
	return client, true
}

// noNetwork refuses every request: offline with a local CRL.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) { return nil, ErrOffline }
