package embedded

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// queueUser signs a new account in and returns its session token.
func queueUser(t testing.TB, e *Authority, clk *testClock, name, email string) string {
	t.Helper()
	_, secret := activate(t, e, clk, name, email)
	return signIn(t, e, clk, email, secret, false).Token
}

// goodSettings places a box on page 1 of an A4 page.
func goodSettings() authority.SignatureSettings {
	return authority.SignatureSettings{Page: 1, Box: authority.Box{X: 36, Y: 36, W: 180, H: 60}, Reason: "Menyetujui", Location: "Ranai"}
}

func fingerprintOf(content string, mod time.Time) authority.Fingerprint {
	h := sha256.Sum256([]byte(content))
	return authority.Fingerprint{Size: int64(len(content)), ModTime: mod, SHA256: h[:]}
}

func queue(t testing.TB, e *Authority, token, path string) authority.QueuedDocument {
	t.Helper()
	d, err := e.QueueDocument(ctx, authority.QueueDocumentRequest{Token: token, Path: path, Pages: 3,
		Fingerprint: fingerprintOf(path, time.Unix(1700000000, 5).UTC()), Settings: goodSettings()})
	if err != nil {
		t.Fatalf("QueueDocument(%s): %v", path, err)
	}
	return d
}

func queuedPaths(t testing.TB, e *Authority, token string) []string {
	t.Helper()
	ds, err := e.QueuedDocuments(ctx, token)
	if err != nil {
		t.Fatalf("QueuedDocuments: %v", err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.Path)
	}
	return out
}

// sameDocument compares exactly: floats bit for bit, times to the
// nanosecond.
func sameDocument(a, b authority.QueuedDocument) bool {
	fa, fb := a.Fingerprint, b.Fingerprint
	return a.ID == b.ID && a.Path == b.Path && a.Pages == b.Pages && a.AddedAt.Equal(b.AddedAt) &&
		fa.Size == fb.Size && fa.ModTime.Equal(fb.ModTime) && bytes.Equal(fa.SHA256, fb.SHA256) &&
		a.Settings == b.Settings
}

