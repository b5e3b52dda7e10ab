package instance

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
		s, err := Claim(os.Getenv("BESIGN_INSTANCE_DIR"), Message{Link: os.Getenv("BESIGN_INSTANCE_MSG"), Files: files})
		if errors.Is(err, ErrRunning) {
			os.Exit(10)
		}
		if err != nil {
			fmt.Println("claim:", err)
			os.Exit(3)
		}
		s.Close()
		os.Exit(0) // became the instance itself
	case "racer":
		// Waits for a line on its standard input, claims, and as the
		// instance prints the one message the other racer hands over;
		// then it closes, or without BESIGN_INSTANCE_CLOSE=true waits
		// to be killed.
		stdin := bufio.NewReader(os.Stdin)
		stdin.ReadString('\n')
		s, err := Claim(os.Getenv("BESIGN_INSTANCE_DIR"), Message{Link: os.Getenv("BESIGN_INSTANCE_MSG")})
		if errors.Is(err, ErrRunning) {
			os.Exit(10)
		}
		if err != nil {
			fmt.Println("claim:", err)
			os.Exit(3)
		}
		fmt.Println("instance")
		select {
		case msg := <-s.Messages():
			fmt.Println(show(msg))
		case <-time.After(30 * time.Second): // a safeguard, not a measure
			fmt.Println("no message")
			os.Exit(5)
		}
		if os.Getenv("BESIGN_INSTANCE_CLOSE") == "true" {
			s.Close()
			os.Exit(0)
		}
		io.Copy(io.Discard, stdin) // until killed, without Close
		os.Exit(0)
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
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 { // Windows: the profile's ACL
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

// rawHandOver speaks the client's side of the conversation with key,
// without checking the server's proof, and returns the answer.
func rawHandOver(t *testing.T, endpoint string, key []byte, line string) string {
	t.Helper()
	c, err := dialEndpoint(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * connTimeout))
	nonce := bytes.Repeat([]byte{7}, 32)
	fmt.Fprintf(c, "%s%x\n", helloPrefix, nonce)
	r := bufio.NewReader(c)
	reply, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("no reply to a hello: %v", err)
	}
	serverNonce, err := hex.DecodeString(reply[:hexLen])
	if err != nil {
		t.Fatalf("reply %q", reply)
	}
	fmt.Fprintf(c, "%x %s\n", proof(key, "client", nonce, serverNonce), line)
	answer, _ := r.ReadString('\n')
	return answer
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
	endpoint, secret := infoOf(t, dir)
	key, _ := hex.DecodeString(secret)
	if answer := rawHandOver(t, endpoint, bytes.Repeat([]byte{0}, 32), "besign://reset?token=evil"); answer != "" {
		t.Errorf("answered %q to a wrong secret", answer)
	}
	// The secret itself in place of the proof is no proof either.
	c, err := dialEndpoint(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "%s %s\n", secret, "besign://reset?token=evil")
	c.SetReadDeadline(time.Now().Add(2 * connTimeout))
	if answer, _ := io.ReadAll(c); len(answer) != 0 {
		t.Errorf("answered %q to the old protocol", answer)
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
	if answer := rawHandOver(t, endpoint, key, fmt.Sprintf("files %q", "../rahasia.pdf")); answer != "" {
		t.Errorf("answered %q to a relative path", answer)
	}
	// and the right secret is heard
	if answer := rawHandOver(t, endpoint, key, "besign://forgot?login=c@d.id"); answer != "ok\n" {
		t.Errorf("answered %q to the right secret", answer)
	}
	if m := <-s.Messages(); m.Link != "besign://forgot?login=c@d.id" || m.Files != nil {
		t.Fatalf("got %s", show(m))
	}
	if _, err := Claim(dir, Message{Link: "besign://forgot?login=a@b.id"}); !errors.Is(err, ErrRunning) {
		t.Fatalf("hand over: %v", err)
	}
	if m := <-s.Messages(); m.Link != "besign://forgot?login=a@b.id" || m.Files != nil {
		t.Fatalf("got %s", show(m))
	}
}
