package pdfsign

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
	"github.com/natunakab/besign/pdfsign/testpdf"
)

// amplified is the verification-cost attack of issue 17: a one-page PDF,
// padded with pad bytes of an unreferenced stream (so that hashing the
// signed bytes dominates), signed once by besign, then one incremental
// update that adds copies signature fields whose /V all name the genuine
// signature's dictionary. Everything but the signature itself is the same
// on every run: the copies are "Salinan1".."SalinanN", objects 100 on.
func amplified(tb testing.TB, copies, pad int) []byte {
	tb.Helper()
	base := testpdf.Base()
	if pad > 0 {
		var err error
		if base, err = testpdf.Update(base, map[int]string{5: testpdf.Stream(strings.Repeat("%", pad))}); err != nil {
			tb.Fatal(err)
		}
	}
	p, _ := pkis()
	var signed bytes.Buffer
	if err := Sign(&signed, bytes.NewReader(base), int64(len(base)), Options{Signer: p.Key, Chain: p.Chain(), Reason: "Setuju"}); err != nil {
		tb.Fatal(err)
	}
	f, err := pdf.Open(bytes.NewReader(signed.Bytes()), int64(signed.Len()))
	if err != nil {
		tb.Fatal(err)
	}
	sigs, err := signatureFields(f)
	if err != nil || len(sigs) != 1 || sigs[0].num == 0 || sigs[0].vRef.Num == 0 {
		tb.Fatalf("the signed base: %v %+v", err, sigs)
	}
	refs := []string{fmt.Sprintf("%d 0 R", sigs[0].num)}
	objs := map[int]string{}
	for i := range copies {
		n := 100 + i
		refs = append(refs, fmt.Sprintf("%d 0 R", n))
		objs[n] = fmt.Sprintf("<</Type/Annot/Subtype/Widget/FT/Sig/T(Salinan%d)/V %d 0 R/P 3 0 R/Rect[0 0 0 0]/F 132>>", i+1, sigs[0].vRef.Num)
	}
	list := strings.Join(refs, " ")
	objs[1] = "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[" + list + "]/SigFlags 3>>>>"
	objs[3] = "<<" + testpdf.Page + "/Annots[" + list + "]>>"
	out, err := testpdf.Update(signed.Bytes(), objs)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r *bytes.Reader
	n atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// Copies of one signature are judged as copies, and verifying them reads
// the file a bounded number of times, however many copies there are: the
// signed bytes are hashed once, not once per copy. Past MaxSignatures the
// file is refused before any signature is checked.
func TestVerifyAmplified(t *testing.T) {
	p, _ := pkis()
	roots := rootsOf(p)
	const pad = 1 << 20
	for _, copies := range []int{1, 200} {
		t.Run(fmt.Sprintf("%d copies", copies), func(t *testing.T) {
			b := amplified(t, copies, pad)
			cr := &countingReader{r: bytes.NewReader(b)}
			infos, err := Verify(cr, int64(len(b)), roots)
			if err != nil {
				t.Fatal(err)
			}
			if len(infos) != copies+1 {
				t.Fatalf("%d signatures, want %d", len(infos), copies+1)
			}
			if s := infos[0]; !s.Valid || s.Integrity != Valid || s.Modifications != ModSignatures || s.Reason != "Setuju" {
				t.Fatalf("the genuine signature: %+v", s)
			}
			for _, s := range infos[1:] {
				if s.Valid || !strings.Contains(s.Problem, "it copies another signature") {
					t.Fatalf("copy %s: valid %v, problem %q", s.Field, s.Valid, s.Problem)
				}
			}
			if AllValid(infos) {
				t.Fatal("AllValid with copies")
			}
			// Parsing the file and its signed revision, and hashing the
			// signed bytes once, read it a few times; once per copy would
			// be copies+1 times.
			if read := cr.n.Load(); read > 4*int64(len(b)) {
				t.Fatalf("read %d bytes of a %d-byte file (%.1f times) for %d copies", read, len(b), float64(read)/float64(len(b)), copies)
			}
		})
	}
	t.Run("at the limit", func(t *testing.T) {
		b := amplified(t, MaxSignatures-1, 0)
		infos, err := Verify(bytes.NewReader(b), int64(len(b)), roots)
		if err != nil || len(infos) != MaxSignatures || !infos[0].Valid || infos[MaxSignatures-1].Valid {
			t.Fatalf("%v, %d signatures", err, len(infos))
		}
	})
	t.Run("past the limit", func(t *testing.T) {
		b := amplified(t, MaxSignatures, 0)
		infos, err := Verify(bytes.NewReader(b), int64(len(b)), roots)
		if !errors.Is(err, ErrTooManySignatures) || infos != nil {
			t.Fatalf("got %v, %d signatures; want ErrTooManySignatures", err, len(infos))
		}
		if want := fmt.Sprintf("has %d", MaxSignatures+1); !strings.Contains(err.Error(), want) {
			t.Fatalf("message %q does not say %q", err, want)
		}
	})
}

// BenchmarkVerifyAmplified verifies the attack file: one signature
// and 999 copies of it in one update (1,000 signatures, the most
// MaxSignatures lets through), 100 KB of padding. Run it with -benchtime=1x.
func BenchmarkVerifyAmplified(b *testing.B) {
	p, _ := pkis()
	roots := rootsOf(p)
	data := amplified(b, min(1000, MaxSignatures-1), 100<<10)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		infos, err := Verify(bytes.NewReader(data), int64(len(data)), roots)
		if err != nil || !infos[0].Valid {
			b.Fatal(err)
		}
	}
}
