//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keystore

import (
	"bufio"
	"bytes"
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

// Tests of the Secret Service (D-Bus) platforms. go-keyring connects to the session bus once per process
// (godbus caches the connection), so the cases without a keyring run in a child process of the test
// binary whose environment has no usable bus.
const childDirEnv = "BESIGN_KEYSTORE_CHILD_DIR" // data dir handed to the child

func noBusEnv() []string {
	return []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/besign-keystore-test/bus"}
}

// runChild runs one test of this binary in a child process with extra environment and fails t with the
// child's output unless that test ran and passed.
func runChild(t *testing.T, mode, test, dir string, env []string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childDirEnv+"="+dir)
	cmd.Env = append(cmd.Env, env...) // later entries win
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", test, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+test+" ") {
		t.Fatalf("child %s did not run:\n%s", test, out)
	}
}

func childMode(t *testing.T, mode string) {
	t.Helper()
	if os.Getenv(childEnv) != mode {
		t.Skip("runs only as a child process of another test")
	}
}

func TestWithoutKeyring(t *testing.T) {
	runChild(t, "nokeyring", "TestChildNoKeyring", "", noBusEnv())
}

func TestChildNoKeyring(t *testing.T) {
	childMode(t, "nokeyring")

	t.Run("available", func(t *testing.T) {
		err := New(t.TempDir()).Available()
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Available: got %v, want ErrUnavailable", err)
		}
		if ReasonOf(err) == "" {
			t.Fatalf("no reason for the user in %v", err)
		}
	})

	t.Run("remembered refused", func(t *testing.T) {
		dir := t.TempDir()
		s := New(dir)
		if err := s.SaveRemembered(Remembered{Login: "budi@natunakab.go.id", Token: "tok-plain"}); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("SaveRemembered: got %v, want ErrUnavailable", err)
		}
		if _, err := s.LoadRemembered(); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("LoadRemembered: got %v, want ErrUnavailable", err)
		}
		if err := s.ForgetRemembered(); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("ForgetRemembered: got %v, want ErrUnavailable", err)
		}
		// No plaintext fallback anywhere in the data dir.
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 0 {
			t.Fatalf("data dir not empty after refused save: %v", entries)
		}
	})

	t.Run("no plain file unless allowed", func(t *testing.T) {
		dir := t.TempDir()
		_, _, err := New(dir).MasterKey()
		if !errors.Is(err, ErrPlainFileRefused) || !errors.Is(err, ErrUnavailable) {
			t.Fatalf("MasterKey: got %v, want ErrPlainFileRefused and ErrUnavailable", err)
		}
		assertOnly(t, dir)
	})

	t.Run("master key falls back to a private file", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "not-yet-there")
		s := New(dir)
		s.AllowPlainFile = true
		key, warning, err := s.MasterKey()
		if err != nil {
			t.Fatalf("MasterKey: %v", err)
		}
		if len(key) != MasterKeySize {
			t.Fatalf("key length %d", len(key))
		}
		path := filepath.Join(dir, masterKeyFile)
		if warning == nil || warning.Kind != WarnKeyInFile || warning.Path != path || warning.Reason == "" {
			t.Fatalf("warning %+v does not tell the user where the key is and why", warning)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s has mode %v, want 0600", masterKeyFile, fi.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := decodeKey(string(b)); err != nil || !bytes.Equal(got, key) {
			t.Fatalf("file holds another key (err %v)", err)
		}
		if _, err := os.Stat(filepath.Join(dir, markerFile)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("marker written without a keyring (err %v)", err)
		}
		again, warning2, err := New(dir).MasterKey()
		if err != nil || warning2 == nil || !bytes.Equal(again, key) {
			t.Fatalf("second MasterKey = other key, %+v, %v", warning2, err)
		}
		assertOnly(t, dir, masterKeyFile)
	})

	t.Run("marker means the key is in the keyring", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, markerFile), []byte(markerText), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := New(dir).MasterKey()
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("MasterKey: got %v, want ErrUnavailable", err)
		}
		assertOnly(t, dir, markerFile)
	})

	t.Run("corrupt file", func(t *testing.T) {
		for _, content := range []string{"", "garbage\n", encodeKey(make([]byte, 16)), strings.Repeat("A", 5000)} {
			dir := t.TempDir()
			path := filepath.Join(dir, masterKeyFile)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, _, err := New(dir).MasterKey(); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("MasterKey on %q: got %v, want ErrCorrupt", content, err)
			}
			if b, _ := os.ReadFile(path); string(b) != content {
				t.Fatal("corrupt file was changed")
			}
		}
	})

	t.Run("file made private again", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, masterKeyFile)
		want := bytes.Repeat([]byte{9}, MasterKeySize)
		if err := os.WriteFile(path, []byte(encodeKey(want)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		key, _, err := New(dir).MasterKey()
		if err != nil || !bytes.Equal(key, want) {
			t.Fatalf("MasterKey = other key, %v", err)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
		}
	})
}

// assertOnly fails unless dir holds exactly the named files (no temporary files left over).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("data dir holds %v, want %v", got, names)
	}
}

// Started by TestKeyringThenNoKeyring on a data dir whose key is in the keyring.
func TestChildMarked(t *testing.T) {
	childMode(t, "marked")
	dir := os.Getenv(childDirEnv)
	_, _, err := New(dir).MasterKey()
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("MasterKey: got %v, want ErrUnavailable", err)
	}
	if _, err := os.Stat(filepath.Join(dir, masterKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file key was made although the key is in the keyring (err %v)", err)
	}
}

// A bus that accepts the connection but never answers must not hang the caller.
func TestHangingBus(t *testing.T) {
	runChild(t, "hang", "TestChildHang", "", nil)
}