// Add, list oldest first, update, remove; an unknown id is reported.
func TestQueueLifecycle(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	tok := queueUser(t, e, clk, "Siti", "siti@natunakab.go.id")
	if ds, err := e.QueuedDocuments(ctx, tok); err != nil || ds == nil || len(ds) != 0 {
		t.Fatalf("new queue: %#v, %v", ds, err)
	}
	first := queue(t, e, tok, "/home/siti/b.pdf")
	if !first.AddedAt.Equal(clk.Now()) || first.ID == 0 || first.Settings != goodSettings() {
		t.Fatalf("queued %+v at %v", first, clk.Now())
	}
	clk.Advance(time.Second)
	// Two at the same instant keep the order they were added in.
	second := queue(t, e, tok, "/home/siti/c.pdf")
	third := queue(t, e, tok, "/home/siti/a.pdf")
	if got := queuedPaths(t, e, tok); strings.Join(got, " ") != "/home/siti/b.pdf /home/siti/c.pdf /home/siti/a.pdf" {
		t.Fatalf("order %v", got)
	}

	// Settings are replaced; the fingerprint only when given.
	set := authority.SignatureSettings{Page: 3, Box: authority.Box{X: 0.5, Y: 700.25, W: 100, H: 40}, Reason: "  Mengetahui ", OutputDir: "/home/siti/Signed"}
	up, err := e.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: tok, ID: second.ID, Settings: set})
	if err != nil {
		t.Fatal(err)
	}
	set.Reason = "Mengetahui" // trimmed
	if up.Settings != set || !sameDocument(authority.QueuedDocument{ID: up.ID, Path: up.Path, Pages: up.Pages, AddedAt: up.AddedAt,
		Fingerprint: up.Fingerprint, Settings: second.Settings}, second) {
		t.Fatalf("updated %+v from %+v", up, second)
	}
	fp := fingerprintOf("changed", time.Unix(1800000000, 999999999).UTC())
	pages := 5
	set.Page = 5
	if _, err := e.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: tok, ID: second.ID, Settings: set}); !errors.Is(err, authority.ErrQueueSettings) {
		t.Fatalf("page 5 of 3: %v", err)
	}
	up, err = e.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: tok, ID: second.ID, Settings: set, Fingerprint: &fp, Pages: &pages})
	if err != nil || up.Pages != 5 || up.Fingerprint.Size != fp.Size || !bytes.Equal(up.Fingerprint.SHA256, fp.SHA256) {
		t.Fatalf("accepted the changed file: %+v, %v", up, err)
	}
	ds, _ := e.QueuedDocuments(ctx, tok)
	if len(ds) != 3 || !sameDocument(ds[1], up) || !sameDocument(ds[0], first) || !sameDocument(ds[2], third) {
		t.Fatalf("after the update: %+v", ds)
	}

	if err := e.RemoveQueuedDocument(ctx, tok, first.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveQueuedDocument(ctx, tok, first.ID); !errors.Is(err, authority.ErrQueueNotFound) {
		t.Fatalf("removed twice: %v", err)
	}
	if _, err := e.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: tok, ID: first.ID, Settings: goodSettings()}); !errors.Is(err, authority.ErrQueueNotFound) {
		t.Fatalf("update of a removed document: %v", err)
	}
	for _, id := range []int64{0, -1, 1 << 40} {
		if err := e.RemoveQueuedDocument(ctx, tok, id); !errors.Is(err, authority.ErrQueueNotFound) {
			t.Fatalf("remove %d: %v", id, err)
		}
	}
	if got := queuedPaths(t, e, tok); strings.Join(got, " ") != "/home/siti/c.pdf /home/siti/a.pdf" {
		t.Fatalf("after removing: %v", got)
	}
	// A removed path may be queued again.
	queue(t, e, tok, "/home/siti/b.pdf")
	if _, err := e.QueueDocument(ctx, authority.QueueDocumentRequest{Token: tok, Path: "/home/siti/b.pdf", Settings: goodSettings()}); !errors.Is(err, authority.ErrQueueDuplicate) {
		t.Fatalf("same path twice: %v", err)
	}
}

