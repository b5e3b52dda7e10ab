package server

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The pool size reaches pgx in both forms of connection string, and one
// the configuration names is kept.
func TestWithPoolSize(t *testing.T) {
	for _, c := range []struct {
		dsn  string
		want int32
	}{
		{"host=/var/run/postgresql dbname=besign user=besign", 12},
		{"postgres://besign@db.example/besign?sslmode=verify-full", 12},
		{"postgres://besign@db.example/besign", 12},
		{"host=/var/run/postgresql dbname=besign pool_max_conns=40", 40},
		{"postgres://besign@db.example/besign?pool_max_conns=40", 40},
	} {
		cfg, err := pgxpool.ParseConfig(withPoolSize(c.dsn, 12))
		if err != nil || cfg.MaxConns != c.want {
			t.Errorf("%q: %v, %v", c.dsn, cfg, err)
			continue
		}
		if cfg.ConnConfig.Database != "besign" {
			t.Errorf("%q: database %q", c.dsn, cfg.ConnConfig.Database)
		}
	}
}
