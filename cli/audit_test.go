package cli

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// `besign admin audit` shows who had what signed: the account, its
// certificate, "local" for the app's own process, and the digest.
func TestAdminAudit(t *testing.T) {
	dir, cfg := t.TempDir(), passphraseConfig(t)
	const email = "siti@natunakab.go.id"
	submitActivation(t, dir, "Siti Rahmawati", email)
	if code, _, errOut := runIn(t, dir, cfg, "", "admin", "activations", "approve", email); code != 0 {
		t.Fatalf("approve: %s", errOut)
	}
	info := createPassphrase(t, dir, email, accountPassphrase)
	in := copyCorpus(t, "T4.pdf", t.TempDir())
	if code, _, errOut := runIn(t, dir, cfg, accountPassphrase+"\n", "sign", "--account", email, "--passphrase-stdin", in); code != 0 {
		t.Fatalf("sign: %s", errOut)
	}
	code, out, errOut := runIn(t, dir, cfg, "", "admin", "audit")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.Contains(lines[1], email) || !strings.Contains(lines[1], info.Serial) ||
		!strings.Contains(lines[1], "local") {
		t.Fatalf("audit: exit %d %q %q", code, out, errOut)
	}
	digest := strings.Fields(lines[1])[len(strings.Fields(lines[1]))-1]
	if b, err := hex.DecodeString(digest); err != nil || len(b) != 32 {
		t.Errorf("last column %q is not a SHA-256 digest", digest)
	}
	if _, out, _ := runIn(t, dir, cfg, "", "admin", "audit", "--since", "1h"); !strings.Contains(out, email) {
		t.Errorf("--since 1h: %q", out)
	}
	tomorrow := time.Now().Add(24 * time.Hour).Format(time.DateOnly)
	if _, out, _ := runIn(t, dir, cfg, "", "admin", "audit", "--since", tomorrow); strings.Contains(out, email) {
		t.Errorf("--since %s: %q", tomorrow, out)
	}
	if code, _, errOut := runIn(t, dir, cfg, "", "admin", "audit", "--since", "kemarin"); code != 2 || !strings.Contains(errOut, "not a time") {
		t.Errorf("--since kemarin: exit %d %q", code, errOut)
	}
}

// With a [server] database, the admin commands work on the server's
// database under its master key file, not on a data dir.
func TestAdminOnServerDatabase(t *testing.T) {
	srv := t.TempDir()
	key := make([]byte, 32)
	rand.Read(key)
	keyFile := filepath.Join(srv, "master.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "server.toml")
	db := filepath.Join(srv, "authority.db")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("[server]\ndatabase = %q\nmaster_key_file = %q\n", db, keyFile)), 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	if code, _, errOut := runIn(t, dataDir, cfg, "", "admin", "users", "add", "--name", "Arman Salim", "--email", "arman@natunakab.go.id"); code != 0 {
		t.Fatalf("add: %s", errOut)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("the server's database was not used: %v", err)
	}
	if code, out, errOut := runIn(t, dataDir, cfg, "", "admin", "audit"); code != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("audit of a new server: exit %d %q %q", code, out, errOut)
	}
	if entries, _ := os.ReadDir(dataDir); len(entries) != 0 {
		t.Errorf("the data dir was touched: %d entries", len(entries))
	}
}
