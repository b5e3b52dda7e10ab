// Package inputfile opens the documents a person names for reading, and
// refuses anything that is not a regular file without blocking on it: a
// FIFO named surat.pdf would otherwise hang whoever opens it.
package inputfile

import (
	"errors"
	"fmt"
	"os"
)

// ErrNotRegular refuses a folder, pipe, device or socket; the error names
// which (see Kind).
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading. The type is checked on the open file, so a
// path swapped between a check and the open cannot slip through; opening
// does not wait for a FIFO's writer.
func Open(path string) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlock, 0)
	if err != nil {
		// A socket cannot be opened at all: say what it is.
		if st, serr := os.Stat(path); serr == nil && !st.Mode().IsRegular() {
			return nil, st, fmt.Errorf("%w (%s)", ErrNotRegular, Kind(st.Mode()))
		}
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, st, fmt.Errorf("%w (%s)", ErrNotRegular, Kind(st.Mode()))
	}
	return f, st, nil
}

// Kind names what a file that is not regular is.
func Kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a pipe"
	case m&(os.ModeDevice|os.ModeCharDevice) != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}
