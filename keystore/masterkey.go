package keystore

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/natunakab/besign/authority"
)

const (
	kindMasterKey = "master-key"
	// MasterKeySize is the length of the authority's master key in bytes; the authority decides it.
	MasterKeySize = authority.MasterKeySize
	// masterKeyFile holds the key only when there is no keyring.
	masterKeyFile = "master.key"
	// markerFile records that the key of this data dir is kept in the keyring, so that a keyring that is
	// missing later is an error instead of the start of a new, different key.
	markerFile = "master.key.in-keyring"
	// idFile holds the data dir's ID, which names its keyring entries: a data dir that is moved,
	// copied or reached through a symlink keeps its entries.
	idFile = "keyring-id"
)

const markerText = `The BeSign master key of this data dir is kept in the OS keyring
(service "BeSign Desktop", user "master-key id:<the ID in the file keyring-id>").
Do not delete this file: without it, BeSign could not tell a missing keyring from a new data dir.
`

// dataDirID reads the data dir's ID; with create, it makes one when the data dir has none. Processes
// starting together agree on one: the file is created whole or not at all, never replaced.
func dataDirID(dir string, create bool) (string, error) {
	path := filepath.Join(dir, idFile)
	for range 2 {
		b, err := os.ReadFile(path)
		if err == nil {
			id := strings.TrimSpace(string(b))
			if _, herr := hex.DecodeString(id); herr != nil || len(id) != 32 {
				return "", fmt.Errorf("%w: %s", ErrCorrupt, path)
			}
			return id, nil
		}
		if !errors.Is(err, fs.ErrNotExist) || !create {
			return "", err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", err
		}
		var raw [16]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return "", err
		}
		if err := writeNew(path, []byte(hex.EncodeToString(raw[:])+"\n")); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fs.ErrNotExist
}

var masterKeyMu sync.Mutex

func encodeKey(key []byte) string {
	return base64.StdEncoding.EncodeToString(key)
}

func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != MasterKeySize {
		return nil, fmt.Errorf("%w: master key is not %d bytes of base64", ErrCorrupt, MasterKeySize)
	}
	return key, nil
}

func newKey() ([]byte, error) {
	key := make([]byte, MasterKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate master key: %w", err)
	}
	return key, nil
}

// Warning is something about the master key the user must be told; the app and the CLI word it.
type Warning struct {
	Kind WarningKind
	// Path is the key file concerned.
	Path string
	// Reason is why the keyring cannot be used (WarnKeyInFile).
	Reason Reason
}

// WarningKind says what a Warning is about.
type WarningKind string

const (
	// WarnKeyInFile: the keyring is unavailable, so the key is kept in the file Path, readable by anyone
	// who can read that file.
	WarnKeyInFile WarningKind = "key-in-file"
	// WarnKeyFileLeft: the key moved into the keyring, but the old file Path could not be removed.
	WarnKeyFileLeft WarningKind = "key-file-left"
)

// MasterKey returns the authority's 32-byte master key, creating it on first use. It lives in the
// keyring. Only when the keyring is unavailable does it fall back to a 0600 file DATADIR/master.key, and
// then warning is non-nil and the app must show it (the CLI prints it to stderr).
//
// A key in the keyring always wins. A key found in master.key while the keyring works is moved into the
// keyring and the file removed. When the data dir records that the key was kept in the keyring, a
// keyring that is unavailable gives an error wrapping ErrUnavailable, and a keyring without the entry
// gives ErrMasterKeyLost: never a new key that would leave the old data unreadable.
func (s *Store) MasterKey() (key []byte, warning *Warning, err error) {
	// Two goroutines creating the first key at once must not each keep their own.
	masterKeyMu.Lock()
	defer masterKeyMu.Unlock()
	if err := s.Available(); err != nil {
		if ReasonOf(err) == ReasonNoAnswer {
			// A locked keyring may be showing the user its unlock prompt: give them time to answer.
			err = s.waitProbe(callTimeout)
		}
		if err != nil {
			return s.fileMasterKey(err)
		}
	}
	return s.keyringMasterKey()
}

// waitProbe waits up to d for a probe that is still running (Available gave up on it) and returns
// its answer.
func (s *Store) waitProbe(d time.Duration) error {
	s.mu.Lock()
	done := s.probing
	s.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-time.After(d):
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.probeErr
}

func (s *Store) path(name string) string {
	return filepath.Join(s.dataDir, name)
}

func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, err
	}
}

