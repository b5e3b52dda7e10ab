package screens

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// otpTab lists the signed-in account's OTP devices, removes them and adds
// new ones through the same set-up form as the reset flow.
type otpTab struct {
	u       *UI
	auth    authority.Devices
	content *fyne.Container

	list    *fyne.Container // one row per device
	f       *form           // top error and notes; its button is "Tambah perangkat"
	devices []authority.OTPDevice
	listing fyne.CanvasObject
	hint    fyne.CanvasObject
	setup   *otpSetupView
	// confirm is the open removal dialog, for tests.
	confirm *confirmDialog
}

func newOTPTab(u *UI, devices authority.Devices, flows authority.Flows) *otpTab {
	t := &otpTab{u: u, auth: devices, content: container.NewStack()}
	t.f = newForm(lang.L("Tambah perangkat"), t.add)
	t.f.button.Importance = widget.MediumImportance
	t.list = container.NewVBox()
	t.listing = card(
		title(lang.L("Perangkat OTP")),
		wrapped(lang.L("Aplikasi autentikator yang dapat memberi kode OTP untuk akun Anda.")),
		t.f.top, t.f.note,
		t.list,
		t.f.button,
	)
	t.hint = card(
		title(lang.L("Perangkat OTP")),
		wrapped(lang.L("Masuk terlebih dahulu di tab Akun untuk mengelola perangkat OTP.")),
	)
	t.setup = newOTPSetupView(u, flows, setupForDevice)
	t.setup.onDone = func(d authority.OTPDevice) {
		t.refresh()
		t.f.setNote(lang.L("Perangkat \"{{.Name}}\" ditambahkan.", map[string]any{"Name": d.Name}))
	}
	t.setup.onCancel = t.refresh
	t.content.Objects = []fyne.CanvasObject{t.hint}
	return t
}

func (t *otpTab) show(obj fyne.CanvasObject) {
	t.content.Objects = []fyne.CanvasObject{obj}
	t.content.Refresh()
}

// shown is called when the tab is selected.
func (t *otpTab) shown() {
	if t.content.Objects[0] == t.setup.content {
		t.u.win.Canvas().Focus(t.setup.code.entry)
	}
}

// refresh shows the hint when signed out, else loads the device list.
func (t *otpTab) refresh() {
	t.f.clearErrors()
	t.f.setNote("")
	s := t.u.state.session
	if s == nil {
		t.devices = nil
		t.list.Objects = nil
		t.show(t.hint)
		return
	}
	t.show(t.listing)
	token := s.Token
	background(t.u, func(ctx context.Context) ([]authority.OTPDevice, error) {
		return t.auth.OTPDevices(ctx, token)
	}, func(ds []authority.OTPDevice, err error) {
		if err != nil {
			if errors.Is(err, authority.ErrSessionExpired) {
				t.u.sessionLost()
				return
			}
			t.f.setError(message(err))
			return
		}
		t.setDevices(ds)
	})
}

func (t *otpTab) setDevices(ds []authority.OTPDevice) {
	t.devices = ds
	t.list.Objects = nil
	if len(ds) == 0 {
		t.list.Add(wrapped(lang.L("Belum ada perangkat OTP.")))
	}
	for _, d := range ds {
		name := widget.NewLabel(d.Name)
		name.TextStyle.Bold = true
		name.Truncation = fyne.TextTruncateEllipsis
		added := widget.NewLabel(lang.L("Ditambahkan {{.Date}}", map[string]any{"Date": formatTime(d.CreatedAt)}))
		added.Importance = widget.LowImportance
		rm := newButton(lang.L("Hapus"), func() { t.askRemove(d) })
		rm.Importance = widget.DangerImportance
		t.list.Add(container.NewBorder(nil, widget.NewSeparator(), nil, container.NewCenter(rm),
			container.NewVBox(name, added)))
	}
	t.list.Refresh()
}

func (t *otpTab) askRemove(d authority.OTPDevice) {
	msg := lang.L("Hapus perangkat \"{{.Name}}\"? Kode dari perangkat ini tidak lagi dapat dipakai untuk masuk.",
		map[string]any{"Name": d.Name})
	t.confirm = t.u.confirm(lang.L("Hapus perangkat"), msg, lang.L("Hapus"), lang.L("Batal"), widget.DangerImportance, func(ok bool) {
		t.confirm = nil
		if ok {
			t.remove(d)
		}
	})
}

func (t *otpTab) remove(d authority.OTPDevice) {
	s := t.u.state.session
	if s == nil {
		return
	}
	t.f.clearErrors()
	t.f.setNote("")
	token := s.Token
	background(t.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, t.auth.RemoveOTPDevice(ctx, token, d.ID)
	}, func(_ struct{}, err error) {
		switch {
		case err == nil:
			t.refresh()
			t.f.setNote(lang.L("Perangkat \"{{.Name}}\" dihapus.", map[string]any{"Name": d.Name}))
		case errors.Is(err, authority.ErrSessionExpired):
			t.u.sessionLost()
		default:
			t.f.setError(message(err))
		}
	})
}

// add runs the OTP set-up for a further device.
func (t *otpTab) add() {
	s := t.u.state.session
	if s == nil {
		return
	}
	t.setup.begin(s.Token)
	t.show(t.setup.content)
	t.u.win.Canvas().Focus(t.setup.code.entry)
}

var monthsID = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
	"Agustus", "September", "Oktober", "November", "Desember"}

// formatTime writes a local date and time the Indonesian way, "2 Januari
// 2026 15.04", or the English way when the language is English.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.Local()
	if lang.L("Januari") == "January" {
		return t.Format("2 January 2006 15:04")
	}
	return fmt.Sprintf("%d %s %d %02d.%02d", t.Day(), monthsID[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}
