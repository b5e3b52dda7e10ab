package embedded

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"github.com/natunakab/besign/authority"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCreateUserValidation(t *testing.T) {
	e, _, _ := openTest(t, nil)
	if _, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Ana", Email: "ana@natunakab.go.id"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		req authority.CreateUserRequest
		err error
	}{
		{authority.CreateUserRequest{Name: "", Email: "b@natunakab.go.id"}, authority.ErrNameRequired},
		{authority.CreateUserRequest{Name: strings.Repeat("n", authority.MaxNameLen+1), Email: "b@natunakab.go.id"}, authority.ErrNameTooLong},
		{authority.CreateUserRequest{Name: "B\tC", Email: "b@natunakab.go.id"}, authority.ErrNameInvalid},
		{authority.CreateUserRequest{Name: "B", Email: ""}, authority.ErrEmailInvalid},
		{authority.CreateUserRequest{Name: "B", Email: "bukan email"}, authority.ErrEmailInvalid},
		{authority.CreateUserRequest{Name: "B", Email: "ANA@natunakab.go.id"}, authority.ErrEmailTaken},
		{authority.CreateUserRequest{Name: "B", Email: "b@natunakab.go.id", Role: "admin"}, authority.ErrRoleInvalid},
	} {
		if _, err := e.CreateUser(ctx, tc.req); !errors.Is(err, tc.err) {
			t.Errorf("CreateUser(%+v): %v, want %v", tc.req, err, tc.err)
		}
	}
	// Nothing half-made: one account, one mail.
	users, _ := e.ListUsers(ctx)
	mails, _ := e.Outbox(ctx, authority.OutboxQuery{})
	if len(users) != 1 || len(mails) != 1 {
		t.Fatalf("%d users, %d mails after bad input", len(users), len(mails))
	}
	v, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Verifikator", Email: "ana@bssn.go.id", Role: "Verifier"})
	if err != nil || v.Role != authority.RoleVerifier || v.Username != "ana2" {
		t.Fatalf("verifier %+v, %v", v, err)
	}
}

func TestRegister(t *testing.T) {
	e, _, _ := openTest(t, nil)
	acc, err := e.Register(ctx, authority.RegisterRequest{Name: "Rina", Email: "Rina@NATUNAKAB.go.id"})
	if err != nil || acc.Role != authority.RoleSigner || acc.Email != "rina@natunakab.go.id" {
		t.Fatalf("register: %+v, %v", acc, err)
	}
	newestMail(t, e, acc.Email, authority.MailActivation)
	for _, tc := range []struct {
		req authority.RegisterRequest
		err error
	}{
		{authority.RegisterRequest{Name: "Rina", Email: "rina@gmail.com"}, authority.ErrEmailDomain},
		{authority.RegisterRequest{Name: "Rina", Email: "rina@sub.natunakab.go.id"}, authority.ErrEmailDomain},
		{authority.RegisterRequest{Name: "", Email: "x@natunakab.go.id"}, authority.ErrNameRequired},
		{authority.RegisterRequest{Name: "X", Email: "x@"}, authority.ErrEmailInvalid},
	} {
		if _, err := e.Register(ctx, tc.req); !errors.Is(err, tc.err) {
			t.Errorf("Register(%+v): %v, want %v", tc.req, err, tc.err)
		}
	}

	off, _, _ := openTest(t, func(o *Options) { o.SelfRegistration = false; o.EmailDomain = "bintankab.go.id" })
	if _, err := off.Register(ctx, authority.RegisterRequest{Name: "Rina", Email: "rina@bintankab.go.id"}); !errors.Is(err, authority.ErrRegistrationOff) {
		t.Errorf("registration off: %v", err)
	}
}

