package datadir

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/config"
)

// TestOpenTwice creates a data dir, writes an account, and opens it again:
// the master key must be found again (keyring or, without one, the file
// with its warning) and the account must still be there.
func TestOpenTwice(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "besign")
	cfg := config.Default()
	cfg.AllowPlainMasterKey = true
	l, err := Open(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	if _, err := l.Authority.CreateUser(context.Background(), authority.CreateUserRequest{Name: "Liza Dahlia", Email: "lizadahlia@natunakab.go.id"}); err != nil {
		t.Fatal(err)
	}
	if l.Keys.Available() != nil && (l.Warning == nil || !strings.Contains(l.Warning.Path, "master.key")) {
		t.Fatalf("no keyring, yet no visible warning naming the key file: %+v", l.Warning)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l, err = Open(dir, cfg)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer l.Close()
	users, err := l.Authority.ListUsers(context.Background())
	if err != nil || len(users) != 1 || users[0].Email != "lizadahlia@natunakab.go.id" {
		t.Fatalf("after reopening: %v %+v", err, users)
	}
}

func TestAuthorityOptionsFollowConfig(t *testing.T) {
	cfg := config.Default()
	cfg.SelfRegistration = false
	cfg.Lockout.FailureFactor = 9
	cfg.SMTP = config.SMTP{Host: "mail.natunakab.go.id", Port: 465, From: "besign@natunakab.go.id", TLS: "tls"}
	o := AuthorityOptions("/x/besign.db", make([]byte, 32), cfg)
	if o.SelfRegistration || o.Lockout.FailureFactor != 9 || o.Lockout.MaxWait != cfg.Lockout.MaxWait.Duration ||
		o.ResetLinkLifetime != cfg.ResetLinkLifetime.Duration || o.SMTP == nil || o.SMTP.Port != 465 || o.SMTP.TLS != "tls" {
		t.Fatalf("options do not follow the configuration: %+v", o)
	}
	if AuthorityOptions("/x", nil, config.Default()).SMTP != nil {
		t.Fatal("SMTP configured without a host")
	}
}
