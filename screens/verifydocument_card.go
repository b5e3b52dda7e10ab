package screens

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/pdfsign"
)

// signatureCard shows signature n of a file.
func signatureCard(n int, s pdfsign.SignatureInfo) *widget.Card {
	head := lang.L("Tanda tangan {{.N}}", map[string]any{"N": n})
	if s.Kind == pdfsign.KindDocumentTimestamp {
		head = lang.L("Cap waktu dokumen {{.N}}", map[string]any{"N": n})
	}
	form := widget.NewForm()
	for _, r := range signatureValues(s) {
		v := widget.NewLabel(r.text)
		v.Wrapping = fyne.TextWrapWord
		v.Selectable = true
		v.Importance = r.imp
		form.Append(r.row, v)
	}
	return widget.NewCard(head, s.Field, form)
}

// signatureValue is one row of a card: its label, its text.
type signatureValue struct {
	row, text string
	imp       widget.Importance
}

// signatureValues words every finding about s; rows without a finding
// (no reason, no warning) are left out.
func signatureValues(s pdfsign.SignatureInfo) []signatureValue {
	var out []signatureValue
	add := func(row, text string, imp widget.Importance) {
		if text != "" {
			out = append(out, signatureValue{row, text, imp})
		}
	}
	signer := s.Signer
	if signer == "" {
		signer = lang.L("tidak diketahui")
	}
	add(lang.L("Penanda tangan"), signer, widget.MediumImportance)
	if t := showTime(s.SigningTime); t != "" {
		add(lang.L("Waktu penandatanganan"), lang.L("{{.Time}} (menurut penanda tangan)", map[string]any{"Time": t}), widget.MediumImportance)
	}
	if t := showTime(s.Timestamp); t != "" {
		add(lang.L("Cap waktu"), lang.L("{{.Time}} (dari otoritas cap waktu)", map[string]any{"Time": t}), widget.MediumImportance)
	} else {
		add(lang.L("Cap waktu"), lang.L("tidak ada"), widget.MediumImportance)
	}
	add(lang.L("Alasan"), s.Reason, widget.MediumImportance)
	add(lang.L("Lokasi"), s.Location, widget.MediumImportance)
	if s.Valid {
		add(lang.L("Hasil"), lang.L("Valid"), widget.SuccessImportance)
	} else {
		add(lang.L("Hasil"), lang.L("Tidak valid: {{.Why}}", map[string]any{"Why": invalidReason(s)}), widget.DangerImportance)
	}
	add(lang.L("Perubahan setelah ditandatangani"), modificationText(s), modificationImportance(s))
	trusted, imp := trustText(s)
	add(lang.L("Tepercaya"), trusted, imp)
	add(lang.L("Status pencabutan"), revocationText(s), widget.MediumImportance)
	add(lang.L("Catatan"), strings.Join(s.Warnings, "\n"), widget.WarningImportance)
	add(lang.L("Rincian"), s.Problem, widget.MediumImportance)
	return out
}

// showTime shows an RFC 3339 time in the computer's zone; "" stays "".
func showTime(rfc string) string {
	t, err := time.Parse(time.RFC3339, rfc)
	if err != nil {
		return rfc
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

// invalidReason says in words the first reason that makes s not valid; the
// technical detail is the Rincian row.
func invalidReason(s pdfsign.SignatureInfo) string {
	switch {
	case s.Integrity != pdfsign.Valid:
		return lang.L("isi yang ditandatangani tidak cocok dengan tanda tangan (diubah atau rusak)")
	case s.Modifications == pdfsign.ModOther:
		return lang.L("dokumen diubah setelah ditandatangani")
	case s.Revocation == "revoked":
		return lang.L("sertifikat penanda tangan telah dicabut")
	case !s.Trusted:
		return lang.L("penanda tangan tidak tepercaya")
	}
	return lang.L("tanda tangan tidak memenuhi aturan verifikasi (lihat Rincian)")
}

// modificationText says what was appended after the signed revision.
func modificationText(s pdfsign.SignatureInfo) string {
	switch s.Modifications {
	case pdfsign.ModNone:
		if s.ModifiedAfterSigning {
			return lang.L("Isi dokumen tidak diubah, tetapi ada data tambahan di akhir berkas yang tidak dibaca oleh pembaca PDF.")
		}
		return lang.L("Tidak ada: dokumen tidak diubah sejak ditandatangani.")
	case pdfsign.ModSignatures:
		return lang.L("Hanya tanda tangan, cap waktu atau data validasi yang ditambahkan.")
	case pdfsign.ModFormFill:
		return lang.L("Isian formulir diisi.")
	case pdfsign.ModAnnotations:
		return lang.L("Komentar atau anotasi lain ditambahkan.")
	case pdfsign.ModOther:
		return lang.L("Isi dokumen diubah (halaman, isi atau strukturnya). Tanda tangan ini tidak berlaku untuk versi sekarang.")
	}
	return s.Modifications
}

func modificationImportance(s pdfsign.SignatureInfo) widget.Importance {
	switch {
	case s.Modifications == pdfsign.ModNone && !s.ModifiedAfterSigning:
		return widget.SuccessImportance
	case s.Modifications == pdfsign.ModOther:
		return widget.DangerImportance
	}
	return widget.WarningImportance
}

// trustText says whether the signer is trusted and, if not, why.
func trustText(s pdfsign.SignatureInfo) (string, widget.Importance) {
	if s.Trusted {
		return lang.L("Ya: sertifikatnya diterbitkan di bawah akar tepercaya."), widget.SuccessImportance
	}
	p := s.Problem
	var why string
	switch {
	case s.Revocation == "revoked":
		why = lang.L("sertifikat penanda tangan telah dicabut.")
	case strings.Contains(p, "certificate not trusted"):
		why = lang.L("penerbit sertifikatnya bukan akar tepercaya. Bila Anda mempercayai penerbit itu, tambahkan sertifikat akarnya di Bantuan › Tentang dan Pengaturan.")
	case strings.Contains(p, "expired"), strings.Contains(p, "valid only from"):
		why = lang.L("sertifikat tidak berlaku pada waktu penandatanganan.")
	case strings.Contains(p, "key usage"):
		why = lang.L("sertifikat tidak diterbitkan untuk menandatangani dokumen.")
	default:
		why = lang.L("sertifikat penanda tangan tidak dapat diperiksa (lihat Rincian).")
	}
	return lang.L("Tidak: {{.Why}}", map[string]any{"Why": why}), widget.DangerImportance
}

// revocationText says whether the signer's certificate was revoked.
func revocationText(s pdfsign.SignatureInfo) string {
	switch s.Revocation {
	case "good":
		return lang.L("Tidak dicabut (sudah diperiksa).")
	case "revoked":
		return lang.L("Dicabut.")
	case "not checked":
		return lang.L("Tidak diperiksa: layanan pencabutan tidak dapat dihubungi atau tidak disebutkan (lihat Catatan).")
	}
	return lang.L("Tidak diperiksa, karena sertifikatnya tidak tepercaya.")
}
