package app

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/datadir"
	"github.com/natunakab/besign/keystore"
)

func key(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// Each way the data directory can be unusable gets its own sentence, made
// from the real error the opening code returns.
func TestOpenFailure(t *testing.T) {
	if err := assets.UseLanguage("id"); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()

	t.Run("corrupt database", func(t *testing.T) {
		dir := t.TempDir()
		junk := []byte("bukan basis data, hanya teks yang cukup panjang untuk dibaca sebagai header SQLite")
		db := filepath.Join(dir, datadir.DatabaseName)
		if err := os.WriteFile(db, junk, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := embedded.Open(datadir.AuthorityOptions(db, key(t), cfg))
		if err == nil {
			t.Fatal("a corrupt database opened")
		}
		msg := openFailure(dir, err)
		if !strings.Contains(msg, "rusak") || !strings.Contains(msg, db) {
			t.Fatalf("corrupt database: %q (from %v)", msg, err)
		}
		if got, _ := os.ReadFile(db); string(got) != string(junk) {
			t.Fatal("the corrupt file was changed")
		}
	})

	t.Run("wrong master key", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, datadir.DatabaseName)
		a, err := embedded.Open(datadir.AuthorityOptions(db, key(t), cfg))
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
		_, err = embedded.Open(datadir.AuthorityOptions(db, key(t), cfg))
		if err == nil {
			t.Fatal("opened with another master key")
		}
		if msg := openFailure(dir, err); !strings.Contains(msg, "tidak cocok") {
			t.Fatalf("wrong key: %q (from %v)", msg, err)
		}
	})

	t.Run("read-only data dir and refused key file", func(t *testing.T) {
		dir := t.TempDir()
		ro := fmt.Errorf("%w: %s: permission denied", datadir.ErrReadOnly, dir)
		if msg := openFailure(dir, ro); !strings.Contains(msg, "hanya-baca") || strings.Contains(msg, "bukan basis data") {
			t.Fatalf("read-only: %q", msg)
		}
		refused := fmt.Errorf("master key: %w: %w", keystore.ErrPlainFileRefused, &keystore.UnavailableError{Reason: keystore.ReasonNoAnswer})
		if msg := openFailure(dir, refused); !strings.Contains(msg, "allow_plain_master_key") {
			t.Fatalf("refused key file: %q", msg)
		}
		cfg := config.Default()
		cfg.Authority, cfg.ServerCA = "https://besign.natunakab.go.id", filepath.Join(dir, "missing-ca.pem")
		_, err := datadir.Open(filepath.Join(dir, "server"), cfg)
		if msg := openFailure(dir, err); !strings.Contains(msg, "server_ca") || !strings.Contains(msg, "missing-ca.pem") {
			t.Fatalf("missing server_ca: %q (from %v)", msg, err)
		}
	})

	// A key gone from a keyring that works is not a keyring that is not
	// running: the sentence says which, so nobody restarts in vain.
	t.Run("master key lost from a working keyring", func(t *testing.T) {
		if os.Getenv("BESIGN_KEYRING_TEST") != "1" {
			t.Skip("needs the real keyring: make test-unit runs it under scripts/with-keyring.sh")
		}
		dir := t.TempDir()
		l, err := datadir.Open(dir, cfg)
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		id, err := os.ReadFile(filepath.Join(dir, "keyring-id"))
		if err != nil {
			t.Fatal(err)
		}
		if err := gokeyring.Delete("BeSign Desktop", "master-key id:"+strings.TrimSpace(string(id))); err != nil {
			t.Fatalf("remove the key from the keyring: %v", err)
		}
		_, err = datadir.Open(dir, cfg)
		lost := openFailure(dir, err)
		if !strings.Contains(lost, "tidak ada lagi") || !strings.Contains(lost, dir) || strings.Contains(lost, "berjalan dan tidak terkunci") {
			t.Fatalf("lost key: %q (from %v)", lost, err)
		}
		down := openFailure(dir, fmt.Errorf("master key: %w", &keystore.UnavailableError{Reason: keystore.ReasonNoAnswer}))
		if down == lost || !strings.Contains(down, "berjalan dan tidak terkunci") {
			t.Fatalf("keyring not running: %q", down)
		}
	})

	t.Run("bad employee directory", func(t *testing.T) {
		csv := filepath.Join(t.TempDir(), "pegawai.csv")
		if err := os.WriteFile(csv, []byte("nip,nama\n1,2\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{csv, filepath.Join(t.TempDir(), "tidak-ada.csv")} {
			c := cfg
			c.DirectoryPath = path
			dir := t.TempDir()
			_, err := datadir.Open(dir, c)
			if err == nil {
				t.Fatal("a bad directory file was accepted")
			}
			if msg := openFailure(dir, err); !strings.Contains(msg, "directory_path") || !strings.Contains(msg, path) {
				t.Fatalf("bad directory %s: %q (from %v)", path, msg, err)
			}
		}
	})

	t.Run("data dir under a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "berkas")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(file, "data")
		_, err := datadir.Open(dir, cfg)
		if err == nil {
			t.Fatal("a data dir under a file opened")
		}
		if msg := openFailure(dir, err); !strings.Contains(msg, "Folder data tidak dapat dibuat") {
			t.Fatalf("bad dir: %q (from %v)", msg, err)
		}
	})
}
