package screens

import (
	"context"
	"errors"
	"io/fs"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/verifytrust"
)

// verifyDocument is `besign verify` on one file with the app's trust
// (verifytrust): the authority's root and the roots added in settings;
// revocation of the authority's own certificates from its CRL in the data
// dir, of others online (each fetch bounded by verifytrust.Timeout;
// unreachable means "not checked"). It runs off the UI goroutine.
func verifyDocument(ctx context.Context, trust authority.Trust, dataDir string, cfg config.Config, path, password string) ([]pdfsign.SignatureInfo, error) {
	// trust is nil only in tests of other screens
	tr, err := verifytrust.Assemble(ctx, verifytrust.Sources{Authority: trust, DataDir: dataDir, TrustedRoots: true, Config: &cfg})
	if err != nil {
		return nil, err
	}
	if tr.FolderErr != nil {
		// the added roots are unreadable: verify with the authority's
		fyne.LogError("trusted roots", tr.FolderErr)
	}
	return pdfsign.VerifyFileWith(path, tr.Options(password))
}

// verifyErrorText words why a file could not be verified.
func verifyErrorText(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return lang.L("Berkas tidak ditemukan. Mungkin sudah dipindahkan atau dihapus.")
	case errors.Is(err, fs.ErrPermission):
		return lang.L("Berkas tidak dapat dibaca: Anda tidak punya izin membukanya.")
	case errors.Is(err, pdfsign.ErrNotRegular): // before ErrNotPDF, which it wraps
		return message(err)
	case errors.Is(err, pdfsign.ErrNotPDF):
		return lang.L("Berkas ini bukan PDF, jadi tidak dapat diperiksa.")
	case errors.Is(err, pdfsign.ErrAmbiguous):
		return lang.L("PDF ini ambigu: susunannya dapat dibaca dengan lebih dari satu cara, sehingga aplikasi PDF yang berbeda dapat menampilkan isi yang berbeda. Tanda tangannya tidak dapat diandalkan.")
	case errors.Is(err, pdfsign.ErrMalformed):
		return lang.L("PDF ini rusak dan tidak dapat dibaca: {{.Err}}", map[string]any{"Err": err.Error()})
	case errors.Is(err, pdfsign.ErrUnsupported):
		return lang.L("PDF ini memakai fitur yang belum didukung: {{.Err}}", map[string]any{"Err": err.Error()})
	case errors.Is(err, pdfsign.ErrEncrypted):
		return lang.L("PDF ini terenkripsi dengan cara yang tidak dapat dibuka.")
	}
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return lang.L("Berkas tidak dapat dibaca: {{.Err}}", map[string]any{"Err": err.Error()})
	}
	return message(err)
}
