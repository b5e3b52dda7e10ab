//go:build windows

package cli

import "golang.org/x/sys/windows"

// lowerPriority makes this process yield the processor to the others (the
// app's window above all). Failing to is harmless.
func lowerPriority() {
	_ = windows.SetPriorityClass(windows.CurrentProcess(), windows.BELOW_NORMAL_PRIORITY_CLASS)
}
