// Package keystore keeps BeSign's small secrets in the OS keyring (Windows Credential Manager, Secret
// Service on Linux) through github.com/zalando/go-keyring.
//
// Entries belong to one data dir: a Store made for another data dir never sees them. Only the master key
// may fall back to a file, and only with a Warning the user is shown; nothing else is ever written in
// plaintext when the keyring is missing.
package keystore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// ServiceName is the keyring service under which every entry is stored.
const ServiceName = "BeSign Desktop"

// MaxValueSize is the largest value a keyring entry may hold. Windows Credential Manager refuses blobs
// over 2,560 bytes with an obscure error, so every platform gets the same limit and a clear one.
const MaxValueSize = 2560

var (
	// ErrUnavailable means there is no usable keyring. It is wrapped in an *UnavailableError that says why.
	ErrUnavailable = errors.New("keyring unavailable")
	// ErrNotFound means the keyring holds no such entry.
	ErrNotFound = errors.New("no entry in the keyring")
	// ErrTooLarge means a value is over MaxValueSize.
	ErrTooLarge = errors.New("value too large for the keyring")
	// ErrCorrupt means a stored value (in the keyring or in the data dir) cannot be decoded.
	ErrCorrupt = errors.New("stored value is corrupt")
	// ErrInvalid means the caller passed a value that cannot be stored (empty, not UTF-8).
	ErrInvalid = errors.New("invalid value")
	// ErrPlainFileRefused means the keyring is unavailable on a data dir without a key, and keeping a
	// new key in a plain file was not allowed (Store.AllowPlainFile).
	ErrPlainFileRefused = errors.New("the master key would have to be kept in a plain file, which is not allowed (IT can set allow_plain_master_key = true)")
	// ErrMasterKeyLost means the data dir records that its master key was kept in the keyring, the
	// keyring works, but the entry is gone (keyring reset or replaced). A new key would make the old data
	// unreadable, so none is made.
	ErrMasterKeyLost = errors.New("master key missing from the keyring")
)

// Reason says why the keyring cannot be used. The app and the CLI word it for the user; its value is
// only for logs.
type Reason string

const (
	ReasonNoBus         Reason = "no D-Bus session bus"                // Linux: no session bus to talk to
	ReasonNoService     Reason = "no Secret Service"                   // Linux: the bus has no Secret Service
	ReasonNoAnswer      Reason = "Secret Service does not answer"      // Linux: it hangs (a prompt nobody sees)
	ReasonLocked        Reason = "keyring is locked"                   // the unlock prompt was dismissed
	ReasonDenied        Reason = "keyring is locked or refuses access" // a Secret Service error
	ReasonRefused       Reason = "Secret Service refuses the request"  // any other D-Bus error
	ReasonUnsupported   Reason = "no supported keyring on this system"
	ReasonCredentialMgr Reason = "Windows Credential Manager cannot be used"
	ReasonKeychain      Reason = "macOS Keychain cannot be used"
	ReasonUnusable      Reason = "keyring cannot be used"
)

// UnavailableError says why the keyring cannot be used: Reason for the user (worded by the app), Err the
// underlying cause for logs (it holds no secret).
type UnavailableError struct {
	Reason Reason
	Err    error
}

func (e *UnavailableError) Error() string {
	if e.Err == nil {
		return ErrUnavailable.Error() + ": " + string(e.Reason)
	}
	return ErrUnavailable.Error() + ": " + string(e.Reason) + ": " + e.Err.Error()
}

// Unwrap makes errors.Is find both ErrUnavailable and the cause.
func (e *UnavailableError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrUnavailable}
	}
	return []error{ErrUnavailable, e.Err}
}

// ReasonOf returns the reason carried by an unavailable-keyring error, or "" when err is not one.
func ReasonOf(err error) Reason {
	var ue *UnavailableError
	if errors.As(err, &ue) {
		return ue.Reason
	}
	return ""
}

// Timeouts of keyring calls. A Secret Service can hang (a locked keyring waiting on a prompt, a bus that
// accepts but never answers), and go-keyring has no way to cancel; the call is left to finish in the
// background. Variables so that tests can shorten them.
var (
	probeTimeout = 3 * time.Second
	// Longer than the probe: a call may have to wait for the user to unlock the keyring.
	callTimeout = 20 * time.Second
)

// Store is the keyring of one data dir.
type Store struct {
	// AllowPlainFile lets MasterKey create DATADIR/master.key when the keyring is unavailable (IT's
	// allow_plain_master_key). Without it a new data dir gets no key rather than a plaintext one.
	AllowPlainFile bool

	dataDir string // absolute and clean
	legacy  string // the path scope, used until the data dir has an ID

	scopeMu sync.Mutex
	scope   string // added to every keyring user name: "id:<the data dir's ID>", else legacy

	mu       sync.Mutex
	probed   bool
	probeErr error
	probing  chan struct{} // closed when the running probe ends; nil when none runs
}

// New returns the store for one data dir: entries are scoped by an ID kept in the data dir (created
// with the first entry), so that two data dirs (tests, several profiles) never see each other's
// entries and a moved, copied or symlinked data dir keeps its own. Entries made under the data dir's
// absolute path, before data dirs had an ID, move to the ID when read. Service name "BeSign Desktop".
func New(dataDir string) *Store {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		// Abs fails only when the working directory is gone; the clean relative path still scopes.
		dir = filepath.Clean(dataDir)
	}
	s := &Store{dataDir: dir, scope: scopeOf(dir), legacy: scopeOf(dir)}
	if id, err := dataDirID(dir, false); err == nil {
		s.scope = "id:" + id
	}
	return s
}

