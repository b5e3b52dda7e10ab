//go:build windows

package filechooser

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"syscall"
	"unsafe"
)

var (
	comdlg32              = syscall.NewLazyDLL("comdlg32.dll")
	procGetOpenFileNameW  = comdlg32.NewProc("GetOpenFileNameW")
	procCommDlgExtendedEr = comdlg32.NewProc("CommDlgExtendedError")
)

// openFileName is OPENFILENAMEW; Go lays the fields out with C's
// alignment on both 386 and amd64/arm64.
type openFileName struct {
	structSize    uint32
	owner         uintptr
	instance      uintptr
	filter        *uint16
	customFilter  *uint16
	maxCustFilter uint32
	filterIndex   uint32
	file          *uint16
	maxFile       uint32
	fileTitle     *uint16
	maxFileTitle  uint32
	initialDir    *uint16
	title         *uint16
	flags         uint32
	fileOffset    uint16
	fileExtension uint16
	defExt        *uint16
	custData      uintptr
	hook          uintptr
	templateName  *uint16
	reserved      uintptr
	reserved2     uint32
	flagsEx       uint32
}

const (
	ofnNoChangeDir       = 0x00000008
	ofnAllowMultiSelect  = 0x00000200
	ofnPathMustExist     = 0x00000800
	ofnFileMustExist     = 0x00001000
	ofnExplorer          = 0x00080000
	fnerrBufferTooSmall  = 0x3003
	resultBufferInUTF16s = 1 << 16
)

// open shows the common dialog. It cannot choose folders (that is
// IFileDialog's, a COM interface): Directory gives ErrUnavailable and the
// caller's own dialog. ctx cannot close a dialog that is open: it is modal
// to nothing and ends when the person answers.
func open(ctx context.Context, opts Options) ([]string, error) {
	if opts.Directory {
		return nil, ErrUnavailable
	}
	if err := procGetOpenFileNameW.Find(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	// the dialog's window lives on this thread until it closes
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	buf := make([]uint16, resultBufferInUTF16s)
	filter := utf16z(filterString(opts.Filters))
	var title *uint16
	if opts.Title != "" {
		t, err := syscall.UTF16PtrFromString(opts.Title)
		if err == nil {
			title = t
		}
	}
	ofn := openFileName{file: &buf[0], maxFile: uint32(len(buf)), title: title,
		flags: ofnExplorer | ofnFileMustExist | ofnPathMustExist | ofnNoChangeDir}
	ofn.structSize = uint32(unsafe.Sizeof(ofn))
	if len(filter) > 0 {
		ofn.filter, ofn.filterIndex = &filter[0], 1
	}
	if opts.Multiple {
		ofn.flags |= ofnAllowMultiSelect
	}
	r, _, _ := procGetOpenFileNameW.Call(uintptr(unsafe.Pointer(&ofn)))
	runtime.KeepAlive(filter)
	runtime.KeepAlive(title)
	if r == 0 {
		code, _, _ := procCommDlgExtendedEr.Call()
		switch code {
		case 0:
			return nil, ErrCancelled
		case fnerrBufferTooSmall:
			return nil, fmt.Errorf("too many files chosen at once")
		}
		return nil, fmt.Errorf("the file dialog failed (error %#x)", code)
	}
	return splitResult(buf, filepath.Join), nil
}
