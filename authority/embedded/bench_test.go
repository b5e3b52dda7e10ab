package embedded

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"github.com/natunakab/besign/authority"
	"runtime"
	"testing"
)

// BenchmarkHashPassword measures the argon2id cost of one password hash
// (defaultArgon); a sign-in pays the same once.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := hashPassword("Rahasia#2026", defaultArgon); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignIn measures SignIn of an existing account (password check and
// OTP challenge written to SQLite) against the unknown-user path, which
// must cost about the same so that timing reveals little.
func BenchmarkSignIn(b *testing.B) {
	e, clk, _ := openTest(b, nil)
	e.opts.Logf = func(string, ...any) {}
	acc, _ := activate(b, e, clk, "Bench", "bench@natunakab.go.id")
	b.Run("known", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unknown", func(b *testing.B) {
		for b.Loop() {
			e.SignIn(ctx, authority.SignInRequest{Login: "tidakada@natunakab.go.id", Password: testPassword})
		}
	})
}

// BenchmarkDeriveKey measures the key derivation that unlocks a signing key
// (defaultKDF): a signing batch, a passphrase change and a wrong passphrase
// each pay it once.
func BenchmarkDeriveKey(b *testing.B) {
	salt := make([]byte, 16)
	for b.Loop() {
		if _, err := deriveKey("Tanda#Tangan2026", salt, defaultKDF); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignAll measures the RSA-2048 signatures of a 100-document batch
// once the key is unlocked: on one processor, as SignDigests did before,
// and on all of them.
func BenchmarkSignAll(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	digests := make([][]byte, 100)
	for i := range digests {
		d := sha256.Sum256([]byte{byte(i)})
		digests[i] = d[:]
	}
	for _, procs := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("procs=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			for b.Loop() {
				if _, err := signAll(key, digests); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(digests)*b.N)/b.Elapsed().Seconds(), "sigs/s")
		})
	}
}
