//go:build !unix && !windows

package cli

// lowerPriority has no portable way here; the child still runs on one
// processor.
func lowerPriority() {}
