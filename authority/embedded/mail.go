package embedded

import (
	"fmt"
	"strconv"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/store"
)

// Mail texts, in each language of Languages, chosen by the recipient's
// account. They are the only texts for people that the authority holds; the
// screens word everything else.

// mailText is one mail in one language.
type mailText struct {
	subject, label string
	body           string // a fmt format; the arguments are per kind
}

var activationText = map[authority.Language]mailText{
	authority.LanguageID: {"Aktivasi Akun BeSign", "Lupa Password", `Yth. %s,

Akun BeSign Anda telah dibuat.

Username: %s
Email: %s

Untuk mengaktifkan akun, buat password pertama Anda melalui "Lupa Password" pada halaman masuk BeSign: masukkan email Anda, lalu klik tautan "Link to reset credentials" pada email yang kami kirimkan. Anda juga akan diminta mengatur OTP dengan aplikasi FreeOTP atau Google Authenticator.

Buka tautan berikut untuk memulai:
%s

Jika Anda tidak merasa mendaftar, abaikan email ini.

Balai Sertifikasi Elektronik
`},
	authority.LanguageEN: {"BeSign Account Activation", "Forgot Password", `Dear %s,

Your BeSign account has been created.

Username: %s
Email: %s

To activate the account, create your first password through "Forgot Password" on the BeSign sign-in page: enter your email, then click the "Link to reset credentials" link in the mail we send you. You will also be asked to set up OTP with the FreeOTP or Google Authenticator app.

Open the following link to begin:
%s

If you did not register, ignore this mail.

Balai Sertifikasi Elektronik
`},
}

var resetText = map[authority.Language]mailText{
	authority.LanguageID: {"Reset Password", "Link to reset credentials", `Seseorang baru saja meminta untuk mengubah kredensial akun BeSign Anda. Jika itu Anda, klik tautan di bawah ini untuk mereset password Anda.

Link to reset credentials:
%s

Tautan ini hanya dapat digunakan satu kali dan akan kedaluwarsa dalam %s.

Jika Anda tidak ingin mereset kredensial Anda, abaikan saja pesan ini dan tidak ada yang akan diubah.

Balai Sertifikasi Elektronik
`},
	authority.LanguageEN: {"Reset Password", "Link to reset credentials", `Someone has just asked to change the credentials of your BeSign account. If this was you, click the link below to reset your password.

Link to reset credentials:
%s

This link can be used only once and expires within %s.

If you do not want to reset your credentials, just ignore this message and nothing will be changed.

Balai Sertifikasi Elektronik
`},
}

var deviceAddedText = map[authority.Language]mailText{
	authority.LanguageID: {"Perangkat OTP Baru Ditambahkan", "", `Perangkat OTP baru "%s" telah ditambahkan ke akun BeSign Anda pada %s UTC.

Jika bukan Anda yang menambahkannya, segera reset password Anda melalui "Lupa Password" dan hubungi admin TI instansi Anda.

Balai Sertifikasi Elektronik
`},
	authority.LanguageEN: {"New OTP Device Added", "", `A new OTP device "%s" was added to your BeSign account on %s UTC.

If you did not add it, reset your password at once through "Forgot Password" and contact your organisation's IT admin.

Balai Sertifikasi Elektronik
`},
}

var otpResetText = map[authority.Language]mailText{
	authority.LanguageID: {"Atur Ulang OTP", "Atur OTP", `Admin TI instansi Anda telah menghapus perangkat OTP akun BeSign Anda (misalnya karena ponsel hilang). Anda harus mengatur OTP kembali sebelum dapat masuk.

Klik tautan di bawah ini untuk mengatur OTP dengan aplikasi FreeOTP atau Google Authenticator, lalu membuat password baru:
%s

Tautan ini hanya dapat digunakan satu kali dan akan kedaluwarsa dalam %s. Setelah itu, gunakan "Lupa Password" pada halaman masuk BeSign.

Jika Anda tidak meminta ini, segera hubungi admin TI instansi Anda.

Balai Sertifikasi Elektronik
`},
	authority.LanguageEN: {"Set Up OTP Again", "Set up OTP", `Your organisation's IT admin has removed the OTP devices of your BeSign account (for example because a phone was lost). You must set up OTP again before you can sign in.

Click the link below to set up OTP with the FreeOTP or Google Authenticator app, then create a new password:
%s

This link can be used only once and expires within %s. After that, use "Forgot Password" on the BeSign sign-in page.

If you did not ask for this, contact your organisation's IT admin at once.

Balai Sertifikasi Elektronik
`},
}

