package embedded

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argonParams are argon2id's cost parameters, stored with every hash so that
// they can be raised later without breaking old hashes.
type argonParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// defaultArgon follows OWASP's argon2id recommendation (19 MiB, 2 passes,
// one lane): tens of milliseconds on an office laptop.
var defaultArgon = argonParams{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	argonSaltLen = 16
	argonKeyLen  = 32
	// Limits on parsed parameters, so that a tampered row cannot make a
	// sign-in allocate gigabytes or spin for minutes.
	maxArgonMemory = 1 << 20 // KiB = 1 GiB
	maxArgonTime   = 64
)

var errBadHash = errors.New("malformed password hash")

// hashPassword returns an encoded argon2id hash of password with a fresh salt:
// $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH (unpadded standard base64).
func hashPassword(password string, p argonParams) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// parseHash decodes an encoded hash; anything not exactly in our format is
// refused.
func parseHash(encoded string) (p argonParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errBadHash
	}
	var m, t, par uint64
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return p, nil, nil, errBadHash
	}
	for i, f := range fields {
		name, val, ok := strings.Cut(f, "=")
		want := [...]string{"m", "t", "p"}[i]
		if !ok || name != want || val == "" || (len(val) > 1 && val[0] == '0') {
			return p, nil, nil, errBadHash
		}
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return p, nil, nil, errBadHash
		}
		switch i {
		case 0:
			m = n
		case 1:
			t = n
		case 2:
			par = n
		}
	}
	if m < 8 || m > maxArgonMemory || t < 1 || t > maxArgonTime || par < 1 || par > 255 || m < 8*par {
		return p, nil, nil, errBadHash
	}
	salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return p, nil, nil, errBadHash
	}
	key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errBadHash
	}
	return argonParams{Memory: uint32(m), Time: uint32(t), Threads: uint8(par)}, salt, key, nil
}

// verifyPassword tells whether password matches the encoded hash, comparing
// in constant time.
func verifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}
