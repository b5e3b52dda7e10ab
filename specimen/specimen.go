// Package specimen keeps the picture a signer adds to their visible
// signatures: a handwritten specimen or the instansi's logo, as BSrE's
// imageTTD allows. It is checked as the activation's photo is (a size and
// side bounds, a picture that decodes), kept per account in the data
// directory, readable by its owner only, and written whole or not at all.
// Like the history, it is this laptop's: the authority never sees it.
package specimen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	_ "image/jpeg" // the formats accepted
	_ "image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/natunakab/besign/internal/atomicfile"
)

// Bounds of a picture: enough for a sharp 5 cm stamp at print resolution,
// and small enough that each signed copy stays small (pdfsign embeds the
// pixels).
const (
	MaxBytes = 1 << 20
	MinSide  = 32
	MaxSide  = 1200
)

// Errors of Check.
var (
	ErrTooLarge = errors.New("the picture is too large")
	ErrTooSmall = errors.New("the picture is too small")
	ErrInvalid  = errors.New("the picture is not a PNG or JPEG that can be read")
)

// Check decodes b as a PNG or JPEG within the bounds. The sides are read
// from the header before the pixels are decoded, so that a small file
// claiming a huge picture costs nothing.
func Check(b []byte) (image.Image, error) {
	if len(b) > MaxBytes {
		return nil, ErrTooLarge
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || (format != "png" && format != "jpeg") {
		return nil, ErrInvalid
	}
	switch {
	case cfg.Width > MaxSide || cfg.Height > MaxSide:
		return nil, ErrTooLarge
	case cfg.Width < MinSide || cfg.Height < MinSide:
		return nil, ErrTooSmall
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, ErrInvalid
	}
	return img, nil
}

// Store is the pictures of the accounts of one data directory.
type Store struct{ dir string }

// Open returns the pictures kept under dir; dir is created on the first
// save.
func Open(dir string) *Store { return &Store{dir: dir} }

// path is account's picture, named by a hash of its address (any address
// makes a valid file name).
func (s *Store) path(account string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(account))))
	return filepath.Join(s.dir, hex.EncodeToString(sum[:16])+".img")
}

// Load returns account's picture, nil when there is none. A file that no
// longer passes Check is reported (ErrInvalid...), not drawn.
func (s *Store) Load(account string) (image.Image, error) {
	b, err := os.ReadFile(s.path(account))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return Check(b)
}

// Save checks b and keeps it as account's picture, replacing the one
// before; it returns the decoded picture.
func (s *Store) Save(account string, b []byte) (image.Image, error) {
	img, err := Check(b)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, err
	}
	return img, atomicfile.Replace(s.path(account), b, 0o600)
}

// Remove forgets account's picture; none is no error.
func (s *Store) Remove(account string) error {
	err := os.Remove(s.path(account))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
