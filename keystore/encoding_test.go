package keystore

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeRemembered(t *testing.T) {
	tests := []struct {
		in   string
		want Remembered
		err  error
	}{
		{`{"v":1,"login":"budi@natunakab.go.id","token":"abc"}`, Remembered{"budi@natunakab.go.id", "abc"}, nil},
		{`{"v":1,"login":"a","token":"b\n\"c\u00fc"}`, Remembered{"a", "b\n\"cü"}, nil},
		{``, Remembered{}, ErrCorrupt},
		{`null`, Remembered{}, ErrCorrupt},
		{`{}`, Remembered{}, ErrCorrupt},
		{`{"v":2,"login":"a","token":"b"}`, Remembered{}, ErrCorrupt},
		{`{"v":1,"login":"","token":"b"}`, Remembered{}, ErrCorrupt},
		{`{"v":1,"login":"a"}`, Remembered{}, ErrCorrupt},
		{`{"v":1,"login":"a","token":"b","password":"x"}`, Remembered{}, ErrCorrupt},
		{`{"v":1,"login":"a","token":"b"} {}`, Remembered{}, ErrCorrupt},
		{`{"v":1,"login":"a","token":"b"`, Remembered{}, ErrCorrupt},
		{`not json`, Remembered{}, ErrCorrupt},
	}
	for _, tt := range tests {
		got, err := decodeRemembered(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("decodeRemembered(%q) = %+v, %v; want %+v, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestEncodeRemembered(t *testing.T) {
	tests := []struct {
		r   Remembered
		err error
	}{
		{Remembered{"budi@natunakab.go.id", "tok"}, nil},
		{Remembered{"<script>&", "\x00\x01 tab\t"}, nil},
		{Remembered{"", "tok"}, ErrInvalid},
		{Remembered{"a", ""}, ErrInvalid},
		{Remembered{"a\xc3", "tok"}, ErrInvalid},
		{Remembered{"a", "\xff"}, ErrInvalid},
	}
	for _, tt := range tests {
		s, err := encodeRemembered(tt.r)
		if !errors.Is(err, tt.err) {
			t.Errorf("encodeRemembered(%+q): error %v, want %v", tt.r, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		back, err := decodeRemembered(s)
		if err != nil || back != tt.r {
			t.Errorf("round trip of %+q gave %+q, %v", tt.r, back, err)
		}
	}
}

func TestDecodeKey(t *testing.T) {
	key := bytes.Repeat([]byte{0xab}, MasterKeySize)
	enc := encodeKey(key)
	tests := []struct {
		in  string
		err error
	}{
		{enc, nil},
		{enc + "\n", nil},
		{enc + "\r\n", nil},
		{"", ErrCorrupt},
		{enc[:len(enc)-4], ErrCorrupt},            // 30 bytes
		{enc + "AAAA", ErrCorrupt},                // too long
		{strings.TrimRight(enc, "="), ErrCorrupt}, // unpadded
		{strings.ReplaceAll(enc, "q", "_"), ErrCorrupt},
	}
	for _, tt := range tests {
		got, err := decodeKey(tt.in)
		if !errors.Is(err, tt.err) {
			t.Errorf("decodeKey(%q): error %v, want %v", tt.in, err, tt.err)
		}
		if err == nil && !bytes.Equal(got, key) {
			t.Errorf("decodeKey(%q) gave another key", tt.in)
		}
	}
}

func TestScope(t *testing.T) {
	short := New("/home/budi/.local/share/besign")
	if got, want := short.user(kindMasterKey), "master-key /home/budi/.local/share/besign"; got != want {
		t.Errorf("user name %q, want %q", got, want)
	}
	if New("/a/b/../c/").scope != New("/a/c").scope {
		t.Error("unclean paths give different scopes")
	}
	if rel, abs := New("data"), New(filepath.Join(mustWd(t), "data")); rel.scope != abs.scope {
		t.Errorf("relative %q and absolute %q differ", rel.scope, abs.scope)
	}
	long1 := New("/" + strings.Repeat("x", 600) + "/one")
	long2 := New("/" + strings.Repeat("x", 600) + "/two")
	if len(long1.user(kindRemembered)) > 100 || !strings.HasPrefix(long1.scope, "sha256:") {
		t.Errorf("long data dir not hashed: %q", long1.scope)
	}
	if long1.scope == long2.scope {
		t.Error("two long data dirs share a scope")
	}
}

func mustWd(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestUnavailableError(t *testing.T) {
	cause := fmt.Errorf("dial unix /run/user/0/bus: no such file")
	err := fmt.Errorf("remember account: %w", &UnavailableError{Reason: ReasonNoBus, Err: cause})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, cause) {
		t.Fatalf("%v does not wrap ErrUnavailable and its cause", err)
	}
	if ReasonOf(err) != ReasonNoBus {
		t.Errorf("ReasonOf = %q", ReasonOf(err))
	}
	if ReasonOf(errors.New("other")) != "" || ReasonOf(nil) != "" {
		t.Error("Reason of a non-keyring error is not empty")
	}
	if got := (&UnavailableError{Reason: "r"}).Error(); got != "keyring unavailable: r" {
		t.Errorf("Error() = %q", got)
	}
}

func FuzzDecodeRemembered(f *testing.F) {
	f.Add(`{"v":1,"login":"a","token":"b"}`)
	f.Add(`{"v":1,"login":"a\u0000","token":"\ud800"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := decodeRemembered(s)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		// Whatever decodes must encode and decode to the same value.
		enc, err := encodeRemembered(r)
		if err != nil {
			t.Fatalf("decoded %+q cannot be encoded: %v", r, err)
		}
		if back, err := decodeRemembered(enc); err != nil || back != r {
			t.Fatalf("round trip %+q -> %+q, %v", r, back, err)
		}
	})
}

func FuzzDecodeKey(f *testing.F) {
	f.Add(encodeKey(make([]byte, MasterKeySize)))
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := decodeKey(s)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if len(key) != MasterKeySize {
			t.Fatalf("decoded %d bytes", len(key))
		}
		if again, _ := decodeKey(encodeKey(key)); !bytes.Equal(again, key) {
			t.Fatal("round trip changed the key")
		}
	})
}

func BenchmarkAvailableCached(b *testing.B) {
	s := New(b.TempDir())
	_ = s.Available()
	for b.Loop() {
		_ = s.Available()
	}
}

// The first probe of a store: one D-Bus round trip with a keyring, a failed connect without.
func BenchmarkProbe(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		_ = New(dir).Available()
	}
}

func BenchmarkLoadRemembered(b *testing.B) {
	requireKeyring(b)
	s := New(b.TempDir())
	b.Cleanup(func() { removeEntries(s) })
	if err := s.SaveRemembered(Remembered{Login: "budi@natunakab.go.id", Token: "tok"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.LoadRemembered(); err != nil {
			b.Fatal(err)
		}
	}
}
