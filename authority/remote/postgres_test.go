package remote

import (
	"context"
	"os"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/authoritytest"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/store/pg"
	"github.com/natunakab/besign/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// The conformance suite through the client, against the embedded
// authority on PostgreSQL: the organisation server's whole stack.
func TestConformanceOverHTTPSPostgreSQL(t *testing.T) {
	authoritytest.Run(t, func(t *testing.T, clock *authoritytest.Clock) authority.Authority {
		db, err := pg.Open(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		a := openEmbedded(t, clock.Now, func(o *embedded.Options) { o.Path, o.DB = "", db })
		c, _ := serve(t, a, true)
		return c
	})
}
