package screens

import (
	"errors"

	"fyne.io/fyne/v2/lang"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/bsre/batch"
)

// certifiedText words the errors of signing through BSrE, at the
// document they concern. Wrong passphrase is BSrE's own sentence.
func certifiedText(err error) (string, bool) {
	switch {
	case err == nil:
		return "", false
	case errors.Is(err, authority.ErrCertifiedOutcomeUnknown):
		return lang.L("Hasil tidak diketahui: permintaan sudah terkirim ke BSrE tetapi jawabannya tidak diterima. Dokumen mungkin sudah ditandatangani. Periksa dengan Verifikasi Dokumen (atau besign verify) sebelum menandatangani lagi."), true
	case errors.Is(err, batch.ErrNotSent):
		return lang.L("Belum dikirim karena permintaan sebelumnya gagal. Dokumen ini belum ditandatangani."), true
	case errors.Is(err, authority.ErrCertifiedPassphrase):
		return lang.L("Passphrase anda salah"), true
	case errors.Is(err, authority.ErrCertifiedNotRegistered):
		return lang.L("Akun Anda belum terdaftar di BSrE (kode 2011). Lihat langkah berikutnya di tab Akun."), true
	case errors.Is(err, authority.ErrCertifiedNoCertificate):
		return lang.L("Akun Anda belum memiliki sertifikat BSrE (kode 2021). Buat passphrase melalui email \"[BSrE] Set Passphrase\"."), true
	case errors.Is(err, authority.ErrCertifiedInactive):
		return lang.L("Sertifikat BSrE Anda tidak aktif (ditangguhkan atau dicabut). Hubungi bagian TI atau layanan BSrE."), true
	case errors.Is(err, authority.ErrCertifiedConfig):
		return lang.L("Server tanda tangan instansi menolak server organisasi (kredensial aplikasi atau alamat IP). Dokumen belum ditandatangani; hubungi bagian TI."), true
	case errors.Is(err, authority.ErrCertifiedUnavailable):
		return lang.L("Server tanda tangan instansi tidak dapat dihubungi. Dokumen belum ditandatangani; coba lagi nanti."), true
	case errors.Is(err, authority.ErrCertifiedFailed):
		return lang.L("Server tanda tangan instansi gagal menandatangani (misalnya PDF yang tidak dapat dibacanya). Dokumen belum ditandatangani."), true
	case errors.Is(err, authority.ErrCertifiedRefused):
		return lang.L("Dokumen yang dikembalikan BSrE ditolak karena tidak sesuai dengan yang dikirim (isi, jumlah tanda tangan, letak, atau penanda tangan). Tidak ada berkas yang ditulis; hubungi bagian TI."), true
	case errors.Is(err, authority.ErrCertifiedRequest):
		return lang.L("Permintaan tanda tangan tidak valid (terlalu banyak atau terlalu besar, atau kotak di luar halaman)."), true
	case errors.Is(err, authority.ErrCertifiedOff):
		return lang.L("Server organisasi tidak menandatangani melalui BSrE."), true
	}
	return "", false
}