// The queue and every setting survive closing and opening the authority:
// floats bit for bit, the fingerprint's time to the nanosecond, its hash.
func TestQueuePersists(t *testing.T) {
	e, clk, opts := openTest(t, nil)
	tok := queueUser(t, e, clk, "Siti", "siti@natunakab.go.id")
	hash := sha256.Sum256([]byte("surat"))
	mod := time.Date(2026, 11, 20, 7, 30, 1, 123456789, time.FixedZone("WIB", 7*3600))
	reqs := []authority.QueueDocumentRequest{
		{Path: "/home/siti/Dokumen/Surat Keputusan №12.pdf", Pages: 12, Fingerprint: authority.Fingerprint{Size: 1 << 40, ModTime: mod, SHA256: hash[:]},
			Settings: authority.SignatureSettings{Page: 12, Box: authority.Box{X: 0.1, Y: 1.0 / 3, W: math.Nextafter(200, 0), H: 14000.123456789012},
				Reason: "Saya menyetujui dokumen ini", Location: "Ranai, Natuna", OutputDir: "/home/siti/Ditandatangani"}},
		{Path: "/home/siti/kosong.pdf", Settings: authority.SignatureSettings{Page: 1, Invisible: true}},
	}
	var want []authority.QueuedDocument
	for _, r := range reqs {
		r.Token = tok
		d, err := e.QueueDocument(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, d)
		clk.Advance(time.Nanosecond)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.QueuedDocuments(ctx, tok); !errors.Is(err, authority.ErrClosed) {
		t.Fatalf("closed: %v", err)
	}

	e2, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	got, err := e2.QueuedDocuments(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d documents after reopening, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameDocument(got[i], want[i]) {
			t.Errorf("document %d after reopening:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	b := got[0].Settings.Box
	if math.Float64bits(b.W) != math.Float64bits(math.Nextafter(200, 0)) || b.Y != 1.0/3 {
		t.Errorf("box not kept exactly: %+v", b)
	}
	if got[0].Fingerprint.ModTime.UnixNano() != mod.UnixNano() || got[1].Fingerprint.ModTime.IsZero() != true ||
		got[1].Fingerprint.SHA256 != nil || !got[1].Settings.Invisible {
		t.Errorf("fingerprints after reopening: %+v / %+v", got[0].Fingerprint, got[1].Fingerprint)
	}
}

// Account B tries to read, change and remove account A's document, and to
// learn whether A queued a path: none of it works or leaks.
func TestQueueOtherAccount(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	a := queueUser(t, e, clk, "Siti", "siti@natunakab.go.id")
	b := queueUser(t, e, clk, "Budi", "budi@natunakab.go.id")
	doc := queue(t, e, a, "/srv/bersama/nota.pdf")

	if got := queuedPaths(t, e, b); len(got) != 0 {
		t.Fatalf("B sees %v", got)
	}
	evil := authority.SignatureSettings{Page: 1, Box: authority.Box{X: 1, Y: 1, W: 1, H: 1}, OutputDir: "/tmp/evil"}
	fp := fingerprintOf("other", time.Now())
	if _, err := e.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: b, ID: doc.ID, Settings: evil, Fingerprint: &fp}); !errors.Is(err, authority.ErrQueueNotFound) {
		t.Fatalf("B changes A's document: %v", err)
	}
	if err := e.RemoveQueuedDocument(ctx, b, doc.ID); !errors.Is(err, authority.ErrQueueNotFound) {
		t.Fatalf("B removes A's document: %v", err)
	}
	// The same path is B's own document, not a duplicate of A's.
	mine := queue(t, e, b, "/srv/bersama/nota.pdf")
	if mine.ID == doc.ID {
		t.Fatal("B got A's id")
	}
	ds, err := e.QueuedDocuments(ctx, a)
	if err != nil || len(ds) != 1 || !sameDocument(ds[0], doc) {
		t.Fatalf("A's queue after B's attempts: %+v, %v", ds, err)
	}
	if err := e.RemoveQueuedDocument(ctx, b, mine.ID); err != nil {
		t.Fatal(err)
	}
	if got := queuedPaths(t, e, a); len(got) != 1 {
		t.Fatalf("B's removal touched A's queue: %v", got)
	}
}

// Without a valid session nothing is read or written.
func TestQueueNeedsSession(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	tok := queueUser(t, e, clk, "Siti", "siti@natunakab.go.id")
	doc := queue(t, e, tok, "/home/siti/a.pdf")
	other := queueUser(t, e, clk, "Budi", "budi@natunakab.go.id")
	if err := e.SignOut(ctx, other); err != nil {
		t.Fatal(err)
	}
	calls := func(token string) []error {
		_, e1 := e.QueuedDocuments(ctx, token)
		_, e2 := e.QueueDocument(ctx, authority.QueueDocumentRequest{Token: token, Path: "/home/siti/b.pdf", Settings: goodSettings()})
		_, e3 := e.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: token, ID: doc.ID, Settings: goodSettings()})
		e4 := e.RemoveQueuedDocument(ctx, token, doc.ID)
		return []error{e1, e2, e3, e4}
	}
	for _, bad := range []string{"", "garbage", strings.Repeat("A", 43), other} {
		for i, err := range calls(bad) {
			if !errors.Is(err, authority.ErrSessionExpired) {
				t.Errorf("call %d with token %.10q: %v", i, bad, err)
			}
		}
	}
	clk.Advance(DefaultOptions().SessionLifetime)
	for i, err := range calls(tok) {
		if !errors.Is(err, authority.ErrSessionExpired) {
			t.Errorf("call %d with an expired session: %v", i, err)
		}
	}
	var n int
	e.db.View(ctx, func(tx store.Tx) error {
		u, err := tx.UserByEmail(ctx, "siti@natunakab.go.id")
		if err == nil {
			n, err = tx.CountQueued(ctx, u.ID)
		}
		return err
	})
	if n != 1 {
		t.Fatalf("%d documents after the refused calls", n)
	}
}

