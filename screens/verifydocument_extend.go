package screens

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/verifytrust"
)

// renewWithin is how long before its TSA certificate ends the tab offers
// to renew a document's archive timestamp: a year, so that a yearly round
// over an archive (besign extend --renew-within 365) and the tab agree.
const renewWithin = 365 * 24 * time.Hour

// levelRank orders the PAdES levels; a level not reached ranks 0.
func levelRank(level string) int {
	switch level {
	case pdfsign.LevelBB:
		return 1
	case pdfsign.LevelBT:
		return 2
	case pdfsign.LevelBLT:
		return 3
	case pdfsign.LevelBLTA:
		return 4
	}
	return 0
}

// extendOffer says what "besign extend" would add to f, as the tab offers
// it: ok is false when nothing (a signature not valid, no signature, or
// every signature at the highest level reachable with an archive
// timestamp that has time left). lowest is the lowest level of its
// signatures; renew is set when only the archive timestamp needs renewing.
func extendOffer(f *checkedFile, tsa bool, now time.Time) (lowest string, renew, ok bool) {
	if !f.done || f.err != nil {
		return "", false, false
	}
	rank, n := 5, 0
	for _, s := range f.infos {
		if s.Kind != pdfsign.KindSignature {
			continue
		}
		if !s.Valid {
			// material for a signature that is not valid would keep a
			// bad signature's evidence
			return "", false, false
		}
		if r := levelRank(s.Level); r < rank {
			rank, lowest = r, s.Level
		}
		n++
	}
	if n == 0 {
		return "", false, false
	}
	top := levelRank(pdfsign.LevelBLT)
	if tsa {
		top = levelRank(pdfsign.LevelBLTA)
	} else if rank < levelRank(pdfsign.LevelBT) {
		// B-LT stands on a timestamp: without a TSA, the DSS would not
		// lift a B-B signature
		return "", false, false
	}
	if rank < top {
		return lowest, false, true
	}
	if tsa && !f.archiveUntil.IsZero() && f.archiveUntil.Sub(now) < renewWithin {
		return lowest, true, true
	}
	return "", false, false
}

// showExtend shows, above the cards of a file whose signatures can gain
// long-term validation material or a renewed archive timestamp, what that
// means and the button that does it.
func (t *docVerifyTab) showExtend(f *checkedFile) {
	if f.extended != "" {
		note := wrapped(f.extended)
		note.Importance = widget.SuccessImportance
		if f.extendFailed {
			note.Importance = widget.DangerImportance
		}
		t.extendBox.Add(note)
	}
	lowest, renew, ok := extendOffer(f, t.u.opts.TimeStamp != nil, time.Now())
	if !ok || t.extending {
		return
	}
	var hint, label string
	if renew {
		hint = lang.L("Cap waktu arsip dokumen ini dapat diperbarui hingga {{.Date}}. Perbarui sebelum tanggal itu agar tanda tangannya tetap dapat diverifikasi.", map[string]any{"Date": f.archiveUntil.Local().Format("2006-01-02")})
		label = lang.L("Perbarui Cap Waktu Arsip")
	} else {
		hint = lang.L("Tanda tangan dokumen ini mencapai tingkat {{.Level}}. Tambahkan data validasi (sertifikat dan status pencabutan) dan cap waktu dokumen agar tetap dapat diverifikasi setelah sertifikatnya kedaluwarsa. Tambahan ditulis di akhir berkas; tanda tangan yang ada tidak berubah.", map[string]any{"Level": lowest})
		label = lang.L("Tambah Validasi Jangka Panjang")
	}
	btn := newButton(label, func() { t.extend(f) })
	t.extendBtn = btn
	t.extendBox.Add(container.NewVBox(wrapped(hint), container.NewHBox(btn)))
}

