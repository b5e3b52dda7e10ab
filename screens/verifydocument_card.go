package screens

import (
	"regexp"
	"slices"
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
	return widget.NewCard(head, fieldText(s.Field), form)
}

// defaultFieldName matches the names signing programs give fields
// themselves ("Signature1", "Sig2", "Tanda Tangan 3"): they say nothing
// beyond the card's own number.
var defaultFieldName = regexp.MustCompile(`(?i)^(signature|sig|tanda ?tangan|ttd)[ _-]?\d*$`)

// fieldText names a signature field a person named; "" for a default name.
func fieldText(name string) string {
	if name == "" || defaultFieldName.MatchString(name) {
		return ""
	}
	return lang.L("Kolom “{{.Name}}”", map[string]any{"Name": name})
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
	if t := showTime(s.Timestamp); t != "" {
		// The token's time is the signing time (and the validation time);
		// the laptop's clock is only the signer's claim, shown apart.
		tsa := s.TimestampAuthority
		if tsa == "" {
			tsa = lang.L("tidak diketahui")
		}
		add(lang.L("Waktu penandatanganan"), lang.L("{{.Time}} (cap waktu dari {{.TSA}})", map[string]any{"Time": t, "TSA": tsa}), widget.MediumImportance)
		if c := showTime(s.ClaimedSigningTime); c != "" {
			add(lang.L("Jam penanda tangan"), lang.L("{{.Time}} (menurut penanda tangan)", map[string]any{"Time": c}), widget.MediumImportance)
		}
	} else if t := showTime(s.SigningTime); t != "" {
		add(lang.L("Waktu penandatanganan"), lang.L("{{.Time}} (menurut penanda tangan)", map[string]any{"Time": t}), widget.MediumImportance)
	}
	if t := showTime(s.Timestamp); t != "" {
		add(lang.L("Cap waktu"), lang.L("{{.Time}} (dari otoritas cap waktu)", map[string]any{"Time": t}), widget.MediumImportance)
	} else {
		add(lang.L("Cap waktu"), lang.L("tidak ada"), widget.MediumImportance)
	}
	add(lang.L("Alasan"), s.Reason, widget.MediumImportance)
	add(lang.L("Lokasi"), s.Location, widget.MediumImportance)
	add(lang.L("Waktu validasi"), validationTimeText(s), widget.MediumImportance)
	add(lang.L("Tingkat"), levelText(s.Level), levelImportance(s.Level))
	if s.Valid {
		add(lang.L("Hasil"), lang.L("Valid"), widget.SuccessImportance)
	} else {
		add(lang.L("Hasil"), lang.L("Tidak valid: {{.Why}}", map[string]any{"Why": invalidReason(s)}), widget.DangerImportance)
	}
	add(lang.L("Perubahan setelah ditandatangani"), modificationText(s), modificationImportance(s))
	trusted, imp := trustText(s)
	add(lang.L("Tepercaya"), trusted, imp)
	add(lang.L("Status pencabutan"), revocationText(s), widget.MediumImportance)
	add(lang.L("Catatan"), findingsText(s, false), widget.WarningImportance)
	add(lang.L("Rincian"), findingsText(s, true), widget.MediumImportance)
	return out
}

// has tells whether s has a finding of one of codes.
func has(s pdfsign.SignatureInfo, codes ...string) bool {
	for _, f := range s.Findings {
		if slices.Contains(codes, f.Code) {
			return true
		}
	}
	return false
}

// findingsText words the fatal findings (Rincian) or the warnings
// (Catatan), one line each, without repeating a line.
func findingsText(s pdfsign.SignatureInfo, fatal bool) string {
	var lines []string
	for _, f := range s.Findings {
		if f.Fatal != fatal {
			continue
		}
		if t := findingText(f.Code); !slices.Contains(lines, t) {
			lines = append(lines, t)
		}
	}
	return strings.Join(lines, "\n")
}

