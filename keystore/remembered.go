package keystore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Remembered is what "Ingat Akun ini" keeps: the login name and a revocable session token, never the
// password.
type Remembered struct {
	Login string
	Token string
}

// rememberedV1 is the stored form: small JSON text, versioned so that a later format can be told apart.
type rememberedV1 struct {
	V     int    `json:"v"`
	Login string `json:"login"`
	Token string `json:"token"`
}

const kindRemembered = "remembered"

func validText(s string) bool {
	return s != "" && utf8.ValidString(s)
}

func encodeRemembered(r Remembered) (string, error) {
	// Invalid UTF-8 would be changed by JSON on the way in; refuse it instead.
	if !validText(r.Login) {
		return "", fmt.Errorf("%w: login must be non-empty UTF-8 text", ErrInvalid)
	}
	if !validText(r.Token) {
		return "", fmt.Errorf("%w: token must be non-empty UTF-8 text", ErrInvalid)
	}
	b, err := json.Marshal(rememberedV1{V: 1, Login: r.Login, Token: r.Token})
	if err != nil {
		return "", fmt.Errorf("encode remembered account: %w", err)
	}
	return string(b), nil
}

func decodeRemembered(s string) (Remembered, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	var v rememberedV1
	if err := dec.Decode(&v); err != nil {
		return Remembered{}, fmt.Errorf("%w: remembered account is not valid JSON", ErrCorrupt)
	}
	if dec.More() {
		return Remembered{}, fmt.Errorf("%w: remembered account has trailing data", ErrCorrupt)
	}
	if v.V != 1 {
		return Remembered{}, fmt.Errorf("%w: remembered account has unknown version %d", ErrCorrupt, v.V)
	}
	if !validText(v.Login) || !validText(v.Token) {
		return Remembered{}, fmt.Errorf("%w: remembered account lacks login or token", ErrCorrupt)
	}
	return Remembered{Login: v.Login, Token: v.Token}, nil
}

// SaveRemembered keeps r in the keyring, replacing what was there. Without a keyring it fails with an
// error wrapping ErrUnavailable: the token is never written anywhere else.
func (s *Store) SaveRemembered(r Remembered) error {
	value, err := encodeRemembered(r)
	if err != nil {
		return fmt.Errorf("remember account: %w", err)
	}
	if err := s.set(kindRemembered, value); err != nil {
		return fmt.Errorf("remember account: %w", err)
	}
	return nil
}

// LoadRemembered returns the remembered account; ErrNotFound when none.
func (s *Store) LoadRemembered() (Remembered, error) {
	value, err := s.get(kindRemembered)
	if errors.Is(err, ErrNotFound) {
		return Remembered{}, ErrNotFound
	}
	if err != nil {
		return Remembered{}, fmt.Errorf("load remembered account: %w", err)
	}
	r, err := decodeRemembered(value)
	if err != nil {
		return Remembered{}, fmt.Errorf("load remembered account: %w", err)
	}
	return r, nil
}

// ForgetRemembered removes the remembered account; no error when there is none.
func (s *Store) ForgetRemembered() error {
	err := s.delete(kindRemembered)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("forget remembered account: %w", err)
	}
	return nil
}
