package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
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
	s, _ := startTLSSink(t, user, password, "none")
	return s
}

// startTLSSink is startSink with TLS: "starttls" offers STARTTLS, "tls"
// speaks TLS from the first byte; the certificate (for 127.0.0.1) is
// returned as PEM, for smtp.ca_file.
func startTLSSink(t testing.TB, user, password, mode string) (*sink, []byte) {
	t.Helper()
	s := &sink{user: user, password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = mode == "none"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var certPEM []byte
	if mode != "none" {
		var cert tls.Certificate
		cert, certPEM = loopbackCert(t)
		tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if mode == "starttls" {
			srv.TLSConfig = tc
		} else {
			ln = tls.NewListener(ln, tc)
		}
	}
	s.Addr = ln.Addr().(*net.TCPAddr)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s, certPEM
}

// loopbackCert is a self-signed certificate for 127.0.0.1.
func loopbackCert(t testing.TB) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "mail.natunakab.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
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

// count is the number of messages delivered so far.
func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mails)
}

var httpsLink = regexp.MustCompile(`https://\S+`)
