//go:build !linux

package camera

import "time"

func threadCPU() (time.Duration, bool) { return 0, false }
