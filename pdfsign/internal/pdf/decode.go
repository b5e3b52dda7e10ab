package pdf

import (
	"bytes"
	"compress/zlib"
	"encoding/ascii85"
	"fmt"
	"io"
	"sync"
)

// StreamData returns the decrypted and decoded data of a small stream
// (cross-reference and object streams); see Decode for the filters.
func (f *File) StreamData(s Stream) ([]byte, error) {
	lo, err := f.Resolve(s.Dict["Length"])
	if err != nil {
		return nil, err
	}
	n, ok := lo.(Int)
	if !ok || n < 0 || int64(n) > f.size-s.Offset {
		return nil, fmt.Errorf("%w: bad stream /Length", ErrSyntax)
	}
	if n > maxDecoded {
		return nil, fmt.Errorf("%w: stream too long", ErrLimit)
	}
	raw := make([]byte, n)
	if _, err := f.r.ReadAt(raw, s.Offset); err != nil && err != io.EOF {
		return nil, fmt.Errorf("read stream: %w", err)
	}
	if raw, err = f.decryptStream(s, raw); err != nil {
		return nil, err
	}
	return Decode(raw, s.Dict)
}

// Decode applies the stream's filters to raw: FlateDecode and LZWDecode
// (with PNG or TIFF predictors), ASCII85Decode, ASCIIHexDecode,
// RunLengthDecode and the Identity Crypt filter. Image-only filters (DCT,
// JPX, CCITT, JBIG2) give ErrUnsupported: they never hold PDF objects.
func Decode(raw []byte, d Dict) ([]byte, error) {
	var filters []Object
	switch v := d["Filter"].(type) {
	case nil:
	case Name:
		filters = []Object{v}
	case Array:
		filters = v
	default:
		return nil, fmt.Errorf("%w: bad /Filter", ErrSyntax)
	}
	var parms []Object
	switch v := d["DecodeParms"].(type) {
	case Dict:
		parms = []Object{v}
	case Array:
		parms = v
	}
	data := raw
	for i, fo := range filters {
		name, _ := fo.(Name)
		var p Dict
		if i < len(parms) {
			p, _ = parms[i].(Dict)
		}
		var err error
		if data, err = decodeOne(name, data, p); err != nil {
			return nil, err
		}
		if len(data) > maxDecoded {
			return nil, fmt.Errorf("%w: decoded stream too long", ErrLimit)
		}
	}
	return data, nil
}

func decodeOne(name Name, data []byte, p Dict) ([]byte, error) {
	var err error
	switch name {
	case "FlateDecode", "Fl":
		if data, err = inflate(data); err != nil {
			return nil, err
		}
		return unpredict(data, p)
	case "LZWDecode", "LZW":
		early := 1
		if e, ok := p["EarlyChange"].(Int); ok {
			early = int(e)
		}
		if data, err = lzwDecode(data, early); err != nil {
			return nil, err
		}
		return unpredict(data, p)
	case "ASCII85Decode", "A85":
		return ascii85Decode(data)
	case "ASCIIHexDecode", "AHx":
		return asciiHexDecode(data)
	case "RunLengthDecode", "RL":
		return runLengthDecode(data)
	case "Crypt":
		// Decryption happened before; only the Identity filter is named.
		return data, nil
	}
	return nil, fmt.Errorf("%w: filter %q", ErrUnsupported, string(name))
}

func inflate(data []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: flate data: %v", ErrSyntax, err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxDecoded+1))
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("%w: flate data: %v", ErrSyntax, err)
	}
	return out, nil
}

