package pdf

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rand"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// Errors of encrypted files. A file encrypted with an empty user password
// opens without one; others need OpenOptions.Password.
var (
	// ErrPasswordRequired means the file is encrypted and the empty user
	// password does not open it.
	ErrPasswordRequired = errors.New("the PDF is protected by a password")
	// ErrWrongPassword means the given password is neither the user nor
	// the owner password.
	ErrWrongPassword = errors.New("wrong password for the PDF")
)

// OpenOptions change how Open reads a file.
type OpenOptions struct {
	// Password is the user or owner password of an encrypted file. The
	// empty user password is always tried first, so files that open
	// without a password in a viewer need none here.
	Password string
}

// padding is the standard security handler's password padding.
var padding = []byte{
	0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08,
	0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a,
}

type cryptMethod uint8

const (
	cryptNone cryptMethod = iota
	cryptRC4
	cryptAESV2
	cryptAESV3
)

// security is the standard security handler of an encrypted file: the
// file key and the methods for strings and streams.
type security struct {
	r               int
	key             []byte
	str, stm        cryptMethod
	encryptMetadata bool
	encryptNum      int // the encryption dictionary itself is never encrypted
	perms           uint32
	owner           bool // opened with the owner password
}

// setupEncryption reads the trailer's /Encrypt and finds the file key.
func (f *File) setupEncryption(password string) error {
	encObj, ok := f.Trailer["Encrypt"]
	if !ok {
		return nil
	}
	encNum := -1
	if r, ok := encObj.(Ref); ok {
		encNum = r.Num
	}
	d, ok, err := f.ResolveDict(encObj)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: /Encrypt is not a dictionary", ErrSyntax)
	}
	if d["Filter"] != Name("Standard") {
		return fmt.Errorf("%w: encryption with the %q security handler (only passwords are supported)", ErrUnsupported, nameOf(d["Filter"]))
	}
	sec, err := newSecurity(d)
	if err != nil {
		return err
	}
	sec.encryptNum = encNum
	var id0 []byte
	if ids, ok := f.Trailer["ID"].(Array); ok && len(ids) > 0 {
		if s, ok := ids[0].(String); ok {
			id0 = s
		}
	}
	if err := sec.authenticate(d, id0, password); err != nil {
		return err
	}
	f.crypt = sec
	return nil
}

func nameOf(o Object) string {
	n, _ := o.(Name)
	return string(n)
}

// newSecurity reads the version, revision and crypt filters.
func newSecurity(d Dict) (*security, error) {
	v, _ := d["V"].(Int)
	r, _ := d["R"].(Int)
	sec := &security{r: int(r), encryptMetadata: true}
	if b, ok := d["EncryptMetadata"].(Bool); ok {
		sec.encryptMetadata = bool(b)
	}
	p, _ := d["P"].(Int)
	sec.perms = uint32(int32(p))
	switch {
	case (v == 1 || v == 2) && r >= 2 && r <= 3:
		sec.str, sec.stm = cryptRC4, cryptRC4
	case v == 4 && r == 4, v == 5 && (r == 5 || r == 6):
		var err error
		if sec.str, err = cryptFilter(d, "StrF"); err != nil {
			return nil, err
		}
		if sec.stm, err = cryptFilter(d, "StmF"); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: encryption V %d R %d", ErrUnsupported, v, r)
	}
	return sec, nil
}

// cryptFilter resolves /StmF or /StrF through /CF.
func cryptFilter(d Dict, key Name) (cryptMethod, error) {
	name, _ := d[key].(Name)
	if name == "" || name == "Identity" {
		return cryptNone, nil
	}
	cf, _ := d["CF"].(Dict)
	fd, _ := cf[name].(Dict)
	if fd == nil {
		return 0, fmt.Errorf("%w: crypt filter %q not defined", ErrSyntax, string(name))
	}
	switch fd["CFM"] {
	case Name("V2"):
		return cryptRC4, nil
	case Name("AESV2"):
		return cryptAESV2, nil
	case Name("AESV3"):
		return cryptAESV3, nil
	case Name("None"), nil:
		return cryptNone, nil
	}
	return 0, fmt.Errorf("%w: crypt filter method %q", ErrUnsupported, nameOf(fd["CFM"]))
}