func TestQueuePathRules(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	tok := queueUser(t, e, clk, "Siti", "siti@natunakab.go.id")
	long := "/" + strings.Repeat("a", authority.MaxQueuePathLen-1)
	for _, p := range []string{
		"", "a.pdf", "./a.pdf", "../a.pdf", "~/a.pdf",
		"/home/siti/../budi/a.pdf", "/home/siti/./a.pdf", "/home//siti/a.pdf", "/home/siti/",
		"/home/siti/a\x00.pdf", "/home/siti/a\n.pdf", "/home/siti/a\x7f.pdf", "/home/siti/a\u0085.pdf",
		"/home/siti/\xff.pdf", long + "a",
	} {
		_, err := e.QueueDocument(ctx, authority.QueueDocumentRequest{Token: tok, Path: p, Settings: goodSettings()})
		if !errors.Is(err, authority.ErrQueuePath) {
			t.Errorf("path %q: %v", p, err)
		}
	}
	for _, p := range []string{"/a.pdf", long, "/home/siti/Surat Ñ — 2026 (final).PDF"} {
		if _, err := e.QueueDocument(ctx, authority.QueueDocumentRequest{Token: tok, Path: p, Settings: goodSettings()}); err != nil {
			t.Errorf("path %.40q: %v", p, err)
		}
	}
	if got := queuedPaths(t, e, tok); len(got) != 3 {
		t.Fatalf("queued %d", len(got))
	}
}