func (s *Store) keyringMasterKey() ([]byte, *Warning, error) {
	// The ID first, so that an entry under the data dir's path moves to it.
	if err := s.ensureID(); err != nil {
		return nil, nil, fmt.Errorf("master key: %w", err)
	}
	value, err := s.get(kindMasterKey)
	if err == nil {
		key, err := decodeKey(value)
		if err != nil {
			return nil, nil, fmt.Errorf("master key in the keyring: %w", err)
		}
		// Written here too so that a data dir whose marker was lost gets it back.
		if err := s.writeMarker(); err != nil {
			return nil, nil, err
		}
		return key, nil, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, nil, fmt.Errorf("master key: %w", err)
	}

	marked, err := exists(s.path(markerFile))
	if err != nil {
		return nil, nil, fmt.Errorf("master key: check %s: %w", markerFile, err)
	}
	// A key kept in a file while there was no keyring, or put there to restore a data dir on another
	// machine, moves into the keyring.
	key, err := s.readKeyFile()
	migrated := err == nil
	switch {
	case marked && errors.Is(err, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("%w (the data dir %s says it was kept there; to restore it, put the saved key in %s, see README \"Backup and moving to a new laptop\")",
			ErrMasterKeyLost, s.dataDir, s.path(masterKeyFile))
	case errors.Is(err, fs.ErrNotExist):
		if key, err = newKey(); err != nil {
			return nil, nil, err
		}
	case err != nil:
		return nil, nil, err
	}

	if err := s.set(kindMasterKey, encodeKey(key)); err != nil {
		return nil, nil, fmt.Errorf("store master key: %w", err)
	}
	// Read back: if another process stored its key at the same moment, both must use the one kept.
	value, err = s.get(kindMasterKey)
	if err != nil {
		return nil, nil, fmt.Errorf("read back master key: %w", err)
	}
	if key, err = decodeKey(value); err != nil {
		return nil, nil, fmt.Errorf("read back master key: %w", err)
	}
	if err := s.writeMarker(); err != nil {
		return nil, nil, err
	}
	if migrated {
		if err := os.Remove(s.path(masterKeyFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return key, &Warning{Kind: WarnKeyFileLeft, Path: s.path(masterKeyFile)}, nil
		}
		syncDir(s.dataDir)
	}
	return key, nil, nil
}

func (s *Store) fileMasterKey(cause error) ([]byte, *Warning, error) {
	marked, err := exists(s.path(markerFile))
	if err != nil {
		return nil, nil, fmt.Errorf("master key: check %s: %w", markerFile, err)
	}
	if marked {
		return nil, nil, fmt.Errorf("master key is kept in the keyring of this data dir: %w", cause)
	}
	warning := &Warning{Kind: WarnKeyInFile, Path: s.path(masterKeyFile), Reason: ReasonOf(cause)}

	key, err := s.readKeyFile()
	if err == nil {
		return key, warning, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	if !s.AllowPlainFile {
		return nil, nil, fmt.Errorf("%w: %w", ErrPlainFileRefused, cause)
	}
	if key, err = newKey(); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(s.dataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("master key: create data dir: %w", err)
	}
	err = writeNew(s.path(masterKeyFile), []byte(encodeKey(key)+"\n"))
	if errors.Is(err, fs.ErrExist) {
		// Another process made it first: use that one.
		if key, err = s.readKeyFile(); err != nil {
			return nil, nil, err
		}
		return key, warning, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("master key: write %s: %w", masterKeyFile, err)
	}
	return key, warning, nil
}

// readKeyFile reads DATADIR/master.key; an error wrapping fs.ErrNotExist when there is none.
func (s *Store) readKeyFile() ([]byte, error) {
	path := s.path(masterKeyFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("master key: open %s: %w", masterKeyFile, err)
	}
	defer f.Close()
	if runtime.GOOS != "windows" {
		// The file must stay private; put back the mode if someone widened it.
		if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := f.Chmod(0o600); err != nil {
				return nil, fmt.Errorf("master key: make %s private: %w", masterKeyFile, err)
			}
		}
	}
	b, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return nil, fmt.Errorf("master key: read %s: %w", masterKeyFile, err)
	}
	key, err := decodeKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("master key: %s: %w", masterKeyFile, err)
	}
	return key, nil
}

func (s *Store) writeMarker() error {
	ok, err := exists(s.path(markerFile))
	if err == nil && ok {
		return nil
	}
	if err := os.MkdirAll(s.dataDir, 0o700); err != nil {
		return fmt.Errorf("master key: create data dir: %w", err)
	}
	err = writeNew(s.path(markerFile), []byte(markerText))
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("master key: write %s: %w", markerFile, err)
	}
	return nil
}

// writeNew creates path with data and mode 0600, complete or not at all; an error wrapping fs.ErrExist
// when path is already there (never replaced).
func writeNew(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if runtime.GOOS != "windows" {
		if err := os.Chmod(tmpName, 0o600); err != nil {
			return err
		}
	}
	// A hard link fails when path exists, unlike rename, so two processes cannot overwrite each other.
	err = os.Link(tmpName, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		if err == nil {
			syncDir(dir)
		}
		return err
	}
	// File systems without hard links (FAT on a USB stick): exclusive create instead.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a new directory entry durable where the OS allows it (not on Windows).
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
