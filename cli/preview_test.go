package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/preview"
)

// besign preview-cache fills the data dir's preview cache at low priority
// (nice 10 on Linux), and says so; run again it has nothing to do.
func TestPreviewCache(t *testing.T) {
	data := t.TempDir()
	run := func() (string, int) {
		t.Helper()
		args, _ := json.Marshal([]string{"--data-dir", data, "preview-cache"})
		cmd := exec.Command(os.Args[0], "-test.run=^TestPreviewCacheHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), "BESIGN_CLI_PREVIEW_HELPER="+string(args))
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		nice := -100
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		for {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("preview-cache: %v\n%s", err, out.String())
				}
				return out.String(), nice
			case <-time.After(20 * time.Millisecond):
				if runtime.GOOS == "linux" {
					if n, ok := lowestNice(cmd.Process.Pid); ok {
						nice = n // the last sample: well into the compiling
					}
				}
			}
		}
	}
	out, nice := run()
	if !strings.Contains(out, "preview cache filled") || !preview.CacheFilled(preview.CacheDir(data)) {
		t.Fatalf("first run: %q, cache filled %v", out, preview.CacheFilled(preview.CacheDir(data)))
	}
	if runtime.GOOS == "linux" && nice != 10 {
		t.Errorf("a thread of the compiling process ran at nice %d, want 10", nice)
	}
	if out, _ := run(); !strings.Contains(out, "already filled") {
		t.Fatalf("second run: %q", out)
	}
}

// lowestNice is the lowest nice value among a process's threads: on Linux
// each thread has its own, and the compiling may run on any of them.
func lowestNice(pid int) (int, bool) {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "task")
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, false
	}
	lowest, seen := 100, false
	for _, task := range tasks {
		if n, ok := niceOf(filepath.Join(dir, task.Name(), "stat")); ok {
			lowest, seen = min(lowest, n), true
		}
	}
	return lowest, seen
}

// niceOf reads a thread's nice value from its /proc stat (field 19).
func niceOf(stat string) (int, bool) {
	b, err := os.ReadFile(stat)
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 17 {
		return 0, false
	}
	n, err := strconv.Atoi(f[16])
	return n, err == nil
}

// TestPreviewCacheHelper runs the CLI with the arguments in
// BESIGN_CLI_PREVIEW_HELPER (JSON) in a process of its own, since
// preview-cache lowers its process's priority and processors for good.
func TestPreviewCacheHelper(t *testing.T) {
	spec := os.Getenv("BESIGN_CLI_PREVIEW_HELPER")
	if spec == "" {
		t.Skip("helper process only")
	}
	var args []string
	if err := json.Unmarshal([]byte(spec), &args); err != nil {
		panic(err)
	}
	os.Exit(Run(args, os.Stdin, os.Stdout, os.Stderr, func(*Env) error {
		panic("GUI started by a CLI command")
	}))
}
