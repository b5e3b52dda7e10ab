package embedded

import (
	"strings"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// TestRegisterDoesNotEnumerate: Daftar answers an address that already has
// an account exactly as a new one, and mails the owner instead of telling
// the person at the keyboard (issue 17).
func TestRegisterDoesNotEnumerate(t *testing.T) {
	e, _, _ := openTest(t, nil)
	const known = "rina@natunakab.go.id"
	if _, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Rina Ayu", Email: known}); err != nil {
		t.Fatal(err)
	}
	users := func() int {
		var us []store.User
		if err := e.db.View(ctx, func(tx store.Tx) (err error) { us, err = tx.Users(ctx); return err }); err != nil {
			t.Fatal(err)
		}
		return len(us)
	}
	before := users()

	fresh, errFresh := e.Register(ctx, authority.RegisterRequest{Name: "Penyerang", Email: "Baru@NATUNAKAB.go.id"})
	again, errAgain := e.Register(ctx, authority.RegisterRequest{Name: "Penyerang", Email: "Rina@NATUNAKAB.go.id"})
	if errFresh != nil || errAgain != nil {
		t.Fatalf("new address: %v; known address: %v; want the same answer, no error", errFresh, errAgain)
	}
	// The answers differ only in the address that was typed.
	fresh.Email = strings.Replace(fresh.Email, "baru", "rina", 1)
	if fresh != again {
		t.Errorf("answers differ:\nnew   %+v\nknown %+v", fresh, again)
	}
	if users() != before+1 {
		t.Errorf("%d accounts, want %d: the known address must not get a second one", users(), before+1)
	}

	// The owner hears of it, with the way to Lupa Password.
	m := newestMail(t, e, known, authority.MailRegisterAttempt)
	mustContain(t, "registration attempt mail", m.Body, "Lupa Password", m.ActionLink)
	if !strings.Contains(m.ActionLink, "forgot") {
		t.Errorf("action %q is not the Lupa Password link", m.ActionLink)
	}
	if strings.Contains(m.Body, "Penyerang") {
		t.Error("the mail repeats the name the stranger typed")
	}
	// The new address gets its activation mail as before.
	newestMail(t, e, "baru@natunakab.go.id", authority.MailActivation)
}
