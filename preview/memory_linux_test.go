package preview

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rssMB is the process's resident memory now, from /proc.
func rssMB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// memoryChild starts the runtime cold (empty cache dir), draws a page and
// waits up to 5 s for its resident memory to fall below 150 MB.
func memoryChild(dir, pdf string) int {
	r := New(dir)
	defer r.Close()
	d, err := r.Open(pdf, "")
	if err == nil {
		_, err = d.Render(1, benchWidth)
	}
	if err != nil {
		fmt.Println(err)
		return 1
	}
	deadline := time.Now().Add(5 * time.Second)
	for rssMB() > 150 {
		if time.Now().After(deadline) {
			fmt.Printf("resident %.0f MB 5 s after the first preview\n", rssMB())
			return 1
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0
}

// TestColdStartGivesMemoryBack: compiling PDFium peaks at some 350 MB of
// heap; a process must not keep it once the first page is drawn.
func TestColdStartGivesMemoryBack(t *testing.T) {
	pdf := benchPage.write(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=memory:"+filepath.Join(t.TempDir(), "cache")+"|"+pdf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
}
