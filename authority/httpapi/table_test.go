package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/natunakab/besign/authority"
)

// Every method of the contract has one route, served by the handler.
func TestEveryMethodHasARoute(t *testing.T) {
	methods := reflect.TypeFor[authority.Authority]().NumMethod() + reflect.TypeFor[authority.CertifiedSigner]().NumMethod()
	if len(Routes) != methods {
		t.Errorf("%d routes for %d methods of authority.Authority and CertifiedSigner", len(Routes), methods)
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil) gave a handler")
	}
	h, err := New(openEmbedded(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range Routes {
		if seen[r.Path] {
			t.Errorf("route %s twice", r.Path)
		}
		seen[r.Path] = true
		if _, ok := h.routes[r.Path]; !ok {
			t.Errorf("route %s is not served", r.Path)
		}
		if r.MaxBody <= 0 {
			t.Errorf("route %s has no body limit", r.Path)
		}
		if strings.HasPrefix(r.Path, "/v1/admin/") != (r.Access == AdminOnly) {
			t.Errorf("route %s: access %d, and only /v1/admin/ routes are AdminOnly", r.Path, r.Access)
		}
	}
	if len(h.routes) != len(Routes) {
		t.Errorf("the handler serves %d routes, Routes lists %d", len(h.routes), len(Routes))
	}
}

// Every sentinel the contract declares (an exported Err... variable of
// package authority) has a row in Codes, and every code is unique: a new
// sentinel without a code fails here rather than reaching a client as 500.
func TestEverySentinelHasACode(t *testing.T) {
	declared := map[string]bool{}
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join("..", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					if strings.HasPrefix(n.Name, "Err") && n.IsExported() {
						declared[n.Name] = true
					}
				}
			}
		}
	}
	if len(declared) < 80 {
		t.Fatalf("found only %d sentinels in package authority: is the parse looking in the right place?", len(declared))
	}
	// The table's sentinels, by name, read from errors.go itself.
	f, err := parser.ParseFile(fset, "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	mapped := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "authority" && strings.HasPrefix(sel.Sel.Name, "Err") {
				mapped[sel.Sel.Name] = true
			}
		}
		return true
	})
	var missing []string
	for n := range declared {
		if !mapped[n] {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("sentinels without a code in Codes: %s", strings.Join(missing, ", "))
	}
	codes, errs := map[string]bool{}, map[error]bool{}
	for _, c := range Codes {
		if codes[c.Code] || errs[c.Err] {
			t.Errorf("code %s (%v) twice", c.Code, c.Err)
		}
		codes[c.Code], errs[c.Err] = true, true
		if c.Status < 400 || c.Status > 599 || http.StatusText(c.Status) == "" {
			t.Errorf("code %s: status %d", c.Code, c.Status)
		}
	}
}

// trip sends err as the server does (Describe, JSON) and restores it as
// the client does.
func trip(t *testing.T, err error) (int, error) {
	t.Helper()
	status, body, _ := Describe(err)
	b, jerr := json.Marshal(Envelope{Error: body})
	if jerr != nil {
		t.Fatal(jerr)
	}
	var env struct{ Error ErrorBody }
	if jerr := json.Unmarshal(b, &env); jerr != nil {
		t.Fatal(jerr)
	}
	return status, Restore(status, env.Error)
}

// Each sentinel, wrapped with detail as the authority does, comes back
// matching itself with its detail and status.
func TestErrorsRoundTrip(t *testing.T) {
	for _, c := range Codes {
		sent := fmt.Errorf("detail of %s: %w", c.Code, c.Err)
		status, got := trip(t, sent)
		if status != c.Status || !errors.Is(got, c.Err) {
			t.Errorf("%s: status %d, %v; want %d and errors.Is", c.Code, status, got, c.Status)
		}
		if c.Code != "internal" && got.Error() != sent.Error() {
			t.Errorf("%s: message %q, want %q", c.Code, got.Error(), sent.Error())
		}
		for _, other := range Codes {
			if other.Err != c.Err && errors.Is(got, other.Err) {
				t.Errorf("%s also matches %s", c.Code, other.Code)
			}
		}
	}

	// two sentinels at once: the first's status, both match
	status, got := trip(t, fmt.Errorf("%w; %w until 10:00", authority.ErrPassphraseWrong, authority.ErrCertificateSuspended))
	if status != http.StatusForbidden || !errors.Is(got, authority.ErrPassphraseWrong) || !errors.Is(got, authority.ErrCertificateSuspended) {
		t.Errorf("wrong passphrase that suspends: %d, %v", status, got)
	}
	status, got = trip(t, fmt.Errorf("%w: %w", authority.ErrInvalidCredentials, authority.ErrOTPInvalid))
	if status != http.StatusUnauthorized || !errors.Is(got, authority.ErrInvalidCredentials) || !errors.Is(got, authority.ErrOTPInvalid) {
		t.Errorf("wrong OTP at sign-in: %d, %v", status, got)
	}
}

// A ValidationError keeps its fields: errors.As finds it, each field's
// error is the sentinel (the very value when it carried no detail).
func TestValidationErrorRoundTrip(t *testing.T) {
	sent := &authority.ValidationError{Fields: []authority.FieldError{
		{Field: authority.FieldNIK, Err: authority.ErrNIKFormat},
		{Field: authority.FieldPhone, Err: fmt.Errorf("%w: 0812", authority.ErrPhoneInvalid)},
		{Field: authority.FieldPhoto, Err: errors.New("decoder: internal detail")},
	}}
	status, got := trip(t, fmt.Errorf("submit: %w", sent))
	var ve *authority.ValidationError
	if status != http.StatusUnprocessableEntity || !errors.As(got, &ve) || !errors.Is(got, authority.ErrActivationInvalid) {
		t.Fatalf("validation error: %d, %T %v", status, got, got)
	}
	if len(ve.Fields) != 3 || ve.Field(authority.FieldNIK) != authority.ErrNIKFormat {
		t.Errorf("fields: %+v", ve.Fields)
	}
	if err := ve.Field(authority.FieldPhone); !errors.Is(err, authority.ErrPhoneInvalid) || err.Error() != "phone number must be an Indonesian mobile number: 08..., 628... or +628...: 0812" {
		t.Errorf("phone: %v", err)
	}
	if err := ve.Field(authority.FieldPhoto); err == nil || strings.Contains(err.Error(), "decoder") {
		t.Errorf("a field error outside the table: %v (want the generic text)", err)
	}
	if !errors.Is(got, authority.ErrNIKFormat) {
		t.Error("errors.Is does not see the field's sentinel")
	}
}

// An error outside the table says nothing of itself; a code this client
// does not know keeps its message and matches nothing.
func TestUnknownErrors(t *testing.T) {
	status, body, known := Describe(errors.New("sqlite: /var/lib/besign/authority.db: disk I/O error"))
	if known || status != http.StatusInternalServerError || body.Code != "internal" || body.Message != ErrInternal.Error() {
		t.Errorf("internal error described as %d %+v (known %v)", status, body, known)
	}
	got := Restore(http.StatusTeapot, ErrorBody{Code: "from_the_future", Message: "a newer server's error"})
	if got.Error() != "a newer server's error" {
		t.Errorf("unknown code: %v", got)
	}
	for _, c := range Codes {
		if errors.Is(got, c.Err) {
			t.Errorf("unknown code matches %s", c.Code)
		}
	}
}
