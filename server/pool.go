package server

import (
	"net/url"
	"strconv"
	"strings"
)

// withPoolSize gives a PostgreSQL connection string a connection pool of
// n unless it names one (pool_max_conns). A signing unlock holds its
// connection for the whole key derivation (about half a second), so
// pgx's default (4 here, the processor count elsewhere) would let
// kdf_workers unlocks take every connection while sign-ins and /healthz
// wait; the pool must hold them and leave room for the rest.
func withPoolSize(dsn string, n int) string {
	if strings.Contains(dsn, "pool_max_conns") {
		return dsn
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn // pg.Open says what is wrong, without quoting it
		}
		q := u.Query()
		q.Set("pool_max_conns", strconv.Itoa(n))
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " pool_max_conns=" + strconv.Itoa(n)
}
