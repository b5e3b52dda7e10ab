package screens

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/timestamp"
)

// message turns an error into the Indonesian (or translated) sentence shown
// to the user. Errors the user cannot act on get a general sentence; their
// detail goes to the log, which never receives secrets from the authority.
func message(err error) string {
	if msg, ok := certifiedText(err); ok {
		return msg
	}
	if msg, ok := activationText(err); ok {
		return msg
	}
	n := func(v int) map[string]any { return map[string]any{"N": v} }
	if msg, ok := passphraseText(err); ok {
		return msg
	}
	if msg, ok := signingText(err); ok {
		return msg
	}
	if msg, ok := serverText(err); ok {
		return msg
	}
	switch {
	// A configured TSA that fails stops the signature (never a quiet B-B).
	case errors.Is(err, timestamp.ErrUnreachable):
		return lang.L("TSA tidak dapat dihubungi. Dokumen belum ditandatangani; periksa jaringan atau tsa_url di konfigurasi, lalu coba lagi.")
	case errors.Is(err, timestamp.ErrRefused), errors.Is(err, timestamp.ErrBadReply), errors.Is(err, pdfsign.ErrTimeStamp):
		return lang.L("TSA tidak memberikan cap waktu yang sah. Dokumen belum ditandatangani; hubungi bagian TI.")
	case errors.Is(err, authority.ErrNameRequired):
		return lang.L("Nama lengkap wajib diisi.")
	case errors.Is(err, authority.ErrNameTooLong):
		return lang.L("Nama paling banyak {{.N}} karakter.", n(authority.MaxNameLen))
	case errors.Is(err, authority.ErrNameInvalid):
		return lang.L("Nama berisi karakter yang tidak diizinkan.")
	case errors.Is(err, authority.ErrEmailInvalid):
		return lang.L("Alamat email tidak valid.")
	case errors.Is(err, authority.ErrEmailTaken):
		return lang.L("Alamat email ini sudah terdaftar.")
	case errors.Is(err, authority.ErrEmailDomain):
		return lang.L("Gunakan alamat email instansi Anda.")
	case errors.Is(err, authority.ErrRegistrationOff):
		return lang.L("Pendaftaran mandiri tidak diaktifkan. Hubungi bagian TI.")
	case errors.Is(err, authority.ErrLoginRequired):
		return lang.L("Username atau email wajib diisi.")
	case errors.Is(err, authority.ErrLoginTooLong):
		return lang.L("Username atau email paling banyak {{.N}} karakter.", n(authority.MaxLoginLen))
	case errors.Is(err, authority.ErrRoleInvalid):
		return lang.L("Peran harus penanda tangan atau verifikator.")
	case errors.Is(err, authority.ErrLanguageInvalid):
		return lang.L("Bahasa harus Indonesia atau Inggris.")
	case errors.Is(err, authority.ErrPasswordRequired):
		return lang.L("Password wajib diisi.")
	case errors.Is(err, authority.ErrPasswordTooShort):
		return lang.L("Password minimal {{.N}} karakter.", n(authority.MinPasswordLen))
	case errors.Is(err, authority.ErrPasswordTooLong):
		return lang.L("Password paling banyak {{.N}} karakter.", n(authority.MaxPasswordLen))
	case errors.Is(err, authority.ErrPasswordMismatch):
		return lang.L("Konfirmasi password tidak sama.")
	case errors.Is(err, authority.ErrTokenInvalid), errors.Is(err, link.ErrInvalid):
		return lang.L("Tautan reset tidak valid. Salin tautan lengkap dari email.")
	case errors.Is(err, authority.ErrTokenExpired):
		return lang.L("Tautan reset sudah kedaluwarsa. Minta tautan baru lewat Lupa Password.")
	case errors.Is(err, authority.ErrTokenUsed):
		return lang.L("Tautan reset sudah pernah dipakai. Minta tautan baru lewat Lupa Password.")
	case errors.Is(err, authority.ErrSessionExpired):
		return lang.L("Sesi Anda telah berakhir. Silakan masuk lagi.")
	case errors.Is(err, authority.ErrRequestReused):
		// the app makes a new request id per batch: a bug or a foreign client
		return lang.L("Permintaan tanda tangan ini sudah dipakai untuk dokumen lain. Tidak ada yang ditandatangani; tutup lalu ulangi penandatanganan.")
	case errors.Is(err, authority.ErrRateLimited):
		return lang.L("Terlalu banyak permintaan dalam waktu singkat. Tunggu satu menit, lalu coba lagi.")
	case errors.Is(err, authority.ErrOTPRequired):
		return lang.L("Kode OTP wajib diisi.")
	case errors.Is(err, authority.ErrOTPFormat):
		return lang.L("Kode OTP harus 6 angka.")
	case errors.Is(err, authority.ErrOTPInvalid):
		return lang.L("Kode OTP tidak valid.")
	case errors.Is(err, authority.ErrOTPReused):
		return lang.L("Kode OTP ini sudah dipakai. Tunggu kode berikutnya.")
	case errors.Is(err, authority.ErrOTPSetupRequired):
		return lang.L("Atur OTP terlebih dahulu.")
	case errors.Is(err, authority.ErrDeviceNameMissing):
		return lang.L("Nama perangkat wajib diisi.")
	case errors.Is(err, authority.ErrDeviceNameTooLong):
		return lang.L("Nama perangkat paling banyak {{.N}} karakter.", n(authority.MaxDeviceNameLen))
	case errors.Is(err, authority.ErrDeviceNameInvalid):
		return lang.L("Nama perangkat berisi karakter yang tidak diizinkan.")
	case errors.Is(err, authority.ErrSignInRequired):
		return lang.L("Masuk terlebih dahulu untuk mengelola perangkat OTP.")
	case errors.Is(err, authority.ErrLastOTPDevice):
		return lang.L("Perangkat OTP terakhir tidak dapat dihapus.")
	case errors.Is(err, authority.ErrEnrolmentUnknown):
		return lang.L("Pengaturan OTP sudah kedaluwarsa. Pindai kode QR yang baru.")
	case errors.Is(err, authority.ErrInvalidCredentials):
		// last: the authority may wrap a more precise error (a wrong OTP
		// code) together with it
		return lang.L("Username/email atau password salah.")
	case errors.Is(err, authority.ErrNotFound):
		return lang.L("Data tidak ditemukan. Muat ulang lalu coba lagi.")
	}
	fyne.LogError("authority", err)
	return lang.L("Terjadi kesalahan. Coba lagi; jika terus terjadi, hubungi bagian TI.")
}

// serverText says what went wrong between the app and an organisation
// server (authority = "https://..."). Nothing was changed on the laptop; a
// request whose answer was lost may have been carried out, and the person
// decides whether to try again.
func serverText(err error) (string, bool) {
	switch {
	case errors.Is(err, remote.ErrCertificate):
		return lang.L("Server BeSign tidak dapat dipercaya: sertifikat TLS-nya bukan yang dikenal. Jangan lanjutkan; hubungi bagian TI."), true
	case errors.Is(err, remote.ErrTimeout):
		return lang.L("Server BeSign tidak menjawab tepat waktu. Periksa jaringan, lalu coba lagi."), true
	case errors.Is(err, remote.ErrUnreachable):
		return lang.L("Server BeSign tidak dapat dihubungi. Periksa jaringan, lalu coba lagi; dokumen dan antrean Anda tetap tersimpan."), true
	case errors.Is(err, remote.ErrBadResponse):
		return lang.L("Jawaban server BeSign tidak dapat dibaca (mungkin proxy jaringan). Coba lagi; jika terus terjadi, hubungi bagian TI."), true
	}
	return "", false
}
