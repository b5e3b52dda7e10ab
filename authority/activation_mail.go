package authority

import (
	"fmt"

	"github.com/natunakab/besign/authority/store"
)

// Mail of activation outcomes, in the recipient's language (see mail.go).

// Mail kinds of activation.
const (
	MailActivationSubmitted MailKind = "activation_submitted"
	MailActivationApproved  MailKind = "activation_approved"
	MailActivationRejected  MailKind = "activation_rejected"
)

var activationSubmittedText = map[Language]mailText{
	LanguageID: {"[BSrE] Aktivasi Akun Menunggu Verifikasi", "", `Yth. %s,

Data aktivasi akun BSrE Anda telah kami terima dan sedang menunggu verifikasi. Anda akan menerima email setelah verifikasi selesai.

Balai Sertifikasi Elektronik
`},
	LanguageEN: {"[BSrE] Account Activation Waiting for Verification", "", `Dear %s,

We have received your BSrE account activation data; it is waiting for verification. You will receive a mail once it has been verified.

Balai Sertifikasi Elektronik
`},
}

// The subject stays "[BSrE] Set Passphrase" in both languages, as BSrE
// sends it. The arguments: the name, the passphrase link, its lifetime.
var activationApprovedText = map[Language]mailText{
	LanguageID: {"[BSrE] Set Passphrase", "Buat Passphrase", `Yth. %s,

Data aktivasi akun BSrE Anda telah diverifikasi. Langkah berikutnya adalah membuat passphrase untuk sertifikat elektronik Anda.

Klik "Buat Passphrase" atau buka tautan berikut di BeSign Desktop:
%s

Tautan ini hanya dapat digunakan satu kali dan akan kedaluwarsa dalam %s.

Balai Sertifikasi Elektronik
`},
	LanguageEN: {"[BSrE] Set Passphrase", "Create Passphrase", `Dear %s,

Your BSrE account activation data has been verified. The next step is to create the passphrase of your electronic certificate.

Click "Create Passphrase" or open the following link in BeSign Desktop:
%s

This link can be used only once and expires within %s.

Balai Sertifikasi Elektronik
`},
}

// MailPassphraseReset carries the link of "Lupa Passphrase".
const MailPassphraseReset MailKind = "passphrase_reset"

var passphraseResetText = map[Language]mailText{
	LanguageID: {"[BSrE] Lupa Passphrase", "Buat Passphrase Baru", `Yth. %s,

Anda meminta untuk membuat passphrase baru. Passphrase baru membuat sertifikat elektronik baru; sertifikat Anda yang lama akan dicabut.

Buka tautan berikut di BeSign Desktop:
%s

Tautan ini hanya dapat digunakan satu kali dan akan kedaluwarsa dalam %s. Jika Anda tidak memintanya, abaikan email ini: sertifikat Anda tetap berlaku.

Balai Sertifikasi Elektronik
`},
	LanguageEN: {"[BSrE] Forgot Passphrase", "Create New Passphrase", `Dear %s,

You asked to create a new passphrase. A new passphrase comes with a new electronic certificate; your old certificate will be revoked.

Open the following link in BeSign Desktop:
%s

This link can be used only once and expires within %s. If you did not ask for it, ignore this mail: your certificate stays valid.

Balai Sertifikasi Elektronik
`},
}

var activationRejectedText = map[Language]mailText{
	LanguageID: {"[BSrE] Aktivasi Akun Ditolak", "", `Yth. %s,

Data aktivasi akun BSrE Anda belum dapat disetujui.

Alasan: %s

Perbaiki data Anda pada tab "Aktivasi" di BeSign Desktop, lalu kirim kembali.

Balai Sertifikasi Elektronik
`},
	LanguageEN: {"[BSrE] Account Activation Rejected", "", `Dear %s,

Your BSrE account activation data could not be approved.

Reason: %s

Correct your data in the "Aktivasi" tab of BeSign Desktop and submit it again.

Balai Sertifikasi Elektronik
`},
}

func activationOutcomeMail(kind MailKind, texts map[Language]mailText, l Language, email string, args ...any) store.Mail {
	t := text(texts, l)
	return store.Mail{Kind: string(kind), To: email, Subject: t.subject, Body: fmt.Sprintf(t.body, args...)}
}

func activationSubmittedMail(l Language, email, name string) store.Mail {
	return activationOutcomeMail(MailActivationSubmitted, activationSubmittedText, l, email, name)
}

func activationRejectedMail(l Language, email, name, reason string) store.Mail {
	return activationOutcomeMail(MailActivationRejected, activationRejectedText, l, email, name, reason)
}
