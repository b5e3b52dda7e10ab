// Package loadgen drives organisation servers as many desktop apps at once
// would: it prepares signing accounts (OTP, password, approved activation,
// certificate) before the measured window, then runs concurrent clients
// that sign in with OTP, unlock their key once for a batch of digests and
// time-stamp the signatures, alternating between servers, and measures
// each step. scripts/bench-server.sh and the server's kill -9 test use it.
package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
)

// Password and Passphrase are every prepared account's.
const (
	Password   = "Rahasia#2026"
	Passphrase = "Tanda#Tangan2026"
)

// Account is a prepared signing account. A client owns it while it runs:
// LastStep is the newest TOTP step used, which the server refuses again.
type Account struct {
	Email    string
	Secret   string // TOTP, Base32
	LastStep int64
}

// step is the RFC 6238 time step of t (30 s).
func step(t time.Time) int64 { return t.Unix() / 30 }

// nextCode returns a code of the step after LastStep, waiting until the
// server accepts it (one step early at most), and how long it waited; it
// marks the step used.
func (a *Account) nextCode(ctx context.Context) (string, time.Duration, error) {
	s := max(step(time.Now()), a.LastStep+1)
	wait := max(time.Until(time.Unix((s-1)*30, 0)), 0)
	if wait > 0 {
		select {
		case <-ctx.Done():
			return "", 0, ctx.Err()
		case <-time.After(wait):
		}
	}
	a.LastStep = s
	code, err := totp.GenerateCodeCustom(a.Secret, time.Unix(s*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return code, wait, err
}

// ReadyAt is when every account can sign in without waiting for a code:
// preparing used each one's codes up to a step ahead, so a window started
// before then would measure clients waiting for the clock.
func ReadyAt(accounts []*Account) time.Time {
	var last int64
	for _, a := range accounts {
		last = max(last, a.LastStep)
	}
	return time.Unix(last*30, 0)
}

// Mailbox returns the token of the link in the newest mail of kind to
// email (reset, activation approved).
type Mailbox func(ctx context.Context, email string, kind authority.MailKind) (string, error)

// Outbox is the Mailbox of an authority that keeps its mail (one opened
// without SMTP).
func Outbox(a authority.Outbox) Mailbox {
	return func(ctx context.Context, email string, kind authority.MailKind) (string, error) {
		ms, err := a.Outbox(ctx, authority.OutboxQuery{To: email})
		if err != nil {
			return "", fmt.Errorf("outbox: %w", err)
		}
		for _, m := range ms {
			if m.Kind == kind {
				l, err := link.Parse(m.ActionLink)
				if err != nil {
					return "", fmt.Errorf("%s mail's link: %w", kind, err)
				}
				return l.Value, nil
			}
		}
		return "", fmt.Errorf("no %s mail to %s in the outbox", kind, email)
	}
}

// Prepare creates n signing accounts on a, which must approve activations
// by itself (auto_approve_activations) and whose mail mb reads: each gets
// OTP, the password, an activation and a certificate under Passphrase.
// first numbers the emails (load<first+i>@domain) and the NIKs, so that
// calls on one database do not collide. workers run at once; each costs a
// key derivation.
func Prepare(ctx context.Context, a authority.Authority, mb Mailbox, domain string, first, n, workers int) ([]*Account, error) {
	accounts := make([]*Account, n)
	errs := make(chan error, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	pic, err := Photo()
	if err != nil {
		return nil, err
	}
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range jobs {
				acc, err := PrepareOne(ctx, a, mb, domain, first+i, pic)
				if err != nil {
					errs <- fmt.Errorf("account %d: %w", first+i, err)
					continue
				}
				accounts[i] = acc
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return accounts, nil
}

// PrepareOne prepares account number i as Prepare does, with pic (Photo)
// as its Foto Diri.
func PrepareOne(ctx context.Context, a authority.Authority, mb Mailbox, domain string, i int, pic []byte) (*Account, error) {
	email := fmt.Sprintf("load%d@%s", i, domain)
	if _, err := a.CreateUser(ctx, authority.CreateUserRequest{Name: fmt.Sprintf("Pegawai Uji %d", i), Email: email, Role: authority.RoleSigner}); err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return Enrol(ctx, a, mb, email, i, pic)
}

// Enrol takes the created account email, number i, through its reset mail,
// OTP, password, activation and passphrase to its certificate.
func Enrol(ctx context.Context, a authority.Authority, mb Mailbox, email string, i int, pic []byte) (*Account, error) {
	if err := a.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		return nil, fmt.Errorf("request reset: %w", err)
	}
	resetToken, err := mb(ctx, email, authority.MailReset)
	if err != nil {
		return nil, err
	}
	tk, err := a.OpenReset(ctx, resetToken)
	if err != nil {
		return nil, fmt.Errorf("open reset: %w", err)
	}
	en, err := a.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		return nil, fmt.Errorf("begin otp: %w", err)
	}
	acc := &Account{Email: email, Secret: en.Secret}
	code, _, err := acc.nextCode(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := a.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: code, DeviceName: "HP"}); err != nil {
		return nil, fmt.Errorf("confirm otp: %w", err)
	}
	if err := a.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: Password, Confirmation: Password}); err != nil {
		return nil, fmt.Errorf("set password: %w", err)
	}
	ses, _, err := signIn(ctx, a, acc)
	if err != nil {
		return nil, err
	}
	// A female ASN born 1995-01-19 (NIK day + 40), serial i: the NIK is
	// unique per account, the NIP agrees with it.
	form := authority.ActivationData{
		Name: fmt.Sprintf("Pegawai Uji %d", i), NIK: fmt.Sprintf("2103015901%02d%04d", 95, 1+i%9999), GelarDepan: "-", GelarBelakang: "S.Kom.",
		Phone: "0812-3456-7890", Employment: authority.EmploymentASN, NIP: fmt.Sprintf("19950119%04d%02d2%03d", 2010+i/11988, 1+(i/999)%12, 1+i%999),
		Unit: "Dinas Komunikasi dan Informatika", Jabatan: "Pranata Komputer", Province: "21", Photo: pic, Consent: true,
	}
	if _, err := a.SubmitActivation(ctx, authority.ActivationRequest{Token: ses.Token, Data: form}); err != nil {
		return nil, fmt.Errorf("submit activation: %w", err)
	}
	ppToken, err := mb(ctx, email, authority.MailActivationApproved)
	if err != nil {
		return nil, fmt.Errorf("%w (is auto_approve_activations on?)", err)
	}
	info, err := a.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: ppToken, Passphrase: Passphrase, Confirmation: Passphrase, Consent: true})
	if err != nil {
		return nil, fmt.Errorf("create passphrase: %w", err)
	}
	if info.Status != authority.StatusIssue {
		return nil, fmt.Errorf("certificate status %s after the passphrase", info.Status)
	}
	if err := a.SignOut(ctx, ses.Token); err != nil {
		return nil, fmt.Errorf("sign out: %w", err)
	}
	return acc, nil
}

