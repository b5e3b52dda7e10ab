package httpapi

import (
	"context"

	"github.com/natunakab/besign/authority"
)

// Routes of certified signing (authority.CertifiedSigner), served only by
// an organisation server in BSrE mode (Options.Certified); elsewhere they
// answer ErrCertifiedOff. Kept apart from routes.go so that other parts
// add theirs without touching the same lines.

// CertifiedBody bounds a SignDocuments request: whole documents travel in
// it (forward.MaxBytes of PDF, 4/3 of it as base64, and the specimens).
const CertifiedBody = 64 << 20

var (
	CertifiedStatus    = Route{"/v1/certified/status", Public, SmallBody}
	RequestSigningCode = Route{"/v1/certified/request-code", Public, SmallBody}
	SignDocuments      = Route{"/v1/certified/sign", Public, CertifiedBody}
)

func init() {
	Routes = append(Routes, CertifiedStatus, RequestSigningCode, SignDocuments)
}

// certifiedOff answers every certified route of a server that signs with
// its own CA.
type certifiedOff struct{}

func (certifiedOff) CertifiedStatus(context.Context, string) (authority.CertifiedStatus, error) {
	return authority.CertifiedStatus{}, authority.ErrCertifiedOff
}
func (certifiedOff) RequestSigningCode(context.Context, authority.SigningCodeRequest) error {
	return authority.ErrCertifiedOff
}
func (certifiedOff) SignDocuments(context.Context, authority.SignDocumentsRequest) (authority.SignDocumentsResponse, error) {
	return authority.SignDocumentsResponse{}, authority.ErrCertifiedOff
}

func (h *Handler) registerCertified(cs authority.CertifiedSigner) {
	if cs == nil {
		cs = certifiedOff{}
	}
	handle(h, CertifiedStatus, func(ctx context.Context, r TokenRequest) (authority.CertifiedStatus, error) {
		return cs.CertifiedStatus(ctx, r.Token)
	})
	handle(h, RequestSigningCode, done(cs.RequestSigningCode))
	handle(h, SignDocuments, cs.SignDocuments)
}
