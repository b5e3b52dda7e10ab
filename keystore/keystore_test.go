package keystore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

// Tests that need a Secret Service run only when BESIGN_KEYRING_TEST is set (the Makefile runs them
// under scripts/with-keyring.sh); then a keyring that cannot be reached is a failure, not a skip.
func requireKeyring(t testing.TB) {
	t.Helper()
	if os.Getenv("BESIGN_KEYRING_TEST") == "" {
		t.Skip("BESIGN_KEYRING_TEST unset; run: scripts/with-keyring.sh env BESIGN_KEYRING_TEST=1 go test ./keystore/...")
	}
	if os.Getenv(childEnv) != "" {
		t.Skip("child process without a keyring")
	}
	if err := New(t.TempDir()).Available(); err != nil {
		t.Fatalf("BESIGN_KEYRING_TEST is set but the keyring is not reachable: %v", err)
	}
}

// childEnv names the child test a child process of the test binary runs (see secretservice_test.go).
const childEnv = "BESIGN_KEYSTORE_CHILD"

// newKeyringStore returns a store on a fresh data dir whose entries are removed when the test ends, so
// that running the tests against a desktop's own keyring leaves nothing behind.
func newKeyringStore(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s := New(dir)
	t.Cleanup(func() { removeEntries(s) })
	return s, dir
}

func removeEntries(s *Store) {
	for _, kind := range []string{kindRemembered, kindMasterKey} {
		_ = keyring.Delete(ServiceName, s.user(kind))
	}
}

func TestKeyringRemembered(t *testing.T) {
	requireKeyring(t)
	s, _ := newKeyringStore(t)

	if _, err := s.LoadRemembered(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LoadRemembered on an empty keyring: got %v, want ErrNotFound", err)
	}
	if err := s.ForgetRemembered(); err != nil {
		t.Fatalf("ForgetRemembered with nothing saved: %v", err)
	}

	first := Remembered{Login: "budi@natunakab.go.id", Token: "tok-1"}
	if err := s.SaveRemembered(first); err != nil {
		t.Fatalf("SaveRemembered: %v", err)
	}
	got, err := s.LoadRemembered()
	if err != nil || got != first {
		t.Fatalf("LoadRemembered = %+v, %v; want %+v", got, err, first)
	}

	// A second store on the same data dir sees the entry; a save replaces it.
	second := Remembered{Login: "siti@natunakab.go.id", Token: "tok-2 ü \"quoted\"\n"}
	if err := New(s.dataDir).SaveRemembered(second); err != nil {
		t.Fatalf("SaveRemembered again: %v", err)
	}
	if got, err := s.LoadRemembered(); err != nil || got != second {
		t.Fatalf("after replace LoadRemembered = %+v, %v; want %+v", got, err, second)
	}

	if err := s.ForgetRemembered(); err != nil {
		t.Fatalf("ForgetRemembered: %v", err)
	}
	if _, err := s.LoadRemembered(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LoadRemembered after forget: got %v, want ErrNotFound", err)
	}
	if err := s.ForgetRemembered(); err != nil {
		t.Fatalf("ForgetRemembered twice: %v", err)
	}
}

func TestKeyringRememberedBadInput(t *testing.T) {
	requireKeyring(t)
	s, _ := newKeyringStore(t)
	kept := Remembered{Login: "budi@natunakab.go.id", Token: "tok"}
	if err := s.SaveRemembered(kept); err != nil {
		t.Fatalf("SaveRemembered: %v", err)
	}
	tests := []struct {
		name string
		r    Remembered
		want error
	}{
		{"empty login", Remembered{Token: "t"}, ErrInvalid},
		{"empty token", Remembered{Login: "a"}, ErrInvalid},
		{"login not UTF-8", Remembered{Login: "a\xff", Token: "t"}, ErrInvalid},
		{"token too large", Remembered{Login: "a", Token: strings.Repeat("x", MaxValueSize)}, ErrTooLarge},
		// Escaped by JSON to six bytes each: the limit applies to what is stored.
		{"escaped too large", Remembered{Login: "a", Token: strings.Repeat("\x01", MaxValueSize/4)}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.SaveRemembered(tt.r)
			if !errors.Is(err, tt.want) {
				t.Fatalf("SaveRemembered: got %v, want %v", err, tt.want)
			}
			if len(tt.r.Token) > 8 && strings.Contains(err.Error(), tt.r.Token) {
				t.Errorf("error message contains the token: %v", err)
			}
			// Nothing half-written: the earlier entry is intact.
			if got, err := s.LoadRemembered(); err != nil || got != kept {
				t.Fatalf("after refused save LoadRemembered = %+v, %v; want %+v", got, err, kept)
			}
		})
	}
}