// lzwDecode reads PDF's LZW: 9 to 12-bit codes, MSB first, 256 clears
// the table, 257 ends the data; with early 1 (the default) the code width
// grows one code early.
func lzwDecode(data []byte, early int) ([]byte, error) {
	if early != 0 && early != 1 {
		return nil, fmt.Errorf("%w: bad /EarlyChange", ErrSyntax)
	}
	var out []byte
	var bits uint32
	nBits, pos, width := 0, 0, 9
	table := make([][]byte, 258, 4096)
	for i := 0; i < 256; i++ {
		table[i] = []byte{byte(i)}
	}
	var prev []byte
	for {
		for nBits < width && pos < len(data) {
			bits = bits<<8 | uint32(data[pos])
			pos++
			nBits += 8
		}
		if nBits < width {
			break // the data may end without the EOD code
		}
		code := int(bits>>(nBits-width)) & (1<<width - 1)
		nBits -= width
		if code == 256 {
			table, width, prev = table[:258], 9, nil
			continue
		}
		if code == 257 {
			break
		}
		var cur []byte
		switch {
		case code < len(table) && code != 256 && code != 257:
			cur = table[code]
		case code == len(table) && prev != nil:
			cur = append(prev[:len(prev):len(prev)], prev[0])
		default:
			return nil, fmt.Errorf("%w: bad LZW code %d", ErrSyntax, code)
		}
		out = append(out, cur...)
		if len(out) > maxDecoded {
			return nil, fmt.Errorf("%w: decoded stream too long", ErrLimit)
		}
		if prev != nil && len(table) < 4096 {
			table = append(table, append(prev[:len(prev):len(prev)], cur[0]))
		}
		prev = cur
		if len(table)+early >= 1<<width && width < 12 {
			width++
		}
	}
	return out, nil
}

func ascii85Decode(data []byte) ([]byte, error) {
	data = bytes.TrimLeft(data, " \t\r\n\f\x00")
	data = bytes.TrimPrefix(data, []byte("<~"))
	if i := bytes.Index(data, []byte("~>")); i >= 0 {
		data = data[:i]
	} else if i := bytes.IndexByte(data, '~'); i >= 0 {
		data = data[:i]
	}
	out := make([]byte, 4*len(data)/5+4+4*bytes.Count(data, []byte("z")))
	n, _, err := ascii85.Decode(out, data, true)
	if err != nil {
		return nil, fmt.Errorf("%w: ASCII85 data: %v", ErrSyntax, err)
	}
	return out[:n], nil
}

// asciiHexDecode reads hex digits up to '>' (or the end) like a hex
// string.
func asciiHexDecode(data []byte) ([]byte, error) {
	buf := make([]byte, 0, len(data)+2)
	buf = append(append(append(buf, '<'), data...), '>')
	p := &parser{buf: buf, atEOF: true}
	s, err := p.hexString()
	if err != nil {
		return nil, fmt.Errorf("%w: bad ASCIIHex data", ErrSyntax)
	}
	return s, nil
}

func runLengthDecode(data []byte) ([]byte, error) {
	var out []byte
	for i := 0; i < len(data); {
		l := int(data[i])
		i++
		switch {
		case l == 128:
			return out, nil
		case l < 128:
			if i+l+1 > len(data) {
				return nil, fmt.Errorf("%w: short RunLength data", ErrSyntax)
			}
			out = append(out, data[i:i+l+1]...)
			i += l + 1
		default:
			if i >= len(data) {
				return nil, fmt.Errorf("%w: short RunLength data", ErrSyntax)
			}
			out = append(out, bytes.Repeat(data[i:i+1], 257-l)...)
			i++
		}
		if len(out) > maxDecoded {
			return nil, fmt.Errorf("%w: decoded stream too long", ErrLimit)
		}
	}
	return out, nil
}

