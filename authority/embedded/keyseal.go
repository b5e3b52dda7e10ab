package embedded

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"

	"golang.org/x/crypto/argon2"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// Signing keys at rest: the PKCS #8 key is encrypted with AES-256-GCM under
// a key derived from the passphrase by argon2id. The parameters and salt are
// stored beside the ciphertext, so that they can be raised later without
// breaking old keys. The authority never stores the passphrase or anything
// that checks it other than the ciphertext itself.
//
// That sealed form is sealed again under the master key (the secret box),
// so that a copy of the data dir without the OS keyring gives nothing to
// guess passphrases against: both layers bind the certificate and account.
// Keys stored before schema 7 have the inner layer only; the authority
// wraps them when it opens (wrapOldKeys).

// defaultKDF is tuned so that one derivation takes about 0.25-0.5 s on an
// office laptop (BenchmarkDeriveKey); both cores work on it.
var defaultKDF = argonParams{Memory: 128 * 1024, Time: 5, Threads: 2}

// sealedKey is the stored form of a signing key.
type sealedKey struct {
	KDF        string `json:"kdf"` // "argon2id"
	Version    int    `json:"v"`   // argon2.Version
	Memory     uint32 `json:"m"`   // KiB
	Time       uint32 `json:"t"`
	Threads    uint8  `json:"p"`
	Salt       []byte `json:"salt"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ct"`
}

// deriveKey derives the AES-256-GCM key of a passphrase.
func deriveKey(passphrase string, salt []byte, p argonParams) (cipher.AEAD, error) {
	k := argon2.IDKey([]byte(passphrase), salt, p.Time, p.Memory, p.Threads, 32)
	block, err := aes.NewCipher(k)
	clear(k)
	if err != nil {
		return nil, fmt.Errorf("init cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// sealKey encrypts pkcs8 under passphrase; aad binds it to its certificate.
func sealKey(pkcs8 []byte, passphrase string, p argonParams, aad string) ([]byte, error) {
	s := sealedKey{KDF: "argon2id", Version: argon2.Version, Memory: p.Memory, Time: p.Time, Threads: p.Threads,
		Salt: make([]byte, 16)}
	if _, err := rand.Read(s.Salt); err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	aead, err := deriveKey(passphrase, s.Salt, p)
	if err != nil {
		return nil, err
	}
	s.Nonce = make([]byte, aead.NonceSize())
	if _, err := rand.Read(s.Nonce); err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	s.Ciphertext = aead.Seal(nil, s.Nonce, pkcs8, []byte(aad))
	return json.Marshal(s)
}

// openKey decrypts a sealed key: ErrPassphraseWrong when the passphrase
// does not open it, errSecretDamaged when the stored form is not ours.
func openKey(sealed []byte, passphrase, aad string) ([]byte, error) {
	var s sealedKey
	if err := json.Unmarshal(sealed, &s); err != nil {
		return nil, errSecretDamaged
	}
	p := argonParams{Memory: s.Memory, Time: s.Time, Threads: s.Threads}
	// Bounds, so that a tampered row cannot make a signature allocate
	// gigabytes or spin for minutes.
	if s.KDF != "argon2id" || s.Version != argon2.Version || p.Memory < 8 || p.Memory > maxArgonMemory ||
		p.Time < 1 || p.Time > maxArgonTime || p.Threads < 1 || p.Memory < 8*uint32(p.Threads) || len(s.Salt) < 8 || len(s.Salt) > 64 {
		return nil, errSecretDamaged
	}
	aead, err := deriveKey(passphrase, s.Salt, p)
	if err != nil {
		return nil, err
	}
	if len(s.Nonce) != aead.NonceSize() {
		return nil, errSecretDamaged
	}
	out, err := aead.Open(nil, s.Nonce, s.Ciphertext, []byte(aad))
	if err != nil {
		return nil, authority.ErrPassphraseWrong
	}
	return out, nil
}

// wrapAAD binds the master key's layer of a signing key to its row.
func wrapAAD(serial string, userID int64) string {
	return "signing-key-wrap|" + serial + "|" + strconv.FormatInt(userID, 10)
}

// sealSigningKey seals pkcs8 under passphrase, then under the master key.
func (e *Authority) sealSigningKey(pkcs8 []byte, passphrase, serial string, userID int64) ([]byte, error) {
	var inner []byte
	var err error
	e.kdfPool.measure(func() { inner, err = sealKey(pkcs8, passphrase, e.kdf, certAAD(serial, userID)) })
	if err != nil {
		return nil, err
	}
	return e.box.seal(inner, wrapAAD(serial, userID))
}

// openSigningKey opens a certificate's key: ErrPassphraseWrong for a wrong
// passphrase, errSecretDamaged when the master key's layer does not open.
// A key from before schema 7 (not wrapped) opens with the passphrase alone.
func (e *Authority) openSigningKey(c store.Certificate, passphrase string) ([]byte, error) {
	inner := c.Key
	if c.KeyWrapped {
		var err error
		if inner, err = e.box.open(c.Key, wrapAAD(c.Serial, c.UserID)); err != nil {
			return nil, err
		}
	}
	var out []byte
	var err error
	e.kdfPool.measure(func() { out, err = openKey(inner, passphrase, certAAD(c.Serial, c.UserID)) })
	return out, err
}

// wrapOldKeys seals every key stored under the passphrase alone under the
// master key too, inside tx; the caller then checkpoints, so that the old
// form is gone from the WAL as well (secure_delete zeroes it in the pages).
func (e *Authority) wrapOldKeys(ctx context.Context, tx store.Tx) (int, error) {
	old, err := tx.UnwrappedCertificates(ctx)
	if err != nil {
		return 0, err
	}
	for _, c := range old {
		wrapped, err := e.box.seal(c.Key, wrapAAD(c.Serial, c.UserID))
		if err != nil {
			return 0, err
		}
		if err := tx.SetCertificateKey(ctx, c.Serial, wrapped); err != nil {
			return 0, err
		}
	}
	return len(old), nil
}
