//go:build unix

package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	_ "unsafe" // go:linkname
)

// duringCopy is pdfsign's test hook, run once the input is parsed and its
// copy has begun. Only this test binary reaches it.
//
//go:linkname duringCopy github.com/natunakab/besign/pdfsign.duringCopy
var duringCopy func()

// A FIFO, a folder or a device named .pdf is refused at once by sign and
// verify with a clear message; a regression fails on the guard instead of
// hanging (a writer then releases the blocked open).
func TestSignVerifySpecialFiles(t *testing.T) {
	_, f := signFixture(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipa.pdf")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "map.pdf")
	os.Mkdir(folder, 0o755)
	device := filepath.Join(dir, "nol.pdf")
	os.Symlink("/dev/zero", device)
	for _, c := range []struct{ in, kind string }{{fifo, "a pipe"}, {folder, "a folder"}, {device, "a device"}} {
		for _, args := range [][]string{
			{"sign", "--p12", f.P12, "--passphrase-stdin", c.in},
			{"verify", c.in},
		} {
			type result struct {
				code     int
				out, err string
			}
			done := make(chan result, 1)
			go func() {
				code, out, errOut := cliRun(t, f.Password+"\n", args...)
				done <- result{code, out, errOut}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(20 * time.Second):
				if w, err := os.OpenFile(fifo, os.O_RDWR|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
				<-done
				t.Fatalf("besign %s %s blocked", args[0], filepath.Base(c.in))
			}
			want := "not a regular file (" + c.kind + ")"
			if r.code != 1 || !strings.Contains(r.out+r.err, want) {
				t.Fatalf("besign %s %s: exit %d, %q %q; want exit 1 with %q", args[0], filepath.Base(c.in), r.code, r.out, r.err, want)
			}
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*_signed.pdf")); len(m) > 0 {
		t.Fatalf("outputs: %v", m)
	}
}

// TestSignShortReadHelper is the real CLI in a process of its own (the
// test binary re-run): it runs the arguments in BESIGN_CLI_HELPER (JSON)
// with the file BESIGN_CLI_TRUNCATE cut to half its size once it is parsed
// and its copy has begun.
func TestSignShortReadHelper(t *testing.T) {
	spec := os.Getenv("BESIGN_CLI_HELPER")
	if spec == "" {
		t.Skip("helper process only")
	}
	var args []string
	if err := json.Unmarshal([]byte(spec), &args); err != nil {
		panic(err)
	}
	in := os.Getenv("BESIGN_CLI_TRUNCATE")
	duringCopy = func() {
		st, err := os.Stat(in)
		if err != nil || os.Truncate(in, st.Size()/2) != nil {
			panic("cannot truncate the input")
		}
	}
	os.Exit(Run(args, os.Stdin, os.Stdout, os.Stderr, func(*Env) error {
		panic("GUI started by a CLI command")
	}))
}

// An input cut short while `besign sign` copies it makes the command fail
// with exit status 1 and a clear message; no output and no temporary file
// is left. Before, it printed "signed" and exited 0 with a damaged output.
func TestSignShortRead(t *testing.T) {
	_, f := signFixture(t)
	dir := t.TempDir()
	in := copyCorpus(t, "T4.pdf", dir) // larger than the first chunk copied
	before, err := os.Stat(in)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "hasil.pdf")
	args, _ := json.Marshal([]string{"--data-dir", t.TempDir(), "--config", emptyConfig(t),
		"sign", "--p12", f.P12, "--passphrase-stdin", "--out", out, in})
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignShortReadHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "BESIGN_CLI_HELPER="+string(args), "BESIGN_CLI_TRUNCATE="+in)
	cmd.Stdin = strings.NewReader(f.Password + "\n")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("exit: %v\nstdout %q\nstderr %q", err, stdout.String(), stderr.String())
	}
	if st, _ := os.Stat(in); st == nil || st.Size() != before.Size()/2 {
		t.Fatal("the helper did not truncate the input")
	}
	if !strings.Contains(stderr.String(), "became shorter while it was signed") || stdout.String() != "" {
		t.Fatalf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	oneLineError(t, stderr.String())
	if _, err := os.Lstat(out); err == nil {
		t.Fatal("an output was written")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".besign-*")); len(m) > 0 {
		t.Fatalf("temporary files left: %v", m)
	}
}
