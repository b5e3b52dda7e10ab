// Package instance keeps one desktop app per user and data dir. The first
// app listens on a loopback TCP port and writes the port and a random secret
// to a private file in the data dir; a second start (for example a
// besign:// link clicked in a mail program, or PDFs opened with the app)
// finds the file, hands its link or files to the first over that port and
// exits. Loopback TCP works alike on Linux and Windows; the secret keeps
// other local users from injecting links or files.
package instance

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/natunakab/besign/internal/atomicfile"
)

// FileName is the file in the data dir that names the running instance.
const FileName = "instance"

// ErrRunning is returned by Claim when another app runs on the data dir and
// took the message: this one should exit.
var ErrRunning = errors.New("BeSign is already running on this data dir")

const (
	// maxMessage bounds a handed-over link; longer is refused.
	maxMessage = 4096
	// maxLine bounds one handed-over line (the files); longer is refused.
	maxLine = 256 << 10
	// dialTimeout bounds the hand-over; a stale file must not stall a start.
	dialTimeout = 3 * time.Second
)

// Message is what a later start hands over: a link, or files, or neither
// (meaning "come forward").
type Message struct {
	// Link is a besign:// link, or "".
	Link string
	// Files are absolute paths of PDFs to open.
	Files []string
}

// Server is the running instance: Messages delivers what later starts hand
// over.
type Server struct {
	ln       net.Listener
	path     string
	secret   string
	messages chan Message
}

// filesKind starts the line of a message with files; a link never does.
const filesKind = "files"

// encode writes m as one line (without the newline): the link as it is, or
// "files" and each path quoted (any byte survives, newlines too).
func encode(m Message) (string, error) {
	if len(m.Files) == 0 {
		if len(m.Link) > maxMessage || strings.ContainsAny(m.Link, "\r\n") || strings.HasPrefix(m.Link, filesKind+" ") {
			return "", fmt.Errorf("instance: a link is one line of at most %d bytes", maxMessage)
		}
		return m.Link, nil
	}
	if m.Link != "" {
		return "", errors.New("instance: a message has a link or files, not both")
	}
	var b strings.Builder
	b.WriteString(filesKind)
	for _, f := range m.Files {
		if !filepath.IsAbs(f) {
			return "", fmt.Errorf("instance: %q is not an absolute path", f)
		}
		b.WriteString(" ")
		b.WriteString(strconv.Quote(f))
	}
	if b.Len() > maxLine {
		return "", fmt.Errorf("instance: the file names are longer than %d bytes together", maxLine)
	}
	return b.String(), nil
}

// decode reads a line written by encode.
func decode(line string) (Message, error) {
	rest, ok := strings.CutPrefix(line, filesKind+" ")
	if !ok {
		if len(line) > maxMessage {
			return Message{}, errors.New("link too long")
		}
		return Message{Link: line}, nil
	}
	var m Message
	for rest != "" {
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return Message{}, err
		}
		f, _ := strconv.Unquote(q)
		if !filepath.IsAbs(f) {
			return Message{}, fmt.Errorf("%q is not an absolute path", f)
		}
		m.Files = append(m.Files, f)
		rest = strings.TrimPrefix(rest[len(q):], " ")
	}
	return m, nil
}

// Claim makes this process the instance of dataDir, or, when another runs,
// hands msg to it and returns ErrRunning.
func Claim(dataDir string, msg Message) (*Server, error) {
	line, err := encode(msg)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, FileName)
	if err := handOver(path, line); err == nil {
		return nil, ErrRunning
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		ln.Close()
		return nil, fmt.Errorf("instance: %w", err)
	}
	s := &Server{ln: ln, path: path, secret: hex.EncodeToString(raw), messages: make(chan Message, 8)}
	if err := atomicfile.Replace(path, []byte(fmt.Sprintf("%s %s\n", ln.Addr().String(), s.secret)), 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("instance: %w", err)
	}
	go s.serve()
	return s, nil
}

// Messages delivers the messages of later starts, in order.
func (s *Server) Messages() <-chan Message { return s.messages }

// Close stops listening and removes the file, if it is still this one's.
func (s *Server) Close() error {
	err := s.ln.Close()
	if b, rerr := os.ReadFile(s.path); rerr == nil && strings.Contains(string(b), s.secret) {
		os.Remove(s.path)
	}
	return err
}

func (s *Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			close(s.messages)
			return
		}
		go s.handle(c)
	}
}

// handle reads "SECRET MESSAGE\n" and answers "ok\n" when the secret fits
// and the message reads.
func (s *Server) handle(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(dialTimeout))
	line, err := bufio.NewReader(io.LimitReader(c, maxLine+128)).ReadString('\n')
	if err != nil {
		return
	}
	secret, raw, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
	if subtle.ConstantTimeCompare([]byte(secret), []byte(s.secret)) != 1 {
		return
	}
	msg, err := decode(raw)
	if err != nil {
		return
	}
	select {
	case s.messages <- msg:
		c.Write([]byte("ok\n"))
	default: // the app is not reading: refuse rather than block
	}
}

// handOver gives the line msg to the instance named in path; any failure
// means there is none to take it.
func handOver(path, msg string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	addr, secret, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	if !ok {
		return errors.New("malformed instance file")
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" {
		return errors.New("instance file names no loopback address")
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(dialTimeout))
	if _, err := fmt.Fprintf(c, "%s %s\n", secret, msg); err != nil {
		return err
	}
	answer, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || answer != "ok\n" {
		return errors.New("the running instance did not take the message")
	}
	return nil
}
