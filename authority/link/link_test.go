package link

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Link
		err  bool
	}{
		{"besign://reset?token=abc-DEF_123", Link{KindReset, "abc-DEF_123"}, false},
		{"  besign://reset?token=abc\n", Link{KindReset, "abc"}, false},
		{"BESIGN://RESET?token=abc", Link{KindReset, "abc"}, false},
		{"besign:reset?token=abc", Link{KindReset, "abc"}, false},
		{"abc-DEF_123", Link{KindReset, "abc-DEF_123"}, false},
		{"besign://forgot?login=budi%40natunakab.go.id", Link{KindForgot, "budi@natunakab.go.id"}, false},
		{"besign://forgot?login=budi", Link{KindForgot, "budi"}, false},
		{"", Link{}, true},
		{"   ", Link{}, true},
		{"besign://passphrase?token=abc-DEF_123", Link{KindPassphrase, "abc-DEF_123"}, false},
		{"besign://passphrase?token=", Link{}, true},
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
		got, err := Parse(tt.in)
		if tt.err {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%q) = %+v, %v; want ErrInvalid", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestBuild(t *testing.T) {
	for got, want := range map[string]string{
		Reset("abc-DEF_123"):                     "besign://reset?token=abc-DEF_123",
		Passphrase("abc-DEF_123"):                "besign://passphrase?token=abc-DEF_123",
		Forgot("budi@natunakab.go.id"):           "besign://forgot?login=budi@natunakab.go.id",
		Forgot("a+b&c=d@natunakab.go.id"):        "besign://forgot?login=a%2Bb%26c%3Dd@natunakab.go.id",
		Link{Kind: "other", Value: "x"}.String(): "",
	} {
		if got != want {
			t.Errorf("built %q, want %q", got, want)
		}
	}
}

// TestRoundTrip: what the authority builds, the app reads back unchanged.
func TestRoundTrip(t *testing.T) {
	for _, l := range []Link{
		{KindReset, "Zm9vYmFyYmF6cXV4cXV1eHF1dXpmb29iYXJiYXpxdXg"},
		{KindReset, "0123456789abcdef"},
		{KindForgot, "budi.santoso@natunakab.go.id"},
		{KindForgot, "o'brien+tag@natunakab.go.id"},
		{KindForgot, "budi"},
		{KindForgot, "Ñoño José"},
	} {
		got, err := Parse(l.String())
		if err != nil || got != l {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", l.String(), got, err, l)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"besign://reset?token=abc", "besign://forgot?login=a@b.c", "abc", "besign:reset?token=x", "%zz", "besign://reset?token=a&token=b", "besign://forgot?login=a%2Bb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || l != (Link{}) {
				t.Fatalf("error %v with link %+v", err, l)
			}
			return
		}
		switch l.Kind {
		case KindReset:
			if !TokenText(l.Value) {
				t.Fatalf("reset token %q has bad characters", l.Value)
			}
		case KindForgot:
			if strings.TrimSpace(l.Value) != l.Value || l.Value == "" || strings.ContainsAny(l.Value, "\r\n\t") {
				t.Fatalf("forgot login %q", l.Value)
			}
		default:
			t.Fatalf("kind %q", l.Kind)
		}
		// Every link read can be written and read back the same.
		back, err := Parse(l.String())
		if err != nil || back != l {
			t.Fatalf("round trip of %+v via %q: %+v, %v", l, l.String(), back, err)
		}
	})
}

func TestPassphrase(t *testing.T) {
	if got := Passphrase(""); got != "besign://passphrase" {
		t.Fatalf("Passphrase(\"\") = %q", got)
	}
	for _, in := range []string{"besign://passphrase", "BESIGN://Passphrase", "besign:passphrase"} {
		if l, err := Parse(in); err != nil || l.Kind != KindPassphrase || l.Value != "" {
			t.Errorf("Parse(%q) = %+v, %v", in, l, err)
		}
	}
}
