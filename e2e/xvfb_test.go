package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// display is one Xvfb server for the whole test.
type display struct {
	name string
	cmd  *exec.Cmd
}

// startXvfb starts Xvfb on the first free display number from 90.
func startXvfb(t *testing.T) *display {
	t.Helper()
	for n := 90; n < 110; n++ {
		// A display is taken while the server named in its lock file
		// lives; Xvfb clears the lock and socket a killed server left.
		if lockHolderAlive(fmt.Sprintf("/tmp/.X%d-lock", n)) {
			continue
		}
		name := fmt.Sprintf(":%d", n)
		cmd := exec.Command("Xvfb", name, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			t.Fatalf("start Xvfb: %v", err)
		}
		d := &display{name: name, cmd: cmd}
		t.Cleanup(func() {
			// SIGTERM lets Xvfb remove its lock file; SIGKILL leaves it.
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		})
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if exec.Command("xdpyinfo", "-display", name).Run() == nil {
				return d
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("Xvfb on %s did not come up", name)
	}
	t.Fatal("no free X display")
	return nil
}

// lockHolderAlive reports whether the X server whose pid the lock file
// holds still runs; an unreadable lock counts as held.
func lockHolderAlive(lock string) bool {
	b, err := os.ReadFile(lock)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		return true
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return true
	}
	return syscall.Kill(pid, 0) == nil || errors.Is(syscall.Kill(pid, 0), syscall.EPERM)
}

// x runs an X client (xdotool, import) on the display.
func (d *display) x(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+d.name)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

// waitWindow waits for a visible window with this exact name; it returns
// the window id.
func (d *display) waitWindow(t *testing.T, title string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^"+title+"$")
		cmd.Env = append(os.Environ(), "DISPLAY="+d.name)
		if out, err := cmd.Output(); err == nil {
			if ids := strings.Fields(string(out)); len(ids) > 0 {
				return ids[0]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no window %q within %s", title, timeout)
	return ""
}

// screenshot saves the whole screen as dir/NN-step.png and returns the path.
func (d *display) screenshot(t *testing.T, dir, step string) string {
	t.Helper()
	p := filepath.Join(dir, step+".png")
	d.x(t, "import", "-window", "root", p)
	return p
}

func (d *display) key(t *testing.T, keys ...string) {
	t.Helper()
	for _, k := range keys {
		d.x(t, "xdotool", "key", "--clearmodifiers", k)
		time.Sleep(80 * time.Millisecond)
	}
}

func (d *display) typeText(t *testing.T, s string) {
	t.Helper()
	d.x(t, "xdotool", "type", "--delay", "20", s)
	time.Sleep(100 * time.Millisecond)
}
