package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Files read whole are bounded: an endless or huge file is refused at once
// with a message saying so, instead of filling memory.
func TestBoundedReads(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	dir := t.TempDir()
	pdf := copyCorpus(t, "test.pdf", dir)
	big := filepath.Join(dir, "big.csv")
	f, _ := os.Create(big)
	f.Truncate(maxCSVSize + 1)
	f.Close()
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"p12", []string{"sign", "--p12", "/dev/zero", "--passphrase-stdin", pdf}, "larger than 1 MB"},
		{"trust", []string{"verify", "--trust", "/dev/zero", pdf}, "larger than 4 MB"},
		{"import", []string{"admin", "users", "import", big}, "larger than 32 MB"},
		{"config", []string{"--config", "/dev/zero", "admin", "users", "list"}, "larger than 1 MB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"--data-dir", t.TempDir()}, c.args...)
			if c.name != "config" {
				args = append([]string{"--config", emptyConfig(t)}, args...)
			}
			var out, errb strings.Builder
			code := Run(args, strings.NewReader("pw\n"), &out, &errb, func(*Env) error { t.Fatal("GUI"); return nil })
			if code != 1 || !strings.Contains(errb.String(), c.want) {
				t.Fatalf("exit %d, stderr %q; want %q", code, errb.String(), c.want)
			}
		})
	}
}
