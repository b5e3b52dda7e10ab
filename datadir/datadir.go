// Package datadir opens a user's local state: it creates the data
// directory, fetches the master key from the OS keyring and opens the
// embedded authority with the configuration in force. The desktop app and
// the CLI both start here, so they always agree on what is where.
package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/keystore"
	"github.com/natunakab/besign/localqueue"
)

// DatabaseName is the embedded authority's SQLite file inside the data dir.
const DatabaseName = "besign.db"

// lockName is the file locked while the master key and the database are
// created or opened, so that processes starting together on a fresh data
// dir agree on one key.
const lockName = "besign.lock"

var (
	// ErrReadOnly: the data dir or its database cannot be written. The data
	// is not damaged; the file system or the permissions must change.
	ErrReadOnly = errors.New("the data directory is read-only (the data is intact; BeSign needs to write there)")
	// ErrNotPrivate: the data dir is open to other users and could not be
	// made private.
	ErrNotPrivate = errors.New("the data directory is open to other users and could not be made private")
)

// Authority is the authority a data dir opens: the embedded one, or the
// client of an organisation server.
type Authority interface {
	authority.Authority
	Close() error
}

// Local is an opened data directory.
type Local struct {
	Dir  string
	Keys *keystore.Store
	// Authority is an *embedded.Authority in the data dir, or, with
	// `authority = "https://..."`, a *remote.Client of that server with
	// the queue in the data dir (*localqueue.Authority).
	Authority Authority
	// Warning, when not nil, must be shown to the user: the master key is
	// kept in a file because no keyring is available.
	Warning *keystore.Warning
}

// Open creates dir (0700) if needed and opens the embedded authority in it,
// or, when cfg names a server, the client of that server.
func Open(dir string, cfg config.Config) (*Local, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if err := makePrivate(dir); err != nil {
		return nil, err
	}
	if err := checkWritable(dir); err != nil {
		return nil, err
	}
	if cfg.Authority != "embedded" {
		return openServer(dir, cfg)
	}
	unlock, err := lock(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	keys := keystore.New(dir)
	keys.AllowPlainFile = cfg.AllowPlainMasterKey
	key, warning, err := keys.MasterKey()
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	a, err := embedded.Open(AuthorityOptions(filepath.Join(dir, DatabaseName), key, cfg))
	if err != nil {
		return nil, err
	}
	if err := loadDirectory(a, dir, cfg.DirectoryPath); err != nil {
		a.Close()
		return nil, err
	}
	return &Local{Dir: dir, Keys: keys, Authority: a, Warning: warning}, nil
}

// lock takes the data dir's lock file, waiting for another process that
// holds it.
func lock(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory: lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("data directory: lock: %w", err)
	}
	return func() { unlockFile(f); f.Close() }, nil
}

// makePrivate removes group and world access from the data dir (it holds
// the database, and perhaps the master key file), or refuses it.
func makePrivate(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // ACLs of %LocalAppData% are private already
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(dir, fi.Mode().Perm()&0o700); err != nil {
		return fmt.Errorf("%w: %s has mode %o (%v); run: chmod 700 %s", ErrNotPrivate, dir, fi.Mode().Perm(), err, dir)
	}
	return nil
}

// checkWritable tells a read-only data dir or database apart from a damaged
// one: SQLite reports both as a file it cannot open.
func checkWritable(dir string) error {
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || isReadOnlyFS(err) {
			return fmt.Errorf("%w: %s: %v", ErrReadOnly, dir, err)
		}
		return fmt.Errorf("data directory: %w", err)
	}
	probe.Close()
	os.Remove(probe.Name())
	for _, name := range []string{DatabaseName, DatabaseName + "-wal", DatabaseName + "-shm", lockName,
		localqueue.FileName, localqueue.FileName + "-wal", localqueue.FileName + "-shm"} {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			if errors.Is(err, fs.ErrPermission) || isReadOnlyFS(err) {
				return fmt.Errorf("%w: %s: %v", ErrReadOnly, filepath.Join(dir, name), err)
			}
			return fmt.Errorf("data directory: %w", err)
		}
		f.Close()
	}
	return nil
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
func AuthorityOptions(path string, masterKey []byte, cfg config.Config) embedded.Options {
	opts := embedded.DefaultOptions()
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
		opts.SMTP = &embedded.SMTPConfig{Host: s.Host, Port: s.Port, Username: s.Username,
			Password: s.Password, From: s.From, TLS: s.TLS}
	}
	return opts
}
