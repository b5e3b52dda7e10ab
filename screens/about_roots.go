package screens

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/internal/trustedroots"
)

// rootsSection is "Sertifikat akar tepercaya" in Tentang dan Pengaturan:
// the authority's root (always trusted) and the roots added in the data
// dir, with "Tambah" and "Hapus". The Verifikasi Dokumen tab trusts them
// all.
type rootsSection struct {
	u       *UI
	trust   authority.Trust // nil: no authority root
	content fyne.CanvasObject
	rows    *fyne.Container
	msg     *widget.Label
	add     *button

	// authority is the authority's root; roots the added ones and
	// problems the files that could not be read, as last loaded.
	authority *x509.Certificate
	roots     []trustedroots.Root
	problems  []trustedroots.Problem
	// confirm is the open "Hapus" question (for tests).
	confirm *confirmDialog
}

func newRootsSection(u *UI, trust authority.Trust) *rootsSection {
	s := &rootsSection{u: u, trust: trust}
	s.rows = container.NewVBox()
	s.msg = wrapped("")
	s.msg.Hide()
	s.add = newButton(lang.L("Tambah"), s.choose)
	if u.opts.About.DataDir == "" {
		s.add.Disable()
	}
	note := wrapped(lang.L("Tanda tangan yang sertifikatnya diterbitkan di bawah akar ini dianggap tepercaya di Verifikasi Dokumen. Bagian TI juga dapat menaruh sertifikat akar di folder {{.Path}}.",
		map[string]any{"Path": trustedroots.Dir(u.opts.About.DataDir)}))
	s.content = container.NewVBox(title(lang.L("Sertifikat akar tepercaya")), note, s.rows, s.msg, container.NewHBox(s.add))
	s.load()
	return s
}

// load reads the authority's root and the added roots in the background.
func (s *rootsSection) load() {
	type loaded struct {
		authority *x509.Certificate
		roots     []trustedroots.Root
		problems  []trustedroots.Problem
	}
	dataDir := s.u.opts.About.DataDir
	background(s.u, func(ctx context.Context) (loaded, error) {
		var l loaded
		if s.trust != nil {
			der, err := s.trust.RootCertificate(ctx)
			if err != nil {
				return l, err
			}
			if l.authority, err = x509.ParseCertificate(der); err != nil {
				return l, err
			}
		}
		if dataDir == "" {
			return l, nil
		}
		var err error
		l.roots, l.problems, err = trustedroots.List(dataDir)
		return l, err
	}, func(l loaded, err error) {
		s.authority, s.roots, s.problems = l.authority, l.roots, l.problems
		s.show()
		if err != nil {
			s.say(lang.L("Daftar sertifikat akar tidak dapat dibaca: {{.Err}}", map[string]any{"Err": err.Error()}), widget.DangerImportance)
		}
	})
}

// show lists the roots.
func (s *rootsSection) show() {
	s.rows.RemoveAll()
	if s.authority != nil {
		s.rows.Add(rootRow(s.authority, lang.L("Akar otoritas BeSign: selalu tepercaya, tidak dapat dihapus."), nil))
	}
	for _, r := range s.roots {
		if s.authority != nil && r.Cert.Equal(s.authority) {
			continue // listed above already
		}
		r := r
		s.rows.Add(rootRow(r.Cert, lang.L("Berkas: {{.Path}}", map[string]any{"Path": r.File}), func() { s.askRemove(r) }))
	}
	for _, p := range s.problems {
		l := wrapped(lang.L("Berkas {{.Path}} tidak dapat dibaca sebagai sertifikat akar: {{.Err}}",
			map[string]any{"Path": p.File, "Err": p.Err.Error()}))
		l.Importance = widget.WarningImportance
		s.rows.Add(l)
	}
	s.rows.Refresh()
}

// rootRow shows one root: subject, fingerprint, validity, and "Hapus" when
// remove is set.
func rootRow(c *x509.Certificate, note string, remove func()) fyne.CanvasObject {
	name := widget.NewLabel(c.Subject.String())
	name.TextStyle.Bold = true
	name.Wrapping = fyne.TextWrapWord
	name.Selectable = true
	info := widget.NewLabel(lang.L("SHA-256:\n{{.Fingerprint}}\nBerlaku sampai {{.Date}}. {{.Note}}", map[string]any{
		"Fingerprint": groupHex(trustedroots.Fingerprint(c)), "Date": c.NotAfter.UTC().Format("2006-01-02"), "Note": note}))
	info.Wrapping = fyne.TextWrapWord
	info.Selectable = true
	box := container.NewVBox(name, info)
	if remove == nil {
		return box
	}
	del := newButton(lang.L("Hapus"), remove)
	del.Importance = widget.DangerImportance
	return container.NewBorder(nil, nil, nil, container.NewVBox(del), box)
}

