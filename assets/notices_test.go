package assets

import (
	"os/exec"
	"strings"
	"testing"
)

// Every module linked into the binary (here, for this system) is listed
// in the notices with its version, and its licence text follows: a
// dependency added or updated without `go generate ./assets` fails here.
func TestNoticesCurrent(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f",
		"{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}", "..").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	mods := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" {
			mods[line] = true
		}
	}
	if len(mods) < 20 || !mods["fyne.io/fyne/v2 "+fyneVersion(t)] {
		t.Fatalf("go list gave %d modules, without Fyne's", len(mods))
	}
	for m := range mods {
		if !strings.Contains(Notices, "\n  "+m+" (") {
			t.Errorf("%s is not in notices.txt: run go generate ./assets", m)
		}
		if !strings.Contains(Notices, "\n==== "+m+": ") {
			t.Errorf("notices.txt has no licence text of %s", m)
		}
	}
	for _, must := range []string{"Go standard library", "PDFium", "Apache License", "Copyright 2014 The PDFium Authors"} {
		if !strings.Contains(Notices, must) {
			t.Errorf("notices.txt lacks %q", must)
		}
	}
}

func fyneVersion(t *testing.T) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "fyne.io/fyne/v2").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
