package cli

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/internal/pgtest"
	"github.com/natunakab/besign/server"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// On the server host, `besign --config server.toml admin ...` administers
// the server's database (the one `besign serve` opens), not a data dir: on
// SQLite and on PostgreSQL, and a wrong master key is refused.
func TestAdminOnServerStores(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		testAdminOnServer(t, filepath.Join(t.TempDir(), "server", "authority.db"))
	})
	t.Run("PostgreSQL", func(t *testing.T) { testAdminOnServer(t, pgtest.DSN(t)) })
}

func testAdminOnServer(t *testing.T, database string) {
	dir := t.TempDir()
	master := filepath.Join(dir, "master.key")
	if err := os.WriteFile(master, []byte(strings.Repeat("cd", authority.MasterKeySize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "server.toml")
	text := "email_domain = \"natunakab.go.id\"\n[server]\ndatabase = " + strconv.Quote(database) +
		"\nmaster_key_file = " + strconv.Quote(master) + "\n"
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "data")
	admin := func(args ...string) (int, string, string) {
		t.Helper()
		var out, errb strings.Builder
		full := append([]string{"--data-dir", dataDir, "--config", cfgPath, "admin"}, args...)
		code := Run(full, strings.NewReader(""), &out, &errb, func(*Env) error {
			t.Fatal("GUI started by a CLI command")
			return nil
		})
		return code, out.String(), errb.String()
	}
	if code, _, errOut := admin("users", "add", "--name", "Siti Rahmawati", "--email", "siti@natunakab.go.id", "--role", "verifier"); code != 0 {
		t.Fatalf("users add: exit %d: %s", code, errOut)
	}
	code, out, errOut := admin("users", "list")
	if code != 0 || !strings.Contains(out, "siti@natunakab.go.id") || !strings.Contains(out, "verifier") {
		t.Fatalf("users list: exit %d: %q %s", code, out, errOut)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("the admin command touched the data dir %s (%v), not only the server's database", dataDir, err)
	}

	// What the server opens holds the account.
	cfg, err := config.Load(config.Paths{System: cfgPath, DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	a, err := server.OpenAuthority(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	users, err := a.ListUsers(context.Background())
	if err != nil || len(users) != 1 || users[0].Email != "siti@natunakab.go.id" {
		t.Fatalf("the server's database: %+v, %v", users, err)
	}

	// A wrong master key is refused before anything is written.
	if err := os.WriteFile(master, []byte(strings.Repeat("ef", authority.MasterKeySize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if code, _, errOut := admin("users", "list"); code == 0 || !strings.Contains(errOut, "besign: error:") {
		t.Fatalf("wrong master key: exit %d: %s", code, errOut)
	} else {
		t.Logf("wrong master key: %s", errOut)
	}
}

// sign --account takes a local session, which only the embedded authority
// has: with `authority = "https://..."` it says to sign in the app (or use
// --p12) before touching the document.
func TestSignAccountWithServer(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte("authority = \"https://besign.natunakab.go.id\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := copyCorpus(t, "T4.pdf", t.TempDir())
	before, _ := os.ReadFile(in)
	code, _, errOut := runIn(t, filepath.Join(dir, "data"), cfg, accountPassphrase+"\n", "sign", "--account", "siti@natunakab.go.id", "--passphrase-stdin", in)
	if code != 1 || !strings.Contains(errOut, "sign --account: works with the embedded authority only") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	after, _ := os.ReadFile(in)
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(in), "*signed*"))
	if string(before) != string(after) || len(matches) != 0 {
		t.Fatalf("the document was touched: output %v", matches)
	}
}
