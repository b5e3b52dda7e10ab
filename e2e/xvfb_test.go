package e2e

import (
	"bufio"
	"bytes"
	"errors"
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

// startXvfb starts Xvfb on a display it picks itself (-displayfd): the
// server takes the first free number under its own lock and writes it once
// it accepts clients, so two suites starting at once never share a display
// (choosing the number here from lock files raced).
func startXvfb(t *testing.T) *display {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w} // fd 3
	if err := cmd.Start(); err != nil {
		w.Close()
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
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
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n') // "N\n" once it accepts clients
		got <- strings.TrimSpace(line)
	}()
	var n string
	select {
	case n = <-got:
	case <-time.After(10 * time.Second):
	}
	if _, err := strconv.Atoi(n); err != nil {
		t.Fatalf("Xvfb did not name its display within 10s (got %q)", n)
	}
	d := &display{name: ":" + n, cmd: cmd}
	if err := exec.Command("xdpyinfo", "-display", d.name).Run(); err != nil {
		t.Fatalf("Xvfb on %s does not answer: %v", d.name, err)
	}
	return d
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
	const n = 917
	l, err := net.Listen("unix", "@/tmp/.X11-unix/X"+strconv.Itoa(n))
	if err != nil {
		t.Fatal(err)
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
	err = cmd.Run()
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
