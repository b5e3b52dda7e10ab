package instance

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Attacks of issue 17 on the hand-over, each with real processes: the test
// binary re-executed as the app (see TestMain).

// infoOf reads the running instance's endpoint and secret from the data dir.
func infoOf(t *testing.T, dir string) (endpoint, secret string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	secret, endpoint, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	if !ok {
		t.Fatalf("instance file %q", b)
	}
	return endpoint, secret
}

// hostileListen takes over endpoint as another local user would after a
// crash freed it (a loopback port could be taken so; a socket in the data
// dir or a pipe with the user's ACL cannot, but the test, as the user, can).
func hostileListen(t *testing.T, endpoint string) net.Listener {
	t.Helper()
	ln, err := listen(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// dialEndpoint connects to the instance's endpoint.
func dialEndpoint(endpoint string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return dial(ctx, endpoint)
}

// startChild starts a child and waits for its first line.
func startChild(t *testing.T, cmd *exec.Cmd, want string) *bufio.Scanner {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != want {
		t.Fatalf("child printed %q, want %q", lines.Text(), want)
	}
	return lines
}

// Attack 1: the app was killed (kill -9) and left its files behind; a hostile
// listener took the endpoint. The next start must send neither the link nor
// the secret to it, and must become the instance itself.
func TestStaleEndpointAfterCrashIsNotTrusted(t *testing.T) {
	dir := t.TempDir()
	first := child(dir, "first", "")
	startChild(t, first, "listening")
	endpoint, secret := infoOf(t, dir)
	if err := first.Process.Kill(); err != nil { // SIGKILL: no clean-up
		t.Fatal(err)
	}
	first.Wait()

	heard := eavesdrop(t, endpoint)
	link := "besign://reset?token=rahasia-korban-123"
	err := child(dir, "second", link).Run()
	if err != nil {
		t.Errorf("start after the crash: %v (want exit 0: became the instance)", err)
	}
	if b := heard(); bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("rahasia-korban")) {
		t.Errorf("the hostile listener received the link or the secret: %q", b)
	}
	// The one who became the instance left nothing behind.
	if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("instance file after the instance closed: %v", err)
	}
}

// eavesdrop listens on endpoint as a hostile would, answering in the shape
// of the instance; heard stops it and returns what it was sent.
func eavesdrop(t *testing.T, endpoint string) (heard func() []byte) {
	t.Helper()
	hostile := hostileListen(t, endpoint)
	var mu sync.Mutex
	var buf bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := hostile.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				r := bufio.NewReader(c)
				line, _ := r.ReadString('\n')
				mu.Lock()
				buf.WriteString(line)
				mu.Unlock()
				// A server's nonce and proof, then "ok": the shape of
				// the instance's answers, old and new.
				fmt.Fprintf(c, "%s %s\nok\n", randomHex(), randomHex())
				rest, _ := io.ReadAll(io.LimitReader(r, 1<<20))
				mu.Lock()
				buf.Write(rest)
				mu.Unlock()
			}()
		}
	}()
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { hostile.Close() }) })
	return func() []byte {
		once.Do(func() { hostile.Close() })
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return buf.Bytes()
	}
}

// A running instance whose endpoint was taken over (a socket replaced in a
// data dir someone else can write, say): a start sends the impostor neither
// its link nor the secret, since the impostor cannot prove the secret.
func TestHijackedEndpointGetsNothing(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a pipe name cannot be taken while the instance holds it")
	}
	dir := t.TempDir()
	s, err := Claim(dir, Message{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	endpoint, secret := infoOf(t, dir)
	heard := eavesdrop(t, endpoint)
	err = handOver(dir, "besign://reset?token=rahasia-korban-456")
	if err == nil {
		t.Fatal("handed over to an impostor")
	}
	t.Logf("hand-over to the impostor: %v", err)
	b := heard()
	if len(b) == 0 {
		t.Fatal("the impostor was not asked: the test tests nothing")
	}
	if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("rahasia-korban")) {
		t.Errorf("the impostor received the link or the secret: %q", b)
	}
}