func TestChildHang(t *testing.T) {
	childMode(t, "hang")
	sock := filepath.Join(t.TempDir(), "bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn // kept open, never answered
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+sock)
	defer func(d time.Duration) { probeTimeout = d }(probeTimeout)
	probeTimeout = 200 * time.Millisecond
	defer func(d time.Duration) { callTimeout = d }(callTimeout)
	callTimeout = 300 * time.Millisecond

	dir := t.TempDir()
	s := New(dir)
	s.AllowPlainFile = true
	err = s.Available()
	if !errors.Is(err, ErrUnavailable) || ReasonOf(err) != ReasonNoAnswer {
		t.Fatalf("Available: got %v (reason %q), want reason %q", err, ReasonOf(err), ReasonNoAnswer)
	}
	// MasterKey gives a silent keyring (perhaps showing its unlock prompt) more time, then falls back
	// to the file with a warning.
	start := time.Now()
	key, warning, err := s.MasterKey()
	if time.Since(start) < callTimeout {
		t.Errorf("MasterKey did not wait for a keyring that may be prompting")
	}
	if err != nil || len(key) != MasterKeySize || warning == nil || warning.Reason != ReasonNoAnswer {
		t.Fatalf("MasterKey = %d bytes, %+v, %v", len(key), warning, err)
	}
}

// A session bus on which nobody provides the Secret Service (and nothing can be activated).
func TestBusWithoutSecretService(t *testing.T) {
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		if os.Getenv("BESIGN_KEYRING_TEST") != "" {
			t.Fatal("dbus-daemon not installed (scripts/install-deps.sh test)")
		}
		t.Skip("dbus-daemon not installed")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "session.conf")
	// No <servicedir>: the bus cannot start gnome-keyring-daemon by activation.
	err := os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+filepath.Join(dir, "bus")+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	daemon := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	stdout, err := daemon.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = daemon.Process.Kill()
		_ = daemon.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon gave no address: %v", err)
	}
	runChild(t, "nosecrets", "TestChildNoSecretService", "", []string{"DBUS_SESSION_BUS_ADDRESS=" + strings.TrimSpace(addr)})
}

func TestChildNoSecretService(t *testing.T) {
	childMode(t, "nosecrets")
	err := New(t.TempDir()).Available()
	if !errors.Is(err, ErrUnavailable) || ReasonOf(err) != ReasonNoService {
		t.Fatalf("Available: got %v (reason %q), want reason %q", err, ReasonOf(err), ReasonNoService)
	}
}

// With no session bus address the keyring is unavailable at once: godbus would otherwise autolaunch a
// bus daemon (and a keyring daemon) that outlive the program.
func TestNoBusAddress(t *testing.T) {
	if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
		t.Skip("this machine has a session bus at /run/user/UID/bus")
	}
	runChild(t, "nobusaddr", "TestChildNoBusAddress", "", []string{"DBUS_SESSION_BUS_ADDRESS="})
}

func TestChildNoBusAddress(t *testing.T) {
	childMode(t, "nobusaddr")
	err := New(t.TempDir()).Available()
	if !errors.Is(err, ErrUnavailable) || ReasonOf(err) != ReasonNoBus {
		t.Fatalf("Available: got %v (reason %q), want reason %q", err, ReasonOf(err), ReasonNoBus)
	}
}

// secret-tool (libsecret, not go-keyring) must find the entry under the attributes go-keyring sets.
func TestKeyringSecretToolSeesEntry(t *testing.T) {
	requireKeyring(t)
	if _, err := exec.LookPath("secret-tool"); err != nil {
		t.Fatal("secret-tool not installed (scripts/install-deps.sh test installs libsecret-tools)")
	}
	s, _ := newKeyringStore(t)
	want := Remembered{Login: "budi@natunakab.go.id", Token: "tok-secret-tool"}
	if err := s.SaveRemembered(want); err != nil {
		t.Fatal(err)
	}
	user := s.user(kindRemembered)
	if !strings.HasPrefix(user, kindRemembered+" id:") {
		t.Fatalf("entry named %q, not by the data dir's ID", user)
	}
	out, err := exec.Command("secret-tool", "search", "--all", "service", ServiceName, "username", user).CombinedOutput()
	if err != nil {
		t.Fatalf("secret-tool search: %v\n%s", err, out)
	}
	for _, line := range []string{
		"attribute.service = " + ServiceName,
		"attribute.username = " + user,
	} {
		if !strings.Contains(string(out), line+"\n") {
			t.Errorf("secret-tool search output lacks %q:\n%s", line, out)
		}
	}
	// The secret it prints is the stored text, decoding to what was saved.
	value, err := exec.Command("secret-tool", "lookup", "service", ServiceName, "username", user).Output()
	if err != nil {
		t.Fatalf("secret-tool lookup: %v", err)
	}
	if got, err := decodeRemembered(string(value)); err != nil || got != want {
		t.Fatalf("secret-tool lookup decodes to %+v, %v", got, err)
	}

	// And after forgetting, secret-tool finds nothing.
	if err := s.ForgetRemembered(); err != nil {
		t.Fatal(err)
	}
	out, _ = exec.Command("secret-tool", "search", "--all", "service", ServiceName, "username", user).CombinedOutput()
	if strings.Contains(string(out), "attribute.username") {
		t.Fatalf("entry still there after ForgetRemembered:\n%s", out)
	}
}

// A data dir whose key is in the keyring, opened later where there is no keyring, errors instead of
// starting a new key.
func TestKeyringThenNoKeyring(t *testing.T) {
	requireKeyring(t)
	s, dir := newKeyringStore(t)
	if _, _, err := s.MasterKey(); err != nil {
		t.Fatal(err)
	}
	runChild(t, "marked", "TestChildMarked", dir, noBusEnv())
}
