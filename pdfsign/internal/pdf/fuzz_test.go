package pdf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func addCorpusSeeds(f *testing.F, max int64) {
	files, _ := filepath.Glob("../../testdata/corpus/*.pdf")
	for _, p := range files {
		if st, err := os.Stat(p); err == nil && st.Size() <= max {
			b, _ := os.ReadFile(p)
			f.Add(b)
		}
	}
}

func FuzzParseObject(f *testing.F) {
	for _, s := range []string{"<</A 1 0 R/B [1 2.5 -3 (x\\)y) <414>]/C<<>>>>", "(a(b)c\\101\\\r\n)", "/N#41me", "[1 0 R 2]", "<<", "9999999999 0 R", "[[[[[[["} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseObject(b)
		if err != nil {
			return
		}
		// What parses must write and parse back to the same thing.
		var buf bytes.Buffer
		if err := Append(&buf, o); err != nil {
			return
		}
		o2, err := ParseObject(buf.Bytes())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", buf.Bytes(), err)
		}
		var buf2 bytes.Buffer
		Append(&buf2, o2)
		if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
			t.Fatalf("round trip: %q != %q", buf.Bytes(), buf2.Bytes())
		}
	})
}

func FuzzOpen(f *testing.F) {
	addCorpusSeeds(f, 64<<10)
	f.Fuzz(func(t *testing.T, b []byte) {
		pf, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		// Touch every object reachable by number: none may panic.
		for n := 0; n < pf.Size && n < 2000; n++ {
			o, err := pf.Object(n)
			if err == nil {
				if s, ok := o.(Stream); ok {
					pf.StreamData(s)
				}
			}
		}
	})
}
