package keystore

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/zalando/go-keyring"
)

// A data dir that is copied, moved or reached through a symlink keeps its key: entries are named by
// the ID in the data dir, not by its path.
func TestKeyringDataDirMovedOrLinked(t *testing.T) {
	requireKeyring(t)
	s, dir := newKeyringStore(t)
	key, _, err := s.MasterKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRemembered(Remembered{Login: "budi@natunakab.go.id", Token: "tok"}); err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	copied := filepath.Join(base, "copied")
	if out, err := exec.Command("cp", "-a", dir, copied).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	moved := filepath.Join(base, "moved")
	if err := os.Rename(copied, moved); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(moved, link); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, moved, link} {
		got, warning, err := New(d).MasterKey()
		if err != nil || warning != nil || !bytes.Equal(got, key) {
			t.Fatalf("%s: MasterKey = other key, %q, %v", d, warning, err)
		}
		if r, err := New(d).LoadRemembered(); err != nil || r.Login != "budi@natunakab.go.id" {
			t.Fatalf("%s: remembered %+v, %v", d, r, err)
		}
	}
}

// Entries made under the data dir's path, before data dirs had an ID, move to the ID's name.
func TestKeyringMigratesPathEntries(t *testing.T) {
	requireKeyring(t)
	dir := t.TempDir()
	legacy := scopeOf(dir)
	old := bytes.Repeat([]byte{3}, MasterKeySize)
	rem, _ := encodeRemembered(Remembered{Login: "liza@natunakab.go.id", Token: "t"})
	for kind, value := range map[string]string{kindMasterKey: encodeKey(old), kindRemembered: rem} {
		if err := keyring.Set(ServiceName, kind+" "+legacy, value); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, markerFile), []byte(markerText), 0o600)
	s := New(dir)
	t.Cleanup(func() { removeEntries(s) })
	key, _, err := s.MasterKey()
	if err != nil || !bytes.Equal(key, old) {
		t.Fatalf("MasterKey = other key, %v", err)
	}
	if r, err := s.LoadRemembered(); err != nil || r.Login != "liza@natunakab.go.id" {
		t.Fatalf("remembered %+v, %v", r, err)
	}
	for _, kind := range []string{kindMasterKey, kindRemembered} {
		if _, err := keyring.Get(ServiceName, kind+" "+legacy); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("%s entry still under the path (err %v)", kind, err)
		}
		if _, err := keyring.Get(ServiceName, s.user(kind)); err != nil {
			t.Errorf("%s entry not under the ID: %v", kind, err)
		}
	}
	// Moved now, it still finds its key.
	moved := filepath.Join(t.TempDir(), "moved")
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	if got, _, err := New(moved).MasterKey(); err != nil || !bytes.Equal(got, old) {
		t.Fatalf("after the move: other key, %v", err)
	}
}

// On a machine whose keyring lacks the entry, a saved key put in master.key restores the data dir.
func TestKeyringRestoreFromFile(t *testing.T) {
	requireKeyring(t)
	s, dir := newKeyringStore(t)
	key, _, err := s.MasterKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.Delete(ServiceName, s.user(kindMasterKey)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := New(dir).MasterKey(); !errors.Is(err, ErrMasterKeyLost) {
		t.Fatalf("without the entry: %v, want ErrMasterKeyLost", err)
	}
	if err := os.WriteFile(filepath.Join(dir, masterKeyFile), []byte(encodeKey(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, warning, err := New(dir).MasterKey()
	if err != nil || warning != nil || !bytes.Equal(got, key) {
		t.Fatalf("restore: other key, %q, %v", warning, err)
	}
	if _, err := os.Stat(filepath.Join(dir, masterKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s left after the restore", masterKeyFile)
	}
}
