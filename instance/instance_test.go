package instance

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The test binary plays both apps: BESIGN_INSTANCE_CHILD=first claims the
// data dir and prints what it is handed; =second hands its argument over.
func TestMain(m *testing.M) {
	switch os.Getenv("BESIGN_INSTANCE_CHILD") {
	case "first":
		s, err := Claim(os.Getenv("BESIGN_INSTANCE_DIR"), "")
		if err != nil {
			fmt.Println("claim:", err)
			os.Exit(3)
		}
		fmt.Println("listening")
		for msg := range s.Messages() {
			fmt.Printf("got %q\n", msg)
			if msg == "quit" {
				s.Close()
				os.Exit(0)
			}
		}
		os.Exit(4)
	case "second":
		_, err := Claim(os.Getenv("BESIGN_INSTANCE_DIR"), os.Getenv("BESIGN_INSTANCE_MSG"))
		if errors.Is(err, ErrRunning) {
			os.Exit(10)
		}
		if err != nil {
			fmt.Println("claim:", err)
			os.Exit(3)
		}
		os.Exit(0) // became the instance itself
	}
	os.Exit(m.Run())
}

func child(dir, role, msg string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BESIGN_INSTANCE_CHILD="+role, "BESIGN_INSTANCE_DIR="+dir, "BESIGN_INSTANCE_MSG="+msg)
	return cmd
}

// A second process hands its link to the first, which gets it; after the
// first has exited, a start becomes the instance itself.
func TestHandOverBetweenProcesses(t *testing.T) {
	dir := t.TempDir()
	first := child(dir, "first", "")
	out, err := first.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "listening" {
		t.Fatalf("first instance: %q", lines.Text())
	}
	info, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		t.Errorf("instance file mode %v: others may read the secret", info.Mode())
	}

	link := "besign://reset?token=abc-DEF_123"
	for _, msg := range []string{link, "", "quit"} {
		err := child(dir, "second", msg).Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 10 {
			t.Fatalf("second start with %q: %v (want exit 10: handed over)", msg, err)
		}
		if !lines.Scan() || lines.Text() != fmt.Sprintf("got %q", msg) {
			t.Fatalf("first instance printed %q after %q", lines.Text(), msg)
		}
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first instance: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("instance file left after Close: %v", err)
	}

	// A stale file (the first was killed) does not stop the next start.
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("127.0.0.1:1 00\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := child(dir, "second", link).Run(); err != nil {
		t.Fatalf("start over a stale file: %v", err)
	}
}

// A peer without the secret is not heard, and a message longer than a line
// is refused before anything is sent.
func TestWrongSecretAndBadMessages(t *testing.T) {
	dir := t.TempDir()
	s, err := Claim(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, _ := os.ReadFile(filepath.Join(dir, FileName))
	addr, _, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "%s %s\n", strings.Repeat("0", 64), "besign://reset?token=evil")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if answer, _ := bufio.NewReader(c).ReadString('\n'); answer != "" {
		t.Errorf("answered %q to a wrong secret", answer)
	}
	c.Close()
	select {
	case m := <-s.Messages():
		t.Fatalf("delivered %q from a peer without the secret", m)
	case <-time.After(200 * time.Millisecond):
	}
	for _, msg := range []string{"a\nb", strings.Repeat("x", maxMessage+1)} {
		if _, err := Claim(dir, msg); err == nil || errors.Is(err, ErrRunning) {
			t.Errorf("Claim with a %d-byte message: %v", len(msg), err)
		}
	}
	// and the right secret is heard
	if _, err := Claim(dir, "besign://forgot?login=a@b.id"); !errors.Is(err, ErrRunning) {
		t.Fatalf("hand over: %v", err)
	}
	if m := <-s.Messages(); m != "besign://forgot?login=a@b.id" {
		t.Fatalf("got %q", m)
	}
}