// groupHex writes a fingerprint as pairs, AB:CD:..., 16 pairs a line (a
// line of hex is never broken in the middle of a pair).
func groupHex(h string) string {
	h = strings.ToUpper(h)
	var b strings.Builder
	for i := 0; i+1 < len(h); i += 2 {
		switch {
		case i == 0:
		case i%32 == 0:
			b.WriteString(":\n")
		default:
			b.WriteString(":")
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// say shows a message under the list.
func (s *rootsSection) say(msg string, imp widget.Importance) {
	s.msg.Importance = imp
	s.msg.SetText(msg)
	s.msg.Show()
}

// choose is "Tambah": a certificate file, PEM or DER.
func (s *rootsSection) choose() {
	s.u.chooseFile(trustedroots.Extensions, s.addFile)
}

// addFile reads the certificates of path and keeps them, all or none.
func (s *rootsSection) addFile(path string) {
	dataDir := s.u.opts.About.DataDir
	s.add.Disable()
	background(s.u, func(context.Context) ([]trustedroots.Root, error) {
		certs, err := trustedroots.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return trustedroots.Add(dataDir, certs)
	}, func(added []trustedroots.Root, err error) {
		s.add.Enable()
		if err != nil {
			s.say(rootErrorText(err), widget.DangerImportance)
			return
		}
		var names []string
		for _, r := range added {
			names = append(names, r.Cert.Subject.CommonName)
		}
		s.say(lang.L("Ditambahkan sebagai akar tepercaya: {{.Name}}", map[string]any{"Name": strings.Join(names, ", ")}), widget.SuccessImportance)
		s.load()
	})
}

// askRemove asks before r is no longer trusted.
func (s *rootsSection) askRemove(r trustedroots.Root) {
	s.confirm = s.u.confirm(lang.L("Hapus sertifikat akar?"),
		lang.L("Tanda tangan di bawah {{.Name}} tidak akan dianggap tepercaya lagi.", map[string]any{"Name": r.Cert.Subject.String()}),
		lang.L("Hapus"), lang.L("Batal"), widget.DangerImportance,
		func(ok bool) {
			s.confirm = nil
			if ok {
				s.remove(r)
			}
		})
}

// remove stops trusting r.
func (s *rootsSection) remove(r trustedroots.Root) {
	dataDir := s.u.opts.About.DataDir
	background(s.u, func(context.Context) (struct{}, error) {
		return struct{}{}, trustedroots.Remove(dataDir, r.Fingerprint)
	}, func(_ struct{}, err error) {
		if err != nil {
			s.say(rootErrorText(err), widget.DangerImportance)
		} else {
			s.say(lang.L("Dihapus dari akar tepercaya: {{.Name}}", map[string]any{"Name": r.Cert.Subject.CommonName}), widget.SuccessImportance)
		}
		s.load()
	})
}

// rootErrorText words why a root could not be added or removed.
func rootErrorText(err error) string {
	switch {
	case errors.Is(err, trustedroots.ErrNotCA):
		return lang.L("Berkas ini memuat sertifikat yang bukan sertifikat CA (otoritas sertifikat), jadi tidak dapat menjadi akar tepercaya. Tidak ada yang ditambahkan.")
	case errors.Is(err, trustedroots.ErrNoCertificate):
		return lang.L("Berkas ini bukan sertifikat (PEM atau DER). Tidak ada yang ditambahkan.")
	case errors.Is(err, trustedroots.ErrTooLarge):
		return lang.L("Berkas ini terlalu besar untuk sebuah sertifikat. Tidak ada yang ditambahkan.")
	case errors.Is(err, trustedroots.ErrNotFound):
		return lang.L("Sertifikat akar ini sudah tidak ada.")
	}
	return lang.L("Sertifikat akar tidak dapat disimpan atau dibaca: {{.Err}}", map[string]any{"Err": fmt.Sprint(err)})
}
