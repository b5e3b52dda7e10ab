// Package history keeps, on this laptop, the list of documents each account
// signed here: the file, when, and where the signed copy went. It lives in
// the data directory, one small JSON file per account, and not in the
// authority: it is a convenience of this laptop (a "Riwayat" to find and
// check one's signed copies again), not a record anyone else relies on, and
// an organisation server has no business knowing local paths.
package history

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/natunakab/besign/internal/atomicfile"
)

// Folder is the histories' folder in the data directory, where the app
// and besign sign both keep them.
const Folder = "history"

// MaxEntries is how many entries an account's history keeps; the oldest go
// first. A year of a busy signer's letters, and a file read at once.
const MaxEntries = 2000

// Entry is one signed document.
type Entry struct {
	// Input is the document as it was queued.
	Input string `json:"input"`
	// Output is the signed copy that was written.
	Output string `json:"output"`
	// SignedAt is when the signed copy was written.
	SignedAt time.Time `json:"signed_at"`
}

// file is what one account's file holds; Version lets a later release read
// an older file.
type file struct {
	Version int     `json:"version"`
	Account string  `json:"account"`
	Entries []Entry `json:"entries"`
}

// Book is the histories of the accounts of one data directory. The app runs
// once per data directory (package instance), but besign sign --account may
// add to the same history while it runs: a save holds a lock file in the
// folder (flock, LockFileEx) as well as the lock in memory, so that neither
// loses the other's entries.
type Book struct {
	dir string
	mu  sync.Mutex
}

// Open returns the histories kept under dir; dir is created on the first
// save.
func Open(dir string) *Book { return &Book{dir: dir} }

// Dir is the folder of the histories.
func (b *Book) Dir() string { return b.dir }

// path is account's file: named by a hash of the e-mail address, so that
// any address makes a valid, fixed-length file name on every system.
func (b *Book) path(account string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(account))))
	return filepath.Join(b.dir, hex.EncodeToString(sum[:16])+".json")
}

// ErrDamaged is returned by List when an account's file cannot be read as a
// history; Add then keeps it aside and starts a new one.
var ErrDamaged = errors.New("history file is damaged")

// List returns account's entries, newest first; none for an account that
// signed nothing here.
func (b *Book) List(account string) ([]Entry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, err := b.read(account)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(f.Entries))
	for i, e := range f.Entries {
		out[len(out)-1-i] = e
	}
	return out, nil
}

// read loads account's file; a missing one is an empty history.
func (b *Book) read(account string) (file, error) {
	data, err := os.ReadFile(b.path(account))
	if errors.Is(err, fs.ErrNotExist) {
		return file{Version: 1, Account: account}, nil
	}
	if err != nil {
		return file{}, err
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil || f.Version != 1 {
		return file{}, fmt.Errorf("%w: %s", ErrDamaged, b.path(account))
	}
	return f, nil
}

// Add appends entries to account's history, written whole or not at all
// (atomicfile), readable by its owner only: the paths say what the person
// signed. A damaged file is renamed to NAME.damaged (kept for whoever wants
// to look) and a new history starts, so that one bad file does not stop
// the history for good.
func (b *Book) Add(account string, entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return err
	}
	unlock, err := b.lock()
	if err != nil {
		return err
	}
	defer unlock()
	f, err := b.read(account)
	if errors.Is(err, ErrDamaged) {
		p := b.path(account)
		if err := os.Rename(p, p+".damaged"); err != nil {
			return err
		}
		f, err = file{Version: 1, Account: account}, nil
	}
	if err != nil {
		return err
	}
	f.Entries = append(f.Entries, entries...)
	if n := len(f.Entries) - MaxEntries; n > 0 {
		f.Entries = append([]Entry(nil), f.Entries[n:]...)
	}
	data, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.Replace(b.path(account), data, 0o600)
}

// lockName is the lock file that one save at a time holds, across
// processes.
const lockName = ".lock"

// lock takes the folder's lock file, waiting for another process's save.
func (b *Book) lock() (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(b.dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("history: lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("history: lock: %w", err)
	}
	return func() { unlockFile(f); f.Close() }, nil
}
