package authority

import (
	"fmt"
	"strconv"
	"time"

	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/store"
)

// Mail texts, in the seeds' Indonesian.

func activationMail(name, username, email string) store.Mail {
	action := link.Forgot(email)
	body := fmt.Sprintf(`Yth. %s,

Akun BeSign Anda telah dibuat.

Username: %s
Email: %s

Untuk mengaktifkan akun, buat password pertama Anda melalui "Lupa Password" pada halaman masuk BeSign: masukkan email Anda, lalu klik tautan "Link to reset credentials" pada email yang kami kirimkan. Anda juga akan diminta mengatur OTP dengan aplikasi FreeOTP atau Google Authenticator.

Buka tautan berikut untuk memulai:
%s

Jika Anda tidak merasa mendaftar, abaikan email ini.

Balai Sertifikasi Elektronik
`, name, username, email, action)
	return store.Mail{
		Kind:        string(MailActivation),
		To:          email,
		Subject:     "Aktivasi Akun BeSign",
		Body:        body,
		ActionLabel: "Lupa Password",
		ActionLink:  action,
	}
}

func resetMail(email, token string, lifetime time.Duration) store.Mail {
	action := link.Reset(token)
	body := fmt.Sprintf(`Seseorang baru saja meminta untuk mengubah kredensial akun BeSign Anda. Jika itu Anda, klik tautan di bawah ini untuk mereset password Anda.

Link to reset credentials:
%s

Tautan ini hanya dapat digunakan satu kali dan akan kedaluwarsa dalam %s.

Jika Anda tidak ingin mereset kredensial Anda, abaikan saja pesan ini dan tidak ada yang akan diubah.

Balai Sertifikasi Elektronik
`, action, durationID(lifetime))
	return store.Mail{
		Kind:        string(MailReset),
		To:          email,
		Subject:     "Reset Password",
		Body:        body,
		ActionLabel: "Link to reset credentials",
		ActionLink:  action,
	}
}

// otpResetMail tells the person IT removed their OTP devices; its link
// opens the reset flow, which sets up OTP first.
func otpResetMail(email, token string, lifetime time.Duration) store.Mail {
	action := link.Reset(token)
	body := fmt.Sprintf(`Admin TI instansi Anda telah menghapus perangkat OTP akun BeSign Anda (misalnya karena ponsel hilang). Anda harus mengatur OTP kembali sebelum dapat masuk.

Klik tautan di bawah ini untuk mengatur OTP dengan aplikasi FreeOTP atau Google Authenticator, lalu membuat password baru:
%s

Tautan ini hanya dapat digunakan satu kali dan akan kedaluwarsa dalam %s. Setelah itu, gunakan "Lupa Password" pada halaman masuk BeSign.

Jika Anda tidak meminta ini, segera hubungi admin TI instansi Anda.

Balai Sertifikasi Elektronik
`, action, durationID(lifetime))
	return store.Mail{
		Kind:        string(MailReset),
		To:          email,
		Subject:     "Atur Ulang OTP",
		Body:        body,
		ActionLabel: "Atur OTP",
		ActionLink:  action,
	}
}

func deviceAddedMail(email, device string, at time.Time) store.Mail {
	body := fmt.Sprintf(`Perangkat OTP baru "%s" telah ditambahkan ke akun BeSign Anda pada %s UTC.

Jika bukan Anda yang menambahkannya, segera reset password Anda melalui "Lupa Password" dan hubungi admin TI instansi Anda.

Balai Sertifikasi Elektronik
`, device, at.UTC().Format("02-01-2006 15:04"))
	return store.Mail{
		Kind:    string(MailOTPDeviceAdded),
		To:      email,
		Subject: "Perangkat OTP Baru Ditambahkan",
		Body:    body,
	}
}

// durationID says a lifetime in Indonesian ("24 jam", "5 menit", "2 hari").
func durationID(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + " hari"
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " jam"
	case d >= time.Minute:
		return strconv.Itoa(int(d/time.Minute)) + " menit"
	}
	return strconv.Itoa(int(d/time.Second)) + " detik"
}
