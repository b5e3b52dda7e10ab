package pg

import (
	"context"
	"fmt"

	"github.com/natunakab/besign/authority/store"
)

// CertificateBySerial returns the certificate of that serial, or
// store.ErrNotFound.
func (tx *Tx) CertificateBySerial(ctx context.Context, serial string) (store.Certificate, error) {
	cs, err := tx.certificates(ctx, "SELECT "+certificateColumns+" FROM certificates WHERE serial = $1", serial)
	if err == nil && len(cs) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Certificate{}, fmt.Errorf("read certificate: %w", err)
	}
	return cs[0], nil
}