// findingText words one finding code of pdfsign.
func findingText(code string) string {
	switch code {
	case pdfsign.FindDigestMismatch:
		return lang.L("Isi yang ditandatangani telah diubah: tanda tangan tidak cocok lagi dengan isinya.")
	case pdfsign.FindChanged:
		return lang.L("Dokumen diubah setelah ditandatangani (halaman, isi atau strukturnya).")
	case pdfsign.FindCertification:
		return lang.L("Dokumen diubah dengan cara yang dilarang oleh tanda tangan pengesahannya.")
	case pdfsign.FindByteRange:
		return lang.L("Bagian berkas yang ditandatangani tidak mencakup dokumen sebagaimana mestinya.")
	case pdfsign.FindCopy:
		return lang.L("Tanda tangan ini salinan dari tanda tangan lain di berkas yang sama.")
	case pdfsign.FindUnreadable:
		return lang.L("Tanda tangan atau bagian yang ditandatangani tidak dapat dibaca; berkasnya mungkin rusak.")
	case pdfsign.FindUnsupported:
		return lang.L("Jenis tanda tangan atau algoritmenya tidak dikenal.")
	case pdfsign.FindEmbedded:
		return lang.L("Tanda tangan membawa isinya sendiri dan tidak menandatangani dokumen ini.")
	case pdfsign.FindNoSigner:
		return lang.L("Sertifikat penanda tangan tidak disertakan dalam tanda tangan.")
	case pdfsign.FindSignature:
		return lang.L("Nilai tanda tangan tidak cocok dengan kunci penanda tangan.")
	case pdfsign.FindWeak:
		return lang.L("Tanda tangan memakai algoritme yang sudah lemah (misalnya SHA-1 atau kunci RSA di bawah 2048 bit).")
	case pdfsign.FindSigningCert:
		return lang.L("Tanda tangan menyebut sertifikat lain dari sertifikat penanda tangannya.")
	case pdfsign.FindNotPAdES:
		return lang.L("Tanda tangan tidak sepenuhnya mengikuti standar PAdES.")
	case pdfsign.FindTimestamp:
		return lang.L("Cap waktu tanda tangan tidak dapat dipakai; waktu penandatanganan hanya menurut penanda tangan.")
	case pdfsign.FindTimestampTrust:
		return lang.L("Otoritas cap waktu tanda tangan tidak tepercaya.")
	case pdfsign.FindCertUnusable:
		return lang.L("Sertifikat tidak diterbitkan untuk menandatangani dokumen.")
	case pdfsign.FindCertExpired:
		return lang.L("Sertifikat kedaluwarsa pada waktu validasi: tanpa cap waktu tepercaya, tanda tangan diperiksa pada saat ini.")
	case pdfsign.FindDSS:
		return lang.L("Data validasi di dalam dokumen tidak dapat dipakai: tidak ditandatangani penerbitnya, untuk sertifikat lain, atau tidak mutakhir.")
	case pdfsign.FindCertNotYet:
		return lang.L("Sertifikat belum berlaku pada waktu penandatanganan.")
	case pdfsign.FindNotTrusted:
		return lang.L("Penerbit sertifikat bukan akar tepercaya.")
	case pdfsign.FindRevoked:
		return lang.L("Sertifikat penanda tangan telah dicabut.")
	case pdfsign.FindRevocation:
		return lang.L("Status pencabutan sertifikat tidak dapat diperiksa: layanannya tidak dapat dihubungi, jawabannya tidak dapat dipercaya atau sudah usang, atau tidak disebutkan.")
	case pdfsign.FindTrustNotChecked:
		return lang.L("Kepercayaan tidak diperiksa: tidak ada akar tepercaya.")
	}
	return lang.L("Temuan lain dari pemeriksaan tanda tangan.")
}

