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
// sends it. Passphrase creation is a later step of BeSign Desktop.
var activationApprovedText = map[Language]mailText{
	LanguageID: {"[BSrE] Set Passphrase", "", `Yth. %s,

Data aktivasi akun BSrE Anda telah diverifikasi. Langkah berikutnya adalah membuat passphrase untuk sertifikat elektronik Anda.

Pembuatan passphrase akan segera tersedia di BeSign Desktop.

Balai Sertifikasi Elektronik
`},
	LanguageEN: {"[BSrE] Set Passphrase", "", `Dear %s,

Your BSrE account activation data has been verified. The next step is to create the passphrase of your electronic certificate.

Passphrase creation is coming soon to BeSign Desktop.

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

func activationApprovedMail(l Language, email, name string) store.Mail {
	return activationOutcomeMail(MailActivationApproved, activationApprovedText, l, email, name)
}

func activationRejectedMail(l Language, email, name, reason string) store.Mail {
	return activationOutcomeMail(MailActivationRejected, activationRejectedText, l, email, name, reason)
}
