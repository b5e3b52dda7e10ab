package server

import (
	"errors"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sink is a real SMTP server on loopback (github.com/emersion/go-smtp)
// that keeps what it is sent; with a password, it requires AUTH PLAIN.
type sink struct {
	Addr     *net.TCPAddr
	user     string
	password string

	mu    sync.Mutex
	mails []sunk
}

// sunk is one delivered message.
type sunk struct {
	From, To string
	Header   mail.Header
	Body     string // decoded
}

func startSink(t testing.TB, user, password string) *sink {
	t.Helper()
	s := &sink{user: user, password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().(*net.TCPAddr)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

type sinkSession struct {
	s        *sink
	authed   bool
	from, to string
}

func (x *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != x.s.user || pass != x.s.password {
			return errors.New("invalid credentials")
		}
		x.authed = true
		return nil
	}), nil
}

func (x *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.password != "" && !x.authed {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = to; return nil }

func (x *sinkSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(m.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.mails = append(x.s.mails, sunk{From: x.from, To: x.to, Header: m.Header, Body: string(b)})
	x.s.mu.Unlock()
	return nil
}

func (x *sinkSession) Reset()        {}
func (x *sinkSession) Logout() error { return nil }

// wait returns the first message to `to` whose body contains want, waiting
// up to 20 s for the server's background delivery.
func (s *sink) wait(t testing.TB, to, want string) sunk {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		for _, m := range s.mails {
			if m.To == to && strings.Contains(m.Body, want) {
				s.mu.Unlock()
				return m
			}
		}
		s.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no mail to %s with %q", to, want)
	return sunk{}
}

var httpsLink = regexp.MustCompile(`https://\S+`)
