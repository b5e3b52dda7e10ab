//go:build unix

package pdfsign

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FileOptions.Check sees the SHA-256 of exactly the input's bytes before
// the signature is made, and its error stops SignFile with nothing left.
func TestSignFileCheck(t *testing.T) {
	p, _ := pkis()
	dir := t.TempDir()
	in := copyInput(t, dir, 0o644)
	b, _ := os.ReadFile(in)
	want := sha256.Sum256(b)
	var got []byte
	var last, total int64
	signer := &countingSigner{Signer: p.Key}
	out := filepath.Join(dir, "out.pdf")
	fo := FileOptions{
		Check:    func(sum []byte) error { got = sum; return nil },
		Progress: func(d, t int64) { last, total = d, t },
	}
	if err := SignFile(in, out, Options{Signer: signer, Chain: p.Chain()}, fo); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want[:]) {
		t.Fatalf("Check got %x, want %x", got, want)
	}
	if last != int64(len(b)) || total != int64(len(b)) {
		t.Fatalf("progress %d/%d, want %d/%d", last, total, len(b), len(b))
	}
	if infos, err := VerifyFile(out, nil); err != nil || len(infos) != 1 || infos[0].Integrity != Valid {
		t.Fatalf("output: %v %+v", err, infos)
	}

	errDiffers := errors.New("differs")
	signer.n = 0
	out2 := filepath.Join(dir, "out2.pdf")
	fo.Check = func([]byte) error { return errDiffers }
	if err := SignFile(in, out2, Options{Signer: signer, Chain: p.Chain()}, fo); !errors.Is(err, errDiffers) {
		t.Fatalf("refused check: %v", err)
	}
	if signer.n != 0 {
		t.Fatal("signed although the check failed")
	}
	if exists(out2) || len(temps(dir)) > 0 {
		t.Fatalf("left behind: output %v, temps %v", exists(out2), temps(dir))
	}
}

// With FileOptions.Next an output created between the check and the move
// (here by the test, in the window SignFile cannot close) goes to the next
// name; the other file stays as it was.
func TestSignFileNextRace(t *testing.T) {
	p, _ := pkis()
	dir := t.TempDir()
	in := copyInput(t, dir, 0o644)
	out := filepath.Join(dir, "out.pdf")
	os.WriteFile(out, []byte("first"), 0o644)
	squat := filepath.Join(dir, "out-2.pdf")
	beforeRename = func() { os.WriteFile(squat, []byte("someone else's"), 0o644) }
	defer func() { beforeRename = nil }()
	written, err := SignFileAs(in, out, Options{Signer: p.Key, Chain: p.Chain()}, FileOptions{Next: nextFree})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "out-3.pdf"); written != want {
		t.Fatalf("written %s, want %s", written, want)
	}
	for f, want := range map[string]string{out: "first", squat: "someone else's"} {
		if b, _ := os.ReadFile(f); string(b) != want {
			t.Errorf("%s replaced: %q", f, b)
		}
	}
	if infos, err := VerifyFile(written, nil); err != nil || len(infos) != 1 || infos[0].Integrity != Valid {
		t.Fatalf("output: %v %+v", err, infos)
	}
	if left := temps(dir); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	// Without Next the same race is refused, as before.
	beforeRename = func() { os.WriteFile(filepath.Join(dir, "late.pdf"), nil, 0o644) }
	if err := SignFile(in, filepath.Join(dir, "late.pdf"), Options{Signer: p.Key, Chain: p.Chain()}, FileOptions{}); !errors.Is(err, ErrExists) {
		t.Fatalf("without Next: %v", err)
	}
}

// countingSigner counts its signatures.
type countingSigner struct {
	crypto.Signer
	n int
}

func (c *countingSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	c.n++
	return c.Signer.Sign(r, d, o)
}
