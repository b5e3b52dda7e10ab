package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// personalStep is step 1, Data Diri: the person as on their KTP.
type personalStep struct {
	f             *form
	name          *field
	nik           *field
	gelarDepan    *field
	gelarBelakang *field
	email         *entry // the account's, read-only
	phone         *field
	content       fyne.CanvasObject
}

func newPersonalStep(t *activationTab) *personalStep {
	s := &personalStep{f: newForm(lang.L("Selanjutnya"), t.goNext)}
	// the seed's stars: what must be filled in (the gelar take "-")
	s.name = s.f.field(lang.L("Nama Lengkap *"), newEntry(), authority.MaxNameLen)
	s.name.entry.SetPlaceHolder(lang.L("Sesuai KTP"))
	s.nik = s.f.field(lang.L("NIK *"), newEntry(), authority.NIKLen)
	s.nik.entry.SetPlaceHolder(lang.L("16 digit tanpa spasi"))
	s.gelarDepan = s.f.field(lang.L("Gelar Depan"), newEntry(), authority.MaxGelarLen)
	s.gelarDepan.entry.SetPlaceHolder(lang.L("Isi \"-\" jika tidak ada"))
	s.gelarBelakang = s.f.field(lang.L("Gelar Belakang"), newEntry(), authority.MaxGelarLen)
	s.gelarBelakang.entry.SetPlaceHolder(lang.L("Isi \"-\" jika tidak ada"))
	s.email = newEntry()
	s.email.Disable()
	emailLabel := widget.NewLabel(lang.L("Email"))
	emailLabel.TextStyle.Bold = true
	s.phone = s.f.field(lang.L("Nomor Telepon *"), newEntry(), 20)
	s.phone.entry.SetPlaceHolder("08xxxxxxxxxx")
	t.fields[authority.FieldName] = s.name
	t.fields[authority.FieldNIK] = s.nik
	t.fields[authority.FieldGelarDepan] = s.gelarDepan
	t.fields[authority.FieldGelarBelakang] = s.gelarBelakang
	t.fields[authority.FieldPhone] = s.phone
	s.content = container.NewVBox(
		title(lang.L("Data Diri")),
		wrapped(lang.L("Mohon lengkapi data diri anda, sesuai dengan yang tertera pada KTP.")),
		s.name.box(), s.nik.box(), s.gelarDepan.box(), s.gelarBelakang.box(),
		container.NewVBox(emailLabel, s.email), s.phone.box(),
	)
	return s
}

func (s *personalStep) fill(a authority.Activation) {
	d := a.Data
	s.name.entry.SetText(d.Name)
	s.nik.entry.SetText(d.NIK)
	s.gelarDepan.entry.SetText(d.GelarDepan)
	s.gelarBelakang.entry.SetText(d.GelarBelakang)
	s.email.SetText(a.Email)
	s.phone.entry.SetText(d.Phone)
}

func (s *personalStep) read(d *authority.ActivationData) {
	d.Name = s.name.entry.Text
	d.NIK = s.nik.entry.Text
	d.GelarDepan = s.gelarDepan.entry.Text
	d.GelarBelakang = s.gelarBelakang.entry.Text
	d.Phone = s.phone.entry.Text
}
