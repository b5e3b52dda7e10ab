package pdf

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors; every error from this package wraps one of them.
var (
	// ErrSyntax means the bytes are not valid PDF syntax.
	ErrSyntax = errors.New("malformed PDF syntax")
	// ErrXref means the cross-reference information is missing or broken.
	ErrXref = errors.New("broken cross-reference table")
	// ErrLimit means the file exceeds a safety limit (object size, nesting,
	// object numbers).
	ErrLimit = errors.New("PDF exceeds a safety limit")
	// ErrAmbiguous means a structure PDF readers read differently, so
	// what one shows is not what another shows: one cross-reference
	// section giving an object two different entries (besign, poppler,
	// MuPDF and qpdf take the first, PDFium the last), or a stream whose
	// /Length reaches past an "endstream" (see CheckStreamEnd), or a
	// cross-reference entry pointing at another object's header (PDFium
	// has no such object, the others rebuild the table). Such a file is
	// not repaired.
	ErrAmbiguous = errors.New("ambiguous PDF structure")
	// errShort means the buffer ended before the object; callers retry with
	// a larger window.
	errShort = errors.New("unexpected end of data")
)

const maxDepth = 64

// keyword is a bare token such as obj, R, stream, true.
type keyword string

type tokKind int

const (
	tEOF tokKind = iota
	tObj         // a complete simple object (number, string, name, bool, null)
	tKeyword
	tArrayOpen
	tArrayClose
	tDictOpen
	tDictClose
)

// parser reads objects from an in-memory window of the file. atEOF says
// whether the window ends where the file ends (errShort otherwise).
type parser struct {
	buf   []byte
	pos   int
	atEOF bool
}

func (p *parser) short() error {
	if p.atEOF {
		return fmt.Errorf("%w: unexpected end of file", ErrSyntax)
	}
	return errShort
}

func (p *parser) skipSpace() {
	for p.pos < len(p.buf) {
		c := p.buf[p.pos]
		if isWhite(c) {
			p.pos++
			continue
		}
		if c == '%' {
			for p.pos < len(p.buf) && p.buf[p.pos] != '\n' && p.buf[p.pos] != '\r' {
				p.pos++
			}
			continue
		}
		return
	}
}

// token returns the next token. For tObj the object is returned; for
// tKeyword the keyword.
func (p *parser) token() (tokKind, Object, error) {
	p.skipSpace()
	if p.pos >= len(p.buf) {
		return tEOF, nil, nil
	}
	c := p.buf[p.pos]
	switch {
	case c == '[':
		p.pos++
		return tArrayOpen, nil, nil
	case c == ']':
		p.pos++
		return tArrayClose, nil, nil
	case c == '<':
		if p.pos+1 >= len(p.buf) {
			return 0, nil, p.short()
		}
		if p.buf[p.pos+1] == '<' {
			p.pos += 2
			return tDictOpen, nil, nil
		}
		s, err := p.hexString()
		return tObj, s, err
	case c == '>':
		if p.pos+1 >= len(p.buf) {
			return 0, nil, p.short()
		}
		if p.buf[p.pos+1] == '>' {
			p.pos += 2
			return tDictClose, nil, nil
		}
		return 0, nil, fmt.Errorf("%w: stray '>' at %d", ErrSyntax, p.pos)
	case c == '(':
		s, err := p.literalString()
		return tObj, s, err
	case c == '/':
		n, err := p.name()
		return tObj, n, err
	case c == ')' || c == '{' || c == '}':
		return 0, nil, fmt.Errorf("%w: unexpected %q at %d", ErrSyntax, c, p.pos)
	}
	start := p.pos
	for p.pos < len(p.buf) && !isWhite(p.buf[p.pos]) && !isDelim(p.buf[p.pos]) {
		p.pos++
	}
	if p.pos == len(p.buf) && !p.atEOF {
		return 0, nil, errShort
	}
	w := string(p.buf[start:p.pos])
	switch w {
	case "true":
		return tObj, Bool(true), nil
	case "false":
		return tObj, Bool(false), nil
	case "null":
		return tObj, Null{}, nil
	}
	if c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
		if n, err := strconv.ParseInt(w, 10, 64); err == nil {
			return tObj, Int(n), nil
		}
		if f, ok := parseReal(w); ok {
			return tObj, Real(f), nil
		}
		return 0, nil, fmt.Errorf("%w: bad number %q", ErrSyntax, clip(w))
	}
	return tKeyword, keyword(w), nil
}

