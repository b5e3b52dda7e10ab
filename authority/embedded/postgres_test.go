package embedded

import (
	"context"
	"os"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/authoritytest"
	"github.com/natunakab/besign/authority/store/pg"
	"github.com/natunakab/besign/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// openPG opens an authority on a new database of the test cluster.
func openPG(t *testing.T, dsn string, edit func(*Options)) *Authority {
	t.Helper()
	db, err := pg.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.DB = db
	opts.MasterKey = testKey
	opts.Logf = t.Logf
	if edit != nil {
		edit(&opts)
	}
	a, err := Open(opts)
	if err != nil {
		db.Close()
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// The embedded authority meets the conformance suite on PostgreSQL too:
// a real server started by pgtest, a database of its own per subtest.
func TestConformancePostgreSQL(t *testing.T) {
	authoritytest.Run(t, func(t *testing.T, clock *authoritytest.Clock) authority.Authority {
		return openPG(t, pgtest.DSN(t), func(o *Options) {
			o.EmailDomain = authoritytest.Domain
			o.SelfRegistration = true
			o.Now = clock.Now
		})
	})
}
