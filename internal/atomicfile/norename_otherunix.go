//go:build unix && !linux

package atomicfile

// RenameNoReplace moves from to to unless to exists (a hard link).
func RenameNoReplace(from, to string) error { return linkNoReplace(from, to) }