// authenticate tries password as the user and as the owner password, then
// the empty user password.
func (s *security) authenticate(d Dict, id0 []byte, password string) error {
	o, _ := d["O"].(String)
	u, _ := d["U"].(String)
	if s.r >= 5 {
		oe, _ := d["OE"].(String)
		ue, _ := d["UE"].(String)
		if len(o) < 48 || len(u) < 48 || len(oe) < 32 || len(ue) < 32 {
			return fmt.Errorf("%w: bad /O, /U, /OE or /UE in /Encrypt", ErrSyntax)
		}
		for _, pw := range []string{password, ""} {
			if s.aes256Key(pw, o[:48], u[:48], oe[:32], ue[:32]) {
				return nil
			}
		}
	} else {
		if len(o) < 32 || len(u) < 32 {
			return fmt.Errorf("%w: bad /O or /U in /Encrypt", ErrSyntax)
		}
		n := 5
		if s.r >= 3 {
			l, ok := d["Length"].(Int)
			if !ok {
				l = 40
				if s.str == cryptAESV2 || s.stm == cryptAESV2 {
					l = 128
				}
			}
			if l < 40 || l > 128 || l%8 != 0 {
				return fmt.Errorf("%w: bad key /Length %d", ErrSyntax, l)
			}
			n = int(l / 8)
		}
		for _, pw := range []string{password, ""} {
			if s.rc4Key(pw, o[:32], u[:32], id0, n) {
				return nil
			}
		}
	}
	if password == "" {
		return ErrPasswordRequired
	}
	return ErrWrongPassword
}

func padPassword(pw []byte) []byte {
	out := make([]byte, 0, 32)
	if len(pw) > 32 {
		pw = pw[:32]
	}
	out = append(out, pw...)
	return append(out, padding[:32-len(out)]...)
}

// rc4Key finds the key for revisions 2 to 4 (ISO 32000-1, 7.6.3.3,
// algorithms 2, 4, 5 and 7).
func (s *security) rc4Key(pw string, o, u, id0 []byte, n int) bool {
	perms := binary.LittleEndian.AppendUint32(nil, s.perms)
	fileKey := func(user []byte) []byte {
		h := md5.New()
		h.Write(padPassword(user))
		h.Write(o)
		h.Write(perms)
		h.Write(id0)
		if s.r >= 4 && !s.encryptMetadata {
			h.Write([]byte{0xff, 0xff, 0xff, 0xff})
		}
		k := h.Sum(nil)
		if s.r >= 3 {
			for i := 0; i < 50; i++ {
				sum := md5.Sum(k[:n])
				k = sum[:]
			}
		}
		return k[:n]
	}
	checkUser := func(key []byte) bool {
		if s.r == 2 {
			return bytes.Equal(rc4Crypt(key, padding), u)
		}
		h := md5.New()
		h.Write(padding)
		h.Write(id0)
		x := rc4Crypt(key, h.Sum(nil))
		for i := 1; i <= 19; i++ {
			x = rc4Crypt(xorKey(key, byte(i)), x)
		}
		return bytes.Equal(x, u[:16])
	}
	if k := fileKey([]byte(pw)); checkUser(k) {
		s.key = k
		return true
	}
	if pw == "" {
		return false
	}
	// The owner password decrypts /O to the user password.
	ok := md5.Sum(padPassword([]byte(pw)))
	okey := ok[:]
	if s.r >= 3 {
		for i := 0; i < 50; i++ {
			sum := md5.Sum(okey)
			okey = sum[:]
		}
	}
	okey = okey[:n]
	user := append([]byte(nil), o...)
	if s.r == 2 {
		user = rc4Crypt(okey, user)
	} else {
		for i := 19; i >= 0; i-- {
			user = rc4Crypt(xorKey(okey, byte(i)), user)
		}
	}
	if k := fileKey(user); checkUser(k) {
		s.key, s.owner = k, true
		return true
	}
	return false
}

func xorKey(k []byte, b byte) []byte {
	out := make([]byte, len(k))
	for i := range k {
		out[i] = k[i] ^ b
	}
	return out
}

