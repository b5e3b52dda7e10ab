//go:build !(linux || darwin || freebsd || windows)

package preview

import "errors"

// reserve is not done here: the memory grows as a Go slice (still capped).
func reserve(uint64) ([]byte, error) { return nil, errors.ErrUnsupported }

func commit([]byte, uint64, uint64) error { return errors.ErrUnsupported }

func release([]byte) {}
