package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/gob"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/internal/pgtest"
	"github.com/natunakab/besign/pdfsign/timestamp"
	"github.com/natunakab/besign/server/loadgen"
)

// serverProcess is one `besign serve` process of TestKillMidLoad (the
// TestServeHelper process), which the test kills and starts again on the
// same address.
type serverProcess struct {
	cfgPath string
	cmd     *exec.Cmd
}

// start starts the process and waits for it to listen.
func (p *serverProcess) start() error {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "BESIGN_SERVE_HELPER="+p.cfgPath)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	p.cmd = cmd
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "ADDR ") {
			go func() {
				for lines.Scan() {
				}
			}()
			return nil
		}
	}
	return errors.New("the server process printed no address")
}

// kill9 kills the process with SIGKILL: no graceful stop, requests cut
// wherever they are.
func (p *serverProcess) kill9() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// sinkMailbox reads the links of the SMTP sink's mail, as a person reading
// their mail would; a mail that never comes is an error of that account
// (its request may have died with a server), not of the test.
func sinkMailbox(s *sink) loadgen.Mailbox {
	links := regexp.MustCompile(`besign://\S+`)
	return func(ctx context.Context, email string, kind authority.MailKind) (string, error) {
		want := link.KindReset
		if kind == authority.MailActivationApproved {
			want = link.KindPassphrase
		}
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			s.mu.Lock()
			for i := len(s.mails) - 1; i >= 0; i-- {
				if s.mails[i].To != email {
					continue
				}
				for _, raw := range links.FindAllString(s.mails[i].Body, -1) {
					if l, err := link.Parse(raw); err == nil && l.Kind == want {
						s.mu.Unlock()
						return l.Value, nil
					}
				}
			}
			s.mu.Unlock()
		}
		return "", fmt.Errorf("no %s mail to %s", kind, email)
	}
}

