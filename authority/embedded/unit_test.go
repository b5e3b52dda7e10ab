package embedded

import (
	"encoding/base32"
	"errors"

	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/store"
)

// RFC 6238 appendix B, SHA1 rows: the 20-byte ASCII key "1234567890..." and
// 8-digit codes.
var rfc6238SHA1 = []struct {
	unix int64
	code string
}{
	{59, "94287082"},
	{1111111109, "07081804"},
	{1111111111, "14050471"},
	{1234567890, "89005924"},
	{2000000000, "69279037"},
	{20000000000, "65353130"},
}

var rfcSecret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))

func TestTOTPRFC6238Vectors(t *testing.T) {
	for _, v := range rfc6238SHA1 {
		at := time.Unix(v.unix, 0).UTC()
		opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsEight, Algorithm: otp.AlgorithmSHA1}
		got, err := totp.GenerateCodeCustom(rfcSecret, at, opts)
		if err != nil || got != v.code {
			t.Errorf("T=%d: 8-digit code %q, %v; want %q", v.unix, got, err, v.code)
		}
		if ok, err := totp.ValidateCustom(v.code, rfcSecret, at, opts); !ok || err != nil {
			t.Errorf("T=%d: ValidateCustom(%s) = %v, %v", v.unix, v.code, ok, err)
		}
		// Our policy: 6 digits are the low digits of the same truncation.
		six := v.code[2:]
		step, ok := matchOTP(rfcSecret, six, at)
		if !ok || step != v.unix/30 {
			t.Errorf("T=%d: matchOTP(%s) = %d, %v; want step %d", v.unix, six, step, ok, v.unix/30)
		}
		if _, ok := matchOTP(rfcSecret, v.code, at); ok {
			t.Errorf("T=%d: 8-digit code accepted by the 6-digit policy", v.unix)
		}
	}
}

func TestTOTPSkew(t *testing.T) {
	at := time.Unix(1111111111, 0)
	for _, tc := range []struct {
		steps int64
		ok    bool
	}{{-3, false}, {-2, false}, {-1, true}, {0, true}, {1, true}, {2, false}, {3, false}} {
		codeTime := at.Add(time.Duration(tc.steps) * 30 * time.Second)
		code, err := totp.GenerateCodeCustom(rfcSecret, codeTime, otpOpts)
		if err != nil {
			t.Fatal(err)
		}
		step, ok := matchOTP(rfcSecret, code, at)
		if ok != tc.ok {
			t.Errorf("code of step %+d: accepted %v, want %v", tc.steps, ok, tc.ok)
		}
		if ok && step != otpStep(codeTime) {
			t.Errorf("code of step %+d: matched step %d, want %d", tc.steps, step, otpStep(codeTime))
		}
	}
}

func TestKeyURI(t *testing.T) {
	secret, err := newOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 32 || strings.Contains(secret, "=") {
		t.Fatalf("secret %q: want 32 Base32 characters without padding", secret)
	}
	uri := keyURI("BeSign", "ana.maria@natunakab.go.id", secret)
	want := "otpauth://totp/BeSign:ana.maria@natunakab.go.id?secret=" + secret + "&issuer=BeSign&algorithm=SHA1&digits=6&period=30"
	if uri != want {
		t.Errorf("uri\n%s\nwant\n%s", uri, want)
	}
	// Read back by the library authenticator apps' URI format comes from.
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		t.Fatal(err)
	}
	if key.Secret() != secret || key.Issuer() != "BeSign" || key.AccountName() != "ana.maria@natunakab.go.id" ||
		key.Period() != 30 || key.Digits() != otp.DigitsSix || key.Algorithm() != otp.AlgorithmSHA1 || key.Type() != "totp" {
		t.Errorf("key read back: %v", key)
	}
	// An issuer with a space and a colon survives.
	u, err := url.Parse(keyURI("Pemkab Natuna: BeSign", "a@b.go.id", secret))
	if err != nil || u.Query().Get("issuer") != "Pemkab Natuna: BeSign" {
		t.Errorf("issuer with space: %v %v", u, err)
	}
}

func TestForgotLinkParsesAsURL(t *testing.T) {
	for _, email := range []string{"ana@natunakab.go.id", "budi+tag@natunakab.go.id", "a&b=c@x.id", "x%41@x.id", "o'neil@x.id"} {
		l := link.Forgot(email)
		u, err := url.Parse(l)
		if err != nil || u.Scheme != "besign" || u.Host != "forgot" || u.Query().Get("login") != email {
			t.Errorf("link.Forgot(%q) = %q: parsed %v, %v", email, l, u, err)
		}
	}
}

var cheapArgon = argonParams{Memory: 64, Time: 1, Threads: 1}

