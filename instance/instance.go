// Package instance keeps one desktop app per user and data dir. The first
// app takes an exclusive lock on DATADIR/instance.lock for its lifetime,
// listens on a channel only the user can reach (a Unix socket in the data
// dir; on Windows a named pipe whose ACL admits the user alone) and writes a
// random secret and that endpoint to DATADIR/instance, readable by the user
// only. A second start (for example a besign:// link clicked in a mail
// program, or PDFs opened with the app) cannot take the lock, so it reads
// the file and hands its link or files over and exits.
//
// Both sides prove the secret before anything is sent (an HMAC over a nonce
// of each): a start never gives its link or the secret to an endpoint whose
// owner does not know the secret, such as a listener on a stale endpoint
// after a crash. The lock, not the files, decides who is the instance: a
// crash releases it, and the next start removes what the crash left.
package instance

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/natunakab/besign/internal/atomicfile"
)

const (
	// FileName is the file in the data dir that names the running
	// instance's endpoint and secret.
	FileName = "instance"
	// LockName is the file in the data dir whose lock the running instance
	// holds; it stays, empty, when no app runs.
	LockName = "instance.lock"
)

var (
	// ErrRunning is returned by Claim when another app runs on the data
	// dir and took the message: this one should exit.
	ErrRunning = errors.New("BeSign is already running on this data dir")
	// ErrNoAnswer is returned by Claim when another app holds the data dir
	// but did not take the message in time (it hangs, or is still starting
	// after claimWait).
	ErrNoAnswer = errors.New("instance: BeSign runs on this data dir but did not take the message")
)

// errLocked is returned by lockFile when another process holds the lock.
var errLocked = errors.New("instance: the lock is held by another process")

