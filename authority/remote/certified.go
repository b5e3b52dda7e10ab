package remote

import (
	"context"
	"errors"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/httpapi"
)

var _ authority.CertifiedSigner = (*Client)(nil)

// CertifiedStatus asks the server for the account's status at the
// certification authority. A server that signs with its own CA, or one
// too old to know the route, answers authority.ErrCertifiedOff.
func (c *Client) CertifiedStatus(ctx context.Context, token string) (authority.CertifiedStatus, error) {
	st, err := call[authority.CertifiedStatus](c, ctx, httpapi.CertifiedStatus, httpapi.TokenRequest{Token: token})
	if errors.Is(err, httpapi.ErrNotServed) {
		err = errors.Join(authority.ErrCertifiedOff, err)
	}
	return st, err
}

func (c *Client) RequestSigningCode(ctx context.Context, req authority.SigningCodeRequest) error {
	return noBody(call[httpapi.Empty](c, ctx, httpapi.RequestSigningCode, req))
}

// SignDocuments sends the documents to the server. A request whose answer
// is lost (ErrTimeout, ErrUnreachable after sending) may have signed at
// BSrE: it is reported as authority.ErrCertifiedOutcomeUnknown too, and
// never sent again.
func (c *Client) SignDocuments(ctx context.Context, req authority.SignDocumentsRequest) (authority.SignDocumentsResponse, error) {
	resp, err := call[authority.SignDocumentsResponse](c, ctx, httpapi.SignDocuments, req)
	if errors.Is(err, ErrTimeout) || errors.Is(err, ErrUnreachable) || errors.Is(err, context.DeadlineExceeded) {
		err = errors.Join(authority.ErrCertifiedOutcomeUnknown, err)
	}
	return resp, err
}
