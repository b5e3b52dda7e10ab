// Package passphrases ships the list of common passwords that the authority
// refuses as passphrases. It is apart from package assets so that the
// authority does not pull in the GUI toolkit.
package passphrases

import (
	_ "embed"
	"strings"
)

//go:embed common.txt
var common string

// Common returns the entries of the list, already normalised (lower case,
// look-alike digits and symbols read as letters, digits and symbols at
// both ends dropped), in the file's order; comment lines are left out.
func Common() []string {
	var out []string
	for _, line := range strings.Split(common, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}
