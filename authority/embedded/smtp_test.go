package embedded

import (
	"bufio"
	"context"
	"errors"
	"github.com/natunakab/besign/authority"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// received is one message as the test SMTP server saw it.
type received struct {
	from, rcpt string
	msg        *mail.Message
	body       string // transfer-decoded
}

// smtpServer is a tiny SMTP server (EHLO, MAIL, RCPT, DATA, QUIT) on
// loopback. rejectRcpt makes it answer 550 to RCPT.
type smtpServer struct {
	ln         net.Listener
	rejectRcpt bool
	mu         sync.Mutex
	got        []received
	errs       []error
	wg         sync.WaitGroup
}

func startSMTP(t *testing.T, rejectRcpt bool) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, rejectRcpt: rejectRcpt}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				if err := s.serve(c); err != nil {
					s.mu.Lock()
					s.errs = append(s.errs, err)
					s.mu.Unlock()
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *smtpServer) serve(c net.Conn) error {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 uji.natunakab.go.id ESMTP")
	var rec received
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF {
			return nil // a client giving up may hang up without QUIT
		}
		if err != nil {
			return err
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			say("250-uji.natunakab.go.id")
			say("250 8BITMIME")
		case "MAIL":
			rec.from = angle(arg)
			say("250 OK")
		case "RCPT":
			if s.rejectRcpt {
				say("550 mailbox unavailable")
				continue
			}
			rec.rcpt = angle(arg)
			say("250 OK")
		case "DATA":
			say("354 end with .")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return err
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, ".")) // dot-unstuffing
			}
			msg, err := mail.ReadMessage(strings.NewReader(data.String()))
			if err != nil {
				return err
			}
			if msg.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
				return errors.New("not quoted-printable")
			}
			body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
			if err != nil {
				return err
			}
			rec.msg, rec.body = msg, string(body)
			s.mu.Lock()
			s.got = append(s.got, rec)
			s.mu.Unlock()
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return nil
		default:
			say("502 not implemented")
		}
	}
}

