package preview

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// reserve reserves n bytes of address space: it costs neither memory nor
// commit charge until commit.
func reserve(n uint64) ([]byte, error) {
	addr, err := windows.VirtualAlloc(0, uintptr(n), windows.MEM_RESERVE, windows.PAGE_NOACCESS)
	if err != nil {
		return nil, err
	}
	// addr is memory the system gave us, not the Go heap's.
	return unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&addr))), n), nil
}

// commit makes mem[from:to] usable; fresh pages read as zeros, as a grown
// WebAssembly memory must. from and to are multiples of 64 KiB.
func commit(mem []byte, from, to uint64) error {
	_, err := windows.VirtualAlloc(uintptr(unsafe.Pointer(&mem[from])), uintptr(to-from), windows.MEM_COMMIT, windows.PAGE_READWRITE)
	return err
}

// release gives the whole reservation back to the system.
func release(mem []byte) {
	_ = windows.VirtualFree(uintptr(unsafe.Pointer(unsafe.SliceData(mem))), 0, windows.MEM_RELEASE)
}
