package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/natunakab/besign/authority/store"
	"github.com/natunakab/besign/authority/store/sqlite"
	"github.com/natunakab/besign/localqueue"
)

// waitLaptopQueued waits until the signing queue that a client of an
// organisation server keeps in its data dir (localqueue) holds path for
// the account of email: with a server, the queue stays on the laptop.
func waitLaptopQueued(t *testing.T, dataDir, email, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, localqueue.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var docs []store.QueuedDocument
		err := db.View(ctx, func(tx store.Tx) error {
			u, err := tx.UserByEmail(ctx, email)
			if err != nil {
				return err
			}
			docs, err = tx.QueuedDocuments(ctx, u.ID)
			return err
		})
		for _, d := range docs {
			if d.Path == path && !d.Invisible {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the laptop's queue never held %s: %+v, %v", path, docs, err)
		}
	}
}
