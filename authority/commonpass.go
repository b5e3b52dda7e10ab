package authority

import (
	"strings"
	"sync"
	"unicode"

	"github.com/natunakab/besign/assets/passphrases"
)

// Common passphrases. The seed's rules (a capital, a small letter, a digit,
// a symbol, 8 characters) let "Password1!" and "Natuna2026!" through, and
// those are what a word list tries first. A passphrase is refused when its
// core (see passphraseCores) is a common password, or when what is left of
// it without the regency, the service and the holder's own name, email,
// NIP and NIK is next to nothing or a common password; and when it holds
// six or more digits of the NIP, NIK or phone number in a row.

// fixedPatterns are refused whatever the configuration: the regency this
// program was made for and the names of the service.
var fixedPatterns = []string{"natuna", "natunakab", "besign", "bsre", "bssn"}

// minRemainder is the fewest letters a passphrase must keep once the
// patterns are taken out of it.
const minRemainder = 4

var commonSet = sync.OnceValue(func() map[string]bool {
	list := passphrases.Common()
	m := make(map[string]bool, len(list))
	for _, w := range list {
		m[w] = true
	}
	return m
})

// leetSymbols are read as letters everywhere; leetInner only between
// letters, where digits and '!' are not the usual decoration at the end.
var (
	leetSymbols = map[rune]rune{'@': 'a', '$': 's', '|': 'i'}
	leetInner   = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '!': 'i', '@': 'a', '$': 's', '|': 'i'}
)

func mapRunes(s string, m map[rune]rune) string {
	return strings.Map(func(r rune) rune {
		if v, ok := m[r]; ok {
			return v
		}
		return r
	}, s)
}

func trimNonLetters(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}

// passphraseCores normalises p two ways: lower case, digits and symbols at
// both ends dropped, look-alikes inside read as letters; and the same with
// '@', '$' and '|' read as letters first ("@dmin123" is "admin",
// "Admin@" is "admin" by the first way).
func passphraseCores(p string) []string {
	l := strings.ToLower(p)
	a := mapRunes(trimNonLetters(l), leetInner)
	b := mapRunes(trimNonLetters(mapRunes(l, leetSymbols)), leetInner)
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// personalPatterns are the words of the holder's name, email and
// organisation worth refusing (three letters or more), lower case.
func personalPatterns(personal []string) []string {
	out := append([]string(nil), fixedPatterns...)
	for _, s := range personal {
		s = strings.ToLower(s)
		whole := strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) {
				return r
			}
			return -1
		}, s)
		if len([]rune(whole)) >= 3 {
			out = append(out, whole)
		}
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if len([]rune(w)) >= 3 {
				out = append(out, w)
			}
		}
	}
	// Longest first, so that "natunakab" goes before "natuna" leaves "kab".
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// digitRuns returns the runs of digits in s.
func digitRuns(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

// CommonPassphrase reports whether p is too easy to guess although it may
// meet the rules: a common password, or the regency's or the service's name
// or one of personal (the holder's name, email, NIP, NIK, phone, the
// organisation) with little else. The authority refuses such a passphrase
// with ErrPassphraseCommon; screens may ask it early with what they know.
func CommonPassphrase(p string, personal ...string) bool {
	set := commonSet()
	for _, num := range personal {
		digits := strings.Join(digitRuns(num), "")
		if len(digits) < 6 {
			continue
		}
		for _, run := range digitRuns(p) {
			if len(run) >= 6 && strings.Contains(digits, run) {
				return true
			}
		}
	}
	patterns := personalPatterns(personal)
	for _, c := range passphraseCores(p) {
		if set[c] {
			return true
		}
		rest, found := c, false
		for _, w := range patterns {
			if strings.Contains(rest, w) {
				rest, found = strings.ReplaceAll(rest, w, " "), true
			}
		}
		if !found {
			continue
		}
		letters := 0
		for _, w := range strings.FieldsFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if !set[w] {
				letters += len([]rune(w))
			}
		}
		if letters < minRemainder {
			return true
		}
	}
	return false
}
