package preview

import (
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero/experimental"
)

// engineMemory caps one engine's WebAssembly memory: 512 MiB. PDFium
// inflates a stream whole before it reads it, so a Flate bomb (1 MB that
// inflates to 1 GB) asks for up to the 4 GiB a 32-bit WebAssembly memory
// allows, and wazero's default growth copied the memory each time it
// grew: 3.6 to 6.5 GB of the laptop for one file (issue 17). With the cap,
// a bomb costs one engine (ErrTooLarge) and half a gigabyte for a moment.
//
// A real document stays far below it: PDFium holds the page being drawn,
// its decoded images and the bitmap (at most MaxPixels, 64 MiB); a scan of
// an A4 page at 300 dpi decodes to 26 MB, and TestBigDocument draws a
// 48-megapixel photograph at the largest size allowed and a scanned
// document in some 120 MB, under half the cap. Two engines run at most, so
// previews never hold more than 1 GiB of WebAssembly memory together.
const engineMemory = 512 << 20

// allocator gives each PDFium instance its WebAssembly memory: one
// reservation of address space of engineMemory, outside the Go heap,
// committed as the memory grows. Growing in place copies nothing, memory
// goes back to the system as soon as the engine is killed, and the Go
// garbage collector does not count it. It remembers the memory made last,
// for the engine being started to take (Renderer.newMu serialises starts).
type allocator struct {
	mu   sync.Mutex
	last *linearMemory
}

// Allocate implements experimental.MemoryAllocator.
func (a *allocator) Allocate(_, max uint64) experimental.LinearMemory {
	m := &linearMemory{limit: min(max, engineMemory)}
	if mem, err := reserve(m.limit); err == nil {
		m.mapped = mem
	}
	a.mu.Lock()
	a.last = m
	a.mu.Unlock()
	return m
}

// take returns the memory made since the last take, if any.
func (a *allocator) take() *linearMemory {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := a.last
	a.last = nil
	return m
}

// linearMemory is one engine's WebAssembly memory.
type linearMemory struct {
	limit uint64
	// refused is set once the memory was asked to grow beyond limit: what
	// PDFium then failed to do is reported as ErrTooLarge.
	refused atomic.Bool

	mapped    []byte // the reservation; nil when the system refused it
	committed uint64 // bytes of mapped usable
	heap      []byte // without a reservation: a Go slice, copied to grow
}

// Reallocate implements experimental.LinearMemory. wazero calls it from
// the one goroutine running the instance, and only to grow.
func (m *linearMemory) Reallocate(size uint64) []byte {
	if size > m.limit {
		m.refused.Store(true)
		return nil
	}
	if m.mapped == nil {
		if size > uint64(len(m.heap)) {
			m.heap = append(m.heap, make([]byte, size-uint64(len(m.heap)))...)
		}
		return m.heap[:size]
	}
	if size > m.committed {
		if err := commit(m.mapped, m.committed, size); err != nil {
			m.refused.Store(true)
			return nil
		}
		m.committed = size
	}
	return m.mapped[:size:size]
}

// Free implements experimental.LinearMemory; wazero calls it when the
// instance is closed, after its last call returned.
func (m *linearMemory) Free() {
	if m.mapped != nil {
		release(m.mapped)
	}
	m.mapped, m.heap, m.committed = nil, nil, 0
}
