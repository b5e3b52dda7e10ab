package screens

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/region"
)

// employmentStep is step 2, Data Kedinasan: instansi (from IT), ASN or
// Lainnya, the NIP or NRP with "Cek NIP/NRP", unit, jabatan and province.
type employmentStep struct {
	t        *activationTab
	f        *form
	instansi *entry
	status   *choice
	radio    *describedChoice
	nip      *field
	check    *button
	lookup   *widget.Label // what "Cek NIP/NRP" found or not
	warning  *widget.Label // NIP and NIK disagree
	nipRow   *fyne.Container
	unit     *field
	jabatan  *field
	province *choice
	provSel  *dropdown
	content  fyne.CanvasObject
}

// choice is a labelled choice widget with its error line.
type choice struct {
	label *widget.Label
	obj   fyne.CanvasObject
	msg   *widget.Label
}

func newChoice(label string, obj fyne.CanvasObject) *choice {
	c := &choice{label: widget.NewLabel(label), obj: obj, msg: wrapped("")}
	c.label.TextStyle.Bold = true
	c.msg.Importance = widget.DangerImportance
	c.msg.Hide()
	return c
}

func (c *choice) setError(msg string)    { setText(c.msg, msg) }
func (c *choice) box() fyne.CanvasObject { return container.NewVBox(c.label, c.obj, c.msg) }
func employmentOptions() (asn, other string) {
	return lang.L("ASN dan Penyidik POLRI"), lang.L("Lainnya")
}
func provinceName(code string) string                         { p, _ := region.ByCode(code); return p.Name }
func provinceCode(name string) string                         { p, _ := region.Find(name); return p.Code }
func note(l *widget.Label, imp widget.Importance, msg string) { l.Importance = imp; setText(l, msg) }

func newEmploymentStep(t *activationTab) *employmentStep {
	s := &employmentStep{t: t, f: newForm(lang.L("Selanjutnya"), t.goNext)}
	s.instansi = newEntry()
	s.instansi.Disable()
	instLabel := widget.NewLabel(lang.L("Instansi"))
	instLabel.TextStyle.Bold = true
	asn, other := employmentOptions()
	s.radio = newDescribedChoice([]string{asn, other}, []string{
		lang.L("Terintegrasi dengan sistem SI ASN (BKN) / Sistem Informasi Personil POLRI (SIPP)"),
		lang.L("Selain ASN dan Penyidik POLRI"),
	}, func(string) {
		s.status.setError("")
		s.showNIP()
		t.relayout()
	})
	s.status = newChoice(lang.L("Silahkan pilih status kepegawaian anda!"), s.radio.box)
	s.nip = s.f.field(lang.L("NIP/NRP"), newEntry(), authority.NIPLen)
	s.nip.entry.SetPlaceHolder(lang.L("18 digit NIP atau 8 digit NRP"))
	prevChanged := s.nip.entry.OnChanged
	s.nip.entry.OnChanged = func(v string) {
		prevChanged(v)
		setText(s.lookup, "")
		setText(s.warning, "")
	}
	s.check = newButton(lang.L("Cek NIP/NRP"), s.doLookup)
	s.lookup = wrapped("")
	s.lookup.Hide()
	s.warning = wrapped("")
	s.warning.Importance = widget.WarningImportance
	s.warning.Hide()
	s.nipRow = container.NewVBox(s.nip.label, container.NewBorder(nil, nil, nil, s.check, s.nip.entry), s.nip.msg, s.lookup, s.warning)
	s.unit = s.f.field(lang.L("Unit Organisasi"), newEntry(), authority.MaxTextLen)
	s.jabatan = s.f.field(lang.L("Jabatan"), newEntry(), authority.MaxTextLen)
	s.provSel = newDropdown(region.Names(), func(string) { s.province.setError("") })
	s.provSel.PlaceHolder = lang.L("Pilih provinsi")
	s.province = newChoice(lang.L("Provinsi"), s.provSel)
	t.fields[authority.FieldEmployment] = s.status
	t.fields[authority.FieldNIP] = s.nip
	t.fields[authority.FieldUnit] = s.unit
	t.fields[authority.FieldJabatan] = s.jabatan
	t.fields[authority.FieldProvince] = s.province
	s.content = container.NewVBox(
		title(lang.L("Data Kedinasan")),
		wrapped(lang.L("Mohon lengkapi data kedinasan Anda.")),
		container.NewVBox(instLabel, s.instansi),
		s.status.box(), s.nipRow, s.unit.box(), s.jabatan.box(), s.province.box(),
	)
	s.showNIP()
	return s
}

// showNIP shows the NIP/NRP row for ASN only.
func (s *employmentStep) showNIP() {
	asn, _ := employmentOptions()
	if s.radio.Selected == asn {
		s.nipRow.Show()
	} else {
		s.nipRow.Hide()
	}
}

