package filechooser

import (
	"strings"
	"unicode/utf16"
)

// The common dialog's strings (windows.go), kept apart from its system
// calls so that their tests run everywhere.

// filterString is the dialog's filter: "NAME\x00*.a;*.b\x00...", the
// patterns once each (the dialog ignores case).
func filterString(fs []Filter) string {
	var b strings.Builder
	for _, f := range fs {
		var pats []string
		seen := map[string]bool{}
		for _, p := range f.Patterns {
			if l := strings.ToLower(p); !seen[l] {
				seen[l] = true
				pats = append(pats, l)
			}
		}
		b.WriteString(f.Name + "\x00" + strings.Join(pats, ";") + "\x00")
	}
	return b.String()
}

// utf16z is s in UTF-16 with a closing NUL: s ends its last item with one
// already, so the list ends with two, as the dialog wants.
func utf16z(s string) []uint16 {
	if s == "" {
		return nil
	}
	return append(utf16.Encode([]rune(s)), 0)
}

// splitResult reads the dialog's buffer: one full path, or (several
// chosen) the folder then each name, NUL-separated, ending with two NULs.
// join is filepath.Join of the system the dialog runs on.
func splitResult(buf []uint16, join func(...string) string) []string {
	var parts []string
	start := 0
	for i, c := range buf {
		if c != 0 {
			continue
		}
		if i == start {
			break
		}
		parts = append(parts, string(utf16.Decode(buf[start:i])))
		start = i + 1
	}
	if len(parts) <= 1 {
		return parts
	}
	out := make([]string, 0, len(parts)-1)
	for _, name := range parts[1:] {
		out = append(out, join(parts[0], name))
	}
	return out
}
