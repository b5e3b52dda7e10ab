package screens

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// certificateBox is the certificate part of the Akun tab's details: its
// status, serial and validity, what to do next, and the passphrase actions.
// The next step's buttons (activate, create) sit in the details' action bar,
// in view on a small screen.
type certificateBox struct {
	a      *accountTab
	status *widget.Label
	serial *widget.Label
	valid  *widget.Label
	next   *widget.Label
	create *button
	// activate goes to the Aktivasi tab while nothing was sent yet
	activate *button
	change   *button
	forgot   *button
	info     authority.CertificateInfo
	content  fyne.CanvasObject
}

func newCertificateBox(a *accountTab) *certificateBox {
	b := &certificateBox{a: a}
	value := func() *widget.Label {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		l.Selectable = true
		return l
	}
	b.status, b.serial, b.valid = value(), value(), value()
	b.status.TextStyle.Bold = true
	f := widget.NewForm()
	f.Append(lang.L("Status Sertifikat"), b.status)
	f.Append(lang.L("Nomor Seri"), b.serial)
	f.Append(lang.L("Masa Berlaku"), b.valid)
	b.next = wrapped("")
	b.create = newButton(lang.L("Buat Passphrase"), func() { a.showCreatePassphrase("") })
	b.create.Importance = widget.HighImportance
	b.activate = newButton(lang.L("Buka Aktivasi"), func() { a.u.tabs.Select(a.u.actItem) })
	b.activate.Importance = widget.HighImportance
	b.change = newButton(lang.L("Ganti Passphrase"), a.showChangePassphrase)
	b.forgot = newButton(lang.L("Lupa Passphrase"), b.doForgot)
	b.content = container.NewVBox(title(lang.L("Sertifikat Elektronik")), f, b.next,
		container.NewHBox(b.change, b.forgot))
	b.show(authority.CertificateInfo{})
	return b
}

// certStatusText names a certificate status.
func certStatusText(s authority.CertificateStatus) string {
	switch s {
	case authority.StatusNotRegistered:
		return lang.L("Belum terdaftar")
	case authority.StatusWaiting:
		return lang.L("Menunggu verifikasi")
	case authority.StatusNoCertificate:
		return lang.L("Belum ada sertifikat")
	case authority.StatusIssue:
		return lang.L("Aktif")
	case authority.StatusExpired:
		return lang.L("Kedaluwarsa")
	case authority.StatusSuspend:
		return lang.L("Ditangguhkan")
	case authority.StatusRevoke:
		return lang.L("Dicabut")
	}
	return lang.L("Memuat...")
}

// nextText says what to do next in a status.
func (b *certificateBox) nextText(info authority.CertificateInfo) string {
	switch info.Status {
	case authority.StatusNotRegistered:
		return lang.L("Lengkapi dan kirim data aktivasi pada tab Aktivasi.")
	case authority.StatusWaiting:
		return lang.L("Data aktivasi Anda sedang diverifikasi. Anda akan menerima email \"[BSrE] Set Passphrase\" setelah disetujui.")
	case authority.StatusNoCertificate:
		return lang.L("Aktivasi Anda sudah diverifikasi. Buat passphrase untuk menerbitkan sertifikat Anda.")
	case authority.StatusIssue:
		return lang.L("Sertifikat Anda siap dipakai untuk menandatangani dokumen.")
	case authority.StatusExpired:
		return lang.L("Sertifikat Anda sudah kedaluwarsa. Buat passphrase baru untuk menerbitkan sertifikat baru.")
	case authority.StatusSuspend:
		return lang.L("Sertifikat ditangguhkan karena passphrase salah berulang kali, sampai {{.Date}}. Bagian TI dapat membukanya lebih awal.",
			map[string]any{"Date": formatTime(info.SuspendedUntil)})
	case authority.StatusRevoke:
		return lang.L("Sertifikat Anda sudah dicabut. Buat passphrase baru untuk menerbitkan sertifikat baru.")
	}
	return ""
}

// show fills the box with info.
func (b *certificateBox) show(info authority.CertificateInfo) {
	b.info = info
	b.status.SetText(certStatusText(info.Status))
	serial, valid := "-", "-"
	if info.Serial != "" {
		serial = info.Serial
		valid = formatTime(info.NotBefore) + " - " + formatTime(info.NotAfter)
	}
	b.serial.SetText(serial)
	b.valid.SetText(valid)
	b.next.SetText(b.nextText(info))
	switch info.Status {
	case authority.StatusNoCertificate, authority.StatusExpired, authority.StatusRevoke:
		b.create.Show()
	default:
		b.create.Hide()
	}
	if info.Status == authority.StatusNotRegistered {
		b.activate.Show()
	} else {
		b.activate.Hide()
	}
	if info.Status == authority.StatusIssue {
		b.change.Show()
	} else {
		b.change.Hide()
	}
	if info.Status == authority.StatusIssue || info.Status == authority.StatusSuspend {
		b.forgot.Show()
	} else {
		b.forgot.Hide()
	}
	if certifiedOf(b.a.certs) != nil {
		b.showCertified(info) // BSrE mode: the steps are BSrE's
	}
	b.a.focusNextStep()
}

// refresh asks the authority for the certificate of the signed-in account.
func (b *certificateBox) refresh() {
	s := b.a.u.state.session
	if s == nil {
		return
	}
	b.show(authority.CertificateInfo{})
	background(b.a.u, func(ctx context.Context) (authority.CertificateInfo, error) {
		return b.a.certs.Certificate(ctx, s.Token)
	}, func(info authority.CertificateInfo, err error) {
		if b.a.u.state.session != s {
			return
		}
		if errors.Is(err, authority.ErrSessionExpired) {
			b.a.u.sessionLost()
			return
		}
		if err != nil {
			b.a.details.setWarning(passphraseMessage(err))
			return
		}
		b.show(info)
	})
}

// doForgot is "Lupa Passphrase": the authority mails a link.
func (b *certificateBox) doForgot() {
	u := b.a.u
	s := u.state.session
	if s == nil {
		u.sessionLost()
		return
	}
	b.forgot.Disable()
	background(u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, b.a.certs.ForgotPassphrase(ctx, s.Token)
	}, func(_ struct{}, err error) {
		b.forgot.Enable()
		if err != nil {
			b.a.details.setWarning(passphraseMessage(err))
			return
		}
		b.a.details.setNote(lang.L("Tautan untuk membuat passphrase baru telah dikirim ke {{.Email}}. Buka Kotak Masuk. Sertifikat lama tetap berlaku sampai passphrase baru dibuat.",
			map[string]any{"Email": s.Account.Email}))
	})
}