func (s *employmentStep) fill(a authority.Activation) {
	d := a.Data
	s.instansi.SetText(a.Instansi)
	asn, other := employmentOptions()
	switch d.Employment {
	case authority.EmploymentASN:
		s.radio.SetSelected(asn)
	case authority.EmploymentOther:
		s.radio.SetSelected(other)
	default:
		s.radio.SetSelected("")
	}
	s.nip.entry.SetText(d.NIP)
	s.unit.entry.SetText(d.Unit)
	s.jabatan.entry.SetText(d.Jabatan)
	s.provSel.ClearSelected()
	if name := provinceName(d.Province); name != "" {
		s.provSel.SetSelected(name)
	}
	setText(s.lookup, "")
	setText(s.warning, "")
	s.showNIP()
}

func (s *employmentStep) read(d *authority.ActivationData) {
	asn, other := employmentOptions()
	switch s.radio.Selected {
	case asn:
		d.Employment = authority.EmploymentASN
		d.NIP = s.nip.entry.Text
	case other:
		d.Employment, d.NIP = authority.EmploymentOther, ""
	default:
		d.Employment = ""
	}
	d.Unit = s.unit.entry.Text
	d.Jabatan = s.jabatan.entry.Text
	d.Province = provinceCode(s.provSel.Selected)
}

// provinceFromNIK preselects Provinsi from the NIK's first two digits (the
// province's code), when nothing is chosen yet; the person may change it.
func (s *employmentStep) provinceFromNIK(nik string) {
	nik = strings.TrimSpace(nik)
	if s.provSel.Selected != "" || len(nik) < 2 {
		return
	}
	if name := provinceName(nik[:2]); name != "" {
		s.provSel.SetSelected(name)
	}
}

// checkWarnings says when the NIP's birth date or sex disagrees with the
// NIK's; it does not stop the activation.
func (s *employmentStep) checkWarnings(d authority.ActivationData) {
	nik, err1 := authority.CheckNIK(strings.TrimSpace(d.NIK), time.Now())
	nip, err2 := authority.CheckNIP(strings.TrimSpace(d.NIP), time.Now())
	var msgs []string
	if err1 == nil && err2 == nil && d.Employment == authority.EmploymentASN {
		for _, w := range authority.NIPWarnings(nip, nik) {
			msgs = append(msgs, warningMessage(w))
		}
	}
	setText(s.warning, strings.Join(msgs, " "))
}

func warningMessage(w authority.Warning) string {
	switch w {
	case authority.WarnNIPBirthDate:
		return lang.L("Perhatian: tanggal lahir pada NIP berbeda dengan tanggal lahir pada NIK.")
	case authority.WarnNIPSex:
		return lang.L("Perhatian: jenis kelamin pada NIP berbeda dengan jenis kelamin pada NIK.")
	}
	return string(w)
}

// doLookup is "Cek NIP/NRP": it fills unit, jabatan and province from the
// employee directory; all three stay editable.
func (s *employmentStep) doLookup() {
	sess := s.t.u.state.session
	if sess == nil {
		return
	}
	nip := strings.TrimSpace(s.nip.entry.Text)
	if _, err := authority.CheckNIP(nip, time.Now()); err != nil {
		s.nip.setError(message(err))
		return
	}
	s.check.Disable()
	background(s.t.u, func(ctx context.Context) (authority.Employee, error) {
		return s.t.activations.LookupEmployee(ctx, authority.LookupRequest{Token: sess.Token, NIP: nip})
	}, func(e authority.Employee, err error) {
		s.check.Enable()
		switch {
		case errors.Is(err, authority.ErrEmployeeNotFound):
			note(s.lookup, widget.WarningImportance, message(err))
			s.t.relayout()
			return
		case err != nil:
			if errors.Is(err, authority.ErrSessionExpired) {
				s.t.u.sessionLost()
				return
			}
			s.nip.setError(message(err))
			return
		}
		s.unit.entry.SetText(e.Unit)
		s.jabatan.entry.SetText(e.Jabatan)
		msg := lang.L("Data ditemukan: {{.Name}}. Periksa dan ubah bila perlu.", map[string]any{"Name": e.Name})
		if e.ProvinceCode != "" {
			s.provSel.SetSelected(provinceName(e.ProvinceCode))
		} else {
			s.provSel.ClearSelected()
			s.provinceFromNIK(s.t.personal.nik.entry.Text)
			msg += " " + lang.L("Provinsi \"{{.Province}}\" di direktori bukan nama provinsi; pilih provinsi Anda.", map[string]any{"Province": e.Province})
		}
		note(s.lookup, widget.SuccessImportance, msg)
		s.checkWarnings(s.t.read())
		s.t.relayout()
	})
}
