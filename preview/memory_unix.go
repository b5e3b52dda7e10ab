//go:build linux || darwin || freebsd

package preview

import "golang.org/x/sys/unix"

// reserve maps n bytes of address space that cannot be touched yet: it
// costs neither memory nor commit charge until commit.
func reserve(n uint64) ([]byte, error) {
	return unix.Mmap(-1, 0, int(n), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON)
}

// commit makes mem[from:to] usable; fresh pages read as zeros, as a grown
// WebAssembly memory must. from and to are multiples of 64 KiB.
func commit(mem []byte, from, to uint64) error {
	return unix.Mprotect(mem[from:to], unix.PROT_READ|unix.PROT_WRITE)
}

// release gives the whole reservation back to the system.
func release(mem []byte) {
	_ = unix.Munmap(mem)
}
