package embedded

import (
	"bytes"
	"context"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// audit appends the row of one signing call, in its transaction: who
// (account and certificate), which digests, when, and the client the
// transport saw (authority.ClientFrom). Never a document: only digests
// reach the authority.
func (e *Authority) audit(ctx context.Context, tx store.Tx, u store.User, c store.Certificate, digests [][]byte, requestID string) error {
	cl := authority.ClientFrom(ctx)
	return tx.InsertAudit(ctx, &store.AuditEntry{
		At: e.now(), UserID: u.ID, Email: u.Email, Serial: c.Serial,
		Digests: bytes.Join(digests, nil), Address: cl.Address, UserAgent: cl.UserAgent,
		RequestID: requestID,
	})
}

// Audit lists the audit log from since on, oldest first.
func (e *Authority) Audit(ctx context.Context, since time.Time) ([]authority.AuditEntry, error) {
	var rows []store.AuditEntry
	err := e.view(ctx, func(tx store.Tx) (err error) {
		rows, err = tx.AuditEntries(ctx, since)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]authority.AuditEntry, 0, len(rows))
	for _, r := range rows {
		a := authority.AuditEntry{ID: r.ID, At: r.At, Account: r.Email, Serial: r.Serial,
			Client: authority.Client{Address: r.Address, UserAgent: r.UserAgent}}
		for d := r.Digests; len(d) >= 32; d = d[32:] {
			a.Digests = append(a.Digests, bytes.Clone(d[:32]))
		}
		out = append(out, a)
	}
	return out, nil
}

// AuditCertified appends the row of a signing the organisation server had
// done elsewhere (BSrE mode, package bsre/forward): the account of the
// session token, the serial of the certificate that signed as the
// certification authority named it (prefixed "BSrE:", so that IT tells it
// from the organisation's own), and the SHA-256 of each document sent.
func (e *Authority) AuditCertified(ctx context.Context, token, serial string, digests [][]byte) error {
	return e.update(ctx, func(tx store.Tx) error {
		u, _, err := e.session(ctx, tx, token)
		if err != nil {
			return err
		}
		return e.audit(ctx, tx, u, store.Certificate{Serial: "BSrE:" + serial}, digests, "")
	})
}
