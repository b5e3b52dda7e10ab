package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// activationStatusView shows a submitted activation: waiting for
// verification, or verified.
type activationStatusView struct {
	t       *activationTab
	status  *widget.Label
	note    *widget.Label
	info    *widget.Form
	values  map[string]*widget.Label
	content fyne.CanvasObject
}

// activationRows are the rows of the status view, in the order shown.
var activationRows = []string{"Status", "Dikirim", "Nama Lengkap", "Email", "Instansi", "Unit Organisasi", "Jabatan"}

func newActivationStatusView(t *activationTab) *activationStatusView {
	v := &activationStatusView{t: t, values: map[string]*widget.Label{}}
	v.status = title("")
	v.note = wrapped("")
	v.info = widget.NewForm()
	for _, r := range activationRows {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		v.values[r] = l
		v.info.Append(lang.L(r), l)
	}
	v.content = card(title(lang.L("Aktivasi Akun BSrE")), v.status, v.note, v.info)
	return v
}

// statusText is how a status reads for the account holder.
func statusText(s authority.ActivationStatus) string {
	switch s {
	case authority.ActivationWaiting:
		return lang.L("Menunggu verifikasi")
	case authority.ActivationVerified:
		return lang.L("Terverifikasi")
	case authority.ActivationRejected:
		return lang.L("Ditolak")
	}
	return lang.L("Draf")
}

func (v *activationStatusView) reset(a authority.Activation) {
	v.status.SetText(statusText(a.Status))
	note := lang.L("Data aktivasi Anda sedang diperiksa oleh verifikator. Anda akan menerima email setelah verifikasi selesai.")
	if a.Status == authority.ActivationVerified {
		note = lang.L("Akun BSrE Anda telah diverifikasi. Buat passphrase Anda: buka email \"[BSrE] Set Passphrase\" di Kotak Masuk, atau tekan \"Buat Passphrase\" pada tab Akun.")
	}
	v.note.SetText(note)
	d := a.Data
	name := d.Name
	if d.GelarDepan != "-" && d.GelarDepan != "" {
		name = d.GelarDepan + " " + name
	}
	if d.GelarBelakang != "-" && d.GelarBelakang != "" {
		name += ", " + d.GelarBelakang
	}
	vals := map[string]string{
		"Status": statusText(a.Status), "Dikirim": formatTime(a.SubmittedAt), "Nama Lengkap": name, "Email": a.Email,
		"Instansi": a.Instansi, "Unit Organisasi": d.Unit, "Jabatan": d.Jabatan,
	}
	for k, l := range v.values {
		l.SetText(vals[k])
	}
}
