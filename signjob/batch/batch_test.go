package batch

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
)

// TestBatchOneCall checks that a batch signs every digest in one call,
// also when some files fail before signing.
func TestBatchOneCall(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 1024)
	calls := 0
	b := New(4, key.Public(), func(ds [][]byte) ([][]byte, error) {
		calls++
		var out [][]byte
		for _, d := range ds {
			s, _ := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d)
			out = append(out, s)
		}
		return out, nil
	})
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range 4 {
		m := b.Member()
		wg.Go(func() {
			defer m.Finish()
			if i == 2 {
				errs[i] = errors.New("failed before signing")
				return
			}
			d := sha256.Sum256([]byte{byte(i)})
			sig, err := m.Sign(nil, d[:], crypto.SHA256)
			if err == nil {
				err = rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, d[:], sig)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if calls != 1 {
		t.Errorf("%d SignDigests calls, want 1", calls)
	}
	for i, err := range errs {
		if (i == 2) != (err != nil) {
			t.Errorf("file %d: %v", i, err)
		}
	}
}