// maxScopeLen keeps user names well under Windows' 513-character limit on credential user names.
const maxScopeLen = 400

// scopeOf returns the readable data dir when it is short enough, else its SHA-256.
func scopeOf(dir string) string {
	if runtime.GOOS == "windows" {
		// NTFS paths are case-insensitive: C:\Users and c:\users are one data dir.
		dir = strings.ToLower(dir)
	}
	if len(dir) <= maxScopeLen {
		return dir
	}
	return "sha256:" + sha256Hex(dir)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// user returns the keyring user name of one kind of entry, e.g. "master-key /home/budi/.local/share/besign".
func (s *Store) user(kind string) string {
	s.scopeMu.Lock()
	defer s.scopeMu.Unlock()
	return kind + " " + s.scope
}

// ensureID gives the data dir an ID before its first entry is written.
func (s *Store) ensureID() error {
	s.scopeMu.Lock()
	defer s.scopeMu.Unlock()
	if s.scope != s.legacy {
		return nil
	}
	id, err := dataDirID(s.dataDir, true)
	if err != nil {
		return fmt.Errorf("data dir ID: %w", err)
	}
	s.scope = "id:" + id
	return nil
}

// Available reports nil when the keyring works, else an error wrapping ErrUnavailable with a short reason
// fit to show the user. It does not hang: the probe gives up after a few seconds. The answer is cached;
// a probe that gave up but later finishes replaces the cached answer with its own.
func (s *Store) Available() error {
	s.mu.Lock()
	if s.probed {
		err := s.probeErr
		s.mu.Unlock()
		return err
	}
	done := s.probing
	if done == nil {
		done = make(chan struct{})
		s.probing = done
		go s.probe(done)
	}
	s.mu.Unlock()

	select {
	case <-done:
	case <-time.After(probeTimeout):
		s.mu.Lock()
		if !s.probed {
			s.probed = true
			s.probeErr = &UnavailableError{Reason: ReasonNoAnswer}
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.probeErr
}

// probe reads an entry that is never written: "not found" proves the keyring answers.
func (s *Store) probe(done chan struct{}) {
	err := checkPlatform()
	if err == nil {
		_, err = keyring.Get(ServiceName, s.user("probe"))
		if errors.Is(err, keyring.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		err = unavailable(err)
	}
	s.mu.Lock()
	s.probed = true
	s.probeErr = err
	s.probing = nil
	s.mu.Unlock()
	close(done)
}

// call runs one keyring operation with a timeout, after the availability check.
func (s *Store) call(fn func() error) error {
	if err := s.Available(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(callTimeout):
		return &UnavailableError{Reason: ReasonNoAnswer}
	}
}

func (s *Store) get(kind string) (string, error) {
	value, err := s.getUser(s.user(kind))
	if errors.Is(err, ErrNotFound) && s.user(kind) != kind+" "+s.legacy {
		return s.migrateLegacy(kind)
	}
	return value, err
}

// getUser reads the entry of one keyring user name.
func (s *Store) getUser(user string) (string, error) {
	var value string
	err := s.call(func() error {
		var err error
		value, err = keyring.Get(ServiceName, user)
		return err
	})
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return "", ErrNotFound
	case errors.Is(err, ErrUnavailable):
		return "", err
	case err != nil:
		return "", fmt.Errorf("read keyring: %w", unavailable(err))
	}
	return value, nil
}

// migrateLegacy moves an entry made under the data dir's path (before data dirs had an ID) to the
// ID's name.
func (s *Store) migrateLegacy(kind string) (string, error) {
	value, err := s.getUser(kind + " " + s.legacy)
	if err != nil {
		return "", err
	}
	if err := s.set(kind, value); err != nil {
		return "", err
	}
	_ = s.call(func() error { return keyring.Delete(ServiceName, kind+" "+s.legacy) })
	return value, nil
}

func (s *Store) set(kind, value string) error {
	if len(value) > MaxValueSize {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(value), MaxValueSize)
	}
	if err := s.Available(); err != nil {
		return err
	}
	if err := s.ensureID(); err != nil {
		return err
	}
	err := s.call(func() error { return keyring.Set(ServiceName, s.user(kind), value) })
	switch {
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("%w: refused by the keyring", ErrTooLarge)
	case errors.Is(err, ErrUnavailable):
		return err
	case err != nil:
		return fmt.Errorf("write keyring: %w", unavailable(err))
	}
	return nil
}

func (s *Store) delete(kind string) error {
	err := s.call(func() error { return keyring.Delete(ServiceName, s.user(kind)) })
	if old := kind + " " + s.legacy; s.user(kind) != old && (err == nil || errors.Is(err, keyring.ErrNotFound)) {
		// An entry not yet moved from the data dir's path goes too.
		if lerr := s.call(func() error { return keyring.Delete(ServiceName, old) }); lerr == nil {
			err = nil
		}
	}
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, ErrUnavailable):
		return err
	case err != nil:
		return fmt.Errorf("delete from keyring: %w", unavailable(err))
	}
	return nil
}
