package embedded

import (
	"context"
	"sync/atomic"

	"github.com/natunakab/besign/authority/store"
)

// kdfPool bounds how many passphrase key derivations run at once. Each
// argon2id derivation of a signing key takes defaultKDF.Memory (128 MiB):
// on a server, 200 clients unlocking together would ask for 25 GiB. With
// the pool they queue instead, in the order they came, and a client that
// hangs up while queued leaves the queue.
//
// Callers take a slot before their write transaction starts, so that a
// queued request holds no database connection.
type kdfPool struct {
	slots chan struct{} // nil: unbounded (a laptop, one user)
	// active and peak count derivations running (measured where argon2
	// runs, not where slots are taken), for the test and the metrics.
	active, peak atomic.Int64
}

func newKDFPool(size int) *kdfPool {
	p := &kdfPool{}
	if size > 0 {
		p.slots = make(chan struct{}, size)
	}
	return p
}

// acquire waits for a slot or for ctx to end; release gives it back.
func (p *kdfPool) acquire(ctx context.Context) (release func(), err error) {
	if p.slots == nil {
		return func() {}, nil
	}
	select {
	case p.slots <- struct{}{}:
		return func() { <-p.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// measure wraps one derivation: it counts it among the running ones.
func (p *kdfPool) measure(derive func()) {
	n := p.active.Add(1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	defer p.active.Add(-1)
	derive()
}

// KDFRunning is how many passphrase key derivations run now (metrics).
func (e *Authority) KDFRunning() int64 { return e.kdfPool.active.Load() }

// RateCounter is the database's request counter (store.RateCounter) for a
// server's rate limits, when the database has one.
func (e *Authority) RateCounter() (store.RateCounter, bool) {
	rc, ok := e.db.(store.RateCounter)
	return rc, ok
}

// passwordWork runs one password hash or check in a slot of the password
// pool: the refused sign-in's dummy check queues as the real one does, so
// that the time still tells nothing.
func (e *Authority) passwordWork(ctx context.Context, work func()) error {
	release, err := e.pwPool.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	e.pwPool.measure(work)
	return nil
}
