package pdfsign

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

// ExtendFile adds long-term validation material, and with l.DocTimeStamp
// a document timestamp, to the signed PDF at in (ExtendUpdate) and writes
// the result to out, which may be in itself. The output is written to a
// temporary file in out's folder, synced and then renamed into place: out
// is complete or untouched, and the input's bytes are never rewritten
// where they are.
func ExtendFile(in, out string, l LTV) (*LTVResult, error) {
	if in == out {
		// Replacing a symbolic link would leave the document it names
		// unextended and turn the link into a copy.
		if real, err := filepath.EvalSymlinks(in); err == nil {
			in, out = real, real
		}
	}
	src, st, err := OpenInput(in)
	if errors.Is(err, ErrNotRegular) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("open input: %w", err)
	}
	defer src.Close()
	dir := filepath.Dir(out)
	cleanFolder(dir)
	tmp, err := createTemp(dir, st.Mode().Perm()&0o666)
	if err != nil {
		return nil, fmt.Errorf("create output: %w", err)
	}
	untrack := trackTemp(tmp.Name())
	defer untrack()
	if in == out {
		keepOwner(tmp, st)
	}
	fail := func(err error) (*LTVResult, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	// The update is computed from the copy, which no other process
	// writes: the document timestamp covers exactly the bytes kept.
	n, err := io.Copy(tmp, src)
	if err != nil {
		return fail(fmt.Errorf("copy document: %w", err))
	}
	if n != st.Size() {
		return fail(fmt.Errorf("copy document: %w", ErrTruncated))
	}
	src.Close()
	res, err := appendExtension(tmp, l)
	if err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(fmt.Errorf("write output: %w", err))
	}
	if err := tmp.Close(); err != nil {
		return fail(fmt.Errorf("write output: %w", err))
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("write output: %w", err)
	}
	return res, nil
}

// appendExtension appends ExtendUpdate's update to the file f, read and
// written at its end.
func appendExtension(f *os.File, l LTV) (*LTVResult, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("read output: %w", err)
	}
	upd, res, err := ExtendUpdate(f, size, l)
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteAt(upd, size); err != nil {
		return nil, fmt.Errorf("write output: %w", err)
	}
	return res, nil
}

// ArchiveExpiry returns when the newest document timestamp of the PDF at
// path stops being renewable: the earliest end of validity among its
// TSA's certificate and the certificates its token carries. ok is false
// when the document has no readable document timestamp. besign extend
// --renew-within uses it to leave documents alone whose archive
// timestamp has time left.
func ArchiveExpiry(path, password string) (expiry time.Time, ok bool, err error) {
	src, st, err := OpenInput(path)
	if err != nil {
		return time.Time{}, false, err
	}
	defer src.Close()
	f, err := pdf.OpenWith(src, st.Size(), pdf.OpenOptions{Password: password})
	if err != nil {
		return time.Time{}, false, mapParseErr(err)
	}
	fields, err := signatureFields(f)
	if err != nil {
		return time.Time{}, false, err
	}
	var newestEnd int64 = -1
	for _, s := range fields {
		if s.v == nil {
			continue
		}
		if sub, _ := s.v["SubFilter"].(pdf.Name); sub != "ETSI.RFC3161" {
			continue
		}
		br, err := byteRange(f, s.v, st.Size())
		if err != nil || br[2]+br[3] <= newestEnd {
			continue
		}
		gap := make([]byte, br[2]-br[1])
		if _, err := src.ReadAt(gap, br[1]); err != nil {
			continue
		}
		contents, readable := hexGap(gap)
		if !readable {
			continue
		}
		ts, err := cms.ParseTimeStamp(contents)
		if err != nil || ts.Parsed == nil || ts.Parsed.Signer == nil {
			continue
		}
		end := ts.Parsed.Signer.NotAfter
		for _, c := range ts.Parsed.Certificates {
			if c.NotAfter.Before(end) {
				end = c.NotAfter
			}
		}
		newestEnd, expiry, ok = br[2]+br[3], end, true
	}
	return expiry, ok, nil
}