func TestImportUsers(t *testing.T) {
	e, _, _ := openTest(t, nil)
	rows := []authority.CreateUserRequest{
		{Name: "Satu", Email: "satu@natunakab.go.id"},
		{Name: "", Email: "dua@natunakab.go.id"},
		{Name: "Tiga", Email: "tiga@natunakab.go.id", Role: authority.RoleVerifier},
		{Name: "Empat", Email: "SATU@natunakab.go.id"}, // duplicate within the file
		{Name: "Lima", Email: "lima"},
	}
	res, err := e.ImportUsers(ctx, rows)
	if !errors.Is(err, authority.ErrImportRejected) {
		t.Fatalf("import with bad rows: %v", err)
	}
	wantRows := []int{1, 3, 4}
	if len(res.Created) != 0 || len(res.Errors) != len(wantRows) {
		t.Fatalf("result %+v", res)
	}
	for i, re := range res.Errors {
		if re.Row != wantRows[i] || re.Err == "" {
			t.Errorf("row error %d: %+v", i, re)
		}
	}
	if !strings.Contains(res.Errors[1].Err, authority.ErrEmailTaken.Error()) {
		t.Errorf("duplicate row error %q", res.Errors[1].Err)
	}
	users, _ := e.ListUsers(ctx)
	mails, _ := e.Outbox(ctx, authority.OutboxQuery{})
	if len(users) != 0 || len(mails) != 0 {
		t.Fatalf("rejected import left %d users, %d mails", len(users), len(mails))
	}

	good := []authority.CreateUserRequest{rows[0], rows[2], {Name: "Empat", Email: "satu@bintankab.go.id"}}
	res, err = e.ImportUsers(ctx, good)
	if err != nil || len(res.Created) != 3 || len(res.Errors) != 0 {
		t.Fatalf("good import: %+v, %v", res, err)
	}
	if res.Created[2].Username != "satu2" || res.Created[1].Role != authority.RoleVerifier {
		t.Errorf("created %+v", res.Created)
	}
	mails, _ = e.Outbox(ctx, authority.OutboxQuery{})
	if len(mails) != 3 {
		t.Errorf("%d activation mails, want 3", len(mails))
	}
	if res, err := e.ImportUsers(ctx, nil); err != nil || len(res.Created) != 0 {
		t.Errorf("empty import: %+v, %v", res, err)
	}
}

func TestOutbox(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	e.CreateUser(ctx, authority.CreateUserRequest{Name: "A", Email: "a@natunakab.go.id"})
	clk.Advance(time.Second)
	e.CreateUser(ctx, authority.CreateUserRequest{Name: "B", Email: "b@natunakab.go.id"})
	clk.Advance(time.Second)
	e.RequestReset(ctx, authority.ResetRequest{Login: "a"})
	all, err := e.Outbox(ctx, authority.OutboxQuery{})
	if err != nil || len(all) != 3 {
		t.Fatalf("outbox %v, %v", all, err)
	}
	if all[0].Kind != authority.MailReset || all[2].To != "a@natunakab.go.id" || !all[0].CreatedAt.After(all[1].CreatedAt) {
		t.Errorf("not newest first: %+v", all)
	}
	onlyA, _ := e.Outbox(ctx, authority.OutboxQuery{To: " A@NatunaKab.go.id "})
	if len(onlyA) != 2 || onlyA[0].Kind != authority.MailReset || onlyA[1].Kind != authority.MailActivation {
		t.Errorf("filtered outbox %+v", onlyA)
	}
	if none, _ := e.Outbox(ctx, authority.OutboxQuery{To: "c@natunakab.go.id"}); len(none) != 0 {
		t.Errorf("outbox for nobody: %+v", none)
	}
}

func TestWrongMasterKey(t *testing.T) {
	e, _, opts := openTest(t, nil)
	e.Close()
	other := bytes.Repeat([]byte{8}, authority.MasterKeySize)
	opts.MasterKey = other
	if _, err := Open(opts); !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("other key: %v", err)
	}
	opts.MasterKey = other[:16]
	if _, err := Open(opts); !errors.Is(err, ErrMasterKeyInvalid) {
		t.Fatalf("short key: %v", err)
	}
	opts.MasterKey = testKey
	e2, err := Open(opts)
	if err != nil {
		t.Fatalf("right key: %v", err)
	}
	e2.Close()
}

