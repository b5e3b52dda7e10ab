package loadgen

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/pdfsign/timestamp"
)

// Kinds of measured operation.
const (
	KindSignIn    = "signin"    // SignIn + SignInOTP
	KindUnlock    = "unlock"    // one SignDigests: the key's unlock and the batch
	KindTimeStamp = "timestamp" // one RFC 3161 token at the server's /tsa
	KindHealth    = "healthz"   // GET /healthz, sampled apart from the clients
)

// Target is one server as the clients reach it.
type Target struct {
	Name string
	Auth authority.Authority
	// TSA time-stamps the signatures when not nil (the server's /tsa).
	TSA *timestamp.Client
	// HealthURL and HTTP sample /healthz when HealthURL is set.
	HealthURL string
	HTTP      *http.Client
	// Unlocking, when not nil, counts the SignDigests calls under way on
	// this target (a test kills a server while some are).
	Unlocking *atomic.Int64
}

// Options of a run.
type Options struct {
	// Clients run at once; client c takes accounts c, c+Clients, ... in
	// turn, one an iteration: an account signs in about once per 30 s
	// (an OTP step is used once), so more accounts per client keep the
	// client busy.
	Clients  int
	Duration time.Duration // the measured window; an iteration under way at its end is finished
	Digests  int           // per batch (default 10)
	// Retry: an operation that fails for the transport (a server gone,
	// a timeout) is tried again on the next server, as the app's retry
	// does. A signing batch is sent again with its RequestID, so that a
	// server that signed it before its answer was lost answers from its
	// audit row instead of signing twice. Without it, every failure is an
	// error.
	Retry bool
	// HealthEvery is the /healthz sampling period (default 250 ms).
	HealthEvery time.Duration
}

// Batch is one batch of digests a client asked to have signed.
type Batch struct {
	Account string
	Digests [][]byte
	// RequestID is the batch's SignDigestsRequest.RequestID, the same in
	// every try.
	RequestID string
	// Acked: the server answered with signatures, which the client checked
	// against the certificate.
	Acked bool
	// Tries is how often the batch was sent: more than once after an
	// answer that never came (its outcome unknown).
	Tries int
}

// Result is what a run measured.
type Result struct {
	Elapsed time.Duration
	// Latencies per kind, of the operations that succeeded.
	Latencies map[string][]time.Duration
	// Errors per kind and message; Retries per kind (with Options.Retry).
	Errors  map[string]map[string]int
	Retries map[string]int
	Batches []Batch
	mu      sync.Mutex
}

func (r *Result) ok(kind string, d time.Duration) {
	r.mu.Lock()
	r.Latencies[kind] = append(r.Latencies[kind], d)
	r.mu.Unlock()
}

func (r *Result) fail(kind string, err error) {
	r.mu.Lock()
	if r.Errors[kind] == nil {
		r.Errors[kind] = map[string]int{}
	}
	r.Errors[kind][err.Error()]++
	r.mu.Unlock()
}

func (r *Result) retried(kind string) {
	r.mu.Lock()
	r.Retries[kind]++
	r.mu.Unlock()
}

// ErrorCount is the number of failed operations.
func (r *Result) ErrorCount() int {
	n := 0
	for _, m := range r.Errors {
		for _, c := range m {
			n += c
		}
	}
	return n
}

