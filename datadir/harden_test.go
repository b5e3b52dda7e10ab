package datadir

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/config"
)

// testConfig allows the plain key file only where the test runs without a
// keyring (plain `go test`); under scripts/with-keyring.sh the keyring is
// used.
func testConfig() config.Config {
	cfg := config.Default()
	cfg.AllowPlainMasterKey = os.Getenv("BESIGN_KEYRING_TEST") == ""
	return cfg
}

// TestOpenHelper is the child process of TestFirstStartProcesses: it opens
// the data dir of BESIGN_DATADIR_HELPER and writes one account.
func TestOpenHelper(t *testing.T) {
	dir := os.Getenv("BESIGN_DATADIR_HELPER")
	if dir == "" {
		t.Skip("helper process only")
	}
	l, err := Open(dir, testConfig())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer l.Close()
	email := fmt.Sprintf("user%d@natunakab.go.id", os.Getpid())
	if _, err := l.Authority.CreateUser(context.Background(), authority.CreateUserRequest{Name: "Pengguna Uji", Email: email}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Eight processes starting at once on a fresh data dir must agree on one
// master key: every one opens it, and so does a later start.
func TestFirstStartProcesses(t *testing.T) {
	dirs, procs := 25, 8
	if testing.Short() {
		dirs = 3
	}
	for d := range dirs {
		dir := filepath.Join(t.TempDir(), "besign")
		var wg sync.WaitGroup
		errs := make([]string, procs)
		for i := range procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(os.Args[0], "-test.run=^TestOpenHelper$", "-test.count=1")
				cmd.Env = append(os.Environ(), "BESIGN_DATADIR_HELPER="+dir)
				if out, err := cmd.CombinedOutput(); err != nil {
					errs[i] = fmt.Sprintf("%v: %s", err, out)
				}
			}()
		}
		wg.Wait()
		for i, e := range errs {
			if e != "" {
				t.Fatalf("dir %d, process %d: %s", d, i, e)
			}
		}
		l, err := Open(dir, testConfig())
		if err != nil {
			t.Fatalf("dir %d: reopen: %v", d, err)
		}
		users, err := l.Authority.ListUsers(context.Background())
		l.Close()
		if err != nil || len(users) != procs {
			t.Fatalf("dir %d: %d accounts, %v; want %d", d, len(users), err, procs)
		}
	}
}

// A read-only data dir is reported as such, never as a damaged database.
func TestReadOnlyDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "besign")
	l, err := Open(dir, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if os.Geteuid() == 0 {
		// Root ignores permission bits; an immutable folder refuses it.
		if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
			t.Skipf("running as root and chattr +i failed: %v %s", err, out)
		}
		defer exec.Command("chattr", "-i", dir).Run()
	} else {
		os.Chmod(dir, 0o500)
		defer os.Chmod(dir, 0o700)
	}
	_, err = Open(dir, testConfig())
	if !errors.Is(err, ErrReadOnly) || errors.Is(err, embedded.ErrCorruptDatabase) || strings.Contains(err.Error(), "damaged") {
		t.Fatalf("read-only data dir: got %v, want ErrReadOnly", err)
	}
}

// A data dir open to the group or the world is made private.
func TestDataDirMadePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "besign")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	l, err := Open(dir, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %o, want 700", fi.Mode().Perm())
	}
}

// A copied or moved data dir opens with its data (the README's backup and
// new-laptop section relies on this).
func TestDataDirCopied(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "besign")
	l, err := Open(dir, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Authority.CreateUser(context.Background(), authority.CreateUserRequest{Name: "Liza Dahlia", Email: "lizadahlia@natunakab.go.id"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	copied := filepath.Join(t.TempDir(), "backup", "besign")
	os.MkdirAll(filepath.Dir(copied), 0o700)
	if out, err := exec.Command("cp", "-a", dir, copied).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.RemoveAll(dir)
	l, err = Open(copied, testConfig())
	if err != nil {
		t.Fatalf("copied data dir: %v", err)
	}
	defer l.Close()
	users, err := l.Authority.ListUsers(context.Background())
	if err != nil || len(users) != 1 {
		t.Fatalf("copied data dir: %v %+v", err, users)
	}
}
