//go:build unix

package pdfsign

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/testpki"
)

// Helper processes: the test binary re-run with BESIGN_SIGNFILE_HELPER set
// signs one file with SignFile, so that signals and races involve real
// processes. Before the final move it announces itself by creating
// "<out>.ready-<pid>" and then waits for the file "<out>.go" (mode
// "race") or forever (mode "hang").
func TestSignFileHelper(t *testing.T) {
	spec := os.Getenv("BESIGN_SIGNFILE_HELPER")
	if spec == "" {
		t.Skip("helper process only")
	}
	mode, rest, _ := strings.Cut(spec, "|")
	in, out, _ := strings.Cut(rest, "|")
	p := testpki.New(testpki.LeafOptions{ECDSA: true})
	beforeRename = func() {
		os.WriteFile(fmt.Sprintf("%s.ready-%d", out, os.Getpid()), nil, 0o644)
		for mode == "hang" || !exists(out+".go") {
			time.Sleep(5 * time.Millisecond)
		}
	}
	var fo FileOptions
	if mode == "next" {
		fo.Next = nextFree
	}
	written, err := SignFileAs(in, out, Options{Signer: p.Key, Chain: p.Chain()}, fo)
	switch {
	case err == nil:
		fmt.Print(written)
		os.Exit(0)
	case errors.Is(err, ErrExists):
		os.Exit(3)
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// nextFree is a FileOptions.Next: the first of "NAME-2.pdf", "NAME-3.pdf"...
// that does not exist, for out "NAME.pdf".
func nextFree(taken string) (string, error) {
	base := strings.TrimSuffix(taken, ".pdf")
	if i := strings.LastIndex(base, "-"); i > 0 && strings.Trim(base[i+1:], "0123456789") == "" {
		base = base[:i]
	}
	for n := 2; ; n++ {
		p := fmt.Sprintf("%s-%d.pdf", base, n)
		if !exists(p) {
			return p, nil
		}
	}
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

func helper(t *testing.T, mode, in, out string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignFileHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "BESIGN_SIGNFILE_HELPER="+mode+"|"+in+"|"+out)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func waitReady(t *testing.T, out string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		m, _ := filepath.Glob(out + ".ready-*")
		if len(m) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d helpers ready", len(m), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func temps(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, ".besign-*"))
	return m
}

func copyInput(t *testing.T, dir string, perm os.FileMode) string {
	t.Helper()
	b, err := os.ReadFile("testdata/corpus/T4.pdf")
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, b, perm); err != nil {
		t.Fatal(err)
	}
	os.Chmod(in, perm)
	return in
}

// Three processes that all found no output file must not each replace the
// previous one's: exactly one wins, the others report ErrExists.
func TestSignFileConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	in := copyInput(t, dir, 0o644)
	out := filepath.Join(dir, "out.pdf")
	var cmds []*exec.Cmd
	for range 3 {
		cmds = append(cmds, helper(t, "race", in, out))
	}
	waitReady(t, out, 3)
	os.WriteFile(out+".go", nil, 0o644)
	won, refused := 0, 0
	for _, c := range cmds {
		err := c.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
			won++
		case errors.As(err, &ee) && ee.ExitCode() == 3:
			refused++
		default:
			t.Errorf("helper: %v", err)
		}
	}
	if won != 1 || refused != 2 {
		t.Fatalf("%d runs wrote the output and %d were refused; want 1 and 2", won, refused)
	}
	if infos, err := VerifyFile(out, nil); err != nil || len(infos) != 1 || infos[0].Integrity != Valid {
		t.Fatalf("output: %v %+v", err, infos)
	}
	if left := temps(dir); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// Three processes that found the same free output name and then race for
// it with FileOptions.Next: each writes its own file, none replaces
// another's.
func TestSignFileNextProcesses(t *testing.T) {
	dir := t.TempDir()
	in := copyInput(t, dir, 0o644)
	out := filepath.Join(dir, "out.pdf")
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for range 3 {
		c := exec.Command(os.Args[0], "-test.run=^TestSignFileHelper$", "-test.count=1")
		c.Env = append(os.Environ(), "BESIGN_SIGNFILE_HELPER=next|"+in+"|"+out)
		c.Stderr = os.Stderr
		var b strings.Builder
		c.Stdout = &b
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, c), append(outs, &b)
	}
	waitReady(t, out, 3)
	os.WriteFile(out+".go", nil, 0o644)
	written := map[string]bool{}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
		// The test binary prints PASS after the path when run this way;
		// the path is the first line.
		p, _, _ := strings.Cut(outs[i].String(), "\n")
		written[strings.TrimSuffix(p, "PASS")] = true
	}
	want := []string{out, filepath.Join(dir, "out-2.pdf"), filepath.Join(dir, "out-3.pdf")}
	for _, w := range want {
		if !written[w] {
			t.Errorf("no helper wrote %s; written: %v", w, written)
		}
		if infos, err := VerifyFile(w, nil); err != nil || len(infos) != 1 || infos[0].Integrity != Valid {
			t.Errorf("%s: %v %+v", w, err, infos)
		}
	}
	if left := temps(dir); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// SIGINT and SIGTERM during signing remove the temporary file; a process
