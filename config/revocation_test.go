package config

import (
	"strings"
	"testing"
)

// The revocation keys of the server: a public URL that certificates could
// not carry, or an address that is none, is refused with the key and line.
func TestServerRevocationKeys(t *testing.T) {
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"no scheme", "[server]\nrevocation_url = \"besign.example\"\n", []string{"line 2", "server.revocation_url"}},
		{"ftp", "[server]\nrevocation_url = \"ftp://besign.example\"\n", []string{"line 2", "server.revocation_url"}},
		{"query", "[server]\nrevocation_url = \"http://besign.example/?a=b\"\n", []string{"line 2", "server.revocation_url"}},
		{"credentials", "[server]\nrevocation_url = \"http://u:p@besign.example\"\n", []string{"line 2", "server.revocation_url"}},
		{"listen", "[server]\nrevocation_listen = \"80\"\n", []string{"line 2", "server.revocation_listen"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Load(Paths{System: write(t, dir, "sys.toml", c.file), DataDir: dir})
			for _, w := range c.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v does not mention %q", err, w)
				}
			}
		})
	}
	dir := t.TempDir()
	cfg, err := Load(Paths{System: write(t, dir, "sys.toml", "[server]\nrevocation_url = \"http://besign.natunakab.go.id\"\nrevocation_listen = \":80\"\n"), DataDir: dir})
	if err != nil || cfg.Server.RevocationBase() != "http://besign.natunakab.go.id" || cfg.Server.RevocationListen != ":80" {
		t.Fatalf("%+v, %v", cfg.Server, err)
	}
}
