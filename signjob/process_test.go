package signjob

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/pdfsign"
)

// TestRunHelper, run by TestRunProcessesRace in another process with
// BESIGN_SIGNJOB_HELPER="input|output folder|control folder", signs input
// into the output folder. Once its output name is chosen and its digest
// is at the batch, it creates "ready-<pid>" in the control folder and
// waits for "go" there before the signature comes back. It prints the
// output's path. With a fourth field "refuse" it signs as besign sign
// does (Unqueued, Refuse) and prints "exists" when the name was taken.
func TestRunHelper(t *testing.T) {
	spec := os.Getenv("BESIGN_SIGNJOB_HELPER")
	if spec == "" {
		t.Skip("helper process only")
	}
	parts := strings.Split(spec, "|")
	in, outDir, ctl := parts[0], parts[1], parts[2]
	refuse := len(parts) > 3 && parts[3] == "refuse"
	var fp authority.Fingerprint
	var err error
	if !refuse {
		if fp, err = Take(in); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	job := localJob(t)
	job.OutputDir = outDir
	if refuse {
		job.Unqueued, job.Existing = true, Refuse
	}
	wait := func() {
		os.WriteFile(filepath.Join(ctl, fmt.Sprintf("ready-%d", os.Getpid())), nil, 0o644)
		for {
			if _, err := os.Stat(filepath.Join(ctl, "go")); err == nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if refuse {
		// besign sign --p12 signs with Job.Key, without a batch.
		job.Sign, job.Key = nil, waitingKey{localKey, wait}
	} else {
		sign := job.Sign
		job.Sign = func(ctx context.Context, ds [][]byte) ([][]byte, error) {
			wait()
			return sign(ctx, ds)
		}
	}
	doc := Document{Path: in, Fingerprint: fp}
	doc.Settings.Invisible = true
	res := Run(context.Background(), job, []Document{doc})
	if refuse && errors.Is(res[0].Err, pdfsign.ErrExists) {
		fmt.Print("exists\n")
		os.Exit(0)
	}
	if res[0].Err != nil {
		fmt.Fprintln(os.Stderr, res[0].Err)
		os.Exit(1)
	}
	fmt.Print(res[0].Output + "\n")
	os.Exit(0)
}

// waitingKey calls wait before each signature.
type waitingKey struct {
	crypto.Signer
	wait func()
}

func (k waitingKey) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.wait()
	return k.Signer.Sign(r, digest, opts)
}

// raceHelpers starts three helper processes that sign in into outDir at
// the same moment (mode "" numbers, "refuse" is besign sign's way), checks
// that none wrote before all had chosen a name, and returns the first line
// each printed, sorted.
func raceHelpers(t *testing.T, in, outDir, mode string) []string {
	t.Helper()
	ctl := t.TempDir()
	arg := in + "|" + outDir + "|" + ctl
	if mode != "" {
		arg += "|" + mode
	}
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for range 3 {
		c := exec.Command(os.Args[0], "-test.run=^TestRunHelper$", "-test.count=1")
		c.Env = append(os.Environ(), "BESIGN_SIGNJOB_HELPER="+arg)
		c.Stderr = os.Stderr
		var b strings.Builder
		c.Stdout = &b
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, c), append(outs, &b)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		m, _ := filepath.Glob(filepath.Join(ctl, "ready-*"))
		if len(m) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 3 helpers ready", len(m))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Every helper has chosen its name by now: none was written yet.
	if got := signedFiles(outDir); len(got) > 0 {
		t.Fatalf("written before the signature: %v", got)
	}
	os.WriteFile(filepath.Join(ctl, "go"), nil, 0o644)
	var got []string
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
		p, _, _ := strings.Cut(outs[i].String(), "\n")
		got = append(got, p)
	}
	sort.Strings(got)
	return got
}

// Three processes sign the same file into the same folder at the same
// moment: all three chose NAME_signed.pdf while it was free, and each ends
// with its own file; none replaces another's.
func TestRunProcessesRace(t *testing.T) {
	in := onePage(t, t.TempDir(), "surat.pdf").Path
	outDir := t.TempDir()
	written := raceHelpers(t, in, outDir, "")
	want := []string{filepath.Join(outDir, "surat_signed (2).pdf"), filepath.Join(outDir, "surat_signed (3).pdf"), filepath.Join(outDir, "surat_signed.pdf")}
	if strings.Join(written, "\n") != strings.Join(want, "\n") {
		t.Fatalf("written %q, want %q", written, want)
	}
	for _, w := range want {
		checkSigned(t, w, "")
	}
	assertClean(t, outDir)
}

// Three processes run besign sign's way (Refuse) into the same folder at
// the same moment, all having found NAME_signed.pdf free: exactly one
// writes it, the other two fail with pdfsign.ErrExists and replace
// nothing, and no "(2)" appears (the app's numbering is not the CLI's).
func TestRunProcessesRaceRefuse(t *testing.T) {
	in := onePage(t, t.TempDir(), "surat.pdf").Path
	outDir := t.TempDir()
	got := raceHelpers(t, in, outDir, "refuse")
	want := []string{filepath.Join(outDir, "surat_signed.pdf"), "exists", "exists"} // sorted
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("results %q, want %q", got, want)
	}
	if files := signedFiles(outDir); len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	checkSigned(t, want[0], "")
	assertClean(t, outDir)
}
