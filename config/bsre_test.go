package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// server.signer and [bsre] load from the file; a BSrE mode that could not
// work (plain http, no credentials file, a relative path, an unknown
// signer) is refused with the key named.
func TestBSrEKeys(t *testing.T) {
	dir := t.TempDir()
	load := func(body string) (Config, error) {
		p := filepath.Join(dir, "server.toml")
		if err := os.WriteFile(p, []byte("email_domain = \"natunakab.go.id\"\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
		return Load(Paths{System: p})
	}
	cfg, err := load("[server]\nsigner = \"bsre\"\n[bsre]\nurl = \"https://esign.natunakab.go.id\"\ncredentials_file = \"/etc/besign/server/bsre.credentials\"\ntimeout = \"40s\"\nmax_documents = 5\n")
	if err != nil || cfg.Server.Signer != SignerBSrE || cfg.BSrE.URL != "https://esign.natunakab.go.id" || cfg.BSrE.Timeout.Seconds() != 40 || cfg.BSrE.MaxDocuments != 5 {
		t.Fatalf("%+v, %v", cfg.BSrE, err)
	}
	for body, key := range map[string]string{
		"[server]\nsigner = \"bsre\"\n[bsre]\nurl = \"http://esign.natunakab.go.id\"\ncredentials_file = \"/c\"\n":     "bsre.url",
		"[server]\nsigner = \"bsre\"\n[bsre]\nurl = \"https://esign.natunakab.go.id\"\n":                               "bsre.credentials_file",
		"[server]\nsigner = \"bsre\"\n[bsre]\nurl = \"https://esign.natunakab.go.id\"\ncredentials_file = \"c.txt\"\n": "bsre.credentials_file",
		"[server]\nsigner = \"bsrE2\"\n": "server.signer",
	} {
		if _, err := load(body); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: %v, want the key %s named", body, err, key)
		}
	}
}
