package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
)

// StreamData returns the decoded data of a small stream (cross-reference
// and object streams). Only FlateDecode with PNG predictors is supported.
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

// Decode applies the stream's filters to raw.
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
		if name != "FlateDecode" && name != "Fl" {
			return nil, fmt.Errorf("%w: filter %q", ErrUnsupported, string(name))
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: flate data: %v", ErrSyntax, err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxDecoded+1))
		if err != nil && len(out) == 0 {
			return nil, fmt.Errorf("%w: flate data: %v", ErrSyntax, err)
		}
		if len(out) > maxDecoded {
			return nil, fmt.Errorf("%w: decoded stream too long", ErrLimit)
		}
		data = out
		if i < len(parms) {
			if p, ok := parms[i].(Dict); ok {
				if data, err = unpredict(data, p); err != nil {
					return nil, err
				}
			}
		}
	}
	return data, nil
}

func unpredict(data []byte, p Dict) ([]byte, error) {
	pred, _ := p["Predictor"].(Int)
	if pred <= 1 {
		return data, nil
	}
	if pred < 10 {
		return nil, fmt.Errorf("%w: TIFF predictor", ErrUnsupported)
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
