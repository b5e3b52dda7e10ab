//go:build unix

package instance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// SocketName is the Unix socket in the data dir the instance listens on.
const SocketName = "instance.sock"

// maxSocketPath is the longest socket path the kernels take (sun_path less
// its NUL: 108 bytes on Linux, 104 on macOS and the BSDs).
const maxSocketPath = 103

// lockFile takes the exclusive lock of path (created if missing) for as long
// as the returned file stays open; the kernel drops it when the process
// dies. errLocked means another process holds it.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("instance: lock %s: %w", path, err)
	}
	return f, nil
}

// newEndpoint is the socket in the data dir: it is only reachable through
// the data dir, which is the user's alone.
func newEndpoint(dataDir string) (string, error) {
	path, err := filepath.Abs(filepath.Join(dataDir, SocketName))
	if err != nil {
		return "", err
	}
	if len(path) > maxSocketPath {
		return "", fmt.Errorf("the socket path %s is longer than %d bytes: choose a shorter data dir", path, maxSocketPath)
	}
	return path, nil
}

// validEndpoint reports whether endpoint, read from the instance file, is
// the socket newEndpoint makes for dataDir.
func validEndpoint(dataDir, endpoint string) bool {
	want, err := newEndpoint(dataDir)
	return err == nil && endpoint == want
}

// listen binds the socket; only the lock holder calls it, so a file already
// there is a crashed instance's and goes.
func listen(endpoint string) (net.Listener, error) {
	if err := os.Remove(endpoint); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ln, err := net.Listen("unix", endpoint)
	if err != nil {
		return nil, err
	}
	// The data dir already keeps others out; this covers one made with a
	// wider mode by hand.
	if err := os.Chmod(endpoint, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

func dial(ctx context.Context, endpoint string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", endpoint)
}
