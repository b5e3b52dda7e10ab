package pdfsign

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/ascii85"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// No common tool writes cross-reference and object streams under these
// filters, so the test writes them: the encoders below are checked by
// qpdf --check reading the generated file.

func encHex(b []byte) []byte { return []byte(fmt.Sprintf("%X>", b)) }

func encA85(b []byte) []byte {
	out := make([]byte, ascii85.MaxEncodedLen(len(b)))
	return append(out[:ascii85.Encode(out, b)], "~>"...)
}

func encFlate(b []byte) []byte {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(b)
	w.Close()
	return z.Bytes()
}

// encRunLength writes literal runs, and repeats for runs of 3 or more.
func encRunLength(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && j-i < 128 && b[j] == b[i] {
			j++
		}
		if j-i >= 3 {
			out = append(out, byte(257-(j-i)), b[i])
			i = j
			continue
		}
		j = i
		for j < len(b) && j-i < 128 && !(j+2 < len(b) && b[j] == b[j+1] && b[j] == b[j+2]) {
			j++
		}
		if j == i {
			j = i + 1
		}
		out = append(out, byte(j-i-1))
		out = append(out, b[i:j]...)
		i = j
	}
	return append(out, 128)
}

// encLZW writes PDF LZW codes (MSB first, clear code first, EOD last).
func encLZW(b []byte, early int) []byte {
	var out []byte
	var bits uint64
	nBits, width := 0, 9
	emit := func(code int) {
		bits = bits<<width | uint64(code)
		nBits += width
		for nBits >= 8 {
			out = append(out, byte(bits>>(nBits-8)))
			nBits -= 8
		}
	}
	dict := map[string]int{}
	next := 258
	emit(256)
	var w []byte
	for _, c := range b {
		wc := append(w[:len(w):len(w)], c)
		if _, ok := dict[string(wc)]; ok || len(wc) == 1 {
			w = wc
			continue
		}
		code := int(w[0])
		if len(w) > 1 {
			code = dict[string(w)]
		}
		emit(code)
		dict[string(wc)] = next
		next++
		// The decoder adds this entry one code later: it widens when its
		// table (next-1 entries) plus early reaches the limit.
		if next-1+early >= 1<<width && width < 12 {
			width++
		}
		if next >= 4094 {
			emit(256)
			dict, next, width = map[string]int{}, 258, 9
		}
		w = []byte{c}
	}
	if len(w) > 0 {
		code := int(w[0])
		if len(w) > 1 {
			code = dict[string(w)]
		}
		emit(code)
		next++
		if next-1+early >= 1<<width && width < 12 {
			width++
		}
	}
	emit(257)
	if nBits > 0 {
		out = append(out, byte(bits<<(8-nBits)))
	}
	return out
}

// pngUp and tiff2 apply predictors to rows of n bytes.
func pngUp(b []byte, n int) []byte {
	var out []byte
	prev := make([]byte, n)
	for i := 0; i+n <= len(b); i += n {
		out = append(out, 2)
		for j := 0; j < n; j++ {
			out = append(out, b[i+j]-prev[j])
		}
		prev = b[i : i+n]
	}
	return out
}

func tiff2(b []byte, n int) []byte {
	out := bytes.Clone(b)
	for i := 0; i+n <= len(b); i += n {
		for j := n - 1; j > 0; j-- {
			out[i+j] = b[i+j] - b[i+j-1]
		}
	}
	return out
}

// filterCase encodes object and cross-reference stream data; the
// dictionaries get filter and parms (with %d for the row length).
type filterCase struct {
	filter, parms string
	enc           func(data []byte, row int) []byte
}

var filterCases = map[string]filterCase{
	"asciihex": {"/ASCIIHexDecode", "", func(b []byte, _ int) []byte { return encHex(b) }},
	"ascii85":  {"/ASCII85Decode", "", func(b []byte, _ int) []byte { return encA85(b) }},
	"lzw":      {"/LZWDecode", "", func(b []byte, _ int) []byte { return encLZW(b, 1) }},
	"lzw-early0-png": {"/LZWDecode", "<</EarlyChange 0/Predictor 12/Columns %d>>",
		func(b []byte, n int) []byte { return encLZW(pngUp(b, n), 0) }},
	"runlength": {"/RunLengthDecode", "", func(b []byte, _ int) []byte { return encRunLength(b) }},
	"flate-png": {"/FlateDecode", "<</Predictor 12/Columns %d>>",
		func(b []byte, n int) []byte { return encFlate(pngUp(b, n)) }},
	"flate-tiff": {"/FlateDecode", "<</Predictor 2/Columns %d>>",
		func(b []byte, n int) []byte { return encFlate(tiff2(b, n)) }},
	"ascii85-flate-png": {"[/ASCII85Decode/FlateDecode]", "[null<</Predictor 12/Columns %d>>]",
		func(b []byte, n int) []byte { return encA85(encFlate(pngUp(b, n))) }},
	"asciihex-lzw": {"[/ASCIIHexDecode/LZWDecode]", "",
		func(b []byte, _ int) []byte { return encHex(encLZW(b, 1)) }},
}

