package embedded

import (
	"context"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/queuedb"
	"github.com/natunakab/besign/authority/store"
)

// The signing queue on the embedded authority: package queuedb, in this
// database, under the session's account.

// queueAccount runs fn under the session's account (queuedb.Account).
func (e *Authority) queueAccount(ctx context.Context, token string, write bool, fn func(tx store.Tx, u store.User) error) error {
	if write {
		return e.asUser(ctx, token, fn)
	}
	return e.viewAsUser(ctx, token, fn)
}

// QueuedDocuments lists the signed-in account's queue, oldest first.
func (e *Authority) QueuedDocuments(ctx context.Context, token string) ([]authority.QueuedDocument, error) {
	return queuedb.List(ctx, e.queueAccount, token)
}

// QueueDocument adds a document to the signed-in account's queue.
func (e *Authority) QueueDocument(ctx context.Context, req authority.QueueDocumentRequest) (authority.QueuedDocument, error) {
	return queuedb.Add(ctx, e.queueAccount, req, e.now())
}

// UpdateQueuedDocument replaces a queued document's settings and, when
// given, its fingerprint and page count.
func (e *Authority) UpdateQueuedDocument(ctx context.Context, req authority.UpdateQueuedRequest) (authority.QueuedDocument, error) {
	return queuedb.Update(ctx, e.queueAccount, req)
}

// RemoveQueuedDocument removes a document from the signed-in account's
// queue.
func (e *Authority) RemoveQueuedDocument(ctx context.Context, token string, id int64) error {
	return queuedb.Remove(ctx, e.queueAccount, token, id)
}
