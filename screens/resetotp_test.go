package screens

import (
	"context"
	"strings"
	"testing"
)

// After IT reset the OTP (a lost phone), signing in with the password says
// where to set OTP up again, instead of a bare "set up OTP first".
func TestSignInAfterOTPReset(t *testing.T) {
	h := newHarness(t)
	h.user("Budi", "budi@natunakab.go.id")
	h.activate("budi@natunakab.go.id", "password-budi")
	if err := h.auth.ResetOTP(context.Background(), "budi@natunakab.go.id"); err != nil {
		t.Fatal(err)
	}
	v := h.ui.account.signIn
	h.typeIn(v.login.entry, "budi")
	h.typeIn(v.password.entry, "password-budi")
	h.enter()
	h.wantView("Masuk", v.content)
	if got := shown(v.f.top); !strings.Contains(got, "direset oleh admin TI") || !strings.Contains(got, "Atur Ulang OTP") {
		t.Fatalf("error = %q", got)
	}
}