// extend adds the validation material and, with a TSA, a document
// timestamp to f in place (pdfsign.ExtendFile: a temporary file renamed
// over it, the original bytes kept as they are), then verifies it again.
// Nothing is written unless every certificate's revocation status could
// be had: half the material would not make the level it promises.
func (t *docVerifyTab) extend(f *checkedFile) {
	if t.extending {
		return
	}
	t.extending = true
	if t.extendBtn != nil {
		t.extendBtn.Disable()
	}
	t.setSummary(lang.L("Menambahkan data validasi…"), widget.MediumImportance)
	t.busy.Show()
	t.busy.Start()
	u := t.u
	dataDir, cfg, stamp := u.opts.About.DataDir, u.opts.About.Config, u.opts.TimeStamp
	path, password, run := f.path, f.password, t.run
	background(u, func(ctx context.Context) (*pdfsign.LTVResult, error) {
		tr, err := verifytrust.Assemble(ctx, verifytrust.Sources{Authority: t.trust, DataDir: dataDir, TrustedRoots: true, Config: &cfg})
		if err != nil {
			return nil, err
		}
		l := pdfsign.LTV{Roots: tr.Roots, HTTPClient: tr.Client, PDFPassword: password, Required: true, Cache: &pdfsign.FetchCache{}}
		if stamp != nil {
			l.DocTimeStamp = func(d []byte) ([]byte, error) { return stamp(ctx, d) }
		}
		return pdfsign.ExtendFile(path, path, l)
	}, func(res *pdfsign.LTVResult, err error) {
		t.extending = false
		t.busy.Stop()
		t.busy.Hide()
		if run != t.run {
			return
		}
		f.extendFailed = err != nil
		switch {
		case err != nil:
			f.extended = extendErrorText(err)
		case res.DocTimeStamp:
			f.extended = lang.L("Data validasi dan cap waktu dokumen ditambahkan.")
		default:
			f.extended = lang.L("Data validasi ditambahkan, tanpa cap waktu dokumen: tidak ada otoritas cap waktu (TSA) yang diatur.")
		}
		t.check(f, nil)
	})
}

// extendErrorText words why no validation material was added, in the
// person's language: which certificates lack revocation data and whether
// trying again can help.
func extendErrorText(err error) string {
	var ie *pdfsign.IncompleteError
	if !errors.As(err, &ie) {
		return lang.L("Data validasi tidak ditambahkan: {{.Err}}. Berkas tidak diubah.", map[string]any{"Err": verifyErrorText(err)})
	}
	parts := []string{lang.L("Data validasi tidak ditambahkan; berkas tidak diubah.")}
	if ie.DocTimeStamp != nil {
		parts = append(parts, lang.L("Cap waktu dokumen tidak dapat diperoleh: {{.Err}}", map[string]any{"Err": message(ie.DocTimeStamp)}))
	}
	names := map[pdfsign.MissingWhy][]string{}
	for _, m := range ie.Missing {
		names[m.Why] = append(names[m.Why], m.Name)
	}
	if n := names[pdfsign.MissingNoService]; len(n) > 0 {
		parts = append(parts, lang.L("Sertifikat {{.Names}} tidak menyebut layanan pencabutan (OCSP atau CRL), sehingga tanda tangannya tidak dapat diberi validasi jangka panjang.", map[string]any{"Names": strings.Join(n, ", ")}))
	}
	if n := names[pdfsign.MissingIssuer]; len(n) > 0 {
		parts = append(parts, lang.L("Sertifikat penerbit dari {{.Names}} tidak tersedia; tambahkan sertifikat akarnya di Bantuan › Tentang dan Pengaturan.", map[string]any{"Names": strings.Join(n, ", ")}))
	}
	if n := names[pdfsign.MissingUnavailable]; len(n) > 0 {
		parts = append(parts, lang.L("Status pencabutan {{.Names}} tidak dapat diperoleh; coba lagi saat terhubung ke jaringan.", map[string]any{"Names": strings.Join(n, ", ")}))
	}
	return strings.Join(parts, " ")
}
