//go:build windows

package instance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// pipePrefix starts the name of every instance's pipe; a random part
// follows, so that nobody can create the pipe before the instance does.
const pipePrefix = `\\.\pipe\besign-`

// lockFile takes the exclusive lock of path (created if missing) for as long
// as the returned file stays open; Windows drops it when the process dies.
// errLocked means another process holds it.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	var ol windows.Overlapped
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("instance: lock %s: %w", path, err)
	}
	return f, nil
}

// newEndpoint is a pipe of a random name; its ACL (see listen) lets only
// this user open it.
func newEndpoint(string) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return pipePrefix + hex.EncodeToString(b), nil
}

// validEndpoint reports whether endpoint, read from the instance file, is a
// pipe newEndpoint makes.
func validEndpoint(_, endpoint string) bool {
	rest, ok := strings.CutPrefix(endpoint, pipePrefix)
	if !ok || len(rest) != 32 {
		return false
	}
	_, err := hex.DecodeString(rest)
	return err == nil
}

// pipeListener accepts the connections of a named pipe. It always keeps one
// instance of the pipe waiting, so that a client never finds the name
// without a listener while the app runs. (go-winio's listener was tried:
// under Wine its first handle takes the first client and never answers.)
type pipeListener struct {
	name   *uint16
	addr   pipeAddr
	sa     *windows.SecurityAttributes
	closed windows.Handle // an event, set by Close
	mu     sync.Mutex     // one Accept at a time; guards next
	next   windows.Handle // the instance clients connect to next
	once   sync.Once
}

type pipeAddr string

func (pipeAddr) Network() string  { return "pipe" }
func (a pipeAddr) String() string { return string(a) }

// pipeConn is one end of a connected pipe: an overlapped handle, which
// os.File serves through the runtime's completion port, deadlines included.
type pipeConn struct {
	*os.File
	addr pipeAddr
}

func (c *pipeConn) LocalAddr() net.Addr  { return c.addr }
func (c *pipeConn) RemoteAddr() net.Addr { return c.addr }

// listen creates the pipe with a DACL that grants this user alone access.
// It fails if the name exists (FILE_FLAG_FIRST_PIPE_INSTANCE), and remote
// clients are refused.
func listen(endpoint string) (net.Listener, error) {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, err
	}
	sd, err := windows.SecurityDescriptorFromString("D:P(A;;GA;;;" + user.User.Sid.String() + ")")
	if err != nil {
		return nil, err
	}
	name, err := windows.UTF16PtrFromString(endpoint)
	if err != nil {
		return nil, err
	}
	l := &pipeListener{name: name, addr: pipeAddr(endpoint),
		sa: &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}}
	if l.next, err = l.create(true); err != nil {
		return nil, &os.PathError{Op: "listen", Path: endpoint, Err: err}
	}
	if l.closed, err = windows.CreateEvent(nil, 1, 0, nil); err != nil {
		windows.CloseHandle(l.next)
		return nil, err
	}
	return l, nil
}

func (l *pipeListener) create(first bool) (windows.Handle, error) {
	flags := uint32(windows.PIPE_ACCESS_DUPLEX | windows.FILE_FLAG_OVERLAPPED)
	if first {
		flags |= windows.FILE_FLAG_FIRST_PIPE_INSTANCE
	}
	return windows.CreateNamedPipe(l.name, flags,
		windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE|windows.PIPE_WAIT|windows.PIPE_REJECT_REMOTE_CLIENTS,
		windows.PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, l.sa)
}

func (l *pipeListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.next
	if h == 0 {
		return nil, net.ErrClosed
	}
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(ev)
	ol := windows.Overlapped{HEvent: ev}
	switch err := windows.ConnectNamedPipe(h, &ol); {
	case err == nil, errors.Is(err, windows.ERROR_PIPE_CONNECTED):
	case errors.Is(err, windows.ERROR_IO_PENDING):
		which, err := windows.WaitForMultipleObjects([]windows.Handle{ev, l.closed}, false, windows.INFINITE)
		var n uint32
		if err != nil || which != windows.WAIT_OBJECT_0 {
			windows.CancelIoEx(h, &ol)
			windows.GetOverlappedResult(h, &ol, &n, true)
			return nil, net.ErrClosed
		}
		if err := windows.GetOverlappedResult(h, &ol, &n, false); err != nil && !errors.Is(err, windows.ERROR_PIPE_CONNECTED) {
			// The client left at once: serve the next one on a fresh
			// instance.
			windows.DisconnectNamedPipe(h)
			return nil, err
		}
	default:
		windows.DisconnectNamedPipe(h)
		return nil, err
	}
	// The next client's instance before this one is handed over.
	next, err := l.create(false)
	if err != nil {
		next = 0 // Accept fails from now on; this client is still served
	}
	l.next = next
	return &pipeConn{File: os.NewFile(uintptr(h), string(l.addr)), addr: l.addr}, nil
}

func (l *pipeListener) Close() error {
	l.once.Do(func() {
		windows.SetEvent(l.closed) // wakes a waiting Accept
		l.mu.Lock()
		if l.next != 0 {
			windows.CloseHandle(l.next)
			l.next = 0
		}
		l.mu.Unlock()
		windows.CloseHandle(l.closed)
	})
	return nil
}

func (l *pipeListener) Addr() net.Addr { return l.addr }

// dial opens the pipe, waiting while all its instances are busy.
func dial(ctx context.Context, endpoint string) (net.Conn, error) {
	name, err := windows.UTF16PtrFromString(endpoint)
	if err != nil {
		return nil, err
	}
	for {
		// SECURITY_IDENTIFICATION: the server may learn who connects,
		// never act as this user.
		h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
			windows.FILE_FLAG_OVERLAPPED|windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
		if err == nil {
			return &pipeConn{File: os.NewFile(uintptr(h), endpoint), addr: pipeAddr(endpoint)}, nil
		}
		if !errors.Is(err, windows.ERROR_PIPE_BUSY) {
			return nil, &os.PathError{Op: "dial", Path: endpoint, Err: err}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
