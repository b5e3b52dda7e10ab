package pdfsign

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

var startxrefRe = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)

// lastStartxref returns the offset after the file's last startxref.
func lastStartxref(t *testing.T, b []byte) int {
	m := startxrefRe.FindSubmatch(b)
	if m == nil {
		t.Fatal("no startxref")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// damaged returns files whose cross-reference data is broken in the ways
// the rebuild must handle, made from a qpdf-written file.
func damaged(t *testing.T) map[string][]byte {
	table, _ := os.ReadFile(qpdfTo(t, "testdata/corpus/Acroforms2.pdf", "--object-streams=disable"))
	streams, _ := os.ReadFile(qpdfTo(t, "testdata/corpus/Acroforms2.pdf", "--object-streams=generate"))
	x := lastStartxref(t, table)
	out := map[string][]byte{}

	// startxref points into the middle of an object.
	out["bad-startxref"] = startxrefRe.ReplaceAll(bytes.Clone(table), []byte("startxref\n1234\n%%EOF\n"))

	// Every table entry is 7 bytes off (as after an editor added bytes
	// near the start without fixing the table).
	shifted := bytes.Clone(table)
	entry := regexp.MustCompile(`(\d{10}) (\d{5}) n`)
	sect := shifted[x:]
	sect = entry.ReplaceAllFunc(sect, func(m []byte) []byte {
		n, _ := strconv.Atoi(string(m[:10]))
		if n == 0 {
			return m
		}
		return []byte(fmt.Sprintf("%010d%s", n+7, m[10:]))
	})
	out["shifted-offsets"] = append(shifted[:x:x], sect...)

	// The table is overwritten with garbage (same length).
	garbled := bytes.Clone(table)
	end := bytes.Index(garbled[x:], []byte("trailer"))
	for i := x + 5; i < x+end; i++ {
		if garbled[i] >= '0' && garbled[i] <= '9' {
			garbled[i] = 'x'
		}
	}
	out["garbled-table"] = garbled

	// Object streams and a cross-reference stream, startxref wrong.
	sx := lastStartxref(t, streams)
	out["objstm-bad-startxref"] = startxrefRe.ReplaceAll(bytes.Clone(streams), []byte(fmt.Sprintf("startxref\n%d\n%%%%EOF\n", sx+3)))

	// Encrypted (AES-256, empty user password), startxref wrong: the
	// rebuilt trailer must still find /Encrypt and /ID.
	enc, _ := os.ReadFile(qpdfTo(t, "testdata/corpus/Acroforms2.pdf", "--encrypt", "", "owner", "256", "--", "--object-streams=disable"))
	out["encrypted-bad-startxref"] = startxrefRe.ReplaceAll(enc, []byte("startxref\n777\n%%EOF\n"))

	out["prev-self-loop"] = prevLoop(t, table, false)
	out["prev-two-loop"] = prevLoop(t, table, true)
	return out
}

// prevLoop appends an update redefining the catalog whose /Prev points to
// itself, or (two) to the original section whose /Prev points back.
func prevLoop(t *testing.T, table []byte, two bool) []byte {
	x := lastStartxref(t, table)
	b := bytes.Clone(table)
	tr := bytes.LastIndex(b, []byte("trailer"))
	dictEnd := bytes.Index(b[tr:], []byte(">>")) + tr
	// Room for a /Prev in the original trailer (zero-padded number).
	const prevHole = "/Prev 0000000000"
	if two {
		b = append(b[:dictEnd:dictEnd], append([]byte(prevHole), b[dictEnd:]...)...)
	}
	rootRe := regexp.MustCompile(`/Root (\d+) 0 R`)
	m := rootRe.FindSubmatch(b[tr:])
	root, _ := strconv.Atoi(string(m[1]))
	size := regexp.MustCompile(`/Size (\d+)`).FindSubmatch(b[tr:])
	o1 := len(b) + 1
	var u bytes.Buffer
	u.WriteString("\n")
	catalog := regexp.MustCompile(fmt.Sprintf(`(?s)\n%d 0 obj\n(.*?)endobj`, root)).FindSubmatch(b)
	fmt.Fprintf(&u, "%d 0 obj\n%sendobj\n", root, catalog[1])
	x2 := len(b) + u.Len()
	prev := x2
	if two {
		prev = x
	}
	fmt.Fprintf(&u, "xref\n%d 1\n%010d 00000 n\r\ntrailer\n<</Size %s/Root %d 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", root, o1, size[1], root, prev, x2)
	out := append(b, u.Bytes()...)
	if two {
		copy(out[dictEnd:], fmt.Sprintf("/Prev %010d", x2))
	}
	return out
}

// TestSignDamagedXref signs files with broken cross-reference data: the
// rebuilt file is signed, the update carries a complete section, and the
// validators accept the result (qpdf without any warning).
func TestSignDamagedXref(t *testing.T) {
	k := getKit(t)
	for name, data := range damaged(t) {
		t.Run(name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), name+".pdf")
			os.WriteFile(in, data, 0o644)
			if out, err := run("qpdf", "--check", in); err == nil {
				t.Fatalf("the damaged input passes qpdf --check:\n%s", out)
			}
			one, two := signTwice(t, k, in, Options{}, Rect{X: 40, Y: 40, W: 220, H: 70})
			for _, p := range []string{one, two} {
				if out, err := run("qpdf", "--check", p); err != nil {
					t.Errorf("qpdf --check %s: %v\n%s", filepath.Base(p), err, out)
				}
			}
		})
	}
}
