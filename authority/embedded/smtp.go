package embedded

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/natunakab/besign/authority"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// Sender delivers one mail of the outbox. The authority calls it outside any
// transaction and records its error on the mail; SMTP is the one in use.
type Sender interface {
	Send(ctx context.Context, m authority.Mail) error
}

// SMTPConfig makes the authority also send its mail for real.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	// TLS is "starttls" (default), "tls" (implicit TLS, port 465) or "none".
	TLS string
	// RootCAs verifies the mail server's certificate; nil: the system's
	// roots. An organisation's internal mail server often has its own CA.
	RootCAs *x509.CertPool
}

// smtpSender sends through the configured SMTP server.
type smtpSender struct {
	c   SMTPConfig
	now func() time.Time
}

func (s smtpSender) Send(ctx context.Context, m authority.Mail) error {
	return sendSMTP(ctx, &s.c, m, s.now())
}

// smtpTimeout bounds one whole delivery.
const smtpTimeout = 30 * time.Second

// sendSMTP delivers one message. It runs outside any transaction.
func sendSMTP(ctx context.Context, c *SMTPConfig, m authority.Mail, now time.Time) error {
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
	tlsConf := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12, RootCAs: c.RootCAs}
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
func formatMessage(from string, m authority.Mail, now time.Time) []byte {
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
