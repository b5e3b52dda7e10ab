package instance

import (
	"bufio"
	"encoding/json"
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
// data dir and prints what it is handed; =second hands its link or files
// (JSON) over.
func TestMain(m *testing.M) {
	switch os.Getenv("BESIGN_INSTANCE_CHILD") {
	case "first":
		s, err := Claim(os.Getenv("BESIGN_INSTANCE_DIR"), Message{})
		if err != nil {
			fmt.Println("claim:", err)
			os.Exit(3)
		}
		fmt.Println("listening")
		for msg := range s.Messages() {
			fmt.Println(show(msg))
			if msg.Link == "quit" {
				s.Close()
				os.Exit(0)
			}
		}
		os.Exit(4)
	case "second":
		var files []string
		if f := os.Getenv("BESIGN_INSTANCE_FILES"); f != "" {
			if err := json.Unmarshal([]byte(f), &files); err != nil {
				fmt.Println(err)
				os.Exit(3)
			}
		}
		_, err := Claim(os.Getenv("BESIGN_INSTANCE_DIR"), Message{Link: os.Getenv("BESIGN_INSTANCE_MSG"), Files: files})
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

// show prints a message on one line.
func show(m Message) string { return fmt.Sprintf("got link %q files %q", m.Link, m.Files) }

func child(dir, role, msg string, files ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BESIGN_INSTANCE_CHILD="+role, "BESIGN_INSTANCE_DIR="+dir, "BESIGN_INSTANCE_MSG="+msg)
	if files != nil {
		b, _ := json.Marshal(files)
		cmd.Env = append(cmd.Env, "BESIGN_INSTANCE_FILES="+string(b))
	}
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
	// PDFs opened with the app: names with spaces, a newline, non-ASCII
	// letters, a quote; many at once.
	files := []string{filepath.Join(dir, "Surat Dinas (1).pdf"), filepath.Join(dir, "nota\nbaru \"final\".PDF"),
		filepath.Join(dir, "undangan_Natuna_é.pdf")}
	for i := range 200 {
		files = append(files, filepath.Join(dir, fmt.Sprintf("lampiran-%03d.pdf", i)))
	}
	for _, msg := range []Message{{Link: link}, {}, {Files: files[:1]}, {Files: files}, {Link: "quit"}} {
		err := child(dir, "second", msg.Link, msg.Files...).Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 10 {
			t.Fatalf("second start with %s: %v (want exit 10: handed over)", show(msg), err)
		}
		if !lines.Scan() || lines.Text() != show(msg) {
			t.Fatalf("first instance printed %q after %s", lines.Text(), show(msg))
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
	if err := child(dir, "second", "", files[0]).Run(); err != nil {
		t.Fatalf("start over a stale file: %v", err)
	}
}

// A peer without the secret is not heard, and a message longer than a line
// is refused before anything is sent.
func TestWrongSecretAndBadMessages(t *testing.T) {
	dir := t.TempDir()
	s, err := Claim(dir, Message{})
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
	for _, msg := range []Message{{Link: "a\nb"}, {Link: strings.Repeat("x", maxMessage+1)},
		{Files: []string{"relatif.pdf"}}, {Link: "besign://reset?token=a", Files: []string{"/a.pdf"}},
		{Files: []string{"/" + strings.Repeat("x", maxLine)}}} {
		if _, err := Claim(dir, msg); err == nil || errors.Is(err, ErrRunning) {
			t.Errorf("Claim with %.60s: %v", show(msg), err)
		}
	}
	// A peer with the secret but a relative path is not heard either.
	_, secret, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	c, err = net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "%s files %q\n", secret, "../rahasia.pdf")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if answer, _ := bufio.NewReader(c).ReadString('\n'); answer != "" {
		t.Errorf("answered %q to a relative path", answer)
	}
	c.Close()
	// and the right secret is heard
	if _, err := Claim(dir, Message{Link: "besign://forgot?login=a@b.id"}); !errors.Is(err, ErrRunning) {
		t.Fatalf("hand over: %v", err)
	}
	if m := <-s.Messages(); m.Link != "besign://forgot?login=a@b.id" || m.Files != nil {
		t.Fatalf("got %s", show(m))
	}
}
