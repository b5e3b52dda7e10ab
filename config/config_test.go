package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsWhenNoFiles(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Load(Paths{System: write(t, dir, "empty.toml", ""), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	if cfg.EmailDomain != def.EmailDomain || cfg.ResetLinkLifetime.Duration != 24*time.Hour || cfg.Lockout.MaxWait.Duration != 15*time.Minute {
		t.Fatalf("defaults not applied: %+v", cfg)
	}
	if len(cfg.Files) != 1 {
		t.Fatalf("files = %v, want the system file only", cfg.Files)
	}
}

func TestSystemThenUser(t *testing.T) {
	dir := t.TempDir()
	sys := write(t, dir, "sys.toml", `
instansi = "Dinas Kominfo"
email_domain = "contoh.go.id"
self_registration = false
language = "id"
reset_link_lifetime = "2h"
[lockout]
failure_factor = 3
[passphrase]
max_failures = 3
[smtp]
host = "mail.contoh.go.id"
from = "besign@contoh.go.id"
`)
	write(t, dir, "config.toml", `language = "en"`)
	cfg, err := Load(Paths{System: sys, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Instansi != "Dinas Kominfo" || cfg.SelfRegistration || cfg.ResetLinkLifetime.Duration != 2*time.Hour ||
		cfg.Lockout.FailureFactor != 3 || cfg.Lockout.WaitIncrement.Duration != time.Minute || cfg.SMTP.Port != 587 ||
		cfg.Passphrase.MaxFailures != 3 || cfg.Passphrase.Suspension.Duration != 15*time.Minute {
		t.Fatalf("system file not merged over defaults: %+v", cfg)
	}
	if cfg.Language != "en" {
		t.Fatalf("user file's language not applied: %q", cfg.Language)
	}
	if len(cfg.Files) != 2 {
		t.Fatalf("files = %v", cfg.Files)
	}
}

func TestBadFiles(t *testing.T) {
	tests := []struct {
		name, system, user string
		want               []string
	}{
		{"syntax", "instansi = \n", "", []string{"sys.toml", "line 1"}},
		{"type", "self_registration = \"ya\"\n", "", []string{"sys.toml", "self_registration"}},
		{"unknown key", "instansi = \"x\"\nemail_domian = \"a.b\"\n", "", []string{"sys.toml", `"email_domian"`}},
		{"bad duration", "reset_link_lifetime = \"sehari\"\n", "", []string{"sys.toml", "reset_link_lifetime", "duration"}},
		{"language", "language = \"fr\"\n", "", []string{"sys.toml", `"language"`}},
		{"passphrase failures", "[passphrase]\nmax_failures = 0\n", "", []string{"sys.toml", `"passphrase.max_failures"`}},
		{"passphrase suspension", "[passphrase]\nsuspension = \"2h\"\nmax_suspension = \"1h\"\n", "", []string{"sys.toml", `"passphrase.max_suspension"`}},
		{"authority", "authority = \"http://x\"\n", "", []string{"authority", "https"}},
		{"tsa_url", "instansi = \"x\"\ntsa_url = \"tsa.example\"\n", "", []string{"line 2", `"tsa_url"`, "http(s)"}},
		{"user sets tsa_url", "", "tsa_url = \"http://tsa.example\"\n", []string{"config.toml", `"tsa_url"`, "IT"}},
		{"signature_level", "signature_level = \"B-LTV\"\n", "", []string{"sys.toml", `"signature_level"`, "B-LTA"}},
		{"smtp port", "[smtp]\nhost = \"h\"\nport = 0\nfrom = \"a@b.c\"\n", "", []string{"smtp.port"}},
		{"language line", "instansi = \"x\"\n\nlanguage = \"fr\"\n", "", []string{"sys.toml", "line 3", `"language"`}},
		{"smtp port line", "[smtp]\nhost = \"h\"\nport = 70000\nfrom = \"a@b.c\"\n", "", []string{"sys.toml", "line 3", "smtp.port", "70000"}},
		{"dotted smtp port line", "instansi = \"x\"\nsmtp.host = \"h\"\nsmtp.port = 70000\nsmtp.from = \"a@b.c\"\n", "", []string{"line 3", "smtp.port"}},
		{"short reset link", "\nreset_link_lifetime = \"30s\"\n", "", []string{"sys.toml", "line 2", "reset_link_lifetime"}},
		{"failure factor 0", "[lockout]\nfailure_factor = 0\n", "", []string{"line 2", "failure_factor", "1-100"}},
		{"failure factor 101", "[lockout]\nfailure_factor = 101\n", "", []string{"line 2", "failure_factor", "1-100"}},
		{"max wait below increment", "[lockout]\nwait_increment = \"10m\"\nmax_wait = \"5m\"\n", "", []string{"line 3", "max_wait", "wait_increment"}},
		{"zero wait increment", "[lockout]\nwait_increment = \"0s\"\n", "", []string{"line 2", "wait_increment", "zero"}},
		{"zero quick login check", "[lockout]\nquick_login_check = \"0s\"\n", "", []string{"line 2", "quick_login_check", "zero"}},
		{"zero min quick login wait", "[lockout]\nmin_quick_login_wait = \"0s\"\n", "", []string{"line 2", "min_quick_login_wait", "zero"}},
		{"user language line", "", "\nlanguage = \"fr\"\n", []string{"config.toml", "line 2", `"language"`}},
		{"user sets IT key", "", "self_registration = true\n", []string{"config.toml", `"self_registration"`, "IT"}},
		{"server listen", "[server]\nlisten = \"8443\"\n", "", []string{"line 2", "server.listen"}},
		{"server relative path", "[server]\nlisten = \":443\"\nmaster_key_file = \"master.key\"\n", "", []string{"line 3", "server.master_key_file", "absolute"}},
		{"user sets server key", "", "[server]\nlisten = \":1\"\n", []string{"config.toml", `"server`, "IT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			sys := write(t, dir, "sys.toml", tc.system)
			if tc.user != "" {
				write(t, dir, "config.toml", tc.user)
			}
			_, err := Load(Paths{System: sys, DataDir: dir})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestExplicitConfigMustExist(t *testing.T) {
	_, err := Load(Paths{System: filepath.Join(t.TempDir(), "missing.toml")})
	if err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Fatalf("err = %v", err)
	}
}

func TestDataDir(t *testing.T) {
	t.Setenv("BESIGN_DATA_DIR", "/tmp/from-env")
	if d, _ := DataDir("rel"); !filepath.IsAbs(d) || filepath.Base(d) != "rel" {
		t.Fatalf("flag not used or not absolute: %q", d)
	}
	if d, _ := DataDir(""); d != "/tmp/from-env" {
		t.Fatalf("env not used: %q", d)
	}
	t.Setenv("BESIGN_DATA_DIR", "")
	t.Setenv("XDG_DATA_HOME", "/tmp/xdg")
	if d, _ := DataDir(""); d != "/tmp/xdg/besign" {
		t.Fatalf("XDG default: %q", d)
	}
}

func TestDurationString(t *testing.T) {
	for d, want := range map[time.Duration]string{24 * time.Hour: "24h", time.Minute: "1m", 90 * time.Second: "1m30s",
		15 * time.Minute: "15m", time.Second: "1s", 2*time.Hour + 30*time.Minute: "2h30m", 0: "0s"} {
		if got := (Duration{d}).String(); got != want {
			t.Errorf("%v: got %q, want %q", d, got, want)
		}
	}
}

// [server] database takes a SQLite file (an absolute path) or a PostgreSQL
// connection string, told apart by IsPostgres; a relative file is refused.
func TestServerDatabase(t *testing.T) {
	for db, pg := range map[string]bool{
		"/var/lib/besign/authority.db":                   false,
		"postgres:///besign?host=/run/postgresql":        true,
		"postgresql://besign@db.example/besign":          true,
		"host=/run/postgresql dbname=besign user=besign": true,
		"dbname=besign":            true,
		"/srv/host=x/authority.db": false,
	} {
		if IsPostgres(db) != pg {
			t.Errorf("IsPostgres(%q) = %v", db, !pg)
		}
		dir := t.TempDir()
		sys := write(t, dir, "sys.toml", "[server]\ndatabase = \""+db+"\"\n")
		cfg, err := Load(Paths{System: sys, DataDir: dir})
		if err != nil || cfg.Server.Database != db {
			t.Errorf("database %q: %q, %v", db, cfg.Server.Database, err)
		}
	}
	dir := t.TempDir()
	sys := write(t, dir, "sys.toml", "[server]\ndatabase = \"authority.db\"\n")
	if _, err := Load(Paths{System: sys, DataDir: dir}); err == nil || !strings.Contains(err.Error(), "server.database") {
		t.Errorf("relative database file: %v", err)
	}
}

// The app's Tampilan menu saves the language and the theme in the per-user
// file; Load reads them back, and each save keeps the other key.
func TestSaveUser(t *testing.T) {
	dir := t.TempDir()
	sys := filepath.Join(t.TempDir(), "system.toml")
	if err := os.WriteFile(sys, []byte("instansi = \"Pemerintah Kabupaten Natuna\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Paths{System: sys, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Language != "id" || cfg.Theme != "light" {
		t.Fatalf("defaults: language %q theme %q", cfg.Language, cfg.Theme)
	}
	if err := SaveUser(dir, UserSettings{Language: "en"}); err != nil {
		t.Fatal(err)
	}
	if err := SaveUser(dir, UserSettings{Theme: "dark"}); err != nil {
		t.Fatal(err)
	}
	cfg, err = Load(Paths{System: sys, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Language != "en" || cfg.Theme != "dark" {
		t.Fatalf("after saving: language %q theme %q", cfg.Language, cfg.Theme)
	}
	if err := SaveUser(dir, UserSettings{Theme: "purple"}); err == nil {
		t.Fatal("a theme that does not exist was saved")
	}
	if err := os.WriteFile(UserPath(dir), []byte("theme = \"purple\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Paths{System: sys, DataDir: dir}); err == nil || !strings.Contains(err.Error(), "theme") {
		t.Fatalf("a bad theme loads: %v", err)
	}
}

// The shipped server.example.toml is a valid file that sets every key
// `besign serve` requires.
func TestServerExample(t *testing.T) {
	c, err := Load(Paths{System: filepath.Join("..", "packaging", "server.example.toml"), DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Server
	if s.Listen == "" || s.TLSCert == "" || s.TLSKey == "" || !IsPostgres(s.Database) || s.MasterKeyFile == "" || s.AdminKeyFile == "" ||
		s.PublicURL == "" {
		t.Fatalf("server example: %+v", s)
	}
	if c.SMTP.Host == "" || c.SMTP.From == "" { // besign serve mails by SMTP only
		t.Fatalf("server example's mail: %+v", c.SMTP)
	}
	if c.Instansi != "Pemerintah Kabupaten Natuna" || c.SelfRegistration {
		t.Fatalf("the authority's rules: %q, self-registration %v", c.Instansi, c.SelfRegistration)
	}
}

// TimeStampURL: tsa_url wins; an organisation server's own TSA otherwise;
// none for the embedded authority.
func TestTimeStampURL(t *testing.T) {
	for _, c := range []struct {
		authority, tsa, want string
	}{
		{"embedded", "", ""},
		{"embedded", "http://tsa.example/ts", "http://tsa.example/ts"},
		{"https://besign.example/", "", "https://besign.example/tsa"},
		{"https://besign.example", "https://tsa.example", "https://tsa.example"},
	} {
		cfg := Default()
		cfg.Authority, cfg.TSAURL = c.authority, c.tsa
		if got := cfg.TimeStampURL(); got != c.want {
			t.Errorf("authority %q tsa_url %q: %q, want %q", c.authority, c.tsa, got, c.want)
		}
	}
}