// filteredPDF keeps the catalog, the page tree, the page, its font and
// 400 filler objects in an object stream, and lists them in a
// cross-reference stream, both under fc.
func filteredPDF(fc filterCase) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	content := "BT /F1 18 Tf 40 250 Td (Filter) Tj ET"
	off4 := b.Len()
	fmt.Fprintf(&b, "4 0 obj\n<</Length %d>>\nstream\n%s\nendstream\nendobj\n", len(content), content)
	objs := map[int]string{
		1: "<</Type/Catalog/Pages 2 0 R>>",
		2: "<</Type/Pages/Count 1/Kids[3 0 R]>>",
		3: "<</Type/Page/Parent 2 0 R/MediaBox[0 0 400 300]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
		5: "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
	}
	const fillers = 400
	for i := 0; i < fillers; i++ {
		h := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		objs[8+i] = fmt.Sprintf("<</Filler %d/Data <%x>/Text (aaaaaaaaaa bbbb %d)>>", i, h[:12], i%7)
	}
	var header, body bytes.Buffer
	nums := []int{1, 2, 3, 5}
	for i := 0; i < fillers; i++ {
		nums = append(nums, 8+i)
	}
	for _, n := range nums {
		fmt.Fprintf(&header, "%d %d ", n, body.Len())
		body.WriteString(objs[n] + "\n")
	}
	stm := append(header.Bytes(), body.Bytes()...)
	parms := func(row int) string {
		if fc.parms == "" {
			return ""
		}
		return "/DecodeParms" + fmt.Sprintf(fc.parms, row)
	}
	enc := fc.enc(stm, 1) // predictor parms need Columns: 1 byte rows here
	if fc.parms != "" {
		enc = fc.enc(stm, len(stm))
	}
	off6 := b.Len()
	fmt.Fprintf(&b, "6 0 obj\n<</Type/ObjStm/N %d/First %d/Filter %s%s/Length %d>>\nstream\n", len(nums), header.Len(), fc.filter, parms(len(stm)), len(enc))
	b.Write(enc)
	b.WriteString("\nendstream\nendobj\n")
	// Cross-reference stream, rows of 1+4+2 bytes.
	size := 8 + fillers
	off7 := b.Len()
	var rows []byte
	row := func(t byte, f2 int, f3 int) {
		rows = append(rows, t, byte(f2>>24), byte(f2>>16), byte(f2>>8), byte(f2), byte(f3>>8), byte(f3))
	}
	idx := map[int]int{}
	for i, n := range nums {
		idx[n] = i
	}
	for n := 0; n < size; n++ {
		switch {
		case n == 0:
			row(0, 0, 65535)
		case n == 4:
			row(1, off4, 0)
		case n == 6:
			row(1, off6, 0)
		case n == 7:
			row(1, off7, 0)
		default:
			row(2, 6, idx[n])
		}
	}
	xenc := fc.enc(rows, 7)
	fmt.Fprintf(&b, "7 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Filter %s%s/Length %d>>\nstream\n", size, fc.filter, parms(7), len(xenc))
	b.Write(xenc)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", off7)
	return b.Bytes()
}

// TestFilters signs files whose cross-reference and object streams use
// each standard filter (qpdf checks the generated input first).
func TestFilters(t *testing.T) {
	k := getKit(t)
	for name, fc := range filterCases {
		t.Run(name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), name+".pdf")
			if err := os.WriteFile(in, filteredPDF(fc), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := run("qpdf", "--check", in); err != nil || !strings.Contains(out, "No syntax or stream encoding errors") {
				t.Fatalf("generated file rejected by qpdf: %v\n%s", err, out)
			}
			signTwice(t, k, in, Options{}, Rect{X: 40, Y: 40, W: 220, H: 70})
		})
	}
}
