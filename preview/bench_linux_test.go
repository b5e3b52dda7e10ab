package preview

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkPeakRSS runs the first preview (warm cache) in a process of its
// own, as the app does, and reports that process's peak resident memory,
// next to the same with an empty cache (cold-MB: wazero compiles PDFium)
// and the same test binary doing nothing (idle-MB).
func BenchmarkPeakRSS(b *testing.B) {
	path := benchPage.write(b)
	dir := filepath.Join(b.TempDir(), "cache")
	rss := func(mode string) float64 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+mode)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		return float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB on Linux
	}
	rss(dir + "|bench|" + path) // fills the cache
	var peak, idle float64
	for b.Loop() {
		peak = max(peak, rss(dir+"|bench|"+path))
	}
	idle = rss("idle|")
	cold := rss(filepath.Join(b.TempDir(), "cold") + "|bench|" + path)
	b.ReportMetric(peak, "peak-MB")
	b.ReportMetric(cold, "cold-MB")
	b.ReportMetric(idle, "idle-MB")
}
