package config

import (
	"strings"
	"testing"
)

// The server's operations keys: good values load, bad ones are named with
// their line.
func TestServerOperationsKeys(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Load(Paths{System: write(t, dir, "ok.toml", `[smtp]
host = "mail.natunakab.go.id"
from = "besign@natunakab.go.id"
password_file = "/etc/besign/server/smtp.password"
[server]
public_url = "https://besign.natunakab.go.id"
metrics_listen = "127.0.0.1:9090"
kdf_workers = 8
rate_limit_per_address = 0
rate_limit_per_account = 30
tsa_policy = "1.3.6.1.4.1.99999.1"
`), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Server
	if s.PublicURL != "https://besign.natunakab.go.id" || s.MetricsListen != "127.0.0.1:9090" || s.KDFWorkers != 8 ||
		s.RateLimitPerAddress != 0 || s.RateLimitPerAccount != 30 || s.TSAPolicy != "1.3.6.1.4.1.99999.1" || cfg.SMTP.PasswordFile != "/etc/besign/server/smtp.password" {
		t.Fatalf("loaded %+v, smtp %+v", s, cfg.SMTP)
	}
	if d := Default().Server; d.KDFWorkers != 4 || d.RateLimitPerAddress != 600 || d.RateLimitPerAccount != 60 || d.RateLimitMailPerHour != 10 {
		t.Errorf("defaults %+v", d)
	}
	for _, c := range []struct{ text, key string }{
		{"[server]\npublic_url = \"http://besign.natunakab.go.id\"\n", "server.public_url"},
		{"[server]\npublic_url = \"https://besign.natunakab.go.id/?a=b\"\n", "server.public_url"},
		{"[server]\nmetrics_listen = \"9090\"\n", "server.metrics_listen"},
		{"[server]\nkdf_workers = 0\n", "server.kdf_workers"},
		{"[server]\nrate_limit_per_address = -1\n", "server.rate_limit_per_address"},
		{"[server]\nrate_limit_per_account = -1\n", "server.rate_limit_per_account"},
		{"[server]\nrate_limit_mail_per_hour = -1\n", "server.rate_limit_mail_per_hour"},
		{"[server]\ntsa_policy = \"1.3.6.x\"\n", "server.tsa_policy"},
		{"[server]\ntsa_policy = \"1.40.1\"\n", "server.tsa_policy"},
		{"[server]\ntsa_policy = \"1.3.06\"\n", "server.tsa_policy"},
		{"[smtp]\npassword_file = \"smtp.password\"\n", "smtp.password_file"},
	} {
		_, err := Load(Paths{System: write(t, dir, "bad.toml", c.text), DataDir: dir})
		if err == nil || !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%q: %v", c.text, err)
		}
	}
}