func TestCorruptDatabase(t *testing.T) {
	dir := t.TempDir()
	// A real database to damage.
	e, _, opts := openTest(t, func(o *Options) { o.Path = filepath.Join(dir, "good.db") })
	e.CreateUser(ctx, authority.CreateUserRequest{Name: "A", Email: "a@natunakab.go.id"})
	e.Close() // checkpoints the WAL into the file
	good, err := os.ReadFile(opts.Path)
	if err != nil {
		t.Fatal(err)
	}

	damaged := bytes.Clone(good)
	for i := 100; i < len(damaged); i++ {
		damaged[i] ^= 0x5a
	}
	other := filepath.Join(dir, "other.db")
	db, _ := sql.Open("sqlite", other)
	if _, err := db.Exec("CREATE TABLE foto (id INTEGER)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	otherBytes, _ := os.ReadFile(other)
	if len(good) < 8192 {
		t.Fatalf("good database has only %d bytes", len(good))
	}

	for name, content := range map[string][]byte{
		"text":      []byte("ini bukan database\n"),
		"short":     []byte("SQLite format 3\x00"),
		"damaged":   damaged,
		"truncated": good[:len(good)/2],
		"cut":       good[:len(good)-100],
		"unrelated": otherBytes,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "authority.db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			o := opts
			o.Path = path
			_, err := Open(o)
			if !errors.Is(err, ErrCorruptDatabase) || !strings.Contains(err.Error(), path) {
				t.Fatalf("open %s: %v", name, err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, content) {
				t.Fatal("the file was changed")
			}
		})
	}

	// A file from a newer schema is refused, not downgraded.
	newer := filepath.Join(t.TempDir(), "newer.db")
	os.WriteFile(newer, good, 0o600)
	db, _ = sql.Open("sqlite", newer)
	db.Exec("PRAGMA user_version = 99")
	db.Close()
	o := opts
	o.Path = newer
	if _, err := Open(o); !errors.Is(err, ErrDatabaseTooNew) {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestDataDirCreatedPrivate(t *testing.T) {
	_, _, opts := openTest(t, nil)
	for _, p := range []string{filepath.Dir(opts.Path), opts.Path} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v", p, fi.Mode().Perm())
		}
	}
}

func TestOTPSecretsEncryptedAtRest(t *testing.T) {
	e, clk, opts := openTest(t, nil)
	_, secret := activate(t, e, clk, "Rahasia", "rahasia@natunakab.go.id")
	en, _ := e.BeginOTPEnrolment(ctx, signIn(t, e, clk, "rahasia", secret, false).Token)
	e.Close()
	raw, _ := b32.DecodeString(secret)
	rawPending, _ := b32.DecodeString(en.Secret)
	for _, f := range []string{opts.Path, opts.Path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, needle := range [][]byte{[]byte(secret), raw, []byte(en.Secret), rawPending} {
			if bytes.Contains(b, needle) {
				t.Fatalf("%s holds an OTP secret in the clear", f)
			}
		}
	}
	// Sealed secrets are bound to their row.
	box, _ := newSecretBox(testKey)
	sealed, _ := box.seal([]byte("JBSWY3DPEHPK3PXP"), deviceAAD(1, 1))
	if _, err := box.open(sealed, deviceAAD(2, 1)); err == nil {
		t.Fatal("secret opened under another row")
	}
	if got, err := box.open(sealed, deviceAAD(1, 1)); err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open: %q, %v", got, err)
	}
}