// Run runs opts.Clients clients against targets for opts.Duration: client c
// signs in as its next account (Options.Clients) on target (c+i) mod
// len(targets) in its i-th iteration, has one batch of fresh random digests signed (one unlock),
// checks the signatures, time-stamps each, and signs out.
func Run(ctx context.Context, accounts []*Account, targets []Target, opts Options) (*Result, error) {
	if opts.Clients > len(accounts) {
		return nil, fmt.Errorf("%d clients need as many accounts, not %d: an OTP code is used once", opts.Clients, len(accounts))
	}
	if opts.Digests <= 0 {
		opts.Digests = 10
	}
	if opts.HealthEvery <= 0 {
		opts.HealthEvery = 250 * time.Millisecond
	}
	res := &Result{Latencies: map[string][]time.Duration{}, Errors: map[string]map[string]int{}, Retries: map[string]int{}}
	start := time.Now()
	end := start.Add(opts.Duration)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var health sync.WaitGroup
	for _, t := range targets {
		if t.HealthURL != "" {
			health.Go(func() { sampleHealth(ctx, t, opts.HealthEvery, res) })
		}
	}
	var wg sync.WaitGroup
	for c := range opts.Clients {
		wg.Go(func() {
			cl := client{targets: targets, opts: opts, res: res, next: c}
			for i := 0; time.Now().Before(end) && ctx.Err() == nil; i++ {
				own := (len(accounts) - c + opts.Clients - 1) / opts.Clients
				cl.acc = accounts[c+(i%own)*opts.Clients]
				cl.iteration(ctx)
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	cancel()
	health.Wait()
	return res, nil
}

type client struct {
	acc     *Account
	targets []Target
	opts    Options
	res     *Result
	next    int // the target of the next operation
}

// transport says whether err is the transport's (the outcome unknown)
// rather than the authority's answer.
func transport(err error) bool {
	return errors.Is(err, remote.ErrUnreachable) || errors.Is(err, remote.ErrTimeout) || errors.Is(err, remote.ErrBadResponse)
}

// attempts is how often an operation is tried with Options.Retry: a
// server killed and restarted is down for a few seconds.
const attempts = 20

// do runs op on the client's current target, and with Options.Retry again
// on the next one after a transport error (after a pause).
// op returns the time it spent waiting on the client's side (for an OTP
// code), which the latency leaves out.
func (c *client) do(ctx context.Context, kind string, op func(Target) (time.Duration, error)) error {
	for try := 0; ; try++ {
		t := c.targets[c.next%len(c.targets)]
		start := time.Now()
		waited, err := op(t)
		if err == nil {
			c.res.ok(kind, time.Since(start)-waited)
			return nil
		}
		if !c.opts.Retry || !transport(err) || try+1 >= attempts || ctx.Err() != nil {
			c.res.fail(kind, err)
			return err
		}
		c.res.retried(kind)
		c.next++
		time.Sleep(250 * time.Millisecond)
	}
}

func (c *client) iteration(ctx context.Context) {
	defer func() { c.next++ }()
	var ses authority.Session
	err := c.do(ctx, KindSignIn, func(t Target) (time.Duration, error) {
		var err error
		var waited time.Duration
		ses, waited, err = signIn(ctx, t.Auth, c.acc)
		return waited, err
	})
	if err != nil {
		if ctx.Err() == nil {
			time.Sleep(time.Second) // a refused sign-in is not retried in a tight loop
		}
		return
	}
	b := Batch{Account: c.acc.Email, Digests: make([][]byte, c.opts.Digests), RequestID: authority.NewRequestID()}
	for i := range b.Digests {
		b.Digests[i] = make([]byte, sha256.Size)
		rand.Read(b.Digests[i])
	}
	var resp authority.SignDigestsResponse
	c.res.mu.Lock()
	c.res.Batches = append(c.res.Batches, b)
	n := len(c.res.Batches) - 1
	c.res.mu.Unlock()
	err = c.do(ctx, KindUnlock, func(t Target) (time.Duration, error) {
		c.res.mu.Lock()
		c.res.Batches[n].Tries++
		c.res.mu.Unlock()
		if t.Unlocking != nil {
			t.Unlocking.Add(1)
			defer t.Unlocking.Add(-1)
		}
		var err error
		resp, err = t.Auth.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: Passphrase, Digests: b.Digests,
			RequestID: b.RequestID})
		if err == nil {
			err = check(resp, b.Digests)
		}
		return 0, err
	})
	if err == nil {
		c.res.mu.Lock()
		c.res.Batches[n].Acked = true
		c.res.mu.Unlock()
		for _, sig := range resp.Signatures {
			imprint := sha256.Sum256(sig)
			if c.targets[0].TSA == nil {
				break
			}
			c.do(ctx, KindTimeStamp, func(t Target) (time.Duration, error) {
				_, err := t.TSA.Stamp(ctx, imprint[:])
				if err != nil && c.opts.Retry {
					// The TSA client's errors are its own: a server gone
					// reads as unreachable.
					return 0, fmt.Errorf("%w: %w", remote.ErrUnreachable, err)
				}
				return 0, err
			})
		}
	}
	c.do(ctx, "signout", func(t Target) (time.Duration, error) { return 0, t.Auth.SignOut(ctx, ses.Token) })
}

// check verifies every signature under the chain's certificate: an answer
// with a wrong signature is an error, not a digest signed.
func check(resp authority.SignDigestsResponse, digests [][]byte) error {
	if len(resp.Signatures) != len(digests) || len(resp.Chain) == 0 {
		return fmt.Errorf("%d signatures and %d certificates for %d digests", len(resp.Signatures), len(resp.Chain), len(digests))
	}
	cert, err := x509.ParseCertificate(resp.Chain[0])
	if err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("certificate key %T", cert.PublicKey)
	}
	for i, d := range digests {
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d, resp.Signatures[i]); err != nil {
			return fmt.Errorf("signature %d: %w", i, err)
		}
	}
	return nil
}

// sampleHealth asks t's /healthz every period until ctx ends.
func sampleHealth(ctx context.Context, t Target, every time.Duration, res *Result) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t.HealthURL, nil)
		r, err := t.HTTP.Do(req)
		if err == nil {
			r.Body.Close()
			if r.StatusCode != http.StatusOK {
				err = fmt.Errorf("%s: %s", t.Name, r.Status)
			}
		}
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			res.fail(KindHealth, err)
		default:
			res.ok(KindHealth, time.Since(start))
		}
	}
}