func TestKeyringMasterKey(t *testing.T) {
	requireKeyring(t)
	s, dir := newKeyringStore(t)

	key, warning, err := s.MasterKey()
	if err != nil {
		t.Fatalf("MasterKey: %v", err)
	}
	if len(key) != MasterKeySize {
		t.Fatalf("key length %d, want %d", len(key), MasterKeySize)
	}
	if warning != nil {
		t.Errorf("warning with a working keyring: %+v", warning)
	}
	if bytes.Equal(key, make([]byte, MasterKeySize)) {
		t.Fatal("key is all zero")
	}
	if _, err := os.Stat(filepath.Join(dir, masterKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists with a working keyring (err %v)", masterKeyFile, err)
	}
	if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
		t.Errorf("marker not written: %v", err)
	}
	stored, err := keyring.Get(ServiceName, s.user(kindMasterKey))
	if err != nil {
		t.Fatalf("entry not in the keyring: %v", err)
	}
	if got, err := decodeKey(stored); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("keyring holds a different key (err %v)", err)
	}

	// Stable across calls and across stores on the same data dir, also given as a relative path.
	for i, other := range []*Store{s, New(dir), New(relativeTo(t, dir))} {
		again, warning, err := other.MasterKey()
		if err != nil || warning != nil || !bytes.Equal(again, key) {
			t.Fatalf("store %d: MasterKey gave another key or %+v, %v", i, warning, err)
		}
	}

	// Losing the marker does not change the key; it is written again.
	if err := os.Remove(filepath.Join(dir, markerFile)); err != nil {
		t.Fatal(err)
	}
	if again, _, err := New(dir).MasterKey(); err != nil || !bytes.Equal(again, key) {
		t.Fatalf("after marker loss: other key or %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
		t.Errorf("marker not written again: %v", err)
	}
}

func relativeTo(t *testing.T, dir string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, dir)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

func TestKeyringScopedByDataDir(t *testing.T) {
	requireKeyring(t)
	a, _ := newKeyringStore(t)
	b, _ := newKeyringStore(t)

	if err := a.SaveRemembered(Remembered{Login: "a@x", Token: "ta"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.LoadRemembered(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("store B sees store A's account: %v", err)
	}
	if err := b.ForgetRemembered(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.LoadRemembered(); err != nil {
		t.Fatalf("forget in B removed A's account: %v", err)
	}

	ka, _, err := a.MasterKey()
	if err != nil {
		t.Fatal(err)
	}
	kb, _, err := b.MasterKey()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ka, kb) {
		t.Fatal("two data dirs share one master key")
	}
}

// A key kept in a file while there was no keyring moves into the keyring, and the file goes.
func TestKeyringMigratesFileKey(t *testing.T) {
	requireKeyring(t)
	s, dir := newKeyringStore(t)
	old := bytes.Repeat([]byte{7}, MasterKeySize)
	if err := os.WriteFile(filepath.Join(dir, masterKeyFile), []byte(encodeKey(old)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key, warning, err := s.MasterKey()
	if err != nil || warning != nil || !bytes.Equal(key, old) {
		t.Fatalf("MasterKey = other key, %+v, %v; want the file's key", warning, err)
	}
	if _, err := os.Stat(filepath.Join(dir, masterKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s not removed after the move (err %v)", masterKeyFile, err)
	}
	stored, err := keyring.Get(ServiceName, s.user(kindMasterKey))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := decodeKey(stored); !bytes.Equal(got, old) {
		t.Fatal("keyring does not hold the moved key")
	}
}

func TestKeyringMasterKeyLost(t *testing.T) {
	requireKeyring(t)
	s, dir := newKeyringStore(t)
	if _, _, err := s.MasterKey(); err != nil {
		t.Fatal(err)
	}
	// The keyring is reset: the entry goes, the data dir's marker stays.
	if err := keyring.Delete(ServiceName, s.user(kindMasterKey)); err != nil {
		t.Fatal(err)
	}
	_, _, err := New(dir).MasterKey()
	if !errors.Is(err, ErrMasterKeyLost) {
		t.Fatalf("MasterKey after keyring reset: got %v, want ErrMasterKeyLost", err)
	}
	if _, err := keyring.Get(ServiceName, s.user(kindMasterKey)); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("a new key was stored anyway (err %v)", err)
	}
}

func TestKeyringCorruptEntries(t *testing.T) {
	requireKeyring(t)
	s, _ := newKeyringStore(t)
	for _, kind := range []string{kindRemembered, kindMasterKey} {
		if err := keyring.Set(ServiceName, s.user(kind), "not what BeSign wrote"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.LoadRemembered(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("LoadRemembered of a corrupt entry: got %v, want ErrCorrupt", err)
	}
	if _, _, err := s.MasterKey(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("MasterKey of a corrupt entry: got %v, want ErrCorrupt", err)
	}
	// Forget still clears a corrupt remembered entry.
	if err := s.ForgetRemembered(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadRemembered(); !errors.Is(err, ErrNotFound) {
		t.Errorf("after forget: %v", err)
	}
}