func TestClosed(t *testing.T) {
	e, _, _ := openTest(t, nil)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := e.ListUsers(ctx); !errors.Is(err, authority.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// TestJSONRoundTrip: requests and responses survive a network transport.
func TestJSONRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	acc := authority.Account{ID: 7, Name: "Ana", Username: "ana", Email: "ana@natunakab.go.id", Role: authority.RoleVerifier,
		HasOTP: true, Locked: true, LockedTil: at.Add(time.Minute), HasPassword: true, CreatedAt: at}
	values := []any{
		acc,
		authority.SignInResponse{Session: &authority.Session{Token: "t", Account: acc, ExpiresAt: at}, Account: acc},
		authority.SignInResponse{OTPChallenge: "c", Account: acc},
		authority.ResetTicket{Ticket: "x", Account: acc, NeedsOTP: true, ExpiresAt: at},
		authority.OTPEnrolment{ID: "i", URI: "otpauth://totp/a", Secret: "S", Issuer: "BeSign", Account: "a", Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30},
		authority.ConfirmOTPRequest{Token: "t", EnrolmentID: "i", Code: "123456", DeviceName: "HP"},
		authority.ImportResult{Created: []authority.Account{acc}, Errors: []authority.RowError{{Row: 2, Err: "name is required"}}},
		authority.Mail{ID: 1, Kind: authority.MailReset, To: "a@b.id", Subject: "s", Body: "b", ActionLabel: "l", ActionLink: "besign://reset?token=x", CreatedAt: at, SentAt: at},
		authority.SetPasswordRequest{Ticket: "t", Password: "p", Confirmation: "p"},
		authority.CreateUserRequest{Name: "n", Email: "e", Role: authority.RoleSigner},
	}
	for _, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		back := reflect.New(reflect.TypeOf(v))
		if err := json.Unmarshal(b, back.Interface()); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back.Elem().Interface(), v) {
			t.Errorf("%T: %s came back as %+v", v, b, back.Elem().Interface())
		}
	}
	b, _ := json.Marshal(authority.Account{ID: 1, CreatedAt: at})
	if strings.Contains(string(b), "locked_until") {
		t.Errorf("zero LockedTil serialised: %s", b)
	}
}

// Mail goes out in the recipient's language: the account's own, else the
// authority's default; every mail kind exists in every language.
func TestMailLanguage(t *testing.T) {
	e, _, _ := openTest(t, func(o *Options) { o.Language = authority.LanguageEN })
	en, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Default", Email: "bawaan@natunakab.go.id"})
	if err != nil || en.Language != authority.LanguageEN {
		t.Fatalf("default language account: %+v, %v", en, err)
	}
	id, err := e.Register(ctx, authority.RegisterRequest{Name: "Indo", Email: "indo@natunakab.go.id", Language: "ID"})
	if err != nil || id.Language != authority.LanguageID {
		t.Fatalf("Indonesian account: %+v, %v", id, err)
	}
	if _, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "X", Email: "x@natunakab.go.id", Language: "fr"}); !errors.Is(err, authority.ErrLanguageInvalid) {
		t.Fatalf("French: %v", err)
	}
	want := map[string][2]string{
		en.Email: {"BeSign Account Activation", "Forgot Password"},
		id.Email: {"Aktivasi Akun BeSign", "Lupa Password"},
	}
	for addr, w := range want {
		m := newestMail(t, e, addr, authority.MailActivation)
		if m.Subject != w[0] || m.ActionLabel != w[1] {
			t.Errorf("%s: subject %q, label %q; want %q", addr, m.Subject, m.ActionLabel, w)
		}
		if err := e.RequestReset(ctx, authority.ResetRequest{Login: addr}); err != nil {
			t.Fatal(err)
		}
	}
	mustContain(t, "English reset mail", newestMail(t, e, en.Email, authority.MailReset).Body, "expires within 24 hours")
	mustContain(t, "Indonesian reset mail", newestMail(t, e, id.Email, authority.MailReset).Body, "kedaluwarsa dalam 24 jam")

	// A default the authority writes no mail in is refused.
	if _, err := Open(Options{Path: t.TempDir() + "/b.db", MasterKey: testKey, Language: "fr"}); !errors.Is(err, authority.ErrLanguageInvalid) {
		t.Fatalf("open with language fr: %v", err)
	}
	for _, texts := range []map[authority.Language]mailText{activationText, resetText, deviceAddedText, registerAttemptText} {
		for _, l := range authority.Languages {
			tx, ok := texts[l]
			if !ok || tx.subject == "" || tx.body == "" {
				t.Errorf("no %s text for %v", l, texts[authority.LanguageID].subject)
			}
			if strings.Count(tx.body, "%s") != strings.Count(texts[authority.LanguageID].body, "%s") {
				t.Errorf("%s text of %q has other fields than the Indonesian", l, tx.subject)
			}
		}
	}
}