func unpredict(data []byte, p Dict) ([]byte, error) {
	pred, _ := p["Predictor"].(Int)
	if pred <= 1 {
		return data, nil
	}
	cols := Int(1)
	if c, ok := p["Columns"].(Int); ok {
		cols = c
	}
	colors := Int(1)
	if c, ok := p["Colors"].(Int); ok {
		colors = c
	}
	bpc := Int(8)
	if c, ok := p["BitsPerComponent"].(Int); ok {
		bpc = c
	}
	if cols < 1 || cols > 1<<20 || colors < 1 || colors > 32 || bpc < 1 || bpc > 16 {
		return nil, fmt.Errorf("%w: bad predictor parameters", ErrSyntax)
	}
	bpp := int((colors*bpc + 7) / 8)
	rowLen := int((cols*colors*bpc + 7) / 8)
	if pred == 2 {
		return untiff(data, rowLen, int(colors), int(bpc))
	}
	if pred < 10 {
		return nil, fmt.Errorf("%w: predictor %d", ErrSyntax, pred)
	}
	var out []byte
	prev := make([]byte, rowLen)
	for pos := 0; pos+1+rowLen <= len(data); pos += 1 + rowLen {
		ft := data[pos]
		row := append([]byte(nil), data[pos+1:pos+1+rowLen]...)
		for i := range row {
			var left, up, ul byte
			if i >= bpp {
				left = row[i-bpp]
				ul = prev[i-bpp]
			}
			up = prev[i]
			switch ft {
			case 0:
			case 1:
				row[i] += left
			case 2:
				row[i] += up
			case 3:
				row[i] += byte((int(left) + int(up)) / 2)
			case 4:
				row[i] += paeth(left, up, ul)
			default:
				return nil, fmt.Errorf("%w: bad PNG filter type %d", ErrSyntax, ft)
			}
		}
		out = append(out, row...)
		prev = row
	}
	return out, nil
}

// untiff undoes TIFF predictor 2 (horizontal differencing) for 8 and 16
// bits per component.
func untiff(data []byte, rowLen, colors, bpc int) ([]byte, error) {
	if bpc != 8 && bpc != 16 {
		return nil, fmt.Errorf("%w: TIFF predictor with %d bits per component", ErrUnsupported, bpc)
	}
	out := append([]byte(nil), data...)
	step := colors * bpc / 8
	for r := 0; r+rowLen <= len(out); r += rowLen {
		row := out[r : r+rowLen]
		if bpc == 8 {
			for i := step; i < len(row); i++ {
				row[i] += row[i-step]
			}
			continue
		}
		for i := step; i+1 < len(row); i += 2 {
			v := uint16(row[i])<<8 | uint16(row[i+1])
			v += uint16(row[i-step])<<8 | uint16(row[i-step+1])
			row[i], row[i+1] = byte(v>>8), byte(v)
		}
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// streamScanBufs holds CheckStreamEnd's read buffers. One small buffer
// reused, rather than a fresh megabyte per stream, spares the page faults
// of memory touched once: a 1 MB document's verification spent a fifth of
// its faults there, and every signature scans its page's streams too.
var streamScanBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// CheckStreamEnd returns ErrAmbiguous when object num is a stream whose
// /Length reaches past an "endstream": PDFium and poppler read the data up
// to the /Length, MuPDF up to the first "endstream", so they show
// different data. A /Length that ends before the first "endstream" is
// read up to it by every reader and is no error; nor is anything that is
// not a stream with a usable /Length.
func (f *File) CheckStreamEnd(num int) error {
	o, err := f.Object(num)
	if err != nil {
		return err
	}
	s, ok := o.(Stream)
	if !ok {
		return nil
	}
	lo, err := f.Resolve(s.Dict["Length"])
	if err != nil {
		return err
	}
	n, ok := lo.(Int)
	if !ok || n <= 0 || int64(n) > f.size-s.Offset {
		return nil
	}
	const kw = "endstream"
	end := s.Offset + int64(n)
	bp := streamScanBufs.Get().(*[]byte)
	defer streamScanBufs.Put(bp)
	for pos := s.Offset; pos < end; {
		// Chunks overlap by len(kw)-1 bytes so that no keyword is split.
		buf := (*bp)[:min(int64(len(*bp)), end-pos)]
		if _, err := f.r.ReadAt(buf, pos); err != nil && !(err == io.EOF && pos+int64(len(buf)) == f.size) {
			return fmt.Errorf("read at %d: %w", pos, err)
		}
		if i := bytes.Index(buf, []byte(kw)); i >= 0 {
			return fmt.Errorf("%w: the stream of object %d has \"endstream\" at offset %d, before its /Length ends at %d (PDF readers disagree on where its data ends, so they may show different contents)",
				ErrAmbiguous, num, pos+int64(i), end)
		}
		if pos+int64(len(buf)) >= end {
			break
		}
		pos += int64(len(buf)) - int64(len(kw)-1)
	}
	return nil
}
