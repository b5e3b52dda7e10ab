package cli

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A besign:// link as the only operand starts the desktop app with it (the
// OS runs "besign LINK" for a clicked link); anything after it is a usage
// error, and a link never reaches a subcommand.
func TestLinkStartsApp(t *testing.T) {
	for _, tt := range []struct {
		args []string
		link string // "" when the app must not start
		code int
	}{
		{[]string{"besign://reset?token=abc"}, "besign://reset?token=abc", 0},
		{[]string{"BESIGN:reset?token=abc"}, "BESIGN:reset?token=abc", 0},
		{[]string{"--data-dir", "x", "besign://forgot?login=a@b.id"}, "besign://forgot?login=a@b.id", 0},
		{[]string{"besign://reset?token=abc", "more"}, "", 2},
		{[]string{"besign:"}, "", 2},
		{[]string{"besignx://reset"}, "", 2},
	} {
		var out, errb bytes.Buffer
		got, started := "", false
		code := Run(tt.args, strings.NewReader(""), &out, &errb, func(env *Env) error {
			started, got = true, env.Link
			return nil
		})
		if code != tt.code || got != tt.link || started != (tt.link != "") {
			t.Errorf("%q: exit %d, app started %v with %q (%s); want exit %d, link %q", tt.args, code, started, got, errb.String(), tt.code, tt.link)
		}
	}
}

// PDFs as operands (the OS opening them with the app, paths or file://
// URIs) start the desktop app with their absolute paths; a missing file or
// a foreign URI is an error, and commands keep their names.
func TestFilesStartApp(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, name := range []string{"surat.pdf", "Nota Dinas.PDF", "verify", "catatan"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("%PDF-1.7\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs := func(n string) string { return filepath.Join(dir, n) }
	uri := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs("Nota Dinas.PDF"))}).String()
	for _, tt := range []struct {
		args  []string
		files []string // nil when the app must not start
		code  int
	}{
		{[]string{"surat.pdf"}, []string{abs("surat.pdf")}, 0},
		{[]string{"--data-dir", "x", abs("surat.pdf"), "Nota Dinas.PDF"}, []string{abs("surat.pdf"), abs("Nota Dinas.PDF")}, 0},
		{[]string{uri}, []string{abs("Nota Dinas.PDF")}, 0},
		{[]string{"catatan"}, []string{abs("catatan")}, 0}, // an existing file, whatever its name
		{[]string{"surat.pdf", "verify"}, []string{abs("surat.pdf"), abs("verify")}, 0},
		{[]string{"hilang.pdf"}, nil, 1},
		{[]string{"surat.pdf", "hilang.pdf"}, nil, 1},
		{[]string{"file://server/share/x.pdf"}, nil, 2},
		{[]string{"./"}, nil, 1},
		{[]string{"tidakada"}, nil, 2}, // no such file, no such command
	} {
		var out, errb bytes.Buffer
		var got []string
		started := false
		code := Run(tt.args, strings.NewReader(""), &out, &errb, func(env *Env) error {
			started, got = true, env.Files
			return nil
		})
		if code != tt.code || started != (tt.files != nil) || !slices.Equal(got, tt.files) {
			t.Errorf("%q: exit %d, app started %v with %q (%s); want exit %d, files %q", tt.args, code, started, got, errb.String(), tt.code, tt.files)
		}
	}
	// "verify" is still the command, though a file of that name is here.
	var out, errb bytes.Buffer
	if code := Run([]string{"verify"}, strings.NewReader(""), &out, &errb, func(*Env) error {
		t.Error("the app started for the verify command")
		return nil
	}); code != 2 || !strings.Contains(errb.String(), "no PDF file given") {
		t.Errorf("verify without files: exit %d %s", code, errb.String())
	}
}
