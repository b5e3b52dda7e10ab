package pdfsign

import (
	"bytes"
	"crypto"
	"encoding/hex"
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

// distinctRanges is the costlier variant: an update after the genuine
// signature adds n signature fields, each with a dictionary of its own
// whose byte range differs from all others (its gap is its own /Contents,
// a copy of the genuine value) and ends at the end of the file, followed
// by pad bytes of an unreferenced stream. Each range covers nearly the
// whole file: hashing them one by one reads it n times.
func distinctRanges(tb testing.TB, n, pad int) []byte {
	tb.Helper()
	signed := amplified(tb, 0, 0)
	f, err := pdf.Open(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		tb.Fatal(err)
	}
	sigs, err := signatureFields(f)
	if err != nil || len(sigs) != 1 {
		tb.Fatalf("the signed base: %v %+v", err, sigs)
	}
	value := strings.ToUpper(hex.EncodeToString(asString(sigs[0].v["Contents"])))
	const placeholder = "/ByteRange[0 0000000000 0000000000 0000000000]"
	refs := []string{fmt.Sprintf("%d 0 R", sigs[0].num)}
	objs := map[int]string{9000: testpdf.Stream(strings.Repeat("%", pad))}
	for i := range n {
		refs = append(refs, fmt.Sprintf("%d 0 R", 100+i))
		objs[100+i] = fmt.Sprintf("<</Type/Annot/Subtype/Widget/FT/Sig/T(Lain%d)/V %d 0 R/P 3 0 R/Rect[0 0 0 0]/F 132>>", i+1, 2000+i)
		objs[2000+i] = "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached" + placeholder + "/Contents<" + value + ">>>"
	}
	list := strings.Join(refs, " ")
	objs[1] = "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[" + list + "]/SigFlags 3>>>>"
	objs[3] = "<<" + testpdf.Page + "/Annots[" + list + "]>>"
	out, err := testpdf.Update(signed, objs)
	if err != nil {
		tb.Fatal(err)
	}
	for from := len(signed); ; {
		at := bytes.Index(out[from:], []byte(placeholder))
		if at < 0 {
			break
		}
		at += from
		c := at + len(placeholder) + len("/Contents")
		cEnd := c + len(value) + 2
		copy(out[at:], fmt.Sprintf("/ByteRange[0 %010d %010d %010d]", c, cEnd, len(out)-cEnd))
		from = cEnd
	}
	return out
}

// padReader counts the bytes read through it that fall in the padding,
// which nothing parses: only hashing reads it.
type padReader struct {
	r      *bytes.Reader
	lo, hi int64
	n      atomic.Int64
}

func newPadReader(t *testing.T, b []byte, pad int) *padReader {
	at := bytes.Index(b, bytes.Repeat([]byte("%"), pad))
	if at < 0 {
		t.Fatal("no padding")
	}
	return &padReader{r: bytes.NewReader(b), lo: int64(at), hi: int64(at + pad)}
}

func (c *padReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	if lo, hi := max(off, c.lo), min(off+int64(n), c.hi); hi > lo {
		c.n.Add(hi - lo)
	}
	return n, err
}

// timesRead is how many times the padding was read.
func (c *padReader) timesRead() float64 { return float64(c.n.Load()) / float64(c.hi-c.lo) }

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
			cr := newPadReader(t, b, pad)
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
			// Hashing once per copy would read it copies+1 times.
			if cr.timesRead() > 1.5 {
				t.Fatalf("the padding was read %.1f times for %d copies", cr.timesRead(), copies)
			}
			t.Logf("the padding was read %.2f times", cr.timesRead())
		})
	}
	// Signatures whose byte ranges differ cannot share a digest; they
	// share the hashing of the file's prefixes, and the bytes hashed after
	// the gaps are bounded by the file's size (a real file's signatures
	// each hash after their gap only the rest of their own update).
	t.Run("distinct byte ranges", func(t *testing.T) {
		const n = 200
		b := distinctRanges(t, n, pad)
		cr := newPadReader(t, b, pad)
		infos, err := Verify(cr, int64(len(b)), roots)
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != n+1 || !infos[0].Valid {
			t.Fatalf("%d signatures, the genuine one: %+v", len(infos), infos[0])
		}
		for _, s := range infos[1:] {
			if s.Valid || s.Integrity == Valid {
				t.Fatalf("%s: valid %v, integrity %s, problem %q", s.Field, s.Valid, s.Integrity, s.Problem)
			}
		}
		// Once for the prefixes, at most once more for what follows the
		// gaps (and a checkpoint's worth per range): not once per range.
		if cr.timesRead() > 3 {
			t.Fatalf("the padding was read %.1f times for %d distinct byte ranges", cr.timesRead(), n)
		}
		t.Logf("the padding was read %.2f times", cr.timesRead())
	})
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

// prefixHasher gives the digest of any prefix, in any order of asking,
// across its checkpoints, as hashing it on its own does.
func TestPrefixHasher(t *testing.T) {
	data := make([]byte, 3*checkpoint+1234)
	for i := range data {
		data[i] = byte(i*7 + i/251) // deterministic, not periodic at the checkpoint
	}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA512} {
		p := newPrefixHasher(bytes.NewReader(data), h)
		for _, n := range []int64{checkpoint + 5, 10, 0, checkpoint, checkpoint - 1, 3*checkpoint + 1234, 2 * checkpoint, 2*checkpoint + 1, 17} {
			d, err := p.prefix(n)
			if err != nil {
				t.Fatal(err)
			}
			want := h.New()
			want.Write(data[:n])
			if !bytes.Equal(d.Sum(nil), want.Sum(nil)) {
				t.Fatalf("%v: prefix %d differs", h, n)
			}
		}
	}
}
