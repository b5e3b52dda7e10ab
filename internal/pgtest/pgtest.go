// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb and
// postgres from Debian's postgresql package, in a temporary directory, as an
// unprivileged OS user, listening only on a Unix socket in that directory.
// Each test gets a database of its own. When the binaries are missing, tests
// skip, or fail under BESIGN_PG_TEST=1 (make test-unit sets it), so that CI
// cannot pass without having run them.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the cluster's bootstrap role, which tests connect as.
const Superuser = "besign"

// Cluster is a running PostgreSQL cluster.
type Cluster struct {
	Dir string // data directory and socket directory's parent
	Bin string // the binaries' directory
	// Socket is the directory of the Unix socket (host= in a DSN).
	Socket string
	cmd    *exec.Cmd
	exited chan struct{}
	next   atomic.Int64
}

var (
	once    sync.Once
	shared  *Cluster
	openErr error
)

// Run runs the package's tests (call it from TestMain) and stops the
// cluster they started, if any.
func Run(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// DSN returns the connection string of a new, empty database on the
// package's cluster, starting the cluster on first use. Without PostgreSQL
// the test skips, or fails under BESIGN_PG_TEST=1.
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(func() { shared, openErr = Start() })
	if errors.Is(openErr, ErrNoBinaries) && os.Getenv("BESIGN_PG_TEST") != "1" {
		t.Skipf("%v (install Debian's postgresql package; BESIGN_PG_TEST=1 makes this a failure)", openErr)
	}
	if openErr != nil {
		t.Fatalf("start PostgreSQL: %v", openErr)
	}
	dsn, err := shared.NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// ErrNoBinaries: no initdb and postgres were found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found")

// BinDir finds the server binaries: $BESIGN_PG_BIN, the newest
// /usr/lib/postgresql/N/bin (Debian), or the directory of initdb on PATH.
func BinDir() (string, error) {
	if d := os.Getenv("BESIGN_PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
	}
	return "", ErrNoBinaries
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start creates and starts a cluster. Running as root, the server runs as
// the "postgres" user (or "nobody"): PostgreSQL refuses to run as root, and
// a test has no business running a server with root's rights.
func Start() (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "besign-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Bin: bin, Socket: dir, exited: make(chan struct{})}
	cred, err := serverUser()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", Superuser, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// No TCP at all; the socket sits in the private directory. fsync is off
	// because the cluster is thrown away with the test.
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	c.cmd.Dir = dir
	logFile, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if cred != nil {
		os.Chown(logFile.Name(), int(cred.Uid), int(cred.Gid))
	}
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	// Pdeathsig: a test binary killed mid-run takes its server with it.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		logFile.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	go func() { c.cmd.Wait(); logFile.Close(); close(c.exited) }()
	if err := c.waitReady(30 * time.Second); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// serverUser returns the credential the server runs under: nil (this
// process's user) unless running as root.
func serverUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL")
}

func (c *Cluster) adminDSN(db string) string {
	return fmt.Sprintf("host=%s user=%s dbname=%s sslmode=disable", c.Socket, Superuser, db)
}

func (c *Cluster) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		conn, err := pgx.Connect(context.Background(), c.adminDSN("postgres"))
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-c.exited:
			log, _ := os.ReadFile(filepath.Join(c.Dir, "postgres.log"))
			return fmt.Errorf("postgres exited: %s", strings.TrimSpace(string(log)))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready after %s: %w", limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// NewDatabase creates an empty database and returns its DSN.
func (c *Cluster) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), c.next.Add(1))
	conn, err := pgx.Connect(ctx, c.adminDSN("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return c.adminDSN(name), nil
}

// Stop stops the server (fast shutdown) and removes its directory.
func (c *Cluster) Stop() {
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exited:
		case <-time.After(20 * time.Second):
			c.cmd.Process.Kill()
			<-c.exited
		}
	}
	os.RemoveAll(c.Dir)
}
