package cli

import (
	"strings"
	"testing"
)

// besign admin users reset-otp EMAIL mails the person a link to set OTP up
// again; an unknown address is an error.
func TestAdminResetOTP(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := run(t, dir, "admin", "users", "add", "--name", "Liza Dahlia", "--email", "lizadahlia@natunakab.go.id"); code != 0 {
		t.Fatalf("add: %s", errOut)
	}
	code, out, errOut := run(t, dir, "admin", "users", "reset-otp", "lizadahlia@natunakab.go.id")
	if code != 0 || !strings.Contains(out, "removed the OTP devices of lizadahlia@natunakab.go.id") {
		t.Fatalf("reset-otp: exit %d: %q %q", code, out, errOut)
	}
	code, out, _ = run(t, dir, "admin", "outbox", "--to", "lizadahlia@natunakab.go.id")
	if code != 0 || !strings.Contains(out, "Subject: Atur Ulang OTP") || !strings.Contains(out, "Link: besign://reset?token=") {
		t.Fatalf("outbox after reset-otp: exit %d: %q", code, out)
	}
	code, _, errOut = run(t, dir, "admin", "users", "reset-otp", "nobody@natunakab.go.id")
	if code != 1 || !strings.Contains(errOut, "no such account") {
		t.Fatalf("reset-otp unknown: exit %d: %q", code, errOut)
	}
	if code, _, _ := run(t, dir, "admin", "users", "reset-otp"); code != 2 {
		t.Fatalf("reset-otp without EMAIL: exit %d, want 2", code)
	}
}
