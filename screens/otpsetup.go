package screens

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/natunakab/besign/authority"
)

type setupMode int

const (
	setupForReset  setupMode = iota // a required action after a reset link
	setupForDevice                  // "Tambah perangkat" in the OTP tab
)

// otpSetupView is "Pengaturan OTP": a QR code of the key URI, the
// key itself behind "Tidak bisa memindai?", then a code and a device name.
type otpSetupView struct {
	u     *UI
	flows authority.Flows
	mode  setupMode
	f     *form
	code  *field
	name  *field

	qr       *canvas.Image
	toggle   *textLink
	manual   *fyne.Container
	key      *widget.Label // the key in groups of four, selectable
	copyKey  *button
	params   *widget.Label
	content  fyne.CanvasObject
	onDone   func(authority.OTPDevice)
	onCancel func()

	token     string // reset ticket or session token
	enrolment authority.OTPEnrolment
}

func newOTPSetupView(u *UI, flows authority.Flows, mode setupMode) *otpSetupView {
	v := &otpSetupView{u: u, flows: flows, mode: mode}
	v.f = newForm(lang.L("Kirim"), v.submit)
	v.code = v.f.field(lang.L("Kode OTP *"), newEntry(), 7)
	v.name = v.f.field(lang.L("Nama Perangkat *"), newEntry(), authority.MaxDeviceNameLen)

	v.qr = canvas.NewImageFromResource(nil)
	v.qr.FillMode = canvas.ImageFillContain
	v.qr.ScaleMode = canvas.ImageScalePixels
	v.qr.SetMinSize(fyne.NewSize(200, 200))
	v.key = widget.NewLabel("")
	v.key.TextStyle.Monospace = true
	v.key.Selectable = true
	v.key.Wrapping = fyne.TextWrapWord
	v.copyKey = newButton(lang.L("Salin kunci"), func() {
		fyne.CurrentApp().Clipboard().SetContent(v.enrolment.Secret)
		v.f.setNote(lang.L("Kunci disalin."))
		// a tapped button drops the focus; the code is what comes next
		v.u.win.Canvas().Focus(v.code.entry)
	})
	v.params = wrapped("")
	v.manual = container.NewVBox(
		wrapped(lang.L("Masukkan kunci berikut di aplikasi autentikator:")),
		v.key, v.copyKey, v.params)
	v.manual.Hide()
	v.toggle = hyperlink(lang.L("Tidak bisa memindai?"), v.toggleManual)

	objs := []fyne.CanvasObject{title(lang.L("Pengaturan OTP"))}
	if mode == setupForReset {
		warn := wrapped(lang.L("Anda harus mengatur Mobile Authenticator untuk mengaktifkan akun Anda."))
		warn.Importance = widget.WarningImportance
		objs = append(objs, warn)
	}
	// The code beside steps 1 and 2, not under them: on a 600 px screen the
	// whole code stays in view with Kode OTP, which has the focus.
	steps := container.NewVBox(
		wrapped(lang.L("1. Instal salah satu dari aplikasi berikut pada perangkat seluler Anda:")),
		wrapped("    • FreeOTP\n    • Google Authenticator"),
		wrapped(lang.L("2. Buka aplikasi dan pindai barcode berikut:")),
		v.toggle,
	)
	objs = append(objs,
		v.f.top,
		container.NewBorder(nil, nil, nil, container.NewCenter(v.qr), steps),
		v.manual,
		wrapped(lang.L("3. Masukkan kode OTP dari aplikasi dan klik \"Kirim\" untuk menyelesaikan pengaturan.")),
		wrapped(lang.L("Disarankan memberikan nama perangkat untuk mengatur perangkat OTP Anda")),
		v.code.box(),
		v.name.box(),
		v.f.note,
	)
	// Kirim and the way back stay in view under the scrolled steps
	actions := container.NewHBox(v.f.button)
	cancel := func() {
		if v.onCancel != nil {
			v.onCancel()
		}
	}
	v.f.onEscape(cancel)
	if mode == setupForDevice {
		actions.Add(newButton(lang.L("Batal"), cancel))
	} else {
		actions.Add(hyperlink(lang.L("Kembali ke halaman Login"), cancel))
	}
	v.content = actionCard(actions, objs...)
	return v
}

func (v *otpSetupView) toggleManual() {
	if v.manual.Visible() {
		v.manual.Hide()
		v.qr.Show()
		v.toggle.SetText(lang.L("Tidak bisa memindai?"))
	} else {
		v.manual.Show()
		v.qr.Hide()
		v.toggle.SetText(lang.L("Pindai barcode?"))
	}
	// lay the card out again now, so the key's widgets take their place
	// (and their turn in the Tab order) at once
	v.content.Refresh()
}