func TestQueueSettingsRules(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	tok := queueUser(t, e, clk, "Siti", "siti@natunakab.go.id")
	doc := queue(t, e, tok, "/home/siti/a.pdf") // 3 pages
	bad := []struct {
		name string
		mod  func(*authority.QueueDocumentRequest)
		says string
	}{
		{"page 0", func(r *authority.QueueDocumentRequest) { r.Settings.Page = 0 }, "page"},
		{"page -1", func(r *authority.QueueDocumentRequest) { r.Settings.Page = -1 }, "page"},
		{"page 4 of 3", func(r *authority.QueueDocumentRequest) { r.Settings.Page = 4 }, "page"},
		{"invisible on page 0", func(r *authority.QueueDocumentRequest) { r.Settings.Invisible, r.Settings.Page = true, 0 }, "page"},
		{"negative pages", func(r *authority.QueueDocumentRequest) { r.Pages = -1 }, "pages"},
		{"zero width", func(r *authority.QueueDocumentRequest) { r.Settings.Box.W = 0 }, "box"},
		{"negative height", func(r *authority.QueueDocumentRequest) { r.Settings.Box.H = -5 }, "box"},
		{"negative x", func(r *authority.QueueDocumentRequest) { r.Settings.Box.X = -0.5 }, "box"},
		{"negative y", func(r *authority.QueueDocumentRequest) { r.Settings.Box.Y = -1 }, "box"},
		{"NaN", func(r *authority.QueueDocumentRequest) { r.Settings.Box.X = math.NaN() }, "box"},
		{"infinite", func(r *authority.QueueDocumentRequest) { r.Settings.Box.W = math.Inf(1) }, "box"},
		{"NaN while invisible", func(r *authority.QueueDocumentRequest) { r.Settings.Invisible, r.Settings.Box.H = true, math.NaN() }, "box"},
		{"beyond a page", func(r *authority.QueueDocumentRequest) { r.Settings.Box.X = 14400 }, "box"},
		{"wider than a page", func(r *authority.QueueDocumentRequest) { r.Settings.Box.W = 14400.5 }, "box"},
		{"reason too long", func(r *authority.QueueDocumentRequest) {
			r.Settings.Reason = strings.Repeat("é", authority.MaxSignatureTextLen+1)
		}, "reason"},
		{"reason with RLO", func(r *authority.QueueDocumentRequest) { r.Settings.Reason = "Menyetujui\u202e" }, "reason"},
		{"reason on two lines", func(r *authority.QueueDocumentRequest) { r.Settings.Reason = "Menyetujui\nsemua" }, "reason"},
		{"location with zero width", func(r *authority.QueueDocumentRequest) { r.Settings.Location = "Ra\u200bnai" }, "location"},
		{"location too long", func(r *authority.QueueDocumentRequest) {
			r.Settings.Location = strings.Repeat("x", authority.MaxSignatureTextLen+1)
		}, "location"},
		{"relative output", func(r *authority.QueueDocumentRequest) { r.Settings.OutputDir = "Signed" }, "output"},
		{"unclean output", func(r *authority.QueueDocumentRequest) { r.Settings.OutputDir = "/home/siti/Signed/" }, "output"},
		{"output with NUL", func(r *authority.QueueDocumentRequest) { r.Settings.OutputDir = "/home/\x00" }, "output"},
		{"negative size", func(r *authority.QueueDocumentRequest) { r.Fingerprint.Size = -1 }, "fingerprint"},
		{"short hash", func(r *authority.QueueDocumentRequest) { r.Fingerprint.SHA256 = make([]byte, 20) }, "fingerprint"},
		{"time out of range", func(r *authority.QueueDocumentRequest) {
			r.Fingerprint.ModTime = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
		}, "fingerprint"},
	}
	for _, c := range bad {
		r := authority.QueueDocumentRequest{Token: tok, Path: "/home/siti/b.pdf", Pages: 3, Fingerprint: fingerprintOf("b", clk.Now()), Settings: goodSettings()}
		c.mod(&r)
		_, err := e.QueueDocument(ctx, r)
		if !errors.Is(err, authority.ErrQueueSettings) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v", c.name, err)
		}
		// The same settings are refused on update too.
		if c.says == "pages" || c.says == "fingerprint" {
			continue
		}
		if _, err := e.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: tok, ID: doc.ID, Settings: r.Settings}); !errors.Is(err, authority.ErrQueueSettings) {
			t.Errorf("%s on update: %v", c.name, err)
		}
	}
	neg := -1
	if _, err := e.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: tok, ID: doc.ID, Settings: goodSettings(), Pages: &neg}); !errors.Is(err, authority.ErrQueueSettings) {
		t.Errorf("update to -1 pages: %v", err)
	}
	short := authority.Fingerprint{SHA256: []byte{1}}
	if _, err := e.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: tok, ID: doc.ID, Settings: goodSettings(), Fingerprint: &short}); !errors.Is(err, authority.ErrQueueSettings) {
		t.Errorf("update to a short hash: %v", err)
	}
	if ds, _ := e.QueuedDocuments(ctx, tok); len(ds) != 1 || !sameDocument(ds[0], doc) {
		t.Fatalf("refused settings changed the queue: %+v", ds)
	}

	good := []authority.SignatureSettings{
		{Page: 3, Box: authority.Box{X: 0, Y: 0, W: 14400, H: 14400}},                             // a whole maximal page
		{Page: 1, Invisible: true},                                                                // no box needed
		{Page: 2, Invisible: true, Box: authority.Box{X: -3, W: -1}},                              // an unused box is kept as it is
		{Page: 1, Box: authority.Box{X: 1, Y: 1, W: 1, H: 1}, Reason: strings.Repeat("é", 200)},   // at the limit
		{Page: 1, Box: authority.Box{X: 1, Y: 1, W: 1, H: 1}, Reason: "   ", Location: "Natuna"},  // blank is none
		{Page: 1, Box: authority.Box{X: 1, Y: 1, W: 1, H: 1}, OutputDir: "/"},                     // the root folder
		{Page: 9, Box: authority.Box{X: 1, Y: 1, W: 1, H: 1}, Reason: "Menyetujui · ✓ 署名 ملاحظة"}, // unknown page count
	}
	for i, s := range good {
		pages := 3
		if i == len(good)-1 {
			pages = 0
		}
		d, err := e.QueueDocument(ctx, authority.QueueDocumentRequest{Token: tok, Path: fmt.Sprintf("/home/siti/good%d.pdf", i), Pages: pages, Settings: s})
		if err != nil {
			t.Errorf("good %d (%+v): %v", i, s, err)
			continue
		}
		if strings.TrimSpace(s.Reason) == "" {
			s.Reason = ""
		}
		if d.Settings != s {
			t.Errorf("good %d stored as %+v", i, d.Settings)
		}
	}
}

