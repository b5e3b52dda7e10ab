package screens

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/natunakab/besign/assets"
)

// sourceFiles parses the Go files of dir, tests left out.
func sourceFiles(t *testing.T, fset *token.FileSet, dir string) []*ast.File {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: %v (%d files)", dir, err, len(files))
	}
	var out []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, af)
	}
	return out
}

// langKeys collects the literal texts given to lang.L, and to
// assets.Localize (in assets: Localize), in the Go files of dirs.
func langKeys(t *testing.T, dirs ...string) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	for _, dir := range dirs {
		for _, af := range sourceFiles(t, token.NewFileSet(), dir) {
			ast.Inspect(af, func(n ast.Node) bool {
				c, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				arg := -1 // the text's argument
				switch f := c.Fun.(type) {
				case *ast.SelectorExpr:
					if id, ok := f.X.(*ast.Ident); ok && id.Name == "lang" && f.Sel.Name == "L" {
						arg = 0
					} else if ok && id.Name == "assets" && f.Sel.Name == "Localize" {
						arg = 1
					}
				case *ast.Ident:
					if f.Name == "Localize" {
						arg = 1
					}
				}
				if arg < 0 || len(c.Args) <= arg {
					return true
				}
				lit, ok := c.Args[arg].(*ast.BasicLit)
				if !ok {
					return true // a variable: covered below
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				keys[s] = true
				return true
			})
		}
	}
	for _, rows := range [][]string{detailRows, activationRows, verifyRows} {
		for _, r := range rows {
			keys[r] = true
		}
	}
	return keys
}

func TestTranslationsComplete(t *testing.T) {
	keys := langKeys(t, ".", "../app", "../assets")
	if len(keys) < 50 {
		t.Fatalf("found only %d texts; is the scan broken?", len(keys))
	}
	files := map[string]map[string]string{}
	for _, l := range assets.Languages {
		data, err := assets.Translation(l)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		files[l] = m
		for k := range keys {
			if strings.TrimSpace(m[k]) == "" {
				t.Errorf("%s.json lacks %q", l, k)
			}
		}
	}
	for k := range files["en"] {
		if _, ok := files["id"][k]; !ok {
			t.Errorf("en.json has %q, id.json does not", k)
		}
	}
	for k, v := range files["id"] {
		if _, ok := files["en"][k]; !ok {
			t.Errorf("id.json has %q, en.json does not", k)
		}
		// the templates' fields must survive translation
		for _, f := range []string{"{{.N}}", "{{.Name}}", "{{.Email}}", "{{.Date}}", "{{.Domain}}", "{{.Reason}}", "{{.To}}", "{{.Path}}", "{{.Err}}", "{{.Period}}"} {
			if strings.Contains(v, f) != strings.Contains(files["en"][k], f) {
				t.Errorf("%q: %s differs between id and en", k, f)
			}
		}
	}
}

// fyneKeys are the translated texts of fyne's own widgets (its dialogs'
// buttons), used by fyne and not by a lang.L of ours.
var fyneKeys = []string{"Cancel", "OK", "Open", "Save", "Quit", "File", "Folder", "Yes", "No", "Confirm", "Error",
	"Copy", "Cut", "Paste", "Select all", "Undo", "Redo", "Enter filename", "Show Hidden Files", "Advanced",
	"file.name", "file.parent"}

// TestNoUnusedTranslations fails on a text of the translation files that no
// Go file uses, so that a text removed from the code leaves them too.
func TestNoUnusedTranslations(t *testing.T) {
	keys := langKeys(t, ".", "../app", "../assets")
	for _, k := range fyneKeys {
		keys[k] = true
	}
	for _, l := range assets.Languages {
		data, err := assets.Translation(l)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		var unused []string
		for k := range m {
			if !keys[k] {
				unused = append(unused, k)
			}
		}
		slices.Sort(unused)
		for _, k := range unused {
			t.Errorf("%s.json: %q is used by no Go file", l, k)
		}
	}
}

func TestEnglish(t *testing.T) {
	h := newHarness(t)
	if err := assets.UseLanguage("en"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { assets.UseLanguage("id") })
	ui := h.again(nil)
	v := ui.account.signIn
	if v.f.button.Text != "Sign In" || v.remember.Text != "Remember me" || v.forgot.Text != "Forgot Password" {
		t.Fatalf("English sign-in: %q %q %q", v.f.button.Text, v.remember.Text, v.forgot.Text)
	}
	if ui.tabs.Items[2].Text != "Inbox" {
		t.Fatalf("tab %q", ui.tabs.Items[2].Text)
	}
	v.f.clearErrors()
	v.submit()
	if got := shown(v.login.msg); got != "Enter your username or email." {
		t.Fatalf("English error %q", got)
	}
	// and back: every text is replaced again
	if err := assets.UseLanguage("id"); err != nil {
		t.Fatal(err)
	}
	ui = h.again(nil)
	if ui.account.signIn.f.button.Text != "Masuk" || ui.tabs.Items[2].Text != "Kotak Masuk" {
		t.Fatal("Indonesian not restored")
	}
}

// indonesianWords mark a text written for a person in Indonesian.
var indonesianWords = []string{"tidak", "dapat", "anda", "akun", "berkas", "kunci", "sudah", "harus", "wajib",
	"silakan", "yang", "dengan", "untuk", "tersedia", "terkunci", "menolak", "menjawab", "dipakai", "hubungi", "tautan",
	// the visible signature's labels
	"ditandatangani", "secara", "elektronik", "oleh", "tanggal", "alasan", "lokasi"}

// Below the screens, only the authority's mail templates hold sentences for
// people (in every language); everything else returns kinds and data that
// the app, the screens and the CLI word (the visible signature's labels
// too: pdfsign draws what its caller gives, in the signer's language).
// Domain packages must therefore hold no Indonesian text.
func TestNoUserTextInDomainPackages(t *testing.T) {
	allowed := map[string]bool{filepath.Join("..", "authority", "embedded", "mail.go"): true}
	fset := token.NewFileSet()
	literals := 0
	for _, dir := range []string{"authority", "authority/embedded", "authority/link", "authority/store", "keystore", "datadir", "config",
		"pdfsign", "pdfsign/internal/pdf", "pdfsign/internal/cms", "signjob"} {
		for _, af := range sourceFiles(t, fset, filepath.Join("..", dir)) {
			if allowed[fset.Position(af.Package).Filename] {
				continue
			}
			ast.Inspect(af, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				literals++
				words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
					return !(r >= 'a' && r <= 'z')
				})
				for _, w := range words {
					if slices.Contains(indonesianWords, w) {
						t.Errorf("%s: %q reads as Indonesian text for a person; return a kind and word it in the screens", fset.Position(lit.Pos()), s)
						break
					}
				}
				return true
			})
		}
	}
	if literals < 100 {
		t.Fatalf("found only %d string literals; is the scan broken?", literals)
	}
}