// angle returns the address between < and > of "FROM:<a@b> BODY=8BITMIME".
func angle(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

func (s *smtpServer) received(t *testing.T) []received {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, err := range s.errs {
		t.Errorf("smtp server: %v", err)
	}
	return append([]received(nil), s.got...)
}

func smtpOpts(port int, tlsMode string) func(*Options) {
	return func(o *Options) {
		o.SMTP = &SMTPConfig{Host: "127.0.0.1", Port: port, From: "besign@natunakab.go.id", TLS: tlsMode}
	}
}

func TestSMTPDelivery(t *testing.T) {
	srv := startSMTP(t, false)
	e, _, _ := openTest(t, smtpOpts(srv.port(), "none"))

	acc, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Surat", Email: "Surat@natunakab.go.id"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.RequestReset(ctx, authority.ResetRequest{Login: acc.Username}); err != nil {
		t.Fatal(err)
	}
	e.sending.Wait() // deliveries run after the commit, in the background

	got := srv.received(t)
	if len(got) != 2 {
		t.Fatalf("server received %d messages", len(got))
	}
	outbox, _ := e.Outbox(ctx, authority.OutboxQuery{To: acc.Email})
	byKind := map[authority.MailKind]authority.Mail{}
	for _, m := range outbox {
		byKind[m.Kind] = m
		if m.SentAt.IsZero() || m.SendError != "" {
			t.Errorf("%s mail: sent %v, error %q", m.Kind, m.SentAt, m.SendError)
		}
	}
	var dec mime.WordDecoder
	subjects := map[string]received{}
	for _, r := range got {
		if r.rcpt != "surat@natunakab.go.id" || r.from != "besign@natunakab.go.id" {
			t.Errorf("envelope %q -> %q", r.from, r.rcpt)
		}
		if to := r.msg.Header.Get("To"); to != "surat@natunakab.go.id" {
			t.Errorf("To: %q", to)
		}
		subj, err := dec.DecodeHeader(r.msg.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		subjects[subj] = r
	}
	reset, ok := subjects[byKind[authority.MailReset].Subject]
	if !ok {
		t.Fatalf("no message with subject %q among %v", byKind[authority.MailReset].Subject, subjects)
	}
	mustContain(t, "delivered reset mail", reset.body, "besign://reset?token=", "Link to reset credentials")
	delivered := reset.body[strings.Index(reset.body, "besign://reset?token="):]
	delivered = strings.TrimSpace(strings.SplitN(delivered, "\n", 2)[0])
	tok := linkToken(t, delivered)
	// With SMTP the link travels only by mail: the outbox shows it masked,
	// without an action, and the stored copy holds no usable token.
	if m := byKind[authority.MailReset]; m.ActionLink != "" || strings.Contains(m.Body, tok) || !strings.Contains(m.Body, maskedToken) {
		t.Errorf("outbox shows the reset link: %q / %q", m.ActionLink, m.Body)
	}
	activation, ok := subjects["Aktivasi Akun BeSign"]
	if !ok {
		t.Fatalf("no activation message among %v", subjects)
	}
	mustContain(t, "delivered activation mail", activation.body, "besign://forgot?login=surat@natunakab.go.id")

	// The delivered link works.
	if _, err := e.OpenReset(ctx, tok); err != nil {
		t.Fatal(err)
	}
}

func TestSMTPFailureKeepsMail(t *testing.T) {
	reject := startSMTP(t, true)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	noTLS := startSMTP(t, false)

	for name, tc := range map[string]struct {
		port   int
		tls    string
		errHas string
	}{
		"rejected":      {reject.port(), "none", "550"},
		"unreachable":   {closedPort, "none", "connect"},
		"no starttls":   {noTLS.port(), "starttls", "STARTTLS"},
		"default (tls)": {noTLS.port(), "", "STARTTLS"},
	} {
		t.Run(name, func(t *testing.T) {
			e, _, _ := openTest(t, smtpOpts(tc.port, tc.tls))
			acc, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Gagal", Email: "gagal@natunakab.go.id"})
			if err != nil {
				t.Fatalf("a send failure failed the action: %v", err)
			}
			e.sending.Wait()
			m := newestMail(t, e, acc.Email, authority.MailActivation)
			if !m.SentAt.IsZero() || !strings.Contains(m.SendError, tc.errHas) {
				t.Errorf("mail after failure: sent %v, error %q (want %q)", m.SentAt, m.SendError, tc.errHas)
			}
		})
	}
	if n := len(noTLS.received(t)); n != 0 {
		t.Errorf("sent %d messages without the required STARTTLS", n)
	}
}

func TestSMTPSendsMailLeftUnsent(t *testing.T) {
	// Mail committed while no SMTP was configured (as after a crash between
	// commit and delivery) goes out at the next open with SMTP.
	e, _, opts := openTest(t, nil)
	e.CreateUser(ctx, authority.CreateUserRequest{Name: "Tunda", Email: "tunda@natunakab.go.id"})
	e.Close()
	srv := startSMTP(t, false)
	smtpOpts(srv.port(), "none")(&opts)
	e2, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	e2.sending.Wait()
	if got := srv.received(t); len(got) != 1 || got[0].rcpt != "tunda@natunakab.go.id" {
		t.Fatalf("received %+v", got)
	}
	if err := e2.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSMTPOptions(t *testing.T) {
	for name, c := range map[string]SMTPConfig{
		"bad tls": {Host: "h", From: "a@b.id", TLS: "ssl"},
		"no host": {From: "a@b.id"},
		"no from": {Host: "h"},
	} {
		_, _, opts := openTest(t, nil)
		opts.Path += strconv.Itoa(len(name))
		opts.SMTP = &c
		if _, err := Open(opts); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

// recordingSender is a Sender that keeps what it is given and fails for one
// address.
type recordingSender struct {
	mu   sync.Mutex
	got  []authority.Mail
	fail string
}

func (s *recordingSender) Send(_ context.Context, m authority.Mail) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, m)
	if m.To == s.fail {
		return errors.New("mailbox full")
	}
	return nil
}

func TestSenderReplacesSMTP(t *testing.T) {
	snd := &recordingSender{fail: "penuh@natunakab.go.id"}
	e, _, _ := openTest(t, func(o *Options) { o.Sender = snd })
	for _, addr := range []string{"kirim@natunakab.go.id", snd.fail} {
		if _, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Kirim", Email: addr}); err != nil {
			t.Fatal(err)
		}
	}
	e.sending.Wait()
	snd.mu.Lock()
	got := append([]authority.Mail(nil), snd.got...)
	snd.mu.Unlock()
	// The failing address is tried maxSendAttempts times.
	if len(got) != 1+maxSendAttempts || got[0].Kind != authority.MailActivation || got[0].ActionLink == "" {
		t.Fatalf("sender got %d mails: %+v", len(got), got)
	}
	ok := newestMail(t, e, "kirim@natunakab.go.id", authority.MailActivation)
	if ok.SentAt.IsZero() || ok.SendError != "" {
		t.Errorf("delivered mail: sent %v, error %q", ok.SentAt, ok.SendError)
	}
	bad := newestMail(t, e, snd.fail, authority.MailActivation)
	if !strings.Contains(bad.SendError, "mailbox full") || !strings.Contains(bad.SendError, "report to IT") {
		t.Errorf("failed mail records %q", bad.SendError)
	}
}
