package camera

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time of the calling OS thread: on a machine shared with other work, a
// benchmark's CPU time per operation is steadier than its wall time.
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
