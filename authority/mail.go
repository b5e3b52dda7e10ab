package authority

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/natunakab/besign/authority/store"
)

// SMTPConfig makes the authority also send its mail for real.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	// TLS is "starttls" (default), "tls" (implicit TLS, port 465) or "none".
	TLS string
}

// Mail texts, in the seeds' Indonesian.

func activationMail(name, username, email string) store.Mail {
	link := forgotLink(email)
	body := fmt.Sprintf(`Yth. %s,

Akun BeSign Anda telah dibuat.

Username: %s
Email: %s

Untuk mengaktifkan akun, buat password pertama Anda melalui "Lupa Password" pada halaman masuk BeSign: masukkan email Anda, lalu klik tautan "Link to reset credentials" pada email yang kami kirimkan. Anda juga akan diminta mengatur OTP dengan aplikasi FreeOTP atau Google Authenticator.

Buka tautan berikut untuk memulai:
%s

Jika Anda tidak merasa mendaftar, abaikan email ini.

Balai Sertifikasi Elektronik
`, name, username, email, link)
	return store.Mail{
		Kind:        string(MailActivation),
		To:          email,
		Subject:     "Aktivasi Akun BeSign",
		Body:        body,
		ActionLabel: "Lupa Password",
		ActionLink:  link,
	}
}

// forgotLink opens "Lupa Password" pre-filled. '@' may stay as it is in a
// query (RFC 3986); '+', '&' and the like are escaped.
func forgotLink(email string) string {
	return "besign://forgot?login=" + strings.ReplaceAll(url.QueryEscape(email), "%40", "@")
}

func resetMail(email, token string, lifetime time.Duration) store.Mail {
	link := "besign://reset?token=" + token
	body := fmt.Sprintf(`Seseorang baru saja meminta untuk mengubah kredensial akun BeSign Anda. Jika itu Anda, klik tautan di bawah ini untuk mereset password Anda.

Link to reset credentials:
%s

Tautan ini hanya dapat digunakan satu kali dan akan kedaluwarsa dalam %s.

Jika Anda tidak ingin mereset kredensial Anda, abaikan saja pesan ini dan tidak ada yang akan diubah.

Balai Sertifikasi Elektronik
`, link, durationID(lifetime))
	return store.Mail{
		Kind:        string(MailReset),
		To:          email,
		Subject:     "Reset Password",
		Body:        body,
		ActionLabel: "Link to reset credentials",
		ActionLink:  link,
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

// smtpTimeout bounds one whole delivery.
const smtpTimeout = 30 * time.Second

// sendSMTP delivers one message. It runs outside any transaction.
func sendSMTP(ctx context.Context, c *SMTPConfig, m store.Mail, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, smtpTimeout)
	defer cancel()
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	tlsConf := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	if c.TLS == "tls" {
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("TLS with %s: %w", addr, err)
		}
		conn = tc
	}
	client, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("greeting from %s: %w", addr, err)
	}
	defer client.Close()
	if err := client.Hello("localhost"); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if c.TLS == "" || c.TLS == "starttls" {
		if ok, _ := client.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%s does not offer STARTTLS (set tls to \"tls\" or \"none\")", addr)
		}
		if err := client.StartTLS(tlsConf); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if c.Username != "" {
		if err := client.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			// The server's answer, never our password.
			return fmt.Errorf("authentication as %s: %w", c.Username, err)
		}
	}
	if err := client.Mail(c.From); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := client.Rcpt(m.To); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := client.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(formatMessage(c.From, m, now)); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := client.Quit(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("QUIT: %w", err)
	}
	return nil
}

// formatMessage renders an RFC 5322 message: UTF-8 text, quoted-printable.
func formatMessage(from string, m store.Mail, now time.Time) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	rand.Read(id)
	domain := "besign.local"
	if _, d, ok := strings.Cut(from, "@"); ok {
		domain = d
	}
	fmt.Fprintf(&b, "From: %s\r\n", from)
	fmt.Fprintf(&b, "To: %s\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(id), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n")))
	qp.Close()
	b.WriteString("\r\n")
	return b.Bytes()
}
