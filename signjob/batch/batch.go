// Package batch turns one SignDigests call into a crypto.Signer per
// document, so that several documents signed in parallel (each by
// pdfsign.Sign) unlock the key once.
package batch

import (
	"crypto"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Batch gathers the digests of n documents: each document is signed in its
// own goroutine with a Member as signer, whose Sign waits until every member
// has either given its digest or finished without one; then one call of
// sign signs them all.
type Batch struct {
	pub  crypto.PublicKey
	sign func(digests [][]byte) ([][]byte, error)

	mu      sync.Mutex
	waiting int // members that have neither given a digest nor finished
	digests [][]byte
	replies []chan reply
}

type reply struct {
	sig []byte
	err error
}

// New makes a batch of n members signing for pub with sign (for example
// the authority's SignDigests with the passphrase).
func New(n int, pub crypto.PublicKey, sign func(digests [][]byte) ([][]byte, error)) *Batch {
	return &Batch{pub: pub, sign: sign, waiting: n}
}

// Member is the signer of one document. Call Finish when the document is
// done, signed or not (defer it), so that the others do not wait for it.
type Member struct {
	b    *Batch
	done bool
}

// Member returns the next member; call it n times.
func (b *Batch) Member() *Member { return &Member{b: b} }

func (m *Member) Public() crypto.PublicKey { return m.b.pub }

// Sign gives the SHA-256 digest to the batch and waits for its signature.
func (m *Member) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts.HashFunc() != crypto.SHA256 {
		return nil, errors.New("the authority signs SHA-256 digests only")
	}
	r := make(chan reply, 1)
	m.b.mu.Lock()
	if m.done {
		m.b.mu.Unlock()
		return nil, errors.New("one signature per document")
	}
	m.done = true
	m.b.digests = append(m.b.digests, digest)
	m.b.replies = append(m.b.replies, r)
	m.b.leave()
	got := <-r
	return got.sig, got.err
}

// Finish tells the batch the member's document is done (signed or failed).
func (m *Member) Finish() {
	m.b.mu.Lock()
	if m.done {
		m.b.mu.Unlock()
		return
	}
	m.done = true
	m.b.leave()
}

// leave counts one member out and unlocks b.mu; the last one out signs.
func (b *Batch) leave() {
	b.waiting--
	if b.waiting > 0 || len(b.digests) == 0 {
		b.mu.Unlock()
		return
	}
	digests, replies := b.digests, b.replies
	b.digests, b.replies = nil, nil
	b.mu.Unlock()
	sigs, err := b.sign(digests)
	if err == nil && len(sigs) != len(digests) {
		err = fmt.Errorf("the authority returned %d signatures for %d digests", len(sigs), len(digests))
	}
	for i, r := range replies {
		if err != nil {
			r <- reply{err: err}
		} else {
			r <- reply{sig: sigs[i]}
		}
	}
}
