//go:build unix && !linux

package pdfsign

func renameNoReplace(from, to string) error { return linkNoReplace(from, to) }
