package e2e

import (
	"bytes"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// display is one Xvfb server for the whole test.
type display struct {
	name string
	cmd  *exec.Cmd
}

// startXvfb starts Xvfb on a display number picked at random from a wide
// range, trying another when the number is taken. Not -displayfd: its scan
// for a free number unlinks the socket file of a display another server
// holds before it finds that number taken (seen here: two suites starting
// at once, and one's app could no longer open its display).
func startXvfb(t *testing.T) *display {
	t.Helper()
	for attempt := 0; attempt < 30; attempt++ {
		n := 100 + mrand.IntN(900)
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		name := ":" + strconv.Itoa(n)
		cmd := exec.Command("Xvfb", name, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			t.Fatalf("start Xvfb: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() {
			// SIGTERM lets Xvfb remove its lock file; SIGKILL leaves it.
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-exited
			}
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			select {
			case <-exited: // the number was taken meanwhile: another one
			default:
				if exec.Command("xdpyinfo", "-display", name).Run() != nil {
					if time.Now().After(deadline) {
						stop()
						t.Fatalf("Xvfb on %s does not answer within 10s", name)
					}
					continue
				}
				// answered: ours, unless it is another's and ours lost
				// the number (then ours has exited at once)
				select {
				case <-exited:
				case <-time.After(200 * time.Millisecond):
					t.Cleanup(stop)
					return &display{name: name, cmd: cmd}
				}
			}
			break
		}
	}
	t.Fatal("no free X display number in 30 tries")
	return nil
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

// TestXvfbDisplaysApart starts two displays at the same moment, as two
// suites on one machine do: each must get its own (a shared one let an app
// draw on, or lose, the other suite's server).
func TestXvfbDisplaysApart(t *testing.T) {
	setup(t)
	var mu sync.Mutex
	names := map[string]bool{}
	var ready sync.WaitGroup
	ready.Add(2)
	for _, n := range []string{"a", "b"} {
		t.Run(n, func(t *testing.T) {
			t.Parallel()
			d := startXvfb(t)
			mu.Lock()
			names[d.name] = true
			mu.Unlock()
			ready.Done()
			ready.Wait() // both servers alive at once
			d.x(t, "xdpyinfo")
		})
	}
	t.Cleanup(func() {
		if len(names) != 2 {
			t.Errorf("two displays started at once got %v", names)
		}
	})
}

// Started where there is no display (over SSH, from a service), the real
// binary says so in one line and exits with status 1: no GLFW panic, no
// stack trace.
func TestNoDisplay(t *testing.T) {
	e := setup(t)
	cmd := exec.Command(e.bin, "--data-dir", e.dataDir)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1", err)
	}
	out := strings.TrimSpace(stderr.String())
	if strings.Count(out, "\n") != 0 || !strings.Contains(out, "no display is available") || strings.Contains(out, "panic") {
		t.Fatalf("stderr is not one sentence about the display:\n%s", out)
	}
}

// A display that answers but drops every X connection (GLFW cannot open
// it): the real binary tries once more in a new process, then says so in
// one line and exits with status 1, no panic.
func TestDisplayRefused(t *testing.T) {
	e := setup(t)
	// a free number above Xvfb's range: two suites may run at once
	var l net.Listener
	var n int
	for attempt := 0; l == nil; attempt++ {
		n = 1000 + mrand.IntN(9000)
		var err error
		if l, err = net.Listen("unix", "@/tmp/.X11-unix/X"+strconv.Itoa(n)); err != nil && attempt == 30 {
			t.Fatal(err)
		}
	}
	defer l.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	cmd := exec.Command(e.bin, "--data-dir", e.dataDir)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "DISPLAY=:"+strconv.Itoa(n))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1\n%s", err, stderr.String())
	}
	var said []string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if strings.HasPrefix(line, "besign: ") {
			said = append(said, line)
		}
		if strings.Contains(line, "panic") || strings.Contains(line, "goroutine ") {
			t.Fatalf("a panic reached the terminal:\n%s", stderr.String())
		}
	}
	if len(said) != 1 || !strings.Contains(said[0], "did not accept a window") {
		t.Fatalf("want one sentence about the display, got:\n%s", stderr.String())
	}
	// each process: our check's connection, then GLFW's; two processes
	if got := accepted.Load(); got < 4 {
		t.Errorf("%d connections to the display: no second try", got)
	}
}
