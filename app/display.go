package app

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// ErrNoDisplay: there is no graphical session to show the window in (a
// terminal over SSH, a service, a display that no longer answers).
var ErrNoDisplay = errors.New("no display is available")

// ErrDisplayRefused: the display answered, but GLFW could not open it for a
// window; it wraps ErrNoDisplay. A second try may succeed (main makes one).
var ErrDisplayRefused = fmt.Errorf("%w", ErrNoDisplay)

// checkDisplay tells, before GLFW is asked (which would panic with a stack
// trace), whether a window can be shown: on Linux and the BSDs a Wayland
// socket or an X server that answers. Windows and macOS always have one.
func checkDisplay() error {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return nil
	}
	wayland, x := os.Getenv("WAYLAND_DISPLAY"), os.Getenv("DISPLAY")
	if wayland != "" {
		p := wayland
		if !filepath.IsAbs(p) {
			p = filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), wayland)
		}
		if reachable("unix", p) {
			return nil
		}
	}
	if x != "" {
		addrs, known := x11Addresses(x)
		if !known {
			return nil // a form we do not know: let GLFW try
		}
		for _, a := range addrs {
			if reachable(a[0], a[1]) {
				return nil
			}
		}
	}
	switch {
	case x == "" && wayland == "":
		return fmt.Errorf("%w: BeSign Desktop needs a graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set); the besign commands work without one (besign help)", ErrNoDisplay)
	case x != "":
		return fmt.Errorf("%w: the X display %s does not answer; the besign commands work without one (besign help)", ErrNoDisplay, x)
	}
	return fmt.Errorf("%w: the Wayland display %s does not answer; the besign commands work without one (besign help)", ErrNoDisplay, wayland)
}

// x11Addresses are the sockets of an X display name: ":N", "unix:N" and
// "host:N", each with an optional ".screen".
func x11Addresses(display string) (addrs [][2]string, known bool) {
	i := strings.LastIndex(display, ":")
	if i < 0 {
		return nil, false
	}
	host, num := display[:i], display[i+1:]
	if j := strings.IndexByte(num, '.'); j >= 0 {
		num = num[:j]
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || strings.Contains(host, "/") {
		return nil, false
	}
	if host == "" || host == "unix" {
		sock := "/tmp/.X11-unix/X" + num
		return [][2]string{{"unix", sock}, {"unix", "@" + sock}}, true
	}
	return [][2]string{{"tcp", net.JoinHostPort(host, strconv.Itoa(6000+n))}}, true
}

func reachable(network, addr string) bool {
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
