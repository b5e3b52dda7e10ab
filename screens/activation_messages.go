package screens

import (
	"errors"

	"fyne.io/fyne/v2/lang"

	"github.com/natunakab/besign/authority"
)

// activationText words the activation's errors for message; ok is false
// for any other error.
func activationText(err error) (msg string, ok bool) {
	n := func(v int) map[string]any { return map[string]any{"N": v} }
	for _, m := range []struct {
		err error
		msg string
	}{
		{authority.ErrNIKFormat, lang.L("NIK harus 16 digit angka tanpa spasi.")},
		{authority.ErrNIKProvince, lang.L("Dua digit pertama NIK bukan kode provinsi.")},
		{authority.ErrNIKBirthDate, lang.L("Tanggal lahir pada NIK (digit 7-12) tidak valid. Untuk perempuan, tanggal ditambah 40.")},
		{authority.ErrNIKSerial, lang.L("Nomor urut pada NIK (4 digit terakhir) tidak boleh 0000.")},
		{authority.ErrNIKTaken, lang.L("NIK ini sudah dipakai oleh akun lain.")},
		{authority.ErrNIPFormat, lang.L("NIP harus 18 digit atau NRP 8 digit angka.")},
		{authority.ErrNIPBirthDate, lang.L("Tanggal lahir pada NIP (digit 1-8) tidak valid.")},
		{authority.ErrNIPTMT, lang.L("TMT pada NIP (digit 9-14) bukan bulan yang valid.")},
		{authority.ErrNIPSex, lang.L("Digit ke-15 NIP harus 1 (laki-laki) atau 2 (perempuan).")},
		{authority.ErrNIPRequired, lang.L("NIP/NRP wajib diisi.")},
		{authority.ErrPhoneRequired, lang.L("Nomor telepon wajib diisi.")},
		{authority.ErrPhoneInvalid, lang.L("Nomor telepon harus nomor seluler Indonesia: 08..., 628... atau +628..., 10-13 digit, tanpa huruf.")},
		{authority.ErrGelarRequired, lang.L("Gelar wajib diisi. Isi \"-\" jika tidak ada.")},
		{authority.ErrGelarTooLong, lang.L("Gelar paling banyak {{.N}} karakter.", n(authority.MaxGelarLen))},
		{authority.ErrGelarInvalid, lang.L("Gelar berisi karakter yang tidak diizinkan.")},
		{authority.ErrEmploymentInvalid, lang.L("Pilih status kepegawaian Anda.")},
		{authority.ErrUnitRequired, lang.L("Unit organisasi wajib diisi.")},
		{authority.ErrJabatanRequired, lang.L("Jabatan wajib diisi.")},
		{authority.ErrProvinceRequired, lang.L("Pilih provinsi.")},
		{authority.ErrProvinceInvalid, lang.L("Pilih provinsi dari daftar.")},
		{authority.ErrTextTooLong, lang.L("Isian paling banyak {{.N}} karakter.", n(authority.MaxTextLen))},
		{authority.ErrTextInvalid, lang.L("Isian berisi karakter yang tidak diizinkan.")},
		{authority.ErrPhotoRequired, lang.L("Foto diri wajib diambil.")},
		{authority.ErrPhotoInvalid, lang.L("Foto tidak dapat dibaca. Ambil ulang foto.")},
		{authority.ErrPhotoTooLarge, lang.L("Foto terlalu besar. Ambil ulang foto.")},
		{authority.ErrPhotoTooSmall, lang.L("Foto terlalu kecil. Ambil ulang foto.")},
		{authority.ErrConsentRequired, lang.L("Centang persetujuan untuk melanjutkan.")},
		{authority.ErrActivationLocked, lang.L("Aktivasi sudah dikirim dan sedang diverifikasi.")},
		{authority.ErrActivationNotWaiting, lang.L("Aktivasi ini tidak lagi menunggu verifikasi. Muat ulang daftar.")},
		{authority.ErrVerifierRequired, lang.L("Hanya verifikator yang dapat melakukan ini.")},
		{authority.ErrOwnActivation, lang.L("Verifikator tidak dapat memverifikasi aktivasinya sendiri.")},
		{authority.ErrReasonRequired, lang.L("Alasan penolakan wajib diisi.")},
		{authority.ErrReasonTooLong, lang.L("Alasan paling banyak {{.N}} karakter.", n(authority.MaxReasonLen))},
		{authority.ErrEmployeeNotFound, lang.L("NIP/NRP tidak ditemukan di direktori pegawai. Isi Unit Organisasi, Jabatan dan Provinsi sendiri.")},
		// last: a *ValidationError matches it and its fields' errors
		{authority.ErrActivationInvalid, lang.L("Data aktivasi belum lengkap atau belum benar. Periksa isian yang ditandai.")},
	} {
		if errors.Is(err, m.err) {
			return m.msg, true
		}
	}
	return "", false
}