func randomHex() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// vmHWM is a process's peak resident memory in KiB (Linux).
func vmHWM(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kib, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return kib
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// Attack 2: 4,000 connections without the secret, each sending 256 KiB,
// must not grow the running app (the issue saw 1.9 GB); a real start is
// still heard afterwards.
func TestFloodWithoutSecretKeepsMemoryBounded(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads VmHWM from /proc")
	}
	dir := t.TempDir()
	first := child(dir, "first", "")
	lines := startChild(t, first, "listening")
	endpoint, _ := infoOf(t, dir)
	before := vmHWM(t, first.Process.Pid)

	payload := bytes.Repeat([]byte("A"), 256<<10)
	var wg sync.WaitGroup
	for range 4000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dialEndpoint(endpoint)
			if err != nil {
				return // refused or backlog full: the server is not harmed
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			c.Write(payload)
			io.Copy(io.Discard, c)
		}()
	}
	wg.Wait()
	grown := vmHWM(t, first.Process.Pid) - before
	t.Logf("VmHWM before %d KiB, grew by %d KiB", before, grown)
	if grown > 64<<10 {
		t.Errorf("the app grew by %d MiB under the flood", grown>>10)
	}
	// Still the instance, and it still hears a real start.
	err := child(dir, "second", "besign://forgot?login=a@b.id").Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 10 {
		t.Fatalf("start after the flood: %v (want exit 10: handed over)", err)
	}
	if !lines.Scan() || lines.Text() != show(Message{Link: "besign://forgot?login=a@b.id"}) {
		t.Fatalf("first instance printed %q after the flood", lines.Text())
	}
}

// Attack 3: two starts at the same moment, 20 times: exactly one becomes the
// instance and the other hands its link to it. Every other round the
// instance is killed (kill -9) once the other has exited, so the next round
// also starts over what a crash leaves.
func TestSimultaneousStartsMakeOneInstance(t *testing.T) {
	dir := t.TempDir()
	for round := range 20 {
		closes := round%2 == 0
		var cmds [2]*exec.Cmd
		var gos [2]io.WriteCloser
		var outs [2]*bytes.Buffer
		exited := make(chan int, 2)
		codes := [2]int{}
		for i := range 2 {
			cmd := child(dir, "racer", fmt.Sprintf("besign://forgot?login=racer%d", i))
			cmd.Env = append(cmd.Env, fmt.Sprintf("BESIGN_INSTANCE_CLOSE=%v", closes))
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			outs[i] = new(bytes.Buffer)
			cmd.Stdout = outs[i]
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() })
			cmds[i], gos[i] = cmd, stdin
		}
		for i := range 2 {
			go func() {
				err := cmds[i].Wait()
				var ee *exec.ExitError
				switch {
				case err == nil:
				case errors.As(err, &ee):
					codes[i] = ee.ExitCode() // -1: killed
				default:
					codes[i] = -2
				}
				exited <- i
			}()
		}
		// Both wait for a line on their standard input: they go at the
		// same moment.
		io.WriteString(gos[0], "go\n")
		io.WriteString(gos[1], "go\n")
		first := <-exited
		killed := !closes && codes[first] == 10
		if killed {
			cmds[1-first].Process.Kill()
		}
		<-exited
		var out [2][]string
		inst := -1
		for i := range 2 {
			gos[i].Close()
			out[i] = strings.Split(strings.TrimSpace(outs[i].String()), "\n")
			switch {
			case out[i][0] == "instance":
				if inst >= 0 {
					t.Fatalf("round %d: both starts became the instance: %q, exits %v", round, out, codes)
				}
				inst = i
			case codes[i] != 10:
				t.Fatalf("round %d: start %d exited %d printing %q", round, i, codes[i], out[i])
			}
		}
		if inst < 0 {
			t.Fatalf("round %d: neither start became the instance: %q, exits %v", round, out, codes)
		}
		if !killed && codes[inst] != 0 {
			t.Fatalf("round %d: the instance exited %d printing %q", round, codes[inst], out[inst])
		}
		want := show(Message{Link: fmt.Sprintf("besign://forgot?login=racer%d", 1-inst)})
		if got := out[inst]; len(got) != 2 || got[1] != want {
			t.Fatalf("round %d: the instance printed %q, want the other's link %q", round, got, want)
		}
	}
}
