package screens

import (
	"errors"
	"strings"
	"testing"
)

func TestParseLink(t *testing.T) {
	tests := []struct {
		in   string
		want Link
		err  bool
	}{
		{"besign://reset?token=abc-DEF_123", Link{LinkReset, "abc-DEF_123"}, false},
		{"  besign://reset?token=abc\n", Link{LinkReset, "abc"}, false},
		{"BESIGN://RESET?token=abc", Link{LinkReset, "abc"}, false},
		{"besign:reset?token=abc", Link{LinkReset, "abc"}, false},
		{"abc-DEF_123", Link{LinkReset, "abc-DEF_123"}, false},
		{"besign://forgot?login=budi%40natunakab.go.id", Link{LinkForgot, "budi@natunakab.go.id"}, false},
		{"besign://forgot?login=budi", Link{LinkForgot, "budi"}, false},
		{"", Link{}, true},
		{"   ", Link{}, true},
		{"besign://reset", Link{}, true},
		{"besign://reset?token=", Link{}, true},
		{"besign://reset?token=a%20b", Link{}, true},
		{"besign://forgot?login=", Link{}, true},
		{"besign://forgot?login=a%0Ab", Link{}, true},
		{"besign://other?token=abc", Link{}, true},
		{"https://natunakab.go.id/reset?token=abc", Link{}, true},
		{"token with spaces", Link{}, true},
		{"besign://reset?token=" + strings.Repeat("a", 600), Link{}, true},
		{strings.Repeat("a", 3000), Link{}, true},
	}
	for _, tt := range tests {
		got, err := ParseLink(tt.in)
		if tt.err {
			if !errors.Is(err, ErrLinkInvalid) {
				t.Errorf("ParseLink(%q) = %+v, %v; want ErrLinkInvalid", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseLink(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseLink(f *testing.F) {
	for _, s := range []string{"besign://reset?token=abc", "besign://forgot?login=a@b.c", "abc", "besign:reset?token=x", "%zz", "besign://reset?token=a&token=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLink(s)
		if err != nil {
			if !errors.Is(err, ErrLinkInvalid) || l != (Link{}) {
				t.Fatalf("error %v with link %+v", err, l)
			}
			return
		}
		switch l.Kind {
		case LinkReset:
			if !isTokenText(l.Value) {
				t.Fatalf("reset token %q has bad characters", l.Value)
			}
		case LinkForgot:
			if strings.TrimSpace(l.Value) != l.Value || l.Value == "" || strings.ContainsAny(l.Value, "\r\n\t") {
				t.Fatalf("forgot login %q", l.Value)
			}
		default:
			t.Fatalf("kind %q", l.Kind)
		}
	})
}

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
