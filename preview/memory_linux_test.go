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
	r, _, err := childRender(dir, pdf, benchWidth)
	defer r.Close()
	if err != nil {
		return report(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for rssMB() > 150 {
		if time.Now().After(deadline) {
			return report(fmt.Errorf("resident %.0f MB 5 s after the first preview", rssMB()))
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