// MaxQueuedDocuments is counted per account.
func TestQueueFull(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	tok := queueUser(t, e, clk, "Siti", "siti@natunakab.go.id")
	other := queueUser(t, e, clk, "Budi", "budi@natunakab.go.id")
	first := queue(t, e, tok, "/q/0.pdf")
	fillQueue(t, e, "siti@natunakab.go.id", authority.MaxQueuedDocuments-1)
	if n := len(queuedPaths(t, e, tok)); n != authority.MaxQueuedDocuments {
		t.Fatalf("%d queued", n)
	}
	if _, err := e.QueueDocument(ctx, authority.QueueDocumentRequest{Token: tok, Path: "/q/more.pdf", Settings: goodSettings()}); !errors.Is(err, authority.ErrQueueFull) {
		t.Fatalf("past the limit: %v", err)
	}
	queue(t, e, other, "/q/more.pdf") // another account's queue is not full
	if err := e.RemoveQueuedDocument(ctx, tok, first.ID); err != nil {
		t.Fatal(err)
	}
	queue(t, e, tok, "/q/more.pdf")
}

// fillQueue adds n documents to an account's queue in one transaction, as
// quickly as a test needs.
func fillQueue(t testing.TB, e *Authority, email string, n int) {
	t.Helper()
	err := e.db.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		for i := range n {
			d := store.QueuedDocument{UserID: u.ID, Path: fmt.Sprintf("/fill/%d.pdf", i), Page: 1, W: 1, H: 1, AddedAt: e.now()}
			if err := tx.InsertQueued(ctx, &d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The queue has no place for a secret: no PDF password, no passphrase.
func TestQueueKeepsNoSecrets(t *testing.T) {
	var walk func(tp reflect.Type, at string)
	walk = func(tp reflect.Type, at string) {
		for tp.Kind() == reflect.Pointer || tp.Kind() == reflect.Slice {
			tp = tp.Elem()
		}
		if tp.Kind() != reflect.Struct || tp == reflect.TypeOf(time.Time{}) {
			return
		}
		for i := range tp.NumField() {
			f := tp.Field(i)
			name := strings.ToLower(f.Name)
			for _, w := range []string{"pass", "secret", "key", "pin", "pwd"} {
				if strings.Contains(name, w) {
					t.Errorf("%s.%s may hold a secret", at, f.Name)
				}
			}
			walk(f.Type, at+"."+f.Name)
		}
	}
	for _, v := range []any{authority.QueuedDocument{}, authority.QueueDocumentRequest{}, authority.UpdateQueuedRequest{}, store.QueuedDocument{}} {
		walk(reflect.TypeOf(v), reflect.TypeOf(v).String())
	}
}
