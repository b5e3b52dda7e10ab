package authority

import (
	"fmt"

	"github.com/natunakab/besign/authority/store"
)

// Mail of activation outcomes, in Indonesian then English in one message
// until accounts carry a language.

// Mail kinds of activation.
const (
	MailActivationSubmitted MailKind = "activation_submitted"
	MailActivationApproved  MailKind = "activation_approved"
	MailActivationRejected  MailKind = "activation_rejected"
)

func activationSubmittedMail(email, name string) store.Mail {
	return store.Mail{
		Kind:    string(MailActivationSubmitted),
		To:      email,
		Subject: "[BSrE] Aktivasi Akun Menunggu Verifikasi",
		Body: fmt.Sprintf(`Yth. %s,

Data aktivasi akun BSrE Anda telah kami terima dan sedang menunggu verifikasi. Anda akan menerima email setelah verifikasi selesai.

Balai Sertifikasi Elektronik
`, name),
	}
}

func activationApprovedMail(email, name string) store.Mail {
	return store.Mail{
		Kind:    string(MailActivationApproved),
		To:      email,
		Subject: "[BSrE] Set Passphrase",
		Body: fmt.Sprintf(`Yth. %s,

Data aktivasi akun BSrE Anda telah diverifikasi. Langkah berikutnya adalah membuat passphrase untuk sertifikat elektronik Anda.

Pembuatan passphrase akan tersedia di BeSign Desktop pada versi berikutnya.

Balai Sertifikasi Elektronik
`, name),
	}
}

func activationRejectedMail(email, name, reason string) store.Mail {
	return store.Mail{
		Kind:    string(MailActivationRejected),
		To:      email,
		Subject: "[BSrE] Aktivasi Akun Ditolak",
		Body: fmt.Sprintf(`Yth. %s,

Data aktivasi akun BSrE Anda belum dapat disetujui.

Alasan: %s

Perbaiki data Anda pada tab "Aktivasi" di BeSign Desktop, lalu kirim kembali.

Balai Sertifikasi Elektronik
`, name, reason),
	}
}
