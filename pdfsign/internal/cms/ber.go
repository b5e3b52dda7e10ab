package cms

import (
	"errors"
	"fmt"
)

// BER is what NSS (pdfsig, Firefox, LibreOffice) and `openssl cms -stream`
// write: indefinite lengths and constructed (chunked) OCTET STRINGs, which
// encoding/asn1 refuses. ToDER rewrites such an encoding as DER so that the
// rest of the package can use encoding/asn1.
//
// Only the container changes: element contents stay byte for byte, so a
// certificate or a signed-attributes SET that was DER stays identical and
// its signature still verifies. SET OF elements keep their order (a signer
// that sent them unsorted also signed them unsorted).

var errBER = errors.New("bad BER encoding")

// maxDepth bounds nesting; CMS needs about 15 levels.
const maxDepth = 64

// ToDER returns the DER form of the first BER element in b and the bytes
// after it.
func ToDER(b []byte) (der, rest []byte, err error) {
	out, n, err := berElement(b, 0, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return out, b[n:], nil
}

// stringTags are the universal types whose constructed form is a chunked
// string: DER requires the primitive form.
var stringTags = map[int]bool{3: true, 4: true, 12: true, 18: true, 19: true, 20: true, 21: true, 22: true,
	25: true, 26: true, 27: true, 28: true, 30: true}

// berElement appends the DER of the element at the start of b to out and
// returns how many bytes of b it used.
func berElement(b []byte, depth int, out []byte) ([]byte, int, error) {
	if depth > maxDepth {
		return nil, 0, fmt.Errorf("%w: nested too deeply", errBER)
	}
	if len(b) < 2 {
		return nil, 0, fmt.Errorf("%w: truncated", errBER)
	}
	// Identifier octets.
	i := 1
	tag := int(b[0] & 0x1f)
	if tag == 0x1f {
		tag = 0
		for {
			if i >= len(b) || i > 5 {
				return nil, 0, fmt.Errorf("%w: bad tag", errBER)
			}
			c := b[i]
			i++
			tag = tag<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
	}
	ident := b[:i]
	constructed := b[0]&0x20 != 0
	universal := b[0]&0xc0 == 0
	if i >= len(b) {
		return nil, 0, fmt.Errorf("%w: truncated", errBER)
	}
	// Length octets.
	l := int(b[i])
	i++
	indefinite := false
	switch {
	case l == 0x80:
		if !constructed {
			return nil, 0, fmt.Errorf("%w: indefinite length on a primitive element", errBER)
		}
		indefinite = true
	case l > 0x80:
		n := l & 0x7f
		if n > 4 || i+n > len(b) {
			return nil, 0, fmt.Errorf("%w: bad length", errBER)
		}
		l = 0
		for _, c := range b[i : i+n] {
			l = l<<8 | int(c)
		}
		i += n
		if l < 0 || l > len(b)-i {
			return nil, 0, fmt.Errorf("%w: length past the end", errBER)
		}
	default:
		if l > len(b)-i {
			return nil, 0, fmt.Errorf("%w: length past the end", errBER)
		}
	}
	if !constructed {
		out = append(out, ident...)
		out = appendLength(out, l)
		return append(out, b[i:i+l]...), i + l, nil
	}
	// Constructed: normalise the children, then prefix the definite length.
	body := b[i:]
	if !indefinite {
		body = b[i : i+l]
	}
	var content []byte
	unused := -1 // BIT STRING: the unused-bits octet of the last chunk
	pos := 0
	for {
		if indefinite {
			if len(body)-pos >= 2 && body[pos] == 0 && body[pos+1] == 0 {
				pos += 2
				break
			}
		} else if pos == len(body) {
			break
		}
		if pos >= len(body) {
			return nil, 0, fmt.Errorf("%w: missing end-of-contents", errBER)
		}
		child, n, err := berElement(body[pos:], depth+1, nil)
		if err != nil {
			return nil, 0, err
		}
		pos += n
		if !universal || !stringTags[tag] {
			content = append(content, child...)
			continue
		}
		// A chunk of a string: keep its contents only.
		if child[0]&0x20 != 0 || int(child[0]&0x1f) != tag {
			return nil, 0, fmt.Errorf("%w: bad string chunk", errBER)
		}
		c := child[headerLen(child):]
		if tag == 3 {
			if len(c) == 0 || unused > 0 {
				return nil, 0, fmt.Errorf("%w: bad bit string chunk", errBER)
			}
			unused = int(c[0])
			c = c[1:]
		}
		content = append(content, c...)
	}
	if universal && stringTags[tag] {
		if tag == 3 {
			if unused < 0 {
				unused = 0
			}
			content = append([]byte{byte(unused)}, content...)
		}
		out = append(out, b[0]&^0x20)
		out = append(out, ident[1:]...)
	} else {
		out = append(out, ident...)
	}
	out = appendLength(out, len(content))
	out = append(out, content...)
	if indefinite {
		return out, i + pos, nil
	}
	return out, i + l, nil
}

// headerLen returns the header size of a DER element made by berElement.
func headerLen(d []byte) int {
	i := 1
	if d[0]&0x1f == 0x1f {
		for d[i]&0x80 != 0 {
			i++
		}
		i++
	}
	if d[i] < 0x80 {
		return i + 1
	}
	return i + 1 + int(d[i]&0x7f)
}

func appendLength(out []byte, n int) []byte {
	if n < 0x80 {
		return append(out, byte(n))
	}
	var tmp [4]byte
	k := 0
	for v := n; v > 0; v >>= 8 {
		k++
	}
	for j := 0; j < k; j++ {
		tmp[j] = byte(n >> (8 * (k - 1 - j)))
	}
	out = append(out, 0x80|byte(k))
	return append(out, tmp[:k]...)
}
