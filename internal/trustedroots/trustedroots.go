// Package trustedroots keeps the root certificates that verification trusts
// besides the authority's own: one DER file per certificate, named by its
// SHA-256 fingerprint, in the trusted-roots folder of the data dir, where
// the app's settings add them and IT may deploy them.
package trustedroots

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/natunakab/besign/internal/atomicfile"
)

// DirName is the folder in the data dir that holds the roots.
const DirName = "trusted-roots"

// MaxFileSize bounds a certificate file that is read.
const MaxFileSize = 1 << 20

// Extensions are the file names read as certificates: PEM (one or several
// certificates) or DER.
var Extensions = []string{".der", ".pem", ".crt", ".cer"}

var (
	// ErrNoCertificate: the data holds no certificate (not PEM nor DER).
	ErrNoCertificate = errors.New("no certificate found")
	// ErrNotCA: a certificate is not a certification authority's, so it
	// cannot be a root of trust.
	ErrNotCA = errors.New("the certificate is not a CA certificate")
	// ErrTooLarge: the file is larger than MaxFileSize.
	ErrTooLarge = errors.New("the file is too large for a certificate")
	// ErrNotFound: no root with that fingerprint.
	ErrNotFound = errors.New("no trusted root with that fingerprint")
)

// Root is one trusted root.
type Root struct {
	Cert *x509.Certificate
	// Fingerprint is the SHA-256 of the DER, lowercase hexadecimal.
	Fingerprint string
	// File is where it is kept.
	File string
}

// Fingerprint returns the SHA-256 of c's DER, lowercase hexadecimal.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// Dir is the folder of the roots in dataDir.
func Dir(dataDir string) string { return filepath.Join(dataDir, DirName) }

// Parse reads one or several PEM certificates, or one DER certificate, and
// refuses any that is not a CA certificate.
func Parse(data []byte) ([]*x509.Certificate, error) {
	certs, err := ParseCertificates(data)
	if err != nil {
		return nil, err
	}
	for _, c := range certs {
		if !c.BasicConstraintsValid || !c.IsCA || (c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0) {
			return nil, fmt.Errorf("%w: %s", ErrNotCA, c.Subject.String())
		}
	}
	return certs, nil
}

// ParseCertificates reads one or several PEM certificates (other PEM
// blocks and text between them are skipped), or one DER certificate.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: a PEM certificate cannot be read: %v", ErrNoCertificate, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		c, err := x509.ParseCertificate(data)
		if err != nil {
			return nil, ErrNoCertificate
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// ReadFile reads a certificate file of at most MaxFileSize bytes and
// parses it.
func ReadFile(path string) ([]*x509.Certificate, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, ErrTooLarge
	}
	return Parse(data)
}

// Problem is a file in the folder that could not be read as a root.
type Problem struct {
	File string
	Err  error
}

// List returns the roots in dataDir's folder, ordered by subject, each
// once, and the files that could not be read (they are left alone). A
// missing folder holds none.
func List(dataDir string) ([]Root, []Problem, error) {
	dir := Dir(dataDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var roots []Root
	var problems []Problem
	seen := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || !slices.Contains(Extensions, strings.ToLower(filepath.Ext(e.Name()))) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		certs, err := ReadFile(path)
		if err != nil {
			problems = append(problems, Problem{File: path, Err: err})
			continue
		}
		for _, c := range certs {
			fp := Fingerprint(c)
			if !seen[fp] {
				seen[fp] = true
				roots = append(roots, Root{Cert: c, Fingerprint: fp, File: path})
			}
		}
	}
	slices.SortFunc(roots, func(a, b Root) int {
		return strings.Compare(a.Cert.Subject.String()+a.Fingerprint, b.Cert.Subject.String()+b.Fingerprint)
	})
	return roots, problems, nil
}

// Pool returns a pool of the roots in dataDir and extra; unreadable files
// are left out (List reports them).
func Pool(dataDir string, extra ...*x509.Certificate) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	for _, c := range extra {
		pool.AddCert(c)
	}
	if dataDir == "" {
		return pool, nil
	}
	roots, _, err := List(dataDir)
	for _, r := range roots {
		pool.AddCert(r.Cert)
	}
	return pool, err
}

// Add keeps certs (from Parse) in dataDir's folder as FINGERPRINT.der,
// each written whole; a certificate kept already is left as it is. It
// returns the roots added or already kept.
func Add(dataDir string, certs []*x509.Certificate) ([]Root, error) {
	dir := Dir(dataDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var out []Root
	for _, c := range certs {
		fp := Fingerprint(c)
		path := filepath.Join(dir, fp+".der")
		if _, err := os.Stat(path); err != nil {
			if err := atomicfile.Replace(path, c.Raw, 0o600); err != nil {
				return out, err
			}
		}
		out = append(out, Root{Cert: c, Fingerprint: fp, File: path})
	}
	return out, nil
}

// Remove stops trusting the root with fingerprint fp: its file goes; other
// certificates kept in the same file (a PEM bundle IT deployed) are first
// kept in files of their own.
func Remove(dataDir, fp string) error {
	roots, _, err := List(dataDir)
	if err != nil {
		return err
	}
	files := map[string]bool{}
	for _, r := range roots {
		if r.Fingerprint == fp {
			files[r.File] = true
		}
	}
	if len(files) == 0 {
		return ErrNotFound
	}
	for file := range files {
		certs, err := ReadFile(file)
		if err != nil {
			return err
		}
		var keep []*x509.Certificate
		replaced := false
		for _, c := range certs {
			switch {
			case Fingerprint(c) == fp:
			case filepath.Join(Dir(dataDir), Fingerprint(c)+".der") == file:
				// the bundle bears the name of another of its certificates
				if err := atomicfile.Replace(file, c.Raw, 0o600); err != nil {
					return err
				}
				replaced = true
			default:
				keep = append(keep, c)
			}
		}
		if _, err := Add(dataDir, keep); err != nil {
			return err
		}
		if !replaced {
			if err := os.Remove(file); err != nil {
				return err
			}
		}
	}
	return nil
}
