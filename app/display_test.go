package app

import (
	"errors"
	"net"
	"path/filepath"
	"runtime"
	"testing"
)

// Without a graphical session the app says so in one sentence instead of
// letting GLFW panic; a display that answers (X on an abstract socket, a
// Wayland socket) lets it start.
func TestCheckDisplay(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("X11 and Wayland sockets are Linux's")
	}
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	for _, c := range []struct{ x, wayland string }{{"", ""}, {":987", ""}, {"unix:987.0", ""}, {"", "wayland-9"}, {"127.0.0.1:87", ""}} {
		t.Setenv("DISPLAY", c.x)
		t.Setenv("WAYLAND_DISPLAY", c.wayland)
		if err := checkDisplay(); !errors.Is(err, ErrNoDisplay) {
			t.Errorf("DISPLAY=%q WAYLAND_DISPLAY=%q: %v, want ErrNoDisplay", c.x, c.wayland, err)
		}
	}
	// an X server listening on the abstract socket of display 987
	l, err := net.Listen("unix", "@/tmp/.X11-unix/X987")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("DISPLAY", ":987.0")
	t.Setenv("WAYLAND_DISPLAY", "")
	if err := checkDisplay(); err != nil {
		t.Errorf("a listening X display: %v", err)
	}
	// a Wayland compositor's socket
	sock := filepath.Join(t.TempDir(), "wayland-9")
	w, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", sock)
	if err := checkDisplay(); err != nil {
		t.Errorf("a Wayland socket: %v", err)
	}
	// a display name of a form we do not read is left to GLFW
	t.Setenv("DISPLAY", "/private/tmp/com.apple.launchd.x/org.xquartz:0")
	t.Setenv("WAYLAND_DISPLAY", "")
	if err := checkDisplay(); err != nil {
		t.Errorf("an unknown form: %v", err)
	}
	// and Run returns the error before any window is made
	t.Setenv("DISPLAY", "")
	if err := Run(Input{DataDir: t.TempDir()}); !errors.Is(err, ErrNoDisplay) {
		t.Errorf("Run without a display: %v", err)
	}
}
