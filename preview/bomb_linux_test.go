package preview

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Memory bounds of TestBombs, in MiB: the child must peak below
// bombPeakMax; the watchdog kills it past bombKill (before the fix a bomb
// took 3.6 to 6.5 GB), and the shell's ulimit -v stops it for sure at
// bombVirtual of address space, so the test never takes the machine down.
const (
	bombPeakMax = 1024
	bombKill    = 2048
	bombVirtual = 3072
)

// TestBombs previews each decompression bomb of issue 17 in a process of
// its own and measures that process's peak resident memory: it must stay
// under 1 GiB, the bomb must end in ErrTooLarge, and the same renderer must
// then draw a normal page (see bombChild).
func TestBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates three bombs")
	}
	dir := t.TempDir()
	normal := page{media: [4]float64{0, 0, 100, 100}, fill: [4]float64{0, 0, 50, 50}}.write(t)
	cache := cacheDir()
	for _, b := range []struct {
		name string
		pdf  func() []byte
	}{{"content", contentBomb}, {"xref", xrefBomb}, {"objstm", objStmBomb}} {
		t.Run(b.name, func(t *testing.T) {
			data := b.pdf()
			if len(data) > 1500<<10 {
				t.Fatalf("the bomb is %d bytes, not about 1 MB", len(data))
			}
			bomb := writeFile(t, dir, b.name+".pdf", data)
			cmd := exec.Command("sh", "-c", fmt.Sprintf("ulimit -v %d && exec \"$0\" -test.run=^$", bombVirtual<<10), os.Args[0])
			cmd.Env = append(os.Environ(), childEnv+"=bomb:"+cache+"|"+bomb+"|"+normal)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			killed := make(chan float64, 1)
			go watchdog(cmd.Process, done, killed)
			err := cmd.Wait()
			close(done)
			peak := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB on Linux
			select {
			case rss := <-killed:
				t.Fatalf("killed at %.0f MB resident (peak %.0f MB)\n%s", rss, peak, out.String())
			default:
			}
			if err != nil {
				t.Fatalf("%v (peak %.0f MB)\n%s", err, peak, out.String())
			}
			if peak >= bombPeakMax {
				t.Fatalf("peak resident memory %.0f MB, want under %d MB", peak, bombPeakMax)
			}
			t.Logf("%d-byte bomb: peak resident memory %.0f MB: %s", len(data), peak, strings.TrimSpace(out.String()))
		})
	}
}

// watchdog kills p once its resident memory passes bombKill MiB, sending
// that figure on killed; it stops when done closes.
func watchdog(p *os.Process, done <-chan struct{}, killed chan<- float64) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		if rss := procRSS(p.Pid); rss > bombKill {
			p.Kill()
			killed <- rss
			return
		}
	}
}

// procRSS is process pid's resident memory in MiB (0 when gone).
func procRSS(pid int) float64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