// killed outright leaves it, and the next run in that folder removes it
// while keeping a live process's.
func TestSignFileSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			in := copyInput(t, dir, 0o644)
			out := filepath.Join(dir, "out.pdf")
			c := helper(t, "hang", in, out)
			waitReady(t, out, 1)
			if len(temps(dir)) != 1 {
				t.Fatalf("temporary files: %v", temps(dir))
			}
			c.Process.Signal(sig)
			err := c.Wait()
			ws, _ := c.ProcessState.Sys().(syscall.WaitStatus)
			if err == nil || !ws.Signaled() || ws.Signal() != sig {
				t.Fatalf("helper did not die of %v: %v", sig, err)
			}
			if left := temps(dir); len(left) > 0 {
				t.Fatalf("temporary files left: %v", left)
			}
			if exists(out) {
				t.Fatal("output written")
			}
		})
	}
	t.Run("SIGKILL", func(t *testing.T) {
		dir := t.TempDir()
		in := copyInput(t, dir, 0o644)
		out := filepath.Join(dir, "out.pdf")
		c := helper(t, "hang", in, out)
		waitReady(t, out, 1)
		c.Process.Kill()
		c.Wait()
		stale := temps(dir)
		if len(stale) != 1 {
			t.Fatalf("temporary files after kill: %v", stale)
		}
		// A live process's work in progress stays.
		sleeper := exec.Command("sleep", "60")
		if err := sleeper.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
		busy := filepath.Join(dir, fmt.Sprintf(".besign-%d-abc.tmp", sleeper.Process.Pid))
		os.WriteFile(busy, []byte("in progress"), 0o600)
		p, _ := pkis()
		if err := SignFile(in, filepath.Join(dir, "again.pdf"), Options{Signer: p.Key, Chain: p.Chain()}, FileOptions{}); err != nil {
			t.Fatal(err)
		}
		if exists(stale[0]) {
			t.Fatal("a dead process's temporary file was not removed")
		}
		if !exists(busy) {
			t.Fatal("a live process's temporary file was removed")
		}
	})
}

// The output takes the input's permission bits, within the umask.
func TestSignFilePermissions(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	p, _ := pkis()
	for _, c := range []struct{ in, want os.FileMode }{
		{0o600, 0o600},
		{0o640, 0o640},
		{0o644, 0o640},
		{0o755, 0o640},
		{0o400, 0o400},
	} {
		dir := t.TempDir()
		in := copyInput(t, dir, c.in)
		out := filepath.Join(dir, "out.pdf")
		if err := SignFile(in, out, Options{Signer: p.Key, Chain: p.Chain()}, FileOptions{}); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != c.want {
			t.Errorf("input %o: output %o, want %o", c.in, st.Mode().Perm(), c.want)
		}
	}
}

// A folder is searched for stale temporary files once per cleanEvery: a
// batch of documents into one folder reads it once.
func TestSignFileCleansOncePerInterval(t *testing.T) {
	dir := t.TempDir()
	in := copyInput(t, dir, 0o644)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := func(tag string) string {
		p := filepath.Join(dir, fmt.Sprintf(".besign-%d-%s.tmp", dead.Process.Pid, tag))
		os.WriteFile(p, nil, 0o600)
		return p
	}
	p, _ := pkis()
	sign := func(out string) {
		t.Helper()
		if err := SignFile(in, filepath.Join(dir, out), Options{Signer: p.Key, Chain: p.Chain()}, FileOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	first := stale("a")
	sign("1.pdf")
	if exists(first) {
		t.Fatal("stale file kept by the first call")
	}
	second := stale("b")
	sign("2.pdf")
	if !exists(second) {
		t.Fatal("the folder was searched again within the interval")
	}
	cleaned.Lock()
	cleaned.at[dir] = time.Now().Add(-cleanEvery - time.Second)
	cleaned.Unlock()
	sign("3.pdf")
	if exists(second) {
		t.Fatal("stale file kept after the interval")
	}
}
