package pdfsign

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// SignFile signs the PDF at in and writes the result to out through a
// temporary file in out's folder, synced and then renamed: out is either
// complete or untouched. An existing out is replaced only with force; in
// itself is never overwritten.
func SignFile(in, out string, opts Options, force bool) (err error) {
	src, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("open input: %w", err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return fmt.Errorf("open input: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file", ErrNotPDF, in)
	}
	if ost, err := os.Stat(out); err == nil {
		if os.SameFile(st, ost) {
			return ErrSameFile
		}
		if !force {
			return fmt.Errorf("%w: %s", ErrExists, out)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("check output: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".besign-*.tmp")
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := Sign(tmp, src, st.Size(), opts); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// VerifyFile runs Verify on the file at path.
func VerifyFile(path string, roots *x509.CertPool) ([]SignatureInfo, error) {
	return VerifyFileWith(path, VerifyOptions{Roots: roots})
}

// VerifyFileWith runs VerifyWith on the file at path.
func VerifyFileWith(path string, opts VerifyOptions) ([]SignatureInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file", ErrNotPDF)
	}
	return VerifyWith(f, st.Size(), opts)
}
