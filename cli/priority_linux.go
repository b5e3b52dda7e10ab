package cli

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// lowerPriority makes this process yield the processor to the others (the
// app's window above all): nice 10. Failing to is harmless.
//
// On Linux a nice value belongs to a thread, not to the process, and Go runs
// goroutines on several threads: every existing thread is lowered, and the
// threads the runtime starts later inherit the value from these. A second
// pass catches a thread started during the first.
func lowerPriority() {
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			_ = unix.Setpriority(unix.PRIO_PROCESS, 0, 10)
			return
		}
		for _, t := range tasks {
			if tid, err := strconv.Atoi(t.Name()); err == nil {
				_ = unix.Setpriority(unix.PRIO_PROCESS, tid, 10)
			}
		}
	}
}
