package server

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/gob"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// TestServeHelper is a server process of TestTwoServersOneDatabase: it
// serves the configuration in the gob file BESIGN_SERVE_HELPER names,
// prints its address, and stops on SIGTERM, as `besign serve` does.
func TestServeHelper(t *testing.T) {
	path := os.Getenv("BESIGN_SERVE_HELPER")
	if path == "" {
		t.Skip("helper process only")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg config.Config
	if err := gob.NewDecoder(f).Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	s, err := Open(cfg, slog.New(slog.NewJSONHandler(os.Stderr, nil)))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADDR %s\n", s.Addr())
	if err := s.Serve(ctx); err != nil {
		t.Fatal(err)
	}
}

// startServer runs a server process on cfg and returns a client of it.
func startServer(t *testing.T, cfgPath string) (*remote.Client, *remote.Client) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "BESIGN_SERVE_HELPER="+cfgPath)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	lines := bufio.NewScanner(out)
	addr := ""
	for lines.Scan() {
		if a, ok := strings.CutPrefix(lines.Text(), "ADDR "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatal("the server process printed no address")
	}
	go func() {
		for lines.Scan() {
		}
	}()
	opts := remote.Options{URL: "https://" + addr, RootCAs: serverPool}
	c, err := remote.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.AdminKey = adminKey
	admin, err := remote.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, admin
}

var serverPool *x509.CertPool

// Two `besign serve` processes on one PostgreSQL database, clients
// alternating between them: an email is taken once, usernames stay
// unique, an OTP code used on one is refused on the
// other, wrong passwords are counted once each whichever process saw them
// (also when they arrive together: seen failing at READ COMMITTED), and
// the lock set through one holds on the other. Nothing of this lives in a process's memory.
func TestTwoServersOneDatabase(t *testing.T) {
	dsn := pgtest.DSN(t)
	cfg, pool := setup(t)
	serverPool = pool
	cfg.Server.Database = dsn
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Lockout = config.Lockout{FailureFactor: 50, WaitIncrement: config.Duration{Duration: time.Hour},
		MaxWait: config.Duration{Duration: 2 * time.Hour}, QuickLoginCheck: config.Duration{Duration: time.Nanosecond},
		MinQuickLoginWait: config.Duration{Duration: time.Nanosecond}}
	cfgPath := filepath.Join(t.TempDir(), "server.gob")
	f, err := os.Create(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := gob.NewEncoder(f).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	f.Close()
	a, adminA := startServer(t, cfgPath)
	b, adminB := startServer(t, cfgPath)
	servers := []*remote.Client{a, b}
	ctx := context.Background()

	// Accounts created at once through both servers: one email is taken
	// once, and accounts whose usernames would be the same get different
	// ones.
	admins := []*remote.Client{adminA, adminB}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, taken := 0, 0
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := admins[i%2].CreateUser(ctx, authority.CreateUserRequest{Name: "Rina Oktaviani", Email: "rina@natunakab.go.id", Role: authority.RoleSigner})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errors.Is(err, authority.ErrEmailTaken):
				taken++
			default:
				t.Errorf("CreateUser %d: %v", i, err)
			}
		}()
	}
	sameBase := []string{"rina_", "_rina", "rina-", "-rina", "rina__", "__rina", "_rina_", "rina--"}
	for i, local := range sameBase {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := admins[i%2].CreateUser(ctx, authority.CreateUserRequest{Name: "Rina Oktaviani", Email: local + "@natunakab.go.id", Role: authority.RoleSigner}); err != nil {
				t.Errorf("CreateUser %s: %v", local, err)
			}
		}()
	}
	wg.Wait()
	if created != 1 || taken != 9 {
		t.Errorf("one email created through two servers at once: %d created, %d refused as taken; want 1 and 9", created, taken)
	}
	usernames := map[string]bool{}
	all, err := adminA.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range all {
		usernames[u.Username] = true
	}
	if len(all) != 1+len(sameBase) || len(usernames) != len(all) {
		t.Errorf("%d accounts with %d usernames, want %d different", len(all), len(usernames), 1+len(sameBase))
	}

	// One account, set up half on each server.
	email := "dedi@natunakab.go.id"
	if _, err := adminA.CreateUser(ctx, authority.CreateUserRequest{Name: "Dedi Saputra", Email: email, Role: authority.RoleSigner}); err != nil {
		t.Fatal(err)
	}
	if err := b.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		t.Fatal(err)
	}
	// The link travels by mail only: the SMTP server on loopback got it.
	resetLink := regexp.MustCompile(`besign://reset\?token=\S+`).FindString(mailSink.wait(t, email, "besign://reset").Body)
	l, err := link.Parse(resetLink)
	if err != nil {
		t.Fatalf("reset link %q: %v", resetLink, err)
	}
	tk, err := a.OpenReset(ctx, l.Value)
	if err != nil {
		t.Fatal(err)
	}
	en, err := b.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(en.Secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := a.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: code(time.Now()), DeviceName: "HP"}); err != nil {
		t.Fatal(err)
	}
	const password = "Rahasia#2026"
	if err := b.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: password, Confirmation: password}); err != nil {
		t.Fatal(err)
	}

	// The next step's code (accepted one step early), used on A, is
	// refused on B with a challenge of B's own.
	chA, err := a.SignIn(ctx, authority.SignInRequest{Login: email, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	chB, err := b.SignIn(ctx, authority.SignInRequest{Login: email, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	next := code(time.Now().Add(30 * time.Second))
	if _, err := a.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: chA.OTPChallenge, Code: next}); err != nil {
		t.Fatalf("first use on A: %v", err)
	}
	if _, err := b.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: chB.OTPChallenge, Code: next}); err == nil {
		t.Fatal("the code used on A was accepted again on B")
	} else if !errors.Is(err, authority.ErrOTPReused) && !errors.Is(err, authority.ErrOTPInvalid) && !errors.Is(err, authority.ErrInvalidCredentials) {
		t.Fatalf("second use on B: %v", err)
	}

	// Wrong passwords from both servers at once are each counted once:
	// a lost update (two processes reading the same count) would show as
	// fewer, a double count as more.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	failures := func() int {
		var n int
		if err := conn.QueryRow(ctx, "SELECT failures FROM users WHERE email = $1", email).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const parallel = 40
	for i := range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := servers[i%2].SignIn(ctx, authority.SignInRequest{Login: email, Password: "salah-salah-salah"})
			if !errors.Is(err, authority.ErrInvalidCredentials) {
				t.Errorf("guess %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if n := failures(); n != parallel {
		t.Fatalf("%d failures counted from %d parallel guesses on two servers", n, parallel)
	}
	// The rest, alternating, reach the lock: the last on B locks A too.
	for i := parallel; i < cfg.Lockout.FailureFactor+3; i++ {
		servers[i%2].SignIn(ctx, authority.SignInRequest{Login: email, Password: "salah-salah-salah"})
	}
	if n := failures(); n != cfg.Lockout.FailureFactor {
		t.Errorf("%d failures counted, want %d: the guesses after the lock are refused unchecked", n, cfg.Lockout.FailureFactor)
	}
	// Locked on both: the right password is refused alike.
	for i, s := range servers {
		if _, err := s.SignIn(ctx, authority.SignInRequest{Login: email, Password: password}); !errors.Is(err, authority.ErrInvalidCredentials) {
			t.Errorf("right password on server %d while locked: %v", i, err)
		}
	}
	users, err := adminB.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Email == email && !u.Locked {
			t.Errorf("B sees %s unlocked", email)
		}
	}
}
