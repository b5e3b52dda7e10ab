//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// The Windows build is a GUI-subsystem program (no console window flashes
// up when the app starts), so it has no console of its own. For the
// subcommands IT runs from cmd or PowerShell (besign version, besign admin
// ...), borrow the parent's console so that their output and errors show.
func init() {
	if len(os.Args) < 2 {
		return
	}
	const attachParentProcess = ^uint32(0) // ATTACH_PARENT_PROCESS, (DWORD)-1
	attach := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if r, _, _ := attach.Call(uintptr(attachParentProcess)); r == 0 {
		return // started from Explorer, or output already redirected by a parent without a console
	}
	// Keep handles that a caller redirected to a file or pipe.
	reopen := func(std uint32, f **os.File) {
		if h, err := windows.GetStdHandle(std); err == nil && h != 0 && h != windows.InvalidHandle {
			return
		}
		if c, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
			*f = c
		}
	}
	reopen(windows.STD_OUTPUT_HANDLE, &os.Stdout)
	reopen(windows.STD_ERROR_HANDLE, &os.Stderr)
}
