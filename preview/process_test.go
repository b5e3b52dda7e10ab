package preview

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// childEnv makes the test binary a child that renders one PDF with a
// cache dir: "CACHEDIR|PDF".
const childEnv = "BESIGN_PREVIEW_CHILD"

func childMain() int {
	dir, pdf, _ := strings.Cut(os.Getenv(childEnv), "|")
	if dir == "idle" {
		return 0
	}
	if dir, ok := strings.CutPrefix(dir, "bomb:"); ok {
		return bombChild(dir, pdf)
	}
	if dir, ok := strings.CutPrefix(dir, "memory:"); ok {
		return memoryChild(dir, pdf)
	}
	if pdf, ok := strings.CutPrefix(pdf, "bench|"); ok {
		// The benchmark's page, as the app draws it.
		r, _, err := childRender(dir, pdf, benchWidth)
		r.Close()
		return report(err)
	}
	r, img, err := childRender(dir, pdf, 100)
	r.Close()
	if err == nil && !near(bounds(img, isRed), image.Rect(0, 50, 50, 100), 1) {
		err = fmt.Errorf("rectangle at %v", bounds(img, isRed))
	}
	if err == nil && !r.cacheUsed {
		err = fmt.Errorf("cache not used")
	}
	return report(err)
}

// childRender draws page 1 of pdf, width pixels wide, on a new renderer
// with cacheDir; the caller closes the renderer.
func childRender(cacheDir, pdf string, width int) (*Renderer, image.Image, error) {
	r := New(cacheDir)
	img, err := renderFirst(r, pdf, width)
	return r, img, err
}

// renderFirst opens pdf on r, draws page 1 width pixels wide and closes it.
func renderFirst(r *Renderer, pdf string, width int) (image.Image, error) {
	d, err := r.Open(pdf, "")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Render(1, width)
}

// report prints err for the parent test and is the exit status.
func report(err error) int {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestProcessesShareCache starts three processes at once on one empty
// cache dir (two app windows started together): all render, and the cache
// ends up with one good entry that a fourth process uses.
func TestProcessesShareCache(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles PDFium three times")
	}
	dir := filepath.Join(t.TempDir(), "cache")
	pdf := page{media: [4]float64{0, 0, 100, 100}, fill: [4]float64{0, 0, 50, 50}}.write(t)
	run := func(n int) {
		cmds := make([]*exec.Cmd, n)
		outs := make([]strings.Builder, n)
		for i := range cmds {
			cmds[i] = exec.Command(os.Args[0], "-test.run=^$")
			cmds[i].Env = append(os.Environ(), childEnv+"="+dir+"|"+pdf)
			cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
			if err := cmds[i].Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cmds {
			if err := c.Wait(); err != nil {
				t.Fatalf("process %d: %v\n%s", i, err, outs[i].String())
			}
		}
	}
	run(3)
	entries, _ := filepath.Glob(filepath.Join(dir, "pdfium-*", "wazero-*", "*"))
	if len(entries) != 1 {
		t.Fatalf("cache entries after concurrent starts: %v", entries)
	}
	run(1)
}
