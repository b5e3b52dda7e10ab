package sqlite

import (
	"context"
	"fmt"

	"github.com/natunakab/besign/authority/store"
)

// CertificateBySerial returns the certificate of that serial, or
// store.ErrNotFound.
func (tx *Tx) CertificateBySerial(ctx context.Context, serial string) (store.Certificate, error) {
	c, err := scanCertificate(tx.q.QueryRowContext(ctx, "SELECT "+certificateColumns+" FROM certificates WHERE serial = ?", serial))
	if err != nil {
		return store.Certificate{}, fmt.Errorf("read certificate: %w", notFound(err))
	}
	return c, nil
}
