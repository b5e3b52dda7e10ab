package screens

import "testing"

func TestGroupKey(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"abc":              "ABC",
		"ABCD":             "ABCD",
		"ABCDE":            "ABCD E",
		"JBSWY3DPEHPK3PXP": "JBSW Y3DP EHPK 3PXP",
	} {
		if got := groupKey(in); got != want {
			t.Errorf("groupKey(%q) = %q, want %q", in, got, want)
		}
	}
}
