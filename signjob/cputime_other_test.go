//go:build !unix

package signjob

import "time"

// cpuTime is not measured here.
func cpuTime() time.Duration { return 0 }
