package app

import (
	"errors"

	"fyne.io/fyne/v2/lang"

	"github.com/natunakab/besign/keystore"
	"github.com/natunakab/besign/screens"
)

// keyring adapts the OS keyring store to screens.Keyring; Available's
// error is the reason, worded in the user's language.
type keyring struct{ s *keystore.Store }

var _ screens.Keyring = keyring{}

func (k keyring) Available() error {
	err := k.s.Available()
	if err == nil {
		return nil
	}
	if r := keystore.ReasonOf(err); r != "" {
		return errors.New(reasonText(r))
	}
	return err
}

func (k keyring) Remember(login, token string) error {
	return k.s.SaveRemembered(keystore.Remembered{Login: login, Token: token})
}

func (k keyring) Recall() (string, string, error) {
	r, err := k.s.LoadRemembered()
	if errors.Is(err, keystore.ErrNotFound) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	return r.Login, r.Token, nil
}

func (k keyring) Forget() error { return k.s.ForgetRemembered() }

// reasonText words why the keyring cannot be used, short enough to stand
// next to a disabled "Ingat Akun ini".
func reasonText(r keystore.Reason) string {
	switch r {
	case keystore.ReasonNoBus:
		return lang.L("tidak ada sesi D-Bus untuk Secret Service")
	case keystore.ReasonNoService:
		return lang.L("tidak ada Secret Service")
	case keystore.ReasonNoAnswer:
		return lang.L("Secret Service tidak menjawab")
	case keystore.ReasonLocked:
		return lang.L("keyring terkunci")
	case keystore.ReasonDenied:
		return lang.L("keyring terkunci atau menolak akses")
	case keystore.ReasonRefused:
		return lang.L("Secret Service menolak permintaan")
	case keystore.ReasonUnsupported:
		return lang.L("sistem operasi ini tidak punya keyring yang didukung")
	case keystore.ReasonCredentialMgr:
		return lang.L("Windows Credential Manager tidak dapat dipakai")
	case keystore.ReasonKeychain:
		return lang.L("Keychain macOS tidak dapat dipakai")
	}
	return lang.L("keyring tidak dapat dipakai")
}

// warningText words a master key warning for the line above the tabs.
func warningText(w *keystore.Warning) string {
	switch {
	case w == nil:
		return ""
	case w.Kind == keystore.WarnKeyFileLeft:
		return lang.L("Kunci utama BeSign sudah dipindah ke keyring sistem, tetapi berkas {{.Path}} tidak dapat dihapus; hapus berkas itu secara manual.",
			map[string]any{"Path": w.Path})
	}
	return lang.L("Keyring sistem tidak tersedia ({{.Reason}}), jadi kunci utama BeSign disimpan dalam berkas {{.Path}}; siapa pun yang dapat membaca berkas itu dapat membuka data rahasia akun.",
		map[string]any{"Reason": reasonText(w.Reason), "Path": w.Path})
}
