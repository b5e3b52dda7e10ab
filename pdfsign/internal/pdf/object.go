// Package pdf reads the object structure of PDF files: tokens, objects,
// cross-reference tables and streams, object streams and /Prev chains,
// rebuilt by a scan when they are broken; stream filters; and the standard
// security handler's encryption (decrypted on read, and applied to new
// objects on request). It reads lazily through an io.ReaderAt so that
// memory does not grow with the file, and writes objects back in their PDF
// syntax for incremental updates.
package pdf

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
)

// Object is one of Null, Bool, Int, Real, String, Name, Array, Dict, Ref or
// Stream.
type Object any

type (
	Null   struct{}
	Bool   bool
	Int    int64
	Real   float64
	String []byte
	Name   string
	Array  []Object
	Dict   map[Name]Object
	// Ref is an indirect reference "Num Gen R".
	Ref struct{ Num, Gen int }
	// Stream is a stream object; its data stays in the file at Offset.
	// Num and Gen name the object (they key its decryption).
	Stream struct {
		Dict     Dict
		Offset   int64
		Num, Gen int
	}
)

// Clone returns a shallow copy of d, enough to add or replace keys.
func (d Dict) Clone() Dict {
	c := make(Dict, len(d)+2)
	for k, v := range d {
		c[k] = v
	}
	return c
}

// Number returns o as a float when it is an Int or Real.
func Number(o Object) (float64, bool) {
	switch v := o.(type) {
	case Int:
		return float64(v), true
	case Real:
		return float64(v), true
	}
	return 0, false
}

// Append writes o in PDF syntax to b. Streams cannot be written this way
// (their data stays with the caller): they give ErrSyntax.
func Append(b *bytes.Buffer, o Object) error {
	switch v := o.(type) {
	case nil, Null:
		b.WriteString("null")
	case Bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case Int:
		b.WriteString(strconv.FormatInt(int64(v), 10))
	case Real:
		b.WriteString(FormatReal(float64(v)))
	case String:
		appendString(b, v)
	case Name:
		appendName(b, v)
	case Array:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			if err := Append(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case Dict:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, string(k))
		}
		// Sorted for reproducible output.
		sort.Strings(keys)
		b.WriteString("<<")
		for _, k := range keys {
			appendName(b, Name(k))
			b.WriteByte(' ')
			if err := Append(b, v[Name(k)]); err != nil {
				return err
			}
		}
		b.WriteString(">>")
	case Ref:
		fmt.Fprintf(b, "%d %d R", v.Num, v.Gen)
	default:
		return fmt.Errorf("%w: cannot write a %T inside an object", ErrSyntax, o)
	}
	return nil
}

// FormatReal formats f without an exponent, as PDF requires.
func FormatReal(f float64) string {
	s := strconv.FormatFloat(f, 'f', 4, 64)
	if bytesContains(s, '.') {
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		s = trimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func bytesContains(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func trimSuffix(s, suf string) string {
	if len(s) >= len(suf) && s[len(s)-len(suf):] == suf {
		return s[:len(s)-len(suf)]
	}
	return s
}

func appendString(b *bytes.Buffer, s String) {
	printable := true
	for _, c := range s {
		if c < 0x20 || c > 0x7e {
			printable = false
			break
		}
	}
	if !printable {
		b.WriteByte('<')
		const hexdigits = "0123456789ABCDEF"
		for _, c := range s {
			b.WriteByte(hexdigits[c>>4])
			b.WriteByte(hexdigits[c&15])
		}
		b.WriteByte('>')
		return
	}
	b.WriteByte('(')
	for _, c := range s {
		if c == '(' || c == ')' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte(')')
}

func appendName(b *bytes.Buffer, n Name) {
	b.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7e || c == '#' || isDelim(c) {
			fmt.Fprintf(b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
}

func isWhite(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}
