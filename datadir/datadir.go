// Package datadir opens a user's local state: it creates the data
// directory, fetches the master key from the OS keyring and opens the
// embedded authority with the configuration in force. The desktop app and
// the CLI both start here, so they always agree on what is where.
package datadir

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/keystore"
)

// DatabaseName is the embedded authority's SQLite file inside the data dir.
const DatabaseName = "besign.db"

// Local is an opened data directory.
type Local struct {
	Dir       string
	Keys      *keystore.Store
	Authority *authority.Embedded
	// Warning, when not nil, must be shown to the user: the master key is
	// kept in a file because no keyring is available.
	Warning *keystore.Warning
}

// Open creates dir (0700) if needed and opens the embedded authority in it.
func Open(dir string, cfg config.Config) (*Local, error) {
	if cfg.Authority != "embedded" {
		return nil, fmt.Errorf("authority %s: only the embedded authority is available in this version", cfg.Authority)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	keys := keystore.New(dir)
	key, warning, err := keys.MasterKey()
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	a, err := authority.OpenEmbedded(AuthorityOptions(filepath.Join(dir, DatabaseName), key, cfg))
	if err != nil {
		return nil, err
	}
	if err := loadDirectory(a, dir, cfg.DirectoryPath); err != nil {
		a.Close()
		return nil, err
	}
	return &Local{Dir: dir, Keys: keys, Authority: a, Warning: warning}, nil
}

// Close closes the authority.
func (l *Local) Close() error { return l.Authority.Close() }

// CRLURL is the CRL distribution point written into certificates: the
// authority's CRL file (authority.CRLFileName) under the configured
// verification URL, where IT may publish it; "" without one. `besign
// verify` reads the local copy in the data dir for this URL, so that
// checking needs no network.
func CRLURL(cfg config.Config) string {
	if cfg.VerificationURL == "" {
		return ""
	}
	return strings.TrimRight(cfg.VerificationURL, "/") + "/" + authority.CRLFileName
}

// AuthorityOptions maps the configuration onto the embedded authority.
func AuthorityOptions(path string, masterKey []byte, cfg config.Config) authority.Options {
	opts := authority.DefaultOptions()
	opts.Path = path
	opts.MasterKey = masterKey
	opts.EmailDomain = cfg.EmailDomain
	opts.SelfRegistration = cfg.SelfRegistration
	opts.Language = authority.Language(cfg.Language)
	opts.ResetLinkLifetime = cfg.ResetLinkLifetime.Duration
	opts.Instansi = cfg.Instansi
	opts.AutoApproveActivations = cfg.AutoApproveActivations
	opts.Lockout = authority.LockoutPolicy{
		FailureFactor:     cfg.Lockout.FailureFactor,
		WaitIncrement:     cfg.Lockout.WaitIncrement.Duration,
		MaxWait:           cfg.Lockout.MaxWait.Duration,
		QuickLoginCheck:   cfg.Lockout.QuickLoginCheck.Duration,
		MinQuickLoginWait: cfg.Lockout.MinQuickLoginWait.Duration,
	}
	opts.Passphrase = authority.PassphrasePolicy{
		MaxFailures: cfg.Passphrase.MaxFailures,
		Suspension:  cfg.Passphrase.Suspension.Duration,
		MaxSuspend:  cfg.Passphrase.MaxSuspension.Duration,
	}
	opts.CRLURL = CRLURL(cfg)
	if s := cfg.SMTP; s.Host != "" {
		opts.SMTP = &authority.SMTPConfig{Host: s.Host, Port: s.Port, Username: s.Username,
			Password: s.Password, From: s.From, TLS: s.TLS}
	}
	return opts
}
