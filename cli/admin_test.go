package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run calls Run in-process; the GUI callback must never be reached.
func run(t *testing.T, dataDir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	full := append([]string{"--data-dir", dataDir, "--config", emptyConfig(t)}, args...)
	code = Run(full, strings.NewReader(""), &out, &errb, func(*Env) error {
		t.Fatal("GUI started by a CLI command")
		return nil
	})
	return code, out.String(), errb.String()
}

func emptyConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	var text []byte
	if os.Getenv("BESIGN_KEYRING_TEST") == "" {
		// Plain `go test` without a Secret Service: the key file must be allowed.
		text = []byte("allow_plain_master_key = true\n")
	}
	if err := os.WriteFile(p, text, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAdminUsers(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := run(t, dir, "admin", "users", "add", "--name", "Arman Salim", "--email", "ArmanSalim@natunakab.go.id")
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "armansalim@natunakab.go.id") || !strings.Contains(out, "username armansalim") {
		t.Fatalf("add output: %q", out)
	}

	code, _, errOut = run(t, dir, "admin", "users", "add", "--name", "Arman Lagi", "--email", "armansalim@natunakab.go.id")
	if code != 1 || !strings.Contains(errOut, "besign: error: add user") || !strings.Contains(errOut, "already registered") {
		t.Fatalf("duplicate email: exit %d, %q", code, errOut)
	}

	code, out, _ = run(t, dir, "admin", "users", "list")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "Arman Salim") || !strings.Contains(out, "signer") {
		t.Fatalf("list: exit %d: %q", code, out)
	}

	code, out, _ = run(t, dir, "admin", "outbox", "--to", "armansalim@natunakab.go.id")
	if code != 0 || !strings.Contains(out, "To: armansalim@natunakab.go.id") || !strings.Contains(out, "Link: besign://forgot?login=") {
		t.Fatalf("outbox: exit %d: %q", code, out)
	}

	code, out, _ = run(t, dir, "admin", "users", "unlock", "armansalim@natunakab.go.id")
	if code != 0 || !strings.Contains(out, "unlocked") {
		t.Fatalf("unlock: exit %d: %q", code, out)
	}
	code, _, errOut = run(t, dir, "admin", "users", "unlock", "nobody@natunakab.go.id")
	if code != 1 || !strings.Contains(errOut, "no such account") {
		t.Fatalf("unlock unknown: exit %d: %q", code, errOut)
	}
}

func TestAdminImportAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(t.TempDir(), "users.csv")
	write := func(body string) {
		if err := os.WriteFile(csvPath, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("name,email,role\nLiza Dahlia,lizadahlia@natunakab.go.id,signer\n,tanpanama@natunakab.go.id\n")
	code, _, errOut := run(t, dir, "admin", "users", "import", csvPath)
	if code != 1 || !strings.Contains(errOut, "row 2") || !strings.Contains(errOut, "nothing imported") {
		t.Fatalf("bad row: exit %d: %q", code, errOut)
	}
	_, out, _ := run(t, dir, "admin", "users", "list")
	if strings.Contains(out, "lizadahlia") {
		t.Fatalf("a failed import left accounts behind: %q", out)
	}

	write("name,email,role\nLiza Dahlia,lizadahlia@natunakab.go.id,signer\nBudi,budi@natunakab.go.id,verifier\n")
	code, out, errOut = run(t, dir, "admin", "users", "import", csvPath)
	if code != 0 || !strings.Contains(out, "imported 2") {
		t.Fatalf("import: exit %d: %q %q", code, out, errOut)
	}
	_, out, _ = run(t, dir, "admin", "users", "list")
	if !strings.Contains(out, "lizadahlia") || !strings.Contains(out, "verifier") {
		t.Fatalf("list after import: %q", out)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"frobnicate"},
		{"admin"},
		{"admin", "users"},
		{"admin", "users", "add", "--email", "a@natunakab.go.id"},
		{"admin", "users", "add", "--name", "A", "--email", "a@natunakab.go.id", "--role", "boss"},
		{"admin", "users", "unlock"},
		{"admin", "outbox", "--bogus"},
		{"admin", "ca"},
		{"admin", "ca", "sign"},
		{"admin", "ca", "export"},
		{"admin", "ca", "export", "--out", "a.pem", "extra"},
		{"admin", "ca", "crl"},
		{"version", "extra"},
	} {
		code, _, errOut := run(t, dir, args...)
		if code != 2 || !strings.HasPrefix(errOut, "besign: error: ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "besign.db")); err == nil {
		t.Error("a usage error opened the data dir")
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, t.TempDir(), "version")
	if code != 0 || out != "besign "+Version+"\n" {
		t.Fatalf("version: %d %q", code, out)
	}
}

func TestBadConfigNamesFile(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "it.toml")
	if err := os.WriteFile(cfg, []byte("language = \"fr\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := Run([]string{"--data-dir", t.TempDir(), "--config", cfg, "admin", "users", "list"}, nil, &out, &errb, nil)
	if code != 1 || !strings.Contains(errb.String(), "it.toml") || !strings.Contains(errb.String(), "language") {
		t.Fatalf("exit %d: %q", code, errb.String())
	}
}
