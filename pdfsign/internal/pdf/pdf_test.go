package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestParseObject(t *testing.T) {
	cases := []struct {
		in   string
		want Object
	}{
		{"42", Int(42)},
		{"-3.5", Real(-3.5)},
		{".5", Real(0.5)},
		{"true", Bool(true)},
		{"null", Null{}},
		{"/A#20B", Name("A B")},
		{"(a(b)c)", String("a(b)c")},
		{`(\101\n\\\)x)`, String("A\n\\)x")},
		{"(line\\\ncont)", String("linecont")},
		{"(cr\r\nlf)", String("cr\nlf")},
		{"<41 42 4>", String("AB@")},
		{"[1 0 R 2 (x)]", Array{Ref{1, 0}, Int(2), String("x")}},
		{"[1 2]", Array{Int(1), Int(2)}},
		{"<</K 5 0 R/N null/S[]>>", Dict{"K": Ref{5, 0}, "S": Array{}}},
		{"% comment\n  7", Int(7)},
	}
	for _, c := range cases {
		got, err := ParseObject([]byte(c.in))
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseObject(%q) = %#v, %v; want %#v", c.in, got, err, c.want)
		}
	}
	bad := []struct {
		in   string
		want error
	}{
		{"(unterminated", ErrSyntax},
		{"<</A>>", ErrSyntax},
		{"<zz>", ErrSyntax},
		{"99999999999 0 R", ErrLimit},
		{string(bytes.Repeat([]byte("["), 100)), ErrLimit},
		{"endobj", ErrSyntax},
	}
	for _, c := range bad {
		if _, err := ParseObject([]byte(c.in)); !errors.Is(err, c.want) {
			t.Errorf("ParseObject(%q) error %v, want %v", c.in, err, c.want)
		}
	}
}

func TestAppendRoundTrip(t *testing.T) {
	o := Dict{"A": String("\x00\xffbin"), "B": String("pa(r)en\\"), "C": Name("a b#/"), "D": Real(1.25), "E": Array{Ref{3, 1}, Bool(false)}}
	var b bytes.Buffer
	if err := Append(&b, o); err != nil {
		t.Fatal(err)
	}
	got, err := ParseObject(b.Bytes())
	if err != nil || !reflect.DeepEqual(got, o) {
		t.Fatalf("round trip %q: %#v %v", b.Bytes(), got, err)
	}
	if err := Append(&b, Stream{}); !errors.Is(err, ErrSyntax) {
		t.Fatalf("streams must not be written inline: %v", err)
	}
}

// TestXrefStreamPredictor reads a cross-reference stream compressed with
// the PNG Up predictor, as most writers produce it.
func TestXrefStreamPredictor(t *testing.T) {
	var f bytes.Buffer
	f.WriteString("%PDF-1.5\n")
	off1 := f.Len()
	f.WriteString("1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n")
	off2 := f.Len()
	f.WriteString("2 0 obj <</Type/Pages/Count 0/Kids[]>> endobj\n")
	off3 := f.Len()
	rows := [][]byte{{0, 0, 0, 0}, {1, 0, byte(off1), 0}, {1, 0, byte(off2), 0}, {1, 0, byte(off3), 0}}
	var raw []byte
	prev := make([]byte, 4)
	for _, r := range rows {
		raw = append(raw, 2) // Up
		for i := range r {
			raw = append(raw, r[i]-prev[i])
		}
		prev = r
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	fmt.Fprintf(&f, "3 0 obj <</Type/XRef/Size 4/W[1 2 1]/Root 1 0 R/Filter/FlateDecode/DecodeParms<</Predictor 12/Columns 4>>/Length %d>>\nstream\n", z.Len())
	f.Write(z.Bytes())
	fmt.Fprintf(&f, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", off3)
	pf, err := Open(bytes.NewReader(f.Bytes()), int64(f.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if !pf.XrefStream || pf.Size != 4 || pf.StartXref != int64(off3) {
		t.Fatalf("xref stream %v size %d start %d", pf.XrefStream, pf.Size, pf.StartXref)
	}
	o, err := pf.Object(2)
	if err != nil || o.(Dict)["Type"] != Name("Pages") {
		t.Fatalf("object 2: %#v %v", o, err)
	}
}

func TestOpenErrors(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"", ErrNotPDF},
		{"hello", ErrNotPDF},
		{"junk%PDF-1.4\n", ErrUnsupported},
		{"%PDF-1.4\n1 0 obj 1 endobj\n", ErrXref},
		{"%PDF-1.4\nxref\n0 1\n0000000000 65535 f\r\ntrailer <</Size 1/Prev 9>>\nstartxref\n9\n%%EOF", ErrXref},
		{"%PDF-1.4\nxref\n0 1\n0000000000 65535 f\r\ntrailer <</Size 1/Root 1 0 R/Prev 9>>\nstartxref\n9\n%%EOF", ErrXref},
	}
	for _, c := range cases {
		if _, err := Open(bytes.NewReader([]byte(c.in)), int64(len(c.in))); !errors.Is(err, c.want) {
			t.Errorf("Open(%q) = %v, want %v", c.in, err, c.want)
		}
	}
}

// TestDecodeVectors uses the examples of ISO 32000-1 (LZW, 7.4.4.2) and
// hand-checked inputs for the other filters.
func TestDecodeVectors(t *testing.T) {
	cases := []struct {
		filter Name
		parms  Dict
		in     string
		want   string
	}{
		{"LZWDecode", nil, "\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01", "-----A---B"},
		{"ASCIIHexDecode", nil, "48 61 6c\n6F 3>", "Halo0"},
		{"ASCII85Decode", nil, "<~87cURD]i,\"Ebo80~>", "Hello World!"},
		{"ASCII85Decode", nil, "z~>", "\x00\x00\x00\x00"},
		{"RunLengthDecode", nil, "\x02abc\xfdx\x80ignored", "abcxxxx"},
		{"FlateDecode", Dict{"Predictor": Int(2), "Columns": Int(3)}, string(zlibBytes([]byte{1, 1, 1, 5, 251, 0})), "\x01\x02\x03\x05\x00\x00"},
	}
	for _, c := range cases {
		d := Dict{"Filter": c.filter}
		if c.parms != nil {
			d["DecodeParms"] = c.parms
		}
		got, err := Decode([]byte(c.in), d)
		if err != nil || string(got) != c.want {
			t.Errorf("%s(%q) = %q, %v; want %q", c.filter, c.in, got, err, c.want)
		}
	}
	for _, bad := range []Dict{{"Filter": Name("DCTDecode")}, {"Filter": Name("JBIG2Decode")}} {
		if _, err := Decode([]byte("x"), bad); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func zlibBytes(b []byte) []byte {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(b)
	w.Close()
	return z.Bytes()
}