func rc4Crypt(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		return nil
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

// aes256Key finds the key for revisions 5 and 6 (ISO 32000-2, 7.6.4.3.3
// and 7.6.4.4). Passwords are taken as UTF-8 without SASLprep, which
// matters only for unusual characters.
func (s *security) aes256Key(pw string, o, u, oe, ue []byte) bool {
	p := []byte(pw)
	if len(p) > 127 {
		p = p[:127]
	}
	if bytes.Equal(s.hash6(p, u[32:40], nil), u[:32]) {
		s.key = aesNoIV(s.hash6(p, u[40:48], nil), ue)
		return s.key != nil
	}
	if pw != "" && bytes.Equal(s.hash6(p, o[32:40], u), o[:32]) {
		s.key = aesNoIV(s.hash6(p, o[40:48], u), oe)
		s.owner = true
		return s.key != nil
	}
	return false
}

// hash6 is SHA-256 for revision 5 and algorithm 2.B for revision 6.
func (s *security) hash6(pw, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(pw)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	if s.r == 5 {
		return k
	}
	for round := 0; ; round++ {
		k1 := make([]byte, 0, 64*(len(pw)+len(k)+len(udata)))
		for i := 0; i < 64; i++ {
			k1 = append(k1, pw...)
			k1 = append(k1, k...)
			k1 = append(k1, udata...)
		}
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, c := range e[:16] {
			sum += int(c)
		}
		var next hash.Hash
		switch sum % 3 {
		case 0:
			next = sha256.New()
		case 1:
			next = sha512.New384()
		default:
			next = sha512.New()
		}
		next.Write(e)
		k = next.Sum(nil)
		if round >= 63 && int(e[len(e)-1]) <= round+1-32 {
			break
		}
	}
	return k[:32]
}

// aesNoIV decrypts data (a multiple of 16 bytes) with AES-256-CBC and a
// zero IV.
func aesNoIV(key, data []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil || len(data)%16 != 0 {
		return nil
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(out, data)
	return out
}

// objectKey derives the key for object num gen (algorithm 1); AES-256
// uses the file key itself.
func (s *security) objectKey(m cryptMethod, num, gen int) []byte {
	if m == cryptAESV3 {
		return s.key
	}
	h := md5.New()
	h.Write(s.key)
	h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(gen), byte(gen >> 8)})
	if m == cryptAESV2 {
		h.Write([]byte("sAlT"))
	}
	k := h.Sum(nil)
	n := len(s.key) + 5
	if n > 16 {
		n = 16
	}
	return k[:n]
}

func (s *security) decrypt(m cryptMethod, num, gen int, data []byte) ([]byte, error) {
	switch m {
	case cryptNone:
		return data, nil
	case cryptRC4:
		return rc4Crypt(s.objectKey(m, num, gen), data), nil
	}
	if len(data) == 0 {
		return data, nil
	}
	if len(data) < 32 || len(data)%16 != 0 {
		return nil, fmt.Errorf("%w: AES data of %d bytes in object %d", ErrSyntax, len(data), num)
	}
	block, err := aes.NewCipher(s.objectKey(m, num, gen))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	if p := int(out[len(out)-1]); p >= 1 && p <= 16 && p <= len(out) {
		out = out[:len(out)-p]
	}
	return out, nil
}

func (s *security) encrypt(m cryptMethod, num, gen int, data []byte) []byte {
	switch m {
	case cryptNone:
		return data
	case cryptRC4:
		return rc4Crypt(s.objectKey(m, num, gen), data)
	}
	block, _ := aes.NewCipher(s.objectKey(m, num, gen))
	p := 16 - len(data)%16
	plain := append(append([]byte(nil), data...), bytes.Repeat([]byte{byte(p)}, p)...)
	out := make([]byte, 16+len(plain))
	rand.Read(out[:16])
	cipher.NewCBCEncrypter(block, out[:16]).CryptBlocks(out[16:], plain)
	return out
}

