package passphrases

import (
	"strings"
	"testing"
	"unicode"
)

// The list is a few thousand normalised entries, no duplicates, and has the
// ones issue 17 names.
func TestCommon(t *testing.T) {
	list := Common()
	if len(list) < 3000 {
		t.Fatalf("%d entries, want a few thousand", len(list))
	}
	seen := map[string]bool{}
	for _, w := range list {
		if seen[w] {
			t.Errorf("%q twice", w)
		}
		seen[w] = true
		if w != strings.ToLower(w) || strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
			t.Errorf("%q is not normalised", w)
		}
	}
	for _, w := range []string{"password", "qwerty", "welcome", "bismillah", "sayang", "indonesia", "rahasia"} {
		if !seen[w] {
			t.Errorf("%q missing", w)
		}
	}
}