func TestPasswordHash(t *testing.T) {
	h, err := hashPassword("rahasia123", defaultArgon)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q lacks the parameters", h)
	}
	h2, _ := hashPassword("rahasia123", defaultArgon)
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	for pw, want := range map[string]bool{"rahasia123": true, "rahasia124": false, "": false, "Rahasia123": false} {
		if ok, err := verifyPassword(pw, h); ok != want || err != nil {
			t.Errorf("verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

func TestParseHashRejects(t *testing.T) {
	good, _ := hashPassword("x", cheapArgon)
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$t=1,m=64,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=064,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999999,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=0,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$",
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "==$" + parts[5],
		good + "$",
	} {
		if _, _, _, err := parseHash(bad); !errors.Is(err, errBadHash) {
			t.Errorf("parseHash(%q) = %v, want errBadHash", bad, err)
		}
		if ok, err := verifyPassword("x", bad); ok || err == nil {
			t.Errorf("verifyPassword with %q = %v, %v", bad, ok, err)
		}
	}
}

func FuzzParseHash(f *testing.F) {
	good, _ := hashPassword("x", cheapArgon)
	f.Add(good)
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parseHash(s)
		if err != nil {
			return
		}
		if p.Memory > maxArgonMemory || p.Time > maxArgonTime || p.Threads == 0 || len(salt) < 8 || len(key) < 16 {
			t.Fatalf("accepted out-of-bounds parameters %+v in %q", p, s)
		}
	})
}

func TestLockoutPolicy(t *testing.T) {
	p := DefaultOptions().Lockout
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	u := store.User{}
	// Failures two seconds apart: no quick-login lock, the wait starts at
	// the fifth failure and grows by 60 s up to 15 min.
	wants := map[int]time.Duration{1: 0, 4: 0, 5: time.Minute, 6: 2 * time.Minute, 9: 5 * time.Minute, 19: 15 * time.Minute, 20: 15 * time.Minute, 1000: 15 * time.Minute}
	now := t0
	for i := 1; i <= 1000; i++ {
		n, until := lockoutFailure(p, u, now)
		if n != i {
			t.Fatalf("failure %d counted as %d", i, n)
		}
		if want, ok := wants[i]; ok {
			got := time.Duration(0)
			if !until.IsZero() {
				got = until.Sub(now)
			}
			if got != want {
				t.Errorf("failure %d: wait %v, want %v", i, got, want)
			}
		}
		u.Failures, u.LastFailure, u.LockedUntil = n, now, until
		now = now.Add(2 * time.Second)
	}
	// Quick login: a second failure within a second locks 60 s.
	u = store.User{Failures: 1, LastFailure: t0}
	if _, until := lockoutFailure(p, u, t0.Add(500*time.Millisecond)); until.Sub(t0.Add(500*time.Millisecond)) != time.Minute {
		t.Errorf("quick second failure: locked until %v", until)
	}
	if _, until := lockoutFailure(p, u, t0.Add(time.Second)); !until.IsZero() {
		t.Errorf("failure after exactly QuickLoginCheck: locked until %v", until)
	}
}

func TestSayDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour: "24 jam", 48 * time.Hour: "2 hari", time.Hour: "1 jam", 90 * time.Minute: "90 menit",
		5 * time.Minute: "5 menit", 30 * time.Second: "30 detik", 7 * 24 * time.Hour: "7 hari",
	} {
		if got := sayDuration(authority.LanguageID, d); got != want {
			t.Errorf("sayDuration(id, %v) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		24 * time.Hour: "24 hours", 48 * time.Hour: "2 days", time.Hour: "1 hour", time.Minute: "1 minute",
		30 * time.Second: "30 seconds",
	} {
		if got := sayDuration(authority.LanguageEN, d); got != want {
			t.Errorf("sayDuration(en, %v) = %q, want %q", d, got, want)
		}
	}
}

func TestZeroOptionsTakeDefaults(t *testing.T) {
	o := Options{Path: t.TempDir() + "/a.db", MasterKey: testKey}
	e, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d := DefaultOptions()
	if e.opts.Lockout != d.Lockout || e.opts.ResetLinkLifetime != d.ResetLinkLifetime || e.opts.SessionLifetime != d.SessionLifetime ||
		e.opts.RememberLifetime != d.RememberLifetime || e.opts.OTPIssuer != "BeSign" || e.opts.EmailDomain != "natunakab.go.id" || e.opts.Now == nil {
		t.Errorf("options after defaults: %+v", e.opts)
	}
	// SelfRegistration is a plain bool: zero means off.
	if _, err := e.Register(ctx, authority.RegisterRequest{Name: "A", Email: "a@natunakab.go.id"}); !errors.Is(err, authority.ErrRegistrationOff) {
		t.Errorf("register with zero options: %v", err)
	}
	if _, err := Open(Options{MasterKey: testKey}); err == nil {
		t.Error("opened without a path")
	}
}