const (
	// maxMessage bounds a handed-over link; longer is refused.
	maxMessage = 4096
	// maxLine bounds one handed-over line (the files); longer is refused.
	maxLine = 256 << 10
	// maxConns bounds the connections served at once; more wait in the
	// listen backlog, costing the app nothing.
	maxConns = 16
	// connTimeout bounds one hand-over, on both sides: a stale or hostile
	// endpoint must not stall a start, nor a silent peer hold a slot.
	connTimeout = 5 * time.Second
	// claimWait bounds how long a start waits for the lock holder to take
	// its message; the holder may have claimed a moment before and not be
	// listening yet.
	claimWait = 15 * time.Second
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
	lock     *os.File
	info     string
	key      []byte
	messages chan Message
	slots    chan struct{}
	done     chan struct{}
	stopped  chan struct{}
	handlers sync.WaitGroup
	close    sync.Once
	closeErr error
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
// hands msg to it and returns ErrRunning. When the other does not take msg
// within claimWait, Claim returns ErrNoAnswer.
func Claim(dataDir string, msg Message) (*Server, error) {
	line, err := encode(msg)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	deadline := time.Now().Add(claimWait)
	pause := 10 * time.Millisecond
	for {
		lock, err := lockFile(filepath.Join(dataDir, LockName))
		if err == nil {
			return serve(dataDir, lock)
		}
		if !errors.Is(err, errLocked) {
			return nil, err
		}
		// Another process is the instance, or is becoming it: its file
		// may still be missing or stale for a moment.
		herr := handOver(dataDir, line)
		if herr == nil {
			return nil, ErrRunning
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: %v", ErrNoAnswer, herr)
		}
		time.Sleep(pause)
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// serve makes the holder of lock the instance: it removes what a crashed
// instance left, listens and writes the file naming its endpoint.
func serve(dataDir string, lock *os.File) (*Server, error) {
	fail := func(err error) (*Server, error) {
		lock.Close()
		return nil, fmt.Errorf("instance: %w", err)
	}
	info := filepath.Join(dataDir, FileName)
	if err := os.Remove(info); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fail(err)
	}
	endpoint, err := newEndpoint(dataDir)
	if err != nil {
		return fail(err)
	}
	ln, err := listen(endpoint)
	if err != nil {
		return fail(err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		ln.Close()
		return fail(err)
	}
	if err := atomicfile.Replace(info, []byte(hex.EncodeToString(key)+" "+endpoint+"\n"), 0o600); err != nil {
		ln.Close()
		return fail(err)
	}
	s := &Server{ln: ln, lock: lock, info: info, key: key, messages: make(chan Message, 8),
		slots: make(chan struct{}, maxConns), done: make(chan struct{}), stopped: make(chan struct{})}
	go s.serve()
	return s, nil
}

// Messages delivers the messages of later starts, in order. It is closed
// after Close.
func (s *Server) Messages() <-chan Message { return s.messages }

// Close stops listening, removes the file and the endpoint and releases the
// data dir, after the connections in progress (at most connTimeout). It is
// safe to call more than once.
func (s *Server) Close() error {
	s.close.Do(func() {
		close(s.done)
		os.Remove(s.info)
		s.closeErr = s.ln.Close()
		// A start whose message the app took gets its "ok" before the
		// lock goes, or it would become the instance with it too.
		<-s.stopped
		// Release the lock last: a start that takes it finds no file of
		// this instance.
		s.lock.Close()
	})
	return s.closeErr
}

func (s *Server) serve() {
	defer func() {
		s.handlers.Wait()
		close(s.messages)
		close(s.stopped)
	}()
	for {
		select {
		case s.slots <- struct{}{}:
		case <-s.done:
			return
		}
		c, err := s.ln.Accept()
		if err != nil {
			<-s.slots
			if errors.Is(err, net.ErrClosed) {
				return // closed, or (Windows) no pipe instance left to listen on
			}
			select {
			case <-s.done:
				return
			case <-time.After(50 * time.Millisecond): // out of file descriptors, say: try again
			}
			continue
		}
		s.handlers.Add(1)
		go func() {
			defer func() { <-s.slots; s.handlers.Done() }()
			defer c.Close()
			s.handle(c)
		}()
	}
}

// The conversation, with fixed-length lines until the client has proved
// the secret, so that nobody else makes the app buffer anything:
//
//	client: "besign-instance/2 " NONCE_C "\n"
//	server: NONCE_S " " HMAC("server", NONCE_C, NONCE_S) "\n"
//	client: HMAC("client", NONCE_C, NONCE_S) " " MESSAGE "\n"
//	server: "ok\n" once the app has the message
//
// Nonces and MACs are 32 bytes in hex; the HMAC key is the secret.
const (
	helloPrefix = "besign-instance/2 "
	hexLen      = 64
	helloLen    = len(helloPrefix) + hexLen + 1
	replyLen    = 2*hexLen + 2
	proofLen    = hexLen + 1
)

// proof is the MAC of one side over both nonces.
func proof(key []byte, side string, clientNonce, serverNonce []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("besign-instance " + side + "\x00"))
	m.Write(clientNonce)
	m.Write(serverNonce)
	return m.Sum(nil)
}

// handle serves one connection; it gives the message to the app only after
// the client has proved the secret.
func (s *Server) handle(c net.Conn) {
	deadline := time.Now().Add(connTimeout)
	c.SetDeadline(deadline)
	var hello [helloLen]byte
	if _, err := io.ReadFull(c, hello[:]); err != nil {
		return
	}
	rest, ok := strings.CutPrefix(string(hello[:]), helloPrefix)
	if !ok || rest[hexLen] != '\n' {
		return
	}
	clientNonce, err := hex.DecodeString(rest[:hexLen])
	if err != nil {
		return
	}
	serverNonce := make([]byte, 32)
	if _, err := rand.Read(serverNonce); err != nil {
		return
	}
	if _, err := fmt.Fprintf(c, "%x %x\n", serverNonce, proof(s.key, "server", clientNonce, serverNonce)); err != nil {
		return
	}
	var got [proofLen]byte
	if _, err := io.ReadFull(c, got[:]); err != nil || got[hexLen] != ' ' {
		return
	}
	want := hex.EncodeToString(proof(s.key, "client", clientNonce, serverNonce))
	if !hmac.Equal(got[:hexLen], []byte(want)) {
		return
	}
	// Proven: the client is this user's own start.
	line, err := bufio.NewReader(io.LimitReader(c, maxLine+1)).ReadString('\n')
	if err != nil {
		return
	}
	msg, err := decode(strings.TrimSuffix(line, "\n"))
	if err != nil {
		return
	}
	timeout := time.NewTimer(time.Until(deadline))
	defer timeout.Stop()
	select {
	case s.messages <- msg:
		c.Write([]byte("ok\n"))
	case <-s.done:
	case <-timeout.C: // the app is not reading: refuse rather than block
	}
}

// handOver gives the line msg to the instance named in the data dir's file;
// it sends nothing before the other side has proved the secret.
func handOver(dataDir, msg string) error {
	b, err := os.ReadFile(filepath.Join(dataDir, FileName))
	if err != nil {
		return err
	}
	secret, endpoint, ok := strings.Cut(strings.TrimSuffix(string(b), "\n"), " ")
	key, err := hex.DecodeString(secret)
	if !ok || err != nil || len(key) != 32 {
		return errors.New("malformed instance file")
	}
	if !validEndpoint(dataDir, endpoint) {
		return fmt.Errorf("the instance file names an unexpected endpoint %q", endpoint)
	}
	ctx, cancel := context.WithTimeout(context.Background(), connTimeout)
	defer cancel()
	c, err := dial(ctx, endpoint)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(connTimeout))
	clientNonce := make([]byte, 32)
	if _, err := rand.Read(clientNonce); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(c, "%s%x\n", helloPrefix, clientNonce); err != nil {
		return err
	}
	var reply [replyLen]byte
	if _, err := io.ReadFull(c, reply[:]); err != nil {
		return fmt.Errorf("no answer from the instance: %w", err)
	}
	serverNonce, err := hex.DecodeString(string(reply[:hexLen]))
	if err != nil || reply[hexLen] != ' ' || reply[replyLen-1] != '\n' {
		return errors.New("the endpoint does not speak the hand-over")
	}
	want := hex.EncodeToString(proof(key, "server", clientNonce, serverNonce))
	if !hmac.Equal(reply[hexLen+1:replyLen-1], []byte(want)) {
		return errors.New("the endpoint does not know the secret")
	}
	if _, err := fmt.Fprintf(c, "%x %s\n", proof(key, "client", clientNonce, serverNonce), msg); err != nil {
		return err
	}
	var answer [3]byte
	if _, err := io.ReadFull(c, answer[:]); err != nil || string(answer[:]) != "ok\n" {
		return errors.New("the running instance did not take the message")
	}
	return nil
}
