package arch

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// layers orders the project's packages from the top (the entry points)
// down to the leaves: a package may import packages of its own layer or
// of a layer below, never one above. An entry ending in "/" stands for
// every package under that folder. A new package must be placed here.
var layers = [][]string{
	{"", "e2e/"},   // main and the end-to-end test: the binary
	{"app", "cli"}, // composition roots: the desktop app, the command line
	{"screens"},    // the widgets (Fyne)
	{"server/"},    // tools that drive the server: its load generator and benchmark
	{"signjob", "docqueue", "docprep", "history", "filechooser", "specimen", "verifytrust", "datadir", "localqueue", "server", "instance", "camera", "preview", "bsre", "bsre/"}, // domain work
	{"authority", "authority/queuedb", "authority/embedded", "authority/httpapi", "authority/remote", "authority/authoritytest", "keystore", "config", "pdfsign", "assets"},      // contract, implementations, transport, suite, engines
	{"authority/store/sqlite", "authority/store/pg"},               // the storage contract's implementations
	{"authority/", "assets/", "signjob/", "pdfsign/", "internal/"}, // leaves
}

// widgets are the Fyne packages only app and screens may import: domain
// packages never build a user interface.
var widgets = []string{"fyne.io/fyne/v2/widget", "fyne.io/fyne/v2/container", "fyne.io/fyne/v2/dialog", "fyne.io/fyne/v2/app"}

// pkg is one package of the module: its path relative to the module
// ("" for the root) and the project packages and external packages its
// non-test files import (every file, whatever its build constraints).
type pkg struct {
	rel      string
	project  []string
	external []string
}

