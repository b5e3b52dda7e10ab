package pdfsign

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// processAlive reports whether a process with that PID is running.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		// Access denied means it exists; an invalid PID means it is gone.
		return !errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	defer windows.CloseHandle(h)
	var code uint32
	if windows.GetExitCodeProcess(h, &code) != nil {
		return true
	}
	return code == 259 // STILL_ACTIVE
}

// reraise ends the process with a failure: Windows has no signal to send
// again.
func reraise(os.Signal) { os.Exit(1) }