// text returns the mail of texts in l, Indonesian when l has none.
func text(texts map[authority.Language]mailText, l authority.Language) mailText {
	if t, ok := texts[l]; ok {
		return t
	}
	return texts[authority.LanguageID]
}

// The argument: the Lupa Password link with the address filled in.
var registerAttemptText = map[authority.Language]mailText{
	authority.LanguageID: {"Pendaftaran Akun BeSign", "Lupa Password", `Yth. pemilik akun BeSign,

Seseorang baru saja mencoba mendaftarkan akun BeSign baru dengan alamat email ini. Alamat ini sudah memiliki akun, jadi tidak ada akun baru yang dibuat.

Jika itu Anda dan Anda lupa password, buka tautan berikut lalu ikuti "Lupa Password":
%s

Jika bukan Anda, abaikan email ini: akun Anda tidak berubah.

Balai Sertifikasi Elektronik
`},
	authority.LanguageEN: {"BeSign Account Registration", "Forgot Password", `Dear BeSign account holder,

Someone has just tried to register a new BeSign account with this email address. The address already has an account, so no new account was created.

If that was you and you forgot your password, open the following link and follow "Forgot Password":
%s

If it was not you, ignore this mail: your account has not changed.

Balai Sertifikasi Elektronik
`},
}

func registerAttemptMail(l authority.Language, email string) store.Mail {
	t := text(registerAttemptText, l)
	action := link.Forgot(email)
	return store.Mail{Kind: string(authority.MailRegisterAttempt), To: email, Subject: t.subject, Body: fmt.Sprintf(t.body, action),
		ActionLabel: t.label, ActionLink: action}
}

func activationMail(l authority.Language, name, username, email string) store.Mail {
	t := text(activationText, l)
	action := link.Forgot(email)
	return store.Mail{
		Kind:        string(authority.MailActivation),
		To:          email,
		Subject:     t.subject,
		Body:        fmt.Sprintf(t.body, name, username, email, action),
		ActionLabel: t.label,
		ActionLink:  action,
	}
}

func resetMail(l authority.Language, email, token string, lifetime time.Duration) store.Mail {
	return resetLinkMail(resetText, l, email, token, lifetime)
}

// otpResetMail tells the person IT removed their OTP devices; its link
// opens the reset flow, which sets up OTP first.
func otpResetMail(l authority.Language, email, token string, lifetime time.Duration) store.Mail {
	return resetLinkMail(otpResetText, l, email, token, lifetime)
}

// resetLinkMail is a mail whose button opens the reset flow.
func resetLinkMail(texts map[authority.Language]mailText, l authority.Language, email, token string, lifetime time.Duration) store.Mail {
	t := text(texts, l)
	action := link.Reset(token)
	return store.Mail{
		Kind:        string(authority.MailReset),
		To:          email,
		Subject:     t.subject,
		Body:        fmt.Sprintf(t.body, action, sayDuration(l, lifetime)),
		ActionLabel: t.label,
		ActionLink:  action,
	}
}

func deviceAddedMail(l authority.Language, email, device string, at time.Time) store.Mail {
	t := text(deviceAddedText, l)
	return store.Mail{
		Kind:    string(authority.MailOTPDeviceAdded),
		To:      email,
		Subject: t.subject,
		Body:    fmt.Sprintf(t.body, device, at.UTC().Format("02-01-2006 15:04")),
	}
}

// durationUnits names day, hour, minute and second, singular and plural.
var durationUnits = map[authority.Language][4][2]string{
	authority.LanguageID: {{"hari", "hari"}, {"jam", "jam"}, {"menit", "menit"}, {"detik", "detik"}},
	authority.LanguageEN: {{"day", "days"}, {"hour", "hours"}, {"minute", "minutes"}, {"second", "seconds"}},
}

// sayDuration says a lifetime in l ("24 jam", "5 minutes", "2 hari").
func sayDuration(l authority.Language, d time.Duration) string {
	units, ok := durationUnits[l]
	if !ok {
		units = durationUnits[authority.LanguageID]
	}
	say := func(n int64, u int) string {
		w := units[u][1]
		if n == 1 {
			w = units[u][0]
		}
		return strconv.FormatInt(n, 10) + " " + w
	}
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return say(int64(d/(24*time.Hour)), 0)
	case d >= time.Hour && d%time.Hour == 0:
		return say(int64(d/time.Hour), 1)
	case d >= time.Minute:
		return say(int64(d/time.Minute), 2)
	}
	return say(int64(d/time.Second), 3)
}