// begin asks the authority for a new secret for the holder of token.
func (v *otpSetupView) begin(token string) {
	v.token = token
	v.enrolment = authority.OTPEnrolment{}
	v.f.clearErrors()
	v.f.setNote("")
	v.code.entry.SetText("")
	v.manual.Hide()
	v.qr.Show()
	v.toggle.SetText(lang.L("Tidak bisa memindai?"))
	v.qr.Resource = nil
	v.qr.Refresh()
	v.key.SetText("")
	v.f.busy(true)
	background(v.u, func(ctx context.Context) (authority.OTPEnrolment, error) {
		return v.flows.BeginOTPEnrolment(ctx, token)
	}, func(e authority.OTPEnrolment, err error) {
		if err != nil {
			v.f.button.SetText(v.f.idle)
			v.failed(err)
			return
		}
		png, err := qrcode.Encode(e.URI, qrcode.Medium, 512)
		if err != nil {
			v.f.button.SetText(v.f.idle)
			v.f.setError(message(fmt.Errorf("draw qr code: %w", err)))
			return
		}
		v.f.busy(false)
		v.enrolment = e
		v.qr.Resource = fyne.NewStaticResource("otp-qr.png", png)
		v.qr.Refresh()
		v.key.SetText(groupKey(e.Secret))
		v.params.SetText(lang.L("Tipe: Berbasis waktu ({{.Type}})\nAlgoritma: {{.Algorithm}}\nDigit: {{.Digits}}\nInterval: {{.Period}} detik",
			map[string]any{"Type": e.Type, "Algorithm": e.Algorithm, "Digits": e.Digits, "Period": e.Period}))
	})
}

// failed handles errors that end the set-up.
func (v *otpSetupView) failed(err error) {
	switch {
	case errors.Is(err, authority.ErrSessionExpired), errors.Is(err, authority.ErrTokenExpired),
		errors.Is(err, authority.ErrTokenInvalid), errors.Is(err, authority.ErrTokenUsed):
		if v.mode == setupForDevice {
			v.u.sessionLost()
			return
		}
		v.u.account.showSignIn(signInState{
			err: lang.L("Waktu untuk pengaturan OTP telah habis. Minta tautan reset baru lewat Lupa Password.")})
	default:
		v.f.setError(message(err))
	}
}

func (v *otpSetupView) submit() {
	v.f.clearErrors()
	v.f.setNote("")
	code, err := authority.ParseOTPCode(v.code.entry.Text)
	name := strings.TrimSpace(v.name.entry.Text)
	bad := false
	if err != nil {
		v.code.setError(message(err))
		bad = true
	}
	if name == "" {
		v.name.setError(message(authority.ErrDeviceNameMissing))
		bad = true
	}
	if bad {
		return
	}
	req := authority.ConfirmOTPRequest{Token: v.token, EnrolmentID: v.enrolment.ID, Code: code, DeviceName: name}
	v.f.busy(true)
	background(v.u, func(ctx context.Context) (authority.OTPDevice, error) {
		return v.flows.ConfirmOTPEnrolment(ctx, req)
	}, func(d authority.OTPDevice, err error) {
		v.f.busy(false)
		switch {
		case err == nil:
			v.code.entry.SetText("")
			v.name.entry.SetText("")
			if v.onDone != nil {
				v.onDone(d)
			}
		case errors.Is(err, authority.ErrOTPRequired), errors.Is(err, authority.ErrOTPFormat),
			errors.Is(err, authority.ErrOTPInvalid), errors.Is(err, authority.ErrOTPReused):
			v.code.reject(message(err))
		case errors.Is(err, authority.ErrDeviceNameMissing), errors.Is(err, authority.ErrDeviceNameTooLong):
			v.name.setError(message(err))
		case errors.Is(err, authority.ErrEnrolmentUnknown):
			// a fresh secret: the old QR code is useless now
			v.begin(v.token)
			v.f.setError(message(err))
		default:
			v.failed(err)
		}
	})
}

// groupKey writes a Base32 key in groups of four for reading aloud or typing.
func groupKey(secret string) string {
	var b strings.Builder
	for i, r := range strings.ToUpper(secret) {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// setError shows msg above the set-up form (for example when the password
// step finds that OTP must come first).
func (v *otpSetupView) setError(msg string) { v.f.setError(msg) }
