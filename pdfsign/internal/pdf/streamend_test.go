package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// CheckStreamEnd reads a stream in reused chunks that overlap by the
// keyword's length: an "endstream" inside the /Length is found wherever
// it lies, across a chunk's end too, and a long clean stream is no error.
func TestCheckStreamEnd(t *testing.T) {
	const chunk = 64 << 10 // streamScanBufs' buffer
	withStream := func(data string) []byte {
		var b bytes.Buffer
		b.WriteString("%PDF-1.7\n")
		var offs []int
		for n, body := range []string{"<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Count 1/Kids[3 0 R]>>",
			"<</Type/Page/Parent 2 0 R/Contents 4 0 R>>", fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(data), data)} {
			offs = append(offs, b.Len())
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n+1, body)
		}
		x := b.Len()
		b.WriteString("xref\n0 5\n" + entryLine(0, "f"))
		for _, o := range offs {
			b.WriteString(entryLine(o, "n"))
		}
		fmt.Fprintf(&b, "trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", x)
		return b.Bytes()
	}
	fill := func(n int) string { return strings.Repeat("0 0 m ", n/6+1)[:n] }
	for _, c := range []struct {
		name string
		data string
		bad  bool
	}{
		{"short, clean", fill(100), false},
		{"three chunks, clean", fill(3 * chunk), false},
		{"keyword in the first chunk", fill(10) + "endstream" + fill(3*chunk), true},
		{"keyword across the first chunk's end", fill(chunk-4) + "endstream" + fill(chunk), true},
		{"keyword ending the first chunk", fill(chunk-9) + "endstream" + fill(chunk), true},
		{"keyword in the last chunk", fill(2*chunk+100) + "endstream" + fill(7), true},
		{"keyword at the very end", fill(2*chunk) + "endstream", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := withStream(c.data)
			f, err := Open(bytes.NewReader(src), int64(len(src)))
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second time with a buffer from the pool
				err = f.CheckStreamEnd(4)
				if c.bad != errors.Is(err, ErrAmbiguous) || (!c.bad && err != nil) {
					t.Fatalf("CheckStreamEnd: %v, want ambiguous %v", err, c.bad)
				}
			}
		})
	}
}
