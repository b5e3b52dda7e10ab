package cli

import (
	"fmt"
	"runtime"

	"github.com/natunakab/besign/preview"
)

func init() {
	register(command{"preview-cache", "besign preview-cache", runPreviewCache})
}

// runPreviewCache compiles the page previews' engine (PDFium, WebAssembly)
// into the data dir's cache, on one processor at low priority: the app
// runs it in a child process after its first start, so that its first
// preview does not wait seconds for the compiler and the window keeps
// both its speed and its memory meanwhile. IT may run it for a user too.
func runPreviewCache(env *Env, args []string) error {
	if len(args) > 0 {
		return usageErrorf("preview-cache takes no arguments")
	}
	runtime.GOMAXPROCS(1)
	lowerPriority()
	dir := preview.CacheDir(env.DataDir)
	if preview.CacheFilled(dir) {
		fmt.Fprintf(env.Stdout, "preview cache already filled: %s\n", dir)
		return nil
	}
	if err := preview.FillCache(dir); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "preview cache filled: %s\n", dir)
	return nil
}