// SignOnce signs in as acc and has digest signed, checking the signature.
func SignOnce(ctx context.Context, a authority.Authority, acc *Account, digest []byte) error {
	ses, _, err := signIn(ctx, a, acc)
	if err != nil {
		return err
	}
	defer a.SignOut(ctx, ses.Token)
	resp, err := a.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: Passphrase, Digests: [][]byte{digest}})
	if err != nil {
		return fmt.Errorf("sign digests: %w", err)
	}
	return check(resp, [][]byte{digest})
}

// signIn answers the password and the OTP steps; it returns how long it
// waited for a code the server would accept (a person reading the phone),
// which is not the server's time.
func signIn(ctx context.Context, a authority.Authority, acc *Account) (authority.Session, time.Duration, error) {
	// The code first: a step is used once per account, and waiting for
	// the next one must not age the challenge.
	code, wait, err := acc.nextCode(ctx)
	if err != nil {
		return authority.Session{}, wait, err
	}
	r, err := a.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: Password})
	if err != nil {
		return authority.Session{}, wait, fmt.Errorf("sign in: %w", err)
	}
	ses, err := a.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: code})
	if err != nil {
		return authority.Session{}, wait, fmt.Errorf("sign in otp: %w", err)
	}
	return ses, wait, nil
}

// Photo is a noisy JPEG within the photo rules, as a camera gives.
func Photo() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 320, 400))
	for y := range 400 {
		for x := range 320 {
			v := uint8((x*7 + y*13 + x*y) % 256)
			img.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	if err := authority.CheckPhotoJPEG(b.Bytes()); err != nil {
		return nil, fmt.Errorf("test photo: %w", err)
	}
	return b.Bytes(), nil
}