// showTime shows an RFC 3339 time in the computer's zone; "" stays "".
func showTime(rfc string) string {
	t, err := time.Parse(time.RFC3339, rfc)
	if err != nil {
		return rfc
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

// validationTimeText says when the certificates were judged and on what
// ground: a trusted timestamp's time, or the time of this check.
func validationTimeText(s pdfsign.SignatureInfo) string {
	t := showTime(s.ValidationTime)
	switch {
	case t == "":
		return ""
	case s.Kind == pdfsign.KindSignature && (s.Timestamp != "" || s.Level == pdfsign.LevelBT || s.Level == pdfsign.LevelBLT || s.Level == pdfsign.LevelBLTA):
		return lang.L("{{.Time}} (dibuktikan cap waktu)", map[string]any{"Time": t})
	}
	return lang.L("{{.Time}} (saat pemeriksaan ini)", map[string]any{"Time": t})
}

// levelText names the PAdES level and what it gives the reader.
func levelText(level string) string {
	switch level {
	case pdfsign.LevelBB:
		return lang.L("B-B: tanpa cap waktu tepercaya; hanya dapat diperiksa selama sertifikatnya berlaku.")
	case pdfsign.LevelBT:
		return lang.L("B-T: cap waktu tepercaya membuktikan waktu penandatanganan.")
	case pdfsign.LevelBLT:
		return lang.L("B-LT: bercap waktu, dan dokumen menyimpan sertifikat serta data pencabutannya; dapat diperiksa tanpa internet, juga setelah sertifikatnya kedaluwarsa.")
	case pdfsign.LevelBLTA:
		return lang.L("B-LTA: seperti B-LT, dan cap waktu dokumen melindungi data validasinya untuk jangka panjang.")
	}
	return ""
}

func levelImportance(level string) widget.Importance {
	if level == pdfsign.LevelBLT || level == pdfsign.LevelBLTA {
		return widget.SuccessImportance
	}
	return widget.MediumImportance
}

// invalidReason says in words the first reason that makes s not valid; the
// technical detail is the Rincian row.
func invalidReason(s pdfsign.SignatureInfo) string {
	switch {
	case has(s, pdfsign.FindDigestMismatch):
		return lang.L("isi yang ditandatangani telah diubah")
	case s.Integrity != pdfsign.Valid:
		return lang.L("tanda tangannya tidak dapat diperiksa (lihat Rincian)")
	case s.Modifications == pdfsign.ModOther:
		return lang.L("dokumen diubah setelah ditandatangani")
	case s.Revocation == "revoked":
		return lang.L("sertifikat penanda tangan telah dicabut")
	case !s.Trusted:
		return lang.L("penanda tangan tidak tepercaya")
	}
	return lang.L("tanda tangan tidak memenuhi aturan verifikasi (lihat Rincian)")
}

// modificationText says what was changed: inside the signed bytes, or
// appended after the signed revision.
func modificationText(s pdfsign.SignatureInfo) string {
	switch {
	case has(s, pdfsign.FindDigestMismatch):
		return lang.L("Isi yang ditandatangani telah diubah: tanda tangan ini tidak berlaku untuk dokumen ini.")
	case s.Integrity != pdfsign.Valid && s.Modifications == pdfsign.ModNone:
		return lang.L("Tidak dapat dipastikan, karena tanda tangannya tidak dapat diperiksa.")
	}
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
	case has(s, pdfsign.FindDigestMismatch) || s.Modifications == pdfsign.ModOther:
		return widget.DangerImportance
	case s.Integrity != pdfsign.Valid:
		return widget.WarningImportance
	case s.Modifications == pdfsign.ModNone && !s.ModifiedAfterSigning:
		return widget.SuccessImportance
	}
	return widget.WarningImportance
}

// trustText says whether the signer is trusted and, if not, why; when the
// signature itself failed, the certificate was never judged and it says so.
func trustText(s pdfsign.SignatureInfo) (string, widget.Importance) {
	if s.Trusted {
		return lang.L("Ya: sertifikatnya diterbitkan di bawah akar tepercaya."), widget.SuccessImportance
	}
	var why string
	switch {
	case has(s, pdfsign.FindRevoked):
		why = lang.L("sertifikat penanda tangan telah dicabut.")
	case has(s, pdfsign.FindNotTrusted):
		why = lang.L("penerbit sertifikatnya bukan akar tepercaya. Bila Anda mempercayai penerbit itu, tambahkan sertifikat akarnya di Bantuan › Tentang dan Pengaturan.")
	case has(s, pdfsign.FindCertExpired):
		why = lang.L("sertifikat kedaluwarsa pada waktu validasi.")
	case has(s, pdfsign.FindCertNotYet):
		why = lang.L("sertifikat tidak berlaku pada waktu penandatanganan.")
	case has(s, pdfsign.FindCertUnusable):
		why = lang.L("sertifikat tidak diterbitkan untuk menandatangani dokumen.")
	case has(s, pdfsign.FindTrustNotChecked):
		return lang.L("Tidak diperiksa: tidak ada akar tepercaya."), widget.WarningImportance
	default:
		return lang.L("Tidak diperiksa, karena tanda tangannya sendiri tidak dapat diperiksa."), widget.WarningImportance
	}
	return lang.L("Tidak: {{.Why}}", map[string]any{"Why": why}), widget.DangerImportance
}

// revocationText says whether the signer's certificate was revoked.
func revocationText(s pdfsign.SignatureInfo) string {
	switch s.Revocation {
	case "good":
		return lang.L("Tidak dicabut (sudah diperiksa).")
	case "revoked":
		if t := showTime(s.RevokedAt); t != "" {
			return lang.L("Dicabut pada {{.Time}}.", map[string]any{"Time": t})
		}
		return lang.L("Dicabut.")
	case "not checked":
		return lang.L("Tidak diperiksa: layanan pencabutan tidak dapat dihubungi, jawabannya tidak dapat dipercaya, atau tidak disebutkan (lihat Catatan).")
	}
	if has(s, pdfsign.FindNotTrusted, pdfsign.FindCertExpired, pdfsign.FindCertNotYet, pdfsign.FindCertUnusable) {
		return lang.L("Tidak diperiksa, karena sertifikatnya tidak tepercaya.")
	}
	return lang.L("Tidak diperiksa.")
}
