package embedded

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/authoritytest"
	"github.com/natunakab/besign/authority/store"
	"github.com/natunakab/besign/authority/store/sqlite"
)

// replaying is a store.DB that runs every Update's fn twice: once in a
// transaction it rolls back, as PostgreSQL does after a serialization
// failure, then for real. It shows that the authority's transactions
// change nothing outside the database but their own results, so that the
// PostgreSQL store may retry them.
type replaying struct{ *sqlite.Store }

var errReplay = errors.New("replayed")

func (r replaying) Update(ctx context.Context, fn func(store.Tx) error) error {
	// The first run's outcome is dropped, as a retry drops it.
	_ = r.Store.Update(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errReplay
	})
	return r.Store.Update(ctx, fn)
}

// The conformance suite passes when every write transaction runs twice.
func TestConformanceReplayed(t *testing.T) {
	authoritytest.Run(t, func(t *testing.T, clock *authoritytest.Clock) authority.Authority {
		path := filepath.Join(t.TempDir(), "authority.db")
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		opts := DefaultOptions()
		opts.Path = path
		opts.DB = replaying{db}
		opts.MasterKey = testKey
		opts.EmailDomain = authoritytest.Domain
		opts.SelfRegistration = true
		opts.Now = clock.Now
		opts.Logf = t.Logf
		a, err := Open(opts)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	})
}
