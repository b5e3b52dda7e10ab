package pdfsign

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// pyHanko's PAdES B-LTA files (testdata/pyhanko/SOURCE) verify as B-LTA
// with the corpus's root, offline (the DSS answers for every certificate,
// the TSA's too), now and years after the signer's certificate expired;
// the second file's signature made after the document timestamp, with its
// validation data in a DSS update, is B-LT. The last update of both
// redefines the DSS's indirect dictionary, which is an allowed change.
// In 2040 the document timestamp's TSA certificate has expired (it was
// not renewed): it is no longer trusted, and the signatures fall back to
// B-LT, still valid at their timestamp's time.
func TestPyHankoLTA(t *testing.T) {
	pemBytes, err := os.ReadFile("testdata/pyhanko/root.cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(pemBytes)
	root, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	for _, c := range []struct {
		file   string
		at     time.Time
		levels []string
	}{
		{"pades-lta-dss-indirect-arrs-test.pdf", time.Time{}, []string{LevelBLTA, ""}},
		{"pades-lta-dss-indirect-arrs-test-2.pdf", time.Time{}, []string{LevelBLTA, "", LevelBLT}},
		{"pades-lta-dss-indirect-arrs-test.pdf", time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), []string{LevelBLT, ""}},
	} {
		{
			at := c.at
			b, err := os.ReadFile(filepath.Join("testdata/pyhanko", c.file))
			if err != nil {
				t.Fatal(err)
			}
			infos, err := VerifyWith(bytesReader(b), int64(len(b)), VerifyOptions{Roots: roots, Offline: true, Time: at})
			if err != nil || len(infos) != len(c.levels) {
				t.Fatalf("%s: %v %+v", c.file, err, infos)
			}
			for i, s := range infos {
				// The last document timestamp is judged now: offline, its
				// TSA's status now is unknown, which is only a warning.
				if s.Kind == KindDocumentTimestamp && !at.IsZero() {
					if s.Valid || !hasFinding(s, FindCertExpired) {
						t.Fatalf("%s: an expired TSA: %+v", c.file, s)
					}
					continue
				}
				// Judged now, the DSS's 2020 data is old, not bad: no dss
				// finding.
				if !s.Valid || s.Level != c.levels[i] || (s.Kind == KindSignature && s.Revocation != "good") || hasFinding(s, FindDSS) {
					t.Fatalf("%s at %v: signature %d: %+v", c.file, at, i, s)
				}
				if s.Kind == KindSignature && s.ValidationTime != "2020-11-01T00:00:00Z" {
					t.Fatalf("%s: validation time %s", c.file, s.ValidationTime)
				}
			}
		}
	}
}

func hasFinding(s SignatureInfo, code string) bool {
	for _, f := range s.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}
