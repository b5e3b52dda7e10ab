package embedded

import (
	"bytes"
	"context"
	"errors"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// Idempotent signing. A client that lost the answer of SignDigests (the
// server died after committing, the connection dropped) retries with the
// same RequestID. The audit row of the first call carries that id, and the
// repeat is answered by signing the same digests again with the same key:
// RSA PKCS #1 v1.5 is deterministic, so the signatures are byte for byte
// those of the first answer. Storing the signatures instead would keep
// signature values in the database for no gain, and the audit log stays
// one row per batch actually signed: a repeat adds none.
//
// A repeat still needs the passphrase (unlockKey counts a wrong one), so a
// request id alone gets nobody a signature.

// repeated tells whether req repeats an earlier call of u (same request id,
// same digests, same certificate). The same id with other digests, or
// under a certificate the account no longer signs with, is
// ErrRequestReused: answering it would hand out signatures nobody
// recorded.
func (e *Authority) repeated(ctx context.Context, tx store.Tx, u store.User, c store.Certificate, req authority.SignDigestsRequest) (bool, error) {
	if req.RequestID == "" {
		return false, nil
	}
	prev, err := tx.AuditByRequest(ctx, u.ID, req.RequestID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if prev.Serial != c.Serial || !bytes.Equal(prev.Digests, bytes.Join(req.Digests, nil)) {
		return false, authority.ErrRequestReused
	}
	e.opts.Logf("signing request %s of account %d repeated: answered from audit row %d", req.RequestID, u.ID, prev.ID)
	return true, nil
}
