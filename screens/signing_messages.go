package screens

import (
	"errors"

	"fyne.io/fyne/v2/lang"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/docprep"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/preview"
	"github.com/natunakab/besign/signjob"
)

// signingText words the errors of the signing queue, of a document and of
// a signing batch for message; ok is false for any other error.
func signingText(err error) (msg string, ok bool) {
	n := func(v int) map[string]any { return map[string]any{"N": v} }
	for _, m := range []struct {
		err error
		msg string
	}{
		{authority.ErrQueueNotFound, lang.L("Dokumen ini sudah tidak ada dalam antrean. Muat ulang tab Tanda Tangan.")},
		{authority.ErrQueueDuplicate, lang.L("Dokumen ini sudah ada dalam antrean.")},
		{authority.ErrQueueFull, lang.L("Antrean penuh: paling banyak {{.N}} dokumen. Tandatangani atau hapus dokumen terlebih dahulu.", n(authority.MaxQueuedDocuments))},
		{authority.ErrQueuePath, lang.L("Lokasi berkas ini tidak dapat dipakai. Pindahkan berkas ke folder dengan nama yang lebih pendek.")},
		{authority.ErrQueueSettings, lang.L("Pengaturan tanda tangan tidak valid: periksa halaman, kotak, alasan dan lokasi.")},
		{signjob.ErrChanged, lang.L("Berkas berubah sejak ditambahkan ke antrean. Periksa isinya, lalu pilih Terima perubahan.")},
		{signjob.ErrMissing, lang.L("Berkas tidak ditemukan lagi. Mungkin sudah dipindahkan atau dihapus.")},
		{signjob.ErrOutputDir, lang.L("Folder tujuan tidak ada atau tidak dapat ditulisi. Pilih folder lain.")},
		{docprep.ErrSigned, lang.L("Dokumen ini sudah memuat tanda tangan, jadi tidak diubah: perubahan apa pun akan merusak tanda tangan yang ada.")},
		{docprep.ErrPages, lang.L("Nomor halaman tidak cocok dengan dokumen: periksa bahwa setiap halaman ada, tidak disebut dua kali, dan paling sedikit satu halaman tersisa.")},
		{docprep.ErrRotation, lang.L("Halaman hanya dapat diputar kelipatan 90 derajat.")},
		{docprep.ErrDamaged, lang.L("Berkas ini terlalu rusak untuk diubah. Coba Perbaiki, atau minta berkas yang baru dari pembuatnya.")},
		{signjob.ErrCancelled, lang.L("Penandatanganan dibatalkan.")},
		// before ErrEncrypted, which they wrap
		{pdfsign.ErrPasswordRequired, lang.L("PDF ini dilindungi password. Masukkan password PDF-nya.")},
		{pdfsign.ErrWrongPassword, lang.L("Password PDF salah.")},
		{pdfsign.ErrPermission, lang.L("Izin PDF ini melarang penandatanganan. Minta berkas tanpa batasan dari pembuatnya.")},
		{pdfsign.ErrCertified, lang.L("Dokumen ini disertifikasi tanpa izin perubahan, sehingga tidak dapat ditandatangani lagi.")},
		{preview.ErrPassword, lang.L("PDF ini dilindungi password. Masukkan password PDF-nya.")},
		// before ErrNotPDF, which it wraps
		{pdfsign.ErrNotRegular, lang.L("Ini bukan berkas biasa (misalnya folder, pipe, atau perangkat), jadi tidak dapat dibuka sebagai PDF.")},
		{pdfsign.ErrNotPDF, lang.L("Berkas ini bukan PDF.")},
		{preview.ErrNotPDF, lang.L("Berkas ini bukan PDF yang dapat dibaca.")},
		{pdfsign.ErrAmbiguous, lang.L("PDF ini ambigu: susunannya dapat dibaca dengan lebih dari satu cara, sehingga aplikasi PDF yang berbeda dapat menampilkan isi yang berbeda. Dokumen ini tidak dapat ditandatangani; minta pembuatnya menyimpan ulang berkasnya.")},
		// a decompression bomb, or a document beyond reason
		{preview.ErrTooLarge, lang.L("Dokumen ini memerlukan memori terlalu besar untuk ditampilkan; berkasnya mungkin rusak atau sengaja dibuat berbahaya. Jangan tandatangani dokumen yang isinya tidak dapat Anda lihat.")},
		{pdfsign.ErrMalformed, lang.L("PDF ini rusak dan tidak dapat dibaca.")},
		{pdfsign.ErrUnsupported, lang.L("Bentuk PDF ini belum didukung.")},
		{pdfsign.ErrPage, lang.L("Halaman tanda tangan tidak ada pada dokumen ini.")},
		{pdfsign.ErrRect, lang.L("Kotak tanda tangan tidak muat pada halaman. Pindahkan atau perkecil kotaknya.")},
		{pdfsign.ErrExists, lang.L("Berkas hasil sudah ada.")},
		{pdfsign.ErrSameFile, lang.L("Berkas hasil akan menimpa berkas asli.")},
		{pdfsign.ErrTruncated, lang.L("Berkas menjadi lebih pendek saat ditandatangani, jadi hasilnya tidak disimpan. Periksa berkasnya, lalu coba lagi.")},
		{pdfsign.ErrTooManySignatures, lang.L("Dokumen ini memuat lebih dari {{.N}} tanda tangan, jadi tidak diperiksa.", n(pdfsign.MaxSignatures))},
	} {
		if errors.Is(err, m.err) {
			return m.msg, true
		}
	}
	return "", false
}