// Load on two `besign serve` processes on one PostgreSQL, one of them
// killed with SIGKILL in the middle and started again: clients that retry
// on the other server recover, with no error left; nothing acknowledged is
// lost (the accounts created, the certificates issued, the batches signed,
// each in the audit log) and nothing is half-written (every audit row is
// one whole batch a client sent, every certificate row parses and unlocks);
// and no digest is signed twice, though clients retried batches whose
// outcome they did not know.
func TestKillMidLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const (
		domain   = "natunakab.go.id"
		clients  = 6
		perOne   = 3 // accounts per client: an OTP step is used once
		duration = 25 * time.Second
		killAt   = 8 * time.Second
		downFor  = 2 * time.Second
	)
	dsn := pgtest.DSN(t)
	cfg, pool := setup(t)
	cfg.Server.Database = dsn
	cfg.AutoApproveActivations = true
	cfg.Server.KDFWorkers = 2
	cfg.Server.RateLimitPerAddress, cfg.Server.RateLimitPerAccount, cfg.Server.RateLimitMailPerHour = 0, 0, 0
	ctx := context.Background()

	// The signing accounts, before the load, in this process: their mail
	// goes to the outbox.
	prep := cfg
	prep.SMTP = config.SMTP{}
	a, err := OpenAuthority(prep, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := loadgen.Prepare(ctx, a, loadgen.Outbox(a), domain, 0, clients*perOne, 2)
	a.Close()
	if err != nil {
		t.Fatal(err)
	}

	var procs []*serverProcess
	var targets []loadgen.Target
	var admins []*remote.Client
	for i := range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c := cfg
		c.Server.Listen = addr
		p := &serverProcess{cfgPath: filepath.Join(t.TempDir(), fmt.Sprintf("server%d.gob", i))}
		f, err := os.Create(p.cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := gob.NewEncoder(f).Encode(c); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := p.start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, p)
		t.Cleanup(func() {
			p.cmd.Process.Signal(syscall.SIGTERM)
			p.cmd.Wait()
		})
		// One try per client call: the load's clients retry a batch
		// themselves, on the other server (with the same RequestID), and
		// count it in the batch's Tries.
		opts := remote.Options{URL: "https://" + addr, RootCAs: pool, Timeout: 30 * time.Second, SignAttempts: 1}
		auth, err := remote.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.AdminKey = adminKey
		admin, err := remote.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		admins = append(admins, admin)
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
		tsa, err := timestamp.NewClient("https://"+addr+httpapi.TSAPath, hc)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, loadgen.Target{Name: fmt.Sprint(i), Auth: auth, TSA: tsa, Unlocking: new(atomic.Int64)})
	}

	// Beside the signing load, accounts are created and taken to their
	// certificate through the servers, alternating: what was acknowledged
	// must survive the kill whole.
	stop := make(chan struct{})
	var enrolled sync.WaitGroup
	var mu sync.Mutex
	var created []string             // CreateUser acknowledged
	var certified []*loadgen.Account // CreatePassphrase acknowledged
	pic, err := loadgen.Photo()
	if err != nil {
		t.Fatal(err)
	}
	enrolled.Go(func() {
		for i := 1000; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s := admins[i%2]
			email := fmt.Sprintf("baru%d@%s", i, domain)
			if _, err := s.CreateUser(ctx, authority.CreateUserRequest{Name: fmt.Sprintf("Pegawai Baru %d", i), Email: email, Role: authority.RoleSigner}); err != nil {
				t.Logf("create %s: %v", email, err)
				time.Sleep(200 * time.Millisecond)
				continue
			}
			mu.Lock()
			created = append(created, email)
			mu.Unlock()
			time.Sleep(100 * time.Millisecond)
			// Every fourth account is taken to its certificate (a key
			// derivation each, which the signing clients wait for), on
			// the same server; a step cut by the kill abandons that
			// account where it stood.
			if i%4 != 1 {
				continue
			}
			acc, err := loadgen.Enrol(ctx, s, sinkMailbox(mailSink), email, i, pic)
			if err != nil {
				t.Logf("enrol %s: %v", email, err)
				continue
			}
			mu.Lock()
			certified = append(certified, acc)
			mu.Unlock()
		}
	})

	time.Sleep(time.Until(loadgen.ReadyAt(accounts)))
	killed := make(chan time.Time, 1)
	var inFlight int64 // batches under way on server 0 when it was killed
	go func() {
		// After killAt, at a moment when batches are being signed on
		// server 0: their clients cannot know whether they were.
		time.Sleep(killAt)
		for deadline := time.Now().Add(30 * time.Second); targets[0].Unlocking.Load() < 1 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		inFlight = targets[0].Unlocking.Load()
		procs[0].kill9()
		at := time.Now()
		time.Sleep(downFor)
		if err := procs[0].start(); err != nil {
			t.Errorf("restart: %v", err)
		}
		killed <- at
	}()
	res, err := loadgen.Run(ctx, accounts, targets, loadgen.Options{Clients: clients, Duration: duration, Retry: true})
	close(stop)
	enrolled.Wait()
	if err != nil {
		t.Fatal(err)
	}
	killedAt := <-killed
	var report bytes.Buffer
	res.Write(&report)
	t.Logf("killed server 0 at %s\n%s", killedAt.Format(time.TimeOnly), report.String())

	// The clients recovered: every operation succeeded, some after a
	// retry on the other server.
	if n := res.ErrorCount(); n != 0 {
		t.Errorf("%d operations failed for good", n)
	}
	if res.Retries[loadgen.KindSignIn]+res.Retries[loadgen.KindUnlock]+res.Retries[loadgen.KindTimeStamp]+res.Retries["signout"] == 0 {
		t.Error("no client saw the kill: the test proved nothing")
	}

	// What the database holds, after the restart, read through the
	// restarted server.
	admin := admins[0]
	users, err := admin.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]authority.Account{}
	for _, u := range users {
		if u.Email == "" || u.Username == "" {
			t.Errorf("a half-written account: %+v", u)
		}
		have[u.Email] = u
	}
	for _, acc := range accounts {
		if _, ok := have[acc.Email]; !ok {
			t.Errorf("prepared account %s lost", acc.Email)
		}
	}
	for _, email := range created {
		if _, ok := have[email]; !ok {
			t.Errorf("account %s, whose creation was acknowledged, lost", email)
		}
	}
	t.Logf("%d accounts created during the load, %d of them taken to a certificate", len(created), len(certified))

	// Certificates: every row parses, has its sealed key and its account;
	// every one acknowledged signs after the restart.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT c.serial, c.cert, length(c.key), u.email FROM certificates c JOIN users u ON u.id = c.user_id")
	if err != nil {
		t.Fatal(err)
	}
	serials := map[string]string{} // email -> serial
	for rows.Next() {
		var serial, email string
		var der []byte
		var keyLen int
		if err := rows.Scan(&serial, &der, &keyLen, &email); err != nil {
			t.Fatal(err)
		}
		if _, err := x509.ParseCertificate(der); err != nil || keyLen == 0 {
			t.Errorf("half-written certificate %s of %s: %v, key of %d bytes", serial, email, err, keyLen)
		}
		serials[email] = serial
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(serials) != len(accounts)+len(certified) {
		t.Logf("%d certificates for %d prepared and %d acknowledged accounts (an unacknowledged one may have been issued)", len(serials), len(accounts), len(certified))
	}
	for _, acc := range append(append([]*loadgen.Account(nil), accounts...), certified...) {
		if serials[acc.Email] == "" {
			t.Errorf("certificate of %s lost", acc.Email)
		}
	}
	for _, acc := range certified {
		digest := sha256.Sum256([]byte(acc.Email))
		if err := loadgen.SignOnce(ctx, targets[0].Auth, acc, digest[:]); err != nil {
			t.Errorf("the certificate acknowledged to %s does not sign after the restart: %v", acc.Email, err)
		}
	}

	// The audit log: each batch acknowledged is there once, whole; every
	// row is one whole batch a client sent (none cut in two, none made
	// up); no digest is in two rows: a retried batch was not signed again.
	audit, err := admin.Audit(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]loadgen.Batch{} // by first digest
	for _, b := range res.Batches {
		sent[string(b.Digests[0])] = b
	}
	rowsOf := map[string]int{} // digest -> rows holding it
	for _, e := range audit {
		for _, d := range e.Digests {
			rowsOf[string(d)]++
		}
		if len(e.Digests) == 0 {
			t.Errorf("audit row %d without digests", e.ID)
			continue
		}
		b, ok := sent[string(e.Digests[0])]
		if !ok {
			if !strings.HasPrefix(e.Account, "baru") { // the enrolled accounts' SignOnce
				t.Errorf("audit row %d of %s: a batch no client sent", e.ID, e.Account)
			}
			continue
		}
		if e.Account != b.Account || !sameDigests(e.Digests, b.Digests) {
			t.Errorf("audit row %d of %s: %d digests, not the batch of %s as sent (%d)", e.ID, e.Account, len(e.Digests), b.Account, len(b.Digests))
		}
		if e.Serial != serials[e.Account] {
			t.Errorf("audit row %d names certificate %s, %s has %s", e.ID, e.Serial, e.Account, serials[e.Account])
		}
	}
	acked, unacked, resent, resentSigned := 0, 0, 0, 0
	for _, b := range res.Batches {
		if b.Tries > 1 {
			resent++
			if rowsOf[string(b.Digests[0])] > 0 {
				resentSigned++
			}
		}
		if !b.Acked {
			unacked++
			continue
		}
		acked++
		if n := rowsOf[string(b.Digests[0])]; n == 0 {
			t.Errorf("a batch of %s acknowledged but not in the audit log", b.Account)
		}
	}
	for d, n := range rowsOf {
		if n > 1 {
			t.Errorf("digest %x signed %d times", d, n)
		}
	}
	t.Logf("%d batches under way on the killed server; %d acknowledged, %d not, %d sent again after the kill (%d of them in the audit log, each once); %d audit rows",
		inFlight, acked, unacked, resent, resentSigned, len(audit))
	if inFlight == 0 {
		t.Error("no batch was under way on the killed server: the test proved nothing of retries")
	}
	if resent == 0 || res.Retries[loadgen.KindUnlock] == 0 {
		t.Errorf("%d batches sent again, %d signing retries counted: the test proved nothing of retries", resent, res.Retries[loadgen.KindUnlock])
	}
	if acked == 0 {
		t.Error("no batch signed")
	}
	var afterRestart bool
	for _, e := range audit {
		if e.At.After(killedAt.Add(downFor)) {
			afterRestart = true
		}
	}
	if !afterRestart {
		t.Error("nothing signed after the restart")
	}
}

func sameDigests(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
