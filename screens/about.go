package screens

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/config"
)

// About is what "Tentang dan Pengaturan" shows: the version, where the data
// lives and the configuration in force, so that IT can check a deployment.
type About struct {
	Version string
	DataDir string
	Config  config.Config
}

// aboutRows lists label and value pairs; the SMTP password is never shown.
func aboutRows(a About) [][2]string {
	c := a.Config
	yes := func(b bool) string {
		if b {
			return lang.L("Ya")
		}
		return lang.L("Tidak")
	}
	files := lang.L("bawaan (tidak ada berkas)")
	if len(c.Files) > 0 {
		files = strings.Join(c.Files, "\n")
	}
	smtp := lang.L("tidak (hanya Kotak Masuk)")
	if c.SMTP.Host != "" {
		smtp = fmt.Sprintf("%s:%d (%s), %s", c.SMTP.Host, c.SMTP.Port, c.SMTP.TLS, c.SMTP.From)
	}
	l := c.Lockout
	return [][2]string{
		{lang.L("Versi"), a.Version},
		{lang.L("Folder data"), a.DataDir},
		{lang.L("Berkas konfigurasi"), files},
		{lang.L("Instansi"), c.Instansi},
		{lang.L("Domain email"), c.EmailDomain},
		{lang.L("Pendaftaran mandiri"), yes(c.SelfRegistration)},
		{lang.L("Otoritas"), c.Authority},
		{lang.L("Bahasa"), c.Language},
		{lang.L("URL verifikasi"), c.VerificationURL},
		{lang.L("Persetujuan aktivasi otomatis"), yes(c.AutoApproveActivations)},
		{lang.L("Masa berlaku tautan reset"), c.ResetLinkLifetime.String()},
		{lang.L("Penguncian akun"), lang.L("setelah {{.N}} kegagalan, tambah {{.Inc}} per kegagalan, paling lama {{.Max}}",
			map[string]any{"N": l.FailureFactor, "Inc": l.WaitIncrement.String(), "Max": l.MaxWait.String()})},
		{lang.L("Kirim email (SMTP)"), smtp},
	}
}

// showAbout opens "Tentang dan Pengaturan" as a dialog.
func (u *UI) showAbout() { u.aboutDialog() }

// aboutDialog opens "Tentang dan Pengaturan" and returns its trusted roots
// section.
func (u *UI) aboutDialog() *rootsSection {
	form := widget.NewForm()
	for _, r := range aboutRows(u.opts.About) {
		v := widget.NewLabel(r[1])
		v.Wrapping = fyne.TextWrapWord
		v.Selectable = true
		form.Append(r[0], v)
	}
	note := wrapped(lang.L("Pengaturan ini ditetapkan oleh bagian TI dan hanya dapat diubah di berkas konfigurasi sistem."))
	roots := newRootsSection(u, u.opts.Authority)
	notices := newButton(lang.L("Lisensi Pihak Ketiga"), u.showNotices)
	body := container.NewVScroll(container.NewVBox(title("BeSign Desktop"), note, form,
		container.NewHBox(notices), widget.NewSeparator(), roots.content))
	u.showCustom(lang.L("Tentang dan Pengaturan"), body, fyne.NewSize(760, 600))
	return roots
}

// showNotices shows the third-party licence notices (assets.Notices, as
// shipped beside the binary) over Tentang. They run to thousands of lines,
// so a list draws only the lines in view: one label for the whole text
// would take seconds to lay out.
func (u *UI) showNotices() {
	lines := strings.Split(assets.Notices, "\n")
	list := widget.NewList(func() int { return len(lines) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle.Monospace = true
			l.Truncation = fyne.TextTruncateClip
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(lines[i]) })
	list.HideSeparators = true
	u.showCustom(lang.L("Lisensi Pihak Ketiga"), list, fyne.NewSize(760, 480))
}