// Activation outcomes (activation.go).

var activationSubmittedText = map[authority.Language]mailText{
	authority.LanguageID: {"[BSrE] Aktivasi Akun Menunggu Verifikasi", "", `Yth. %s,

Data aktivasi akun BSrE Anda telah kami terima dan sedang menunggu verifikasi. Anda akan menerima email setelah verifikasi selesai.

Balai Sertifikasi Elektronik
`},
	authority.LanguageEN: {"[BSrE] Account Activation Waiting for Verification", "", `Dear %s,

We have received your BSrE account activation data; it is waiting for verification. You will receive a mail once it has been verified.

Balai Sertifikasi Elektronik
`},
}

// The subject stays "[BSrE] Set Passphrase" in both languages, as BSrE
// sends it. The arguments: the name, the passphrase link, its lifetime.
var activationApprovedText = map[authority.Language]mailText{
	authority.LanguageID: {"[BSrE] Set Passphrase", "Buat Passphrase", `Yth. %s,

Data aktivasi akun BSrE Anda telah diverifikasi. Langkah berikutnya adalah membuat passphrase untuk sertifikat elektronik Anda.

Klik "Buat Passphrase" atau buka tautan berikut di BeSign Desktop:
%s

Tautan ini hanya dapat digunakan satu kali dan akan kedaluwarsa dalam %s.

Balai Sertifikasi Elektronik
`},
	authority.LanguageEN: {"[BSrE] Set Passphrase", "Create Passphrase", `Dear %s,

Your BSrE account activation data has been verified. The next step is to create the passphrase of your electronic certificate.

Click "Create Passphrase" or open the following link in BeSign Desktop:
%s

This link can be used only once and expires within %s.

Balai Sertifikasi Elektronik
`},
}

var passphraseResetText = map[authority.Language]mailText{
	authority.LanguageID: {"[BSrE] Lupa Passphrase", "Buat Passphrase Baru", `Yth. %s,

Anda meminta untuk membuat passphrase baru. Passphrase baru membuat sertifikat elektronik baru; sertifikat Anda yang lama akan dicabut.

Buka tautan berikut di BeSign Desktop:
%s

Tautan ini hanya dapat digunakan satu kali dan akan kedaluwarsa dalam %s. Jika Anda tidak memintanya, abaikan email ini: sertifikat Anda tetap berlaku.

Balai Sertifikasi Elektronik
`},
	authority.LanguageEN: {"[BSrE] Forgot Passphrase", "Create New Passphrase", `Dear %s,

You asked to create a new passphrase. A new passphrase comes with a new electronic certificate; your old certificate will be revoked.

Open the following link in BeSign Desktop:
%s

This link can be used only once and expires within %s. If you did not ask for it, ignore this mail: your certificate stays valid.

Balai Sertifikasi Elektronik
`},
}

var activationRejectedText = map[authority.Language]mailText{
	authority.LanguageID: {"[BSrE] Aktivasi Akun Ditolak", "", `Yth. %s,

Data aktivasi akun BSrE Anda belum dapat disetujui.

Alasan: %s

Perbaiki data Anda pada tab "Aktivasi" di BeSign Desktop, lalu kirim kembali.

Balai Sertifikasi Elektronik
`},
	authority.LanguageEN: {"[BSrE] Account Activation Rejected", "", `Dear %s,

Your BSrE account activation data could not be approved.

Reason: %s

Correct your data in the "Aktivasi" tab of BeSign Desktop and submit it again.

Balai Sertifikasi Elektronik
`},
}

func activationOutcomeMail(kind authority.MailKind, texts map[authority.Language]mailText, l authority.Language, email string, args ...any) store.Mail {
	t := text(texts, l)
	return store.Mail{Kind: string(kind), To: email, Subject: t.subject, Body: fmt.Sprintf(t.body, args...)}
}

func activationSubmittedMail(l authority.Language, email, name string) store.Mail {
	return activationOutcomeMail(authority.MailActivationSubmitted, activationSubmittedText, l, email, name)
}

func activationRejectedMail(l authority.Language, email, name, reason string) store.Mail {
	return activationOutcomeMail(authority.MailActivationRejected, activationRejectedText, l, email, name, reason)
}