// load parses the import clauses of every package under root.
func load(t *testing.T, root, module string) map[string]*pkg {
	t.Helper()
	pkgs := map[string]*pkg{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			rel = ""
		}
		p := pkgs[rel]
		if p == nil {
			p = &pkg{rel: rel}
			pkgs[rel] = p
		}
		for _, imp := range f.Imports {
			ip, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			switch {
			case ip == module:
				p.project = append(p.project, "")
			case strings.HasPrefix(ip, module+"/"):
				p.project = append(p.project, strings.TrimPrefix(ip, module+"/"))
			default:
				p.external = append(p.external, ip)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// moduleRoot returns the module's folder and path from go.mod.
func moduleRoot(t *testing.T) (string, string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := strings.CutPrefix(sc.Text(), "module "); ok {
			return root, strings.TrimSpace(m)
		}
	}
	t.Fatal("go.mod names no module")
	return "", ""
}

// layerOf returns the layer of the package rel (0 is the top), -1 when it
// has none. An exact entry wins over a folder entry.
func layerOf(rel string) int {
	for i, l := range layers {
		for _, e := range l {
			if e == rel {
				return i
			}
		}
	}
	best, bestLen := -1, -1
	for i, l := range layers {
		for _, e := range l {
			if strings.HasSuffix(e, "/") && strings.HasPrefix(rel, e) && len(e) > bestLen {
				best, bestLen = i, len(e)
			}
		}
	}
	return best
}

func show(rel string) string {
	if rel == "" {
		return "the module root"
	}
	return rel
}

// problems lists every rule the packages break, sorted.
func problems(pkgs map[string]*pkg) []string {
	var out []string
	for _, p := range pkgs {
		from := layerOf(p.rel)
		if from < 0 {
			out = append(out, fmt.Sprintf("%s has no place in internal/arch's layers: add it where it stands", show(p.rel)))
			continue
		}
		for _, imp := range p.project {
			to := layerOf(imp)
			switch {
			case to >= 0 && to < from && layerOf(p.rel) >= layerOf("signjob") && (imp == "screens" || imp == "app" || imp == "cli"):
				out = append(out, fmt.Sprintf("domain package %s imports %s", show(p.rel), imp))
			case to >= 0 && to < from:
				out = append(out, fmt.Sprintf("%s imports %s, which stands above it", show(p.rel), show(imp)))
			}
			// internal packages are leaves: what they need comes from
			// their callers, so that they never reach back up
			if strings.HasPrefix(p.rel, "internal/") && !strings.HasPrefix(imp, "internal/") {
				out = append(out, fmt.Sprintf("leaf %s imports %s: internal packages import only other internal packages", p.rel, show(imp)))
			}
		}
		// the BSrE stand-in signs with a throwaway CA: only tests import it
		for _, imp := range p.project {
			if imp == "bsre/bsretest" {
				out = append(out, fmt.Sprintf("%s imports bsre/bsretest: the stand-in lives with the tests and never ships", show(p.rel)))
			}
		}
		// a package under authority/ is part of the authority: the
		// contract or an implementation of it uses it, or it implements
		// the authority's roles or its storage contract (authority/store)
		if strings.HasPrefix(p.rel, "authority/") && !contains(p.project, "authority") && !contains(p.project, "authority/store") && !usedByAuthority(pkgs, p.rel) {
			out = append(out, fmt.Sprintf("%s sits under authority/ but neither the authority uses it nor does it use the authority", p.rel))
		}
		// the contract holds no storage: SQL lives in its implementations
		if p.rel == "authority" {
			for _, imp := range append(append([]string{}, p.project...), p.external...) {
				if imp == "authority/store" || imp == "database/sql" || strings.HasPrefix(imp, "modernc.org/sqlite") {
					out = append(out, fmt.Sprintf("the contract package authority imports %s: storage belongs to an implementation", imp))
				}
			}
		}
		// the storage contract names no database: drivers belong to its
		// implementations (store/sqlite, store/pg)
		if p.rel == "authority/store" {
			for _, imp := range p.external {
				if imp == "database/sql" || strings.HasPrefix(imp, "modernc.org/sqlite") || strings.HasPrefix(imp, "github.com/jackc/pgx") {
					out = append(out, fmt.Sprintf("the storage contract authority/store imports %s: drivers belong to its implementations", imp))
				}
			}
		}
		if p.rel != "app" && p.rel != "screens" {
			for _, imp := range p.external {
				if contains(widgets, imp) {
					out = append(out, fmt.Sprintf("%s imports %s: only app and screens build the user interface", show(p.rel), imp))
				}
			}
		}
		// the signing tab counts pages with pdfsign's reader (or the
		// preview's), pdfcpu checks and prepares documents elsewhere
		if p.rel == "screens" {
			for _, imp := range p.external {
				if strings.HasPrefix(imp, "github.com/pdfcpu/pdfcpu") {
					out = append(out, fmt.Sprintf("screens imports %s: a document's facts come from docqueue", imp))
				}
			}
		}
	}
	sort.Strings(out)
	return compact(out)
}

// usedByAuthority tells whether the contract or a package under authority/
// imports rel.
func usedByAuthority(pkgs map[string]*pkg, rel string) bool {
	for _, p := range pkgs {
		if (p.rel == "authority" || strings.HasPrefix(p.rel, "authority/")) && p.rel != rel && contains(p.project, rel) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func compact(s []string) []string {
	var out []string
	for i, e := range s {
		if i == 0 || e != s[i-1] {
			out = append(out, e)
		}
	}
	return out
}

// The import arrows of the whole module run one way.
func TestArrows(t *testing.T) {
	root, module := moduleRoot(t)
	pkgs := load(t, root, module)
	for _, must := range []string{"", "app", "cli", "screens", "authority", "pdfsign", "internal/localcrl"} {
		if pkgs[must] == nil {
			t.Fatalf("package %q not found under %s: the walk is broken", must, root)
		}
	}
	for _, p := range problems(pkgs) {
		t.Error(p)
	}
}

// The rules catch what they are there for: a domain package importing
// screens, an internal leaf reaching back up, a package out of its folder,
// widgets in a domain package, pdfcpu in screens, a package with no place,
// storage in the contract.
func TestArrowsCatch(t *testing.T) {
	cases := []struct {
		pkgs map[string]*pkg
		want string
	}{
		{map[string]*pkg{"authority": {rel: "authority"}, "pdfsign": {rel: "pdfsign", project: []string{"screens"}}}, "domain package pdfsign imports screens"},
		{map[string]*pkg{"authority": {rel: "authority"}, "signjob": {rel: "signjob", project: []string{"cli"}}}, "domain package signjob imports cli"},
		{map[string]*pkg{"authority": {rel: "authority"}, "screens": {rel: "screens", project: []string{"app"}}}, "screens imports app, which stands above it"},
		{map[string]*pkg{"authority": {rel: "authority"}, "internal/localcrl": {rel: "internal/localcrl", project: []string{"datadir"}}}, "internal/localcrl imports datadir, which stands above it"},
		{map[string]*pkg{"authority": {rel: "authority"}, "internal/localcrl": {rel: "internal/localcrl", project: []string{"config"}}}, "leaf internal/localcrl imports config: internal packages import only other internal packages"},
		{map[string]*pkg{"authority": {rel: "authority"}, "authority/batch": {rel: "authority/batch"}}, "authority/batch sits under authority/"},
		{map[string]*pkg{"authority": {rel: "authority"}, "camera": {rel: "camera", external: []string{"fyne.io/fyne/v2/widget"}}}, "camera imports fyne.io/fyne/v2/widget"},
		{map[string]*pkg{"authority": {rel: "authority"}, "screens": {rel: "screens", external: []string{"github.com/pdfcpu/pdfcpu/pkg/api"}}}, "screens imports github.com/pdfcpu/pdfcpu/pkg/api"},
		{map[string]*pkg{"authority": {rel: "authority"}, "newthing": {rel: "newthing"}}, "newthing has no place"},
		{map[string]*pkg{"authority": {rel: "authority"}, "server": {rel: "server", project: []string{"bsre/bsretest"}}}, "server imports bsre/bsretest"},
		{map[string]*pkg{"authority": {rel: "authority", project: []string{"authority/store"}}, "authority/store": {rel: "authority/store"}}, "the contract package authority imports authority/store"},
		{map[string]*pkg{"authority": {rel: "authority", external: []string{"database/sql"}}}, "the contract package authority imports database/sql"},
		{map[string]*pkg{"authority": {rel: "authority"}, "authority/store": {rel: "authority/store", external: []string{"github.com/jackc/pgx/v5"}}}, "the storage contract authority/store imports github.com/jackc/pgx/v5"},
		{map[string]*pkg{"authority": {rel: "authority"}, "authority/store": {rel: "authority/store", project: []string{"authority/store/pg"}}}, "authority/store imports authority/store/pg, which stands above it"},
		{map[string]*pkg{"authority": {rel: "authority"}, "authority/embedded": {rel: "authority/embedded", project: []string{"datadir"}}}, "authority/embedded imports datadir, which stands above it"},
	}
	for _, c := range cases {
		got := strings.Join(problems(c.pkgs), "\n")
		if !strings.Contains(got, c.want) {
			t.Errorf("want %q, got %q", c.want, got)
		}
	}
	// and an arrow that runs down is fine
	ok := map[string]*pkg{"authority": {rel: "authority"}, "authority/embedded": {rel: "authority/embedded", project: []string{"authority", "authority/store"}}, "authority/store": {rel: "authority/store"},
		"screens": {rel: "screens", project: []string{"docqueue", "pdfsign"}}, "docqueue": {rel: "docqueue", project: []string{"pdfsign", "signjob"}}, "pdfsign": {rel: "pdfsign"}, "signjob": {rel: "signjob"}}
	if got := problems(ok); len(got) != 0 {
		t.Errorf("arrows down reported: %q", got)
	}
}
