package authority

import (
	"context"
	"errors"
)

// errQueueNotBuilt marks the skeleton; replaced by the SQLite queue.
var errQueueNotBuilt = errors.New("signing queue: not built yet")

func (e *Embedded) QueuedDocuments(ctx context.Context, token string) ([]QueuedDocument, error) {
	return nil, errQueueNotBuilt
}

func (e *Embedded) QueueDocument(ctx context.Context, req QueueDocumentRequest) (QueuedDocument, error) {
	return QueuedDocument{}, errQueueNotBuilt
}

func (e *Embedded) UpdateQueuedDocument(ctx context.Context, req UpdateQueuedRequest) (QueuedDocument, error) {
	return QueuedDocument{}, errQueueNotBuilt
}

func (e *Embedded) RemoveQueuedDocument(ctx context.Context, token string, id int64) error {
	return errQueueNotBuilt
}