func clip(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

// parseReal accepts PDF reals (no exponent), tolerating a doubled sign.
func parseReal(w string) (float64, bool) {
	for _, c := range w {
		if c == 'e' || c == 'E' || c == 'x' || c == 'X' || c == 'n' || c == 'N' || c == 'i' || c == 'I' || c == '_' {
			return 0, false
		}
	}
	if len(w) > 1 && (w[:2] == "--" || w[:2] == "+-" || w[:2] == "-+") {
		w = w[1:]
	}
	f, err := strconv.ParseFloat(w, 64)
	return f, err == nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (p *parser) hexString() (String, error) {
	p.pos++ // '<'
	var out []byte
	var hi byte
	half := false
	for p.pos < len(p.buf) {
		c := p.buf[p.pos]
		p.pos++
		if c == '>' {
			if half {
				out = append(out, hi<<4)
			}
			return String(out), nil
		}
		if isWhite(c) {
			continue
		}
		v, ok := unhex(c)
		if !ok {
			return nil, fmt.Errorf("%w: bad hex string", ErrSyntax)
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	return nil, p.short()
}

func (p *parser) literalString() (String, error) {
	p.pos++ // '('
	var out []byte
	depth := 1
	for p.pos < len(p.buf) {
		c := p.buf[p.pos]
		p.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return String(out), nil
			}
		case '\r':
			// An unescaped end of line is read as \n.
			if p.pos < len(p.buf) && p.buf[p.pos] == '\n' {
				p.pos++
			}
			c = '\n'
		case '\\':
			if p.pos >= len(p.buf) {
				return nil, p.short()
			}
			e := p.buf[p.pos]
			p.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if p.pos < len(p.buf) && p.buf[p.pos] == '\n' {
					p.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && p.pos < len(p.buf) && p.buf[p.pos] >= '0' && p.buf[p.pos] <= '7'; i++ {
						v = v*8 + int(p.buf[p.pos]-'0')
						p.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return nil, p.short()
}

func (p *parser) name() (Name, error) {
	p.pos++ // '/'
	var out []byte
	for p.pos < len(p.buf) {
		c := p.buf[p.pos]
		if isWhite(c) || isDelim(c) {
			return Name(out), nil
		}
		p.pos++
		if c == '#' && p.pos+1 < len(p.buf) {
			h, ok1 := unhex(p.buf[p.pos])
			l, ok2 := unhex(p.buf[p.pos+1])
			if ok1 && ok2 {
				c = h<<4 | l
				p.pos += 2
			}
		}
		out = append(out, c)
	}
	if !p.atEOF {
		return "", errShort
	}
	return Name(out), nil
}

// object parses one object. References "n g R" are recognised here.
func (p *parser) object(depth int) (Object, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: objects nested too deeply", ErrLimit)
	}
	k, o, err := p.token()
	if err != nil {
		return nil, err
	}
	switch k {
	case tEOF:
		return nil, p.short()
	case tObj:
		if n, ok := o.(Int); ok {
			save := p.pos
			if r, ok, err := p.refAfter(n); err != nil {
				return nil, err
			} else if ok {
				return r, nil
			}
			p.pos = save
		}
		return o, nil
	case tArrayOpen:
		var a Array
		for {
			p.skipSpace()
			if p.pos >= len(p.buf) {
				return nil, p.short()
			}
			if p.buf[p.pos] == ']' {
				p.pos++
				if a == nil {
					a = Array{}
				}
				return a, nil
			}
			e, err := p.object(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, e)
		}
	case tDictOpen:
		d := Dict{}
		for {
			k, o, err := p.token()
			if err != nil {
				return nil, err
			}
			if k == tDictClose {
				return d, nil
			}
			if k == tEOF {
				return nil, p.short()
			}
			key, ok := o.(Name)
			if k != tObj || !ok {
				return nil, fmt.Errorf("%w: dictionary key is not a name", ErrSyntax)
			}
			v, err := p.object(depth + 1)
			if err != nil {
				return nil, err
			}
			// A repeated key counts with its last value, as in every other
			// reader, and null means absent: "/K x /K null" has no /K.
			if _, isNull := v.(Null); isNull {
				delete(d, key)
			} else {
				d[key] = v
			}
		}
	case tKeyword:
		return nil, fmt.Errorf("%w: unexpected keyword %q", ErrSyntax, clip(string(o.(keyword))))
	}
	return nil, fmt.Errorf("%w: unexpected token at %d", ErrSyntax, p.pos)
}

// refAfter checks whether "gen R" follows the integer n.
func (p *parser) refAfter(n Int) (Ref, bool, error) {
	k, o, err := p.token()
	if err != nil {
		if errors.Is(err, errShort) {
			return Ref{}, false, err
		}
		return Ref{}, false, nil
	}
	g, ok := o.(Int)
	if k != tObj || !ok {
		return Ref{}, false, nil
	}
	k, o, err = p.token()
	if err != nil {
		if errors.Is(err, errShort) {
			return Ref{}, false, err
		}
		return Ref{}, false, nil
	}
	if k != tKeyword || o.(keyword) != "R" {
		return Ref{}, false, nil
	}
	if n < 0 || n > maxObjNum || g < 0 || g > 65535 {
		return Ref{}, false, fmt.Errorf("%w: object number %d out of range", ErrLimit, n)
	}
	return Ref{int(n), int(g)}, true, nil
}

// maxObjNum bounds object numbers (ISO 32000 suggests 8,388,607).
const maxObjNum = 8388607

// ParseObject parses a single object from b (for tests and fuzzing).
func ParseObject(b []byte) (Object, error) {
	p := &parser{buf: b, atEOF: true}
	return p.object(0)
}

// indirectHeader parses "num gen obj" at the parser's position.
func (p *parser) indirectHeader() (num, gen int, err error) {
	var vals [2]int
	for i := 0; i < 2; i++ {
		k, o, err := p.token()
		if err != nil {
			return 0, 0, err
		}
		n, ok := o.(Int)
		if k != tObj || !ok || n < 0 || n > maxObjNum {
			return 0, 0, fmt.Errorf("%w: expected an object header", ErrXref)
		}
		vals[i] = int(n)
	}
	k, o, err := p.token()
	if err != nil {
		return 0, 0, err
	}
	if k != tKeyword || o.(keyword) != "obj" {
		return 0, 0, fmt.Errorf("%w: expected 'obj'", ErrXref)
	}
	return vals[0], vals[1], nil
}

// streamStart checks for the "stream" keyword after a dictionary and
// returns the offset (in the window) where the data begins.
func (p *parser) streamStart() (int, bool, error) {
	save := p.pos
	p.skipSpace()
	if len(p.buf)-p.pos < 7 && !p.atEOF {
		return 0, false, errShort
	}
	if p.pos+6 <= len(p.buf) && string(p.buf[p.pos:p.pos+6]) == "stream" {
		q := p.pos + 6
		// The keyword is followed by CRLF or LF (tolerate a lone CR).
		if q < len(p.buf) && p.buf[q] == '\r' {
			q++
		}
		if q < len(p.buf) && p.buf[q] == '\n' {
			q++
		}
		return q, true, nil
	}
	p.pos = save
	return 0, false, nil
}