// decryptObject decrypts the strings of object num gen in place of a copy.
// Cross-reference streams and the encryption dictionary are not encrypted,
// nor is a signature's /Contents (ISO 32000-1, 7.6.1).
func (s *security) decryptObject(o Object, num, gen int) (Object, error) {
	if num == s.encryptNum {
		return o, nil
	}
	var d Dict
	switch v := o.(type) {
	case Dict:
		d = v
	case Stream:
		d = v.Dict
	}
	if d != nil && d["Type"] == Name("XRef") {
		return o, nil
	}
	return s.mapStrings(o, num, gen, 0, func(b []byte) ([]byte, error) {
		out, err := s.decrypt(s.str, num, gen, b)
		if err != nil {
			// Some writers leave a string unencrypted (AES data of a
			// wrong length): keep it, as other readers do.
			return b, nil
		}
		return out, nil
	})
}

// mapStrings applies fn to every string inside o, returning a copy.
func (s *security) mapStrings(o Object, num, gen, depth int, fn func([]byte) ([]byte, error)) (Object, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: objects nested too deeply", ErrLimit)
	}
	switch v := o.(type) {
	case String:
		b, err := fn(v)
		return String(b), err
	case Array:
		out := make(Array, len(v))
		for i, e := range v {
			var err error
			if out[i], err = s.mapStrings(e, num, gen, depth+1, fn); err != nil {
				return nil, err
			}
		}
		return out, nil
	case Dict:
		out := make(Dict, len(v))
		_, sig := v["ByteRange"]
		for k, e := range v {
			if k == "Contents" && (sig || v["Type"] == Name("Sig") || v["Type"] == Name("DocTimeStamp")) {
				out[k] = e
				continue
			}
			var err error
			if out[k], err = s.mapStrings(e, num, gen, depth+1, fn); err != nil {
				return nil, err
			}
		}
		return out, nil
	case Stream:
		d, err := s.mapStrings(v.Dict, num, gen, depth+1, fn)
		if err != nil {
			return nil, err
		}
		v.Dict = d.(Dict)
		return v, nil
	}
	return o, nil
}

// Encrypted reports whether the file is encrypted. Objects written into
// an update must then go through EncryptObject and EncryptStream.
func (f *File) Encrypted() bool { return f.crypt != nil }

// CanSign reports whether the file's permissions allow adding a signature:
// always for unencrypted files and for the owner password; otherwise
// when annotations or form filling are allowed (/P bits 6 or 9).
func (f *File) CanSign() bool {
	s := f.crypt
	if s == nil || s.owner {
		return true
	}
	if s.perms&(1<<5) != 0 {
		return true
	}
	return s.r >= 3 && s.perms&(1<<8) != 0
}

// EncryptObject returns o with its strings encrypted for object num gen
// (o itself when the file is not encrypted). A signature dictionary's
// /Contents stays as it is.
func (f *File) EncryptObject(o Object, num, gen int) (Object, error) {
	s := f.crypt
	if s == nil {
		return o, nil
	}
	return s.mapStrings(o, num, gen, 0, func(b []byte) ([]byte, error) { return s.encrypt(s.str, num, gen, b), nil })
}

// EncryptStream returns the stream data encrypted for object num gen
// (data itself when the file is not encrypted).
func (f *File) EncryptStream(data []byte, num, gen int) []byte {
	if f.crypt == nil {
		return data
	}
	return f.crypt.encrypt(f.crypt.stm, num, gen, data)
}

// decryptStream decrypts raw stream data of s, unless the stream is
// exempt (cross-reference streams, clear-text metadata, Identity).
func (f *File) decryptStream(s Stream, raw []byte) ([]byte, error) {
	c := f.crypt
	if c == nil || s.Num == c.encryptNum {
		return raw, nil
	}
	switch s.Dict["Type"] {
	case Name("XRef"):
		return raw, nil
	case Name("Metadata"):
		if !c.encryptMetadata {
			return raw, nil
		}
	}
	m := c.stm
	if first, ok := firstFilter(s.Dict); ok && first == "Crypt" {
		m = cryptNone // only the Identity crypt filter is used in practice
	}
	return c.decrypt(m, s.Num, s.Gen, raw)
}

func firstFilter(d Dict) (Name, bool) {
	switch v := d["Filter"].(type) {
	case Name:
		return v, true
	case Array:
		if len(v) > 0 {
			n, ok := v[0].(Name)
			return n, ok
		}
	}
	return "", false
}
