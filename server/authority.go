package server

import (
	"context"
	"fmt"

	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/store/pg"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/datadir"
)

// OpenAuthority opens the authority of cfg's [server] section: its database
// (PostgreSQL or a SQLite file) with the master key of master_key_file.
// `besign serve` serves it; `besign --config server.toml admin ...` run on
// the server host administers the same database through it.
func OpenAuthority(cfg config.Config, logf func(format string, args ...any)) (*embedded.Authority, error) {
	sc := cfg.Server
	for _, r := range []struct{ key, value string }{
		{"server.database", sc.Database}, {"server.master_key_file", sc.MasterKeyFile},
	} {
		if r.value == "" {
			return nil, fmt.Errorf("configuration key %q %w", r.key, ErrMissing)
		}
	}
	master, err := ReadMasterKey(sc.MasterKeyFile)
	if err != nil {
		return nil, err
	}
	opts := datadir.AuthorityOptions(sc.Database, master, cfg)
	opts.Logf = logf
	name := sc.Database
	if config.IsPostgres(sc.Database) {
		// The connection string may hold a password: messages name the
		// database by pg's Name instead.
		db, err := pg.Open(context.Background(), sc.Database)
		if err != nil {
			return nil, fmt.Errorf("authority database: %w", err)
		}
		opts.Path, opts.DB, name = "", db, db.Name()
	}
	a, err := embedded.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("authority database %s: %w", name, err)
	}
	return a, nil
}
