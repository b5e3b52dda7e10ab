package embedded

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// secretBox encrypts secrets at rest with subkeys of the master key.
type secretBox struct {
	aead     cipher.AEAD
	checkKey []byte
}

func newSecretBox(master []byte) (*secretBox, error) {
	if len(master) != authority.MasterKeySize {
		return nil, fmt.Errorf("%w: it has %d bytes, want %d", ErrMasterKeyInvalid, len(master), authority.MasterKeySize)
	}
	// Separate subkeys, so the key-check value says nothing about the
	// encryption key.
	encKey, err := hkdf.Key(sha256.New, master, nil, "besign authority secrets v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	checkKey, err := hkdf.Key(sha256.New, master, nil, "besign authority key check v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("init cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("init cipher: %w", err)
	}
	return &secretBox{aead: aead, checkKey: checkKey}, nil
}

// keyCheck is the value stored in the database to recognise the master key.
func (b *secretBox) keyCheck() []byte {
	m := hmac.New(sha256.New, b.checkKey)
	m.Write([]byte("besign key check"))
	return m.Sum(nil)
}

func (b *secretBox) matches(stored []byte) bool {
	return hmac.Equal(stored, b.keyCheck())
}

// seal encrypts plaintext; aad binds the result to its row, so that a sealed
// secret copied into another row does not open.
func (b *secretBox) seal(plaintext []byte, aad string) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal secret: %w", err)
	}
	return b.aead.Seal(nonce, nonce, plaintext, []byte(aad)), nil
}

var errSecretDamaged = errors.New("stored secret cannot be decrypted")

func (b *secretBox) open(sealed []byte, aad string) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, errSecretDamaged
	}
	out, err := b.aead.Open(nil, sealed[:n], sealed[n:], []byte(aad))
	if err != nil {
		return nil, errSecretDamaged
	}
	return out, nil
}

func enrolmentAAD(id string, userID int64) string {
	return "otp-enrolment|" + id + "|" + strconv.FormatInt(userID, 10)
}

func deviceAAD(id, userID int64) string {
	return "otp-device|" + strconv.FormatInt(id, 10) + "|" + strconv.FormatInt(userID, 10)
}

// The TOTP policy: RFC 6238, HMAC-SHA1, 6 digits, 30 s, one step of skew
// each way: what FreeOTP and Google Authenticator use by default.
const (
	otpPeriod     = 30
	otpSkew       = 1
	otpSecretSize = 20 // bytes: 160 bits, as RFC 4226 recommends
)

var otpOpts = totp.ValidateOpts{Period: otpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func newOTPSecret() (string, error) {
	raw := make([]byte, otpSecretSize)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate OTP secret: %w", err)
	}
	return b32.EncodeToString(raw), nil
}

// otpStep is the RFC 6238 time step of t.
func otpStep(t time.Time) int64 {
	return t.Unix() / otpPeriod
}

// matchOTP returns the time step within the skew window at which code is the
// secret's code, trying the current step first.
func matchOTP(secret, code string, now time.Time) (int64, bool) {
	cur := otpStep(now)
	for _, d := range []int64{0, -otpSkew, otpSkew} {
		step := cur + d
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*otpPeriod, 0), otpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// keyURI is the otpauth URI of the QR code (the Key Uri Format of Google
// Authenticator): label ISSUER:ACCOUNT, then secret, issuer, algorithm,
// digits and period, all stated so that no app falls back to its own.
func keyURI(issuer, account, secret string) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := "secret=" + secret + "&issuer=" + url.QueryEscape(issuer) +
		"&algorithm=SHA1&digits=" + strconv.Itoa(authority.OTPDigits) + "&period=" + strconv.Itoa(otpPeriod)
	return "otpauth://totp/" + label + "?" + q
}
