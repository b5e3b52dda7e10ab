package localqueue

import (
	"context"
	"errors"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/queuedb"
	"github.com/natunakab/besign/authority/store"
)

// The queue proper: package queuedb, the embedded authority's rules, in
// the laptop's queue.db under the local account of the session.

// account runs fn for the local account of token in a read (write false) or
// write transaction. A token not seen here yet is asked of the server once
// (Resume remembers it); offline that gives the server's error, so the
// screens can say the server is needed.
func (a *Authority) account(ctx context.Context, token string, write bool, fn func(tx store.Tx, u store.User) error) error {
	run := func() error {
		do := a.db.View
		if write {
			do = a.db.Update
		}
		return do(ctx, func(tx store.Tx) error {
			_, u, err := a.session(ctx, tx, token)
			if err != nil {
				return err
			}
			return fn(tx, u)
		})
	}
	err := run()
	if !errors.Is(err, authority.ErrSessionExpired) || token == "" {
		return err
	}
	if _, rerr := a.Resume(ctx, token); rerr != nil {
		if refused(rerr) {
			return err
		}
		return rerr
	}
	return run()
}

// QueuedDocuments lists the signed-in account's queue, oldest first.
func (a *Authority) QueuedDocuments(ctx context.Context, token string) ([]authority.QueuedDocument, error) {
	return queuedb.List(ctx, a.account, token)
}

// QueueDocument adds a document to the signed-in account's queue.
func (a *Authority) QueueDocument(ctx context.Context, req authority.QueueDocumentRequest) (authority.QueuedDocument, error) {
	return queuedb.Add(ctx, a.account, req, a.now())
}

// UpdateQueuedDocument replaces a queued document's settings and, when
// given, its fingerprint and page count.
func (a *Authority) UpdateQueuedDocument(ctx context.Context, req authority.UpdateQueuedRequest) (authority.QueuedDocument, error) {
	return queuedb.Update(ctx, a.account, req)
}

// RemoveQueuedDocument removes a document from the signed-in account's
// queue.
func (a *Authority) RemoveQueuedDocument(ctx context.Context, token string, id int64) error {
	return queuedb.Remove(ctx, a.account, token, id)
}
