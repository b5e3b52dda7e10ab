package screens

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/preview"
)

func init() {
	// The queue's sentinels, worded by signingText.
	for name, err := range map[string]error{
		"ErrQueueNotFound": authority.ErrQueueNotFound, "ErrQueueDuplicate": authority.ErrQueueDuplicate,
		"ErrQueueFull": authority.ErrQueueFull, "ErrQueuePath": authority.ErrQueuePath,
		"ErrQueueSettings": authority.ErrQueueSettings,
	} {
		sentinelValues[name] = err
	}
}

const signPass = "Contoh2!"

// testRenderer is one preview renderer for all tests: its WebAssembly
// runtime starts once, its compilation cache outlives the test run.
var testRenderer = sync.OnceValue(func() *preview.Renderer {
	return preview.New(filepath.Join(os.TempDir(), "besign-screens-test-wasm"))
})

// opened records what the screens asked the desktop to open.
type opened struct {
	mu   sync.Mutex
	urls []string
}

func (o *opened) open(u *url.URL) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.urls = append(o.urls, u.String())
	return nil
}

// signReady signs in an account with an issued certificate, with the page
// preview and a recorded OpenURL, on the Tanda Tangan tab.
func signReady(t testing.TB, cfgs ...func(*harnessConfig)) (*harness, *opened) {
	t.Helper()
	h := verifiedSignedInWith(t, cfgs)
	_, err := h.auth.CreatePassphrase(context.Background(), authority.CreatePassphraseRequest{
		Token: h.ui.state.session.Token, Passphrase: signPass, Confirmation: signPass, Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	o := &opened{}
	h.ui.opts.Preview = testRenderer()
	h.ui.opts.OpenURL = o.open
	h.ui.opts.MaxPassphraseFailures = 5
	h.ui.tabs.Select(h.ui.signItem)
	h.wait()
	if h.ui.sign.cert == nil || h.ui.sign.cert.Status != authority.StatusIssue {
		t.Fatalf("certificate %+v", h.ui.sign.cert)
	}
	if shown(h.ui.sign.certMsg) != "" {
		t.Fatalf("a note while the certificate can sign: %q", shown(h.ui.sign.certMsg))
	}
	return h, o
}

// testPage is one page of a test PDF: its MediaBox size and /Rotate.
type testPage struct {
	w, h   float64
	rotate int
}

// writePDF writes a PDF with pages to dir/name.
func writePDF(t testing.TB, dir, name string, pages ...testPage) string {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	var objs []string
	kids := ""
	for i := range pages {
		kids += fmt.Sprintf("%d 0 R ", 3+2*i)
	}
	objs = append(objs, "<</Type/Catalog/Pages 2 0 R>>",
		fmt.Sprintf("<</Type/Pages/Count %d/Kids[%s]>>", len(pages), kids))
	for i, p := range pages {
		objs = append(objs,
			fmt.Sprintf("<</Type/Page/Parent 2 0 R/MediaBox[0 0 %g %g]/Rotate %d/Contents %d 0 R/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>>>",
				p.w, p.h, p.rotate, 4+2*i))
		text := fmt.Sprintf("BT /F1 24 Tf 40 %g Td (Halaman %d) Tj ET", p.h-60, i+1)
		objs = append(objs, fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(text), text))
	}
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var a4 = testPage{w: 595, h: 842}

// queued is the account's queue as the screens' authority keeps it (with a
// server, on the laptop: localqueue).
func (h *harness) queued() []authority.QueuedDocument {
	h.t.Helper()
	docs, err := h.ui.opts.Authority.QueuedDocuments(context.Background(), h.ui.state.session.Token)
	if err != nil {
		h.t.Fatal(err)
	}
	return docs
}

// row is the list's text of document i.
func (t *signTab) row(i int) string {
	d := t.docs[i]
	return filepath.Base(d.Path) + " | " + t.docDetails(d) + " | " + t.docStatus(d)
}

// The queue: adding a PDF shows its name, pages, size and signatures and
// its first page with the box; the box is dragged into place and the
// settings changed; all of it is stored, so a new window shows the same;
// removing takes the document out.
func TestSignQueue(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	path := writePDF(t, dir, "Surat Edaran.pdf", a4, testPage{w: 842, h: 595})
	h.ui.OpenFiles([]string{path})
	h.wait()
	if h.ui.tabs.Selected() != h.ui.signItem || len(tab.docs) != 1 || tab.selected != tab.docs[0].ID {
		t.Fatalf("after adding: tab %v, %d docs, selected %d", h.ui.tabs.Selected().Text, len(tab.docs), tab.selected)
	}
	st, _ := os.Stat(path)
	row := tab.row(0)
	for _, want := range []string{"Surat Edaran.pdf", "2 halaman", humanSize(st.Size()), "belum ada tanda tangan", "Siap ditandatangani"} {
		if !strings.Contains(row, want) {
			t.Errorf("row %q lacks %q", row, want)
		}
	}
	// the preview shows page 1 as displayed, with the default box
	if tab.preview.img == nil || tab.preview.pageW != 595 || tab.preview.pageH != 842 || !tab.preview.showBox {
		t.Fatalf("preview: image %v, page %vx%v, box shown %v (%q)", tab.preview.img != nil, tab.preview.pageW, tab.preview.pageH, tab.preview.showBox, shown(tab.previewMsg))
	}
	if tab.pageLabel.Text != "Halaman 1 dari 2" {
		t.Fatalf("page label %q", tab.pageLabel.Text)
	}
	q := h.queued()
	want := authority.SignatureSettings{Page: 1, Box: defaultBox(595, 842), Reason: "Saya menyetujui dokumen ini",
		Location: "Dinas Komunikasi dan Informatika"}
	if len(q) != 1 || q[0].Path != path || q[0].Pages != 2 || q[0].Settings != want || q[0].Fingerprint.Size != st.Size() {
		t.Fatalf("stored %+v, want settings %+v", q, want)
	}

	// drag the box 100 units left and 150 up: stored once the drag ends
	p := tab.preview
	if p.Size().Width < 100 || p.Size().Height < 100 {
		t.Fatalf("preview is %v on screen", p.Size())
	}
	r := p.boxRect()
	scale := p.pageRect().W / 595
	drag(p, fyne.NewPos(float32(r.X+r.W/2), float32(r.Y+r.H/2)), fyne.Delta{DX: -50, DY: -75}, fyne.Delta{DX: -50, DY: -75})
	h.wait()
	moved := h.queued()[0].Settings.Box
	if !near(moved.X, want.Box.X-100/scale) || !near(moved.Y, want.Box.Y+150/scale) || moved.W != want.Box.W || moved != p.box {
		t.Fatalf("after the drag: stored %+v, shown %+v (scale %v)", moved, p.box, scale)
	}
	// resize it by its handle
	r = p.boxRect()
	drag(p, fyne.NewPos(float32(r.X+r.W), float32(r.Y+r.H)), fyne.Delta{DX: 40 * float32(scale), DY: 20 * float32(scale)})
	h.wait()
	resized := h.queued()[0].Settings.Box
	if !near(resized.W, moved.W+40) || !near(resized.H, moved.H+20) || !near(resized.Y+resized.H, moved.Y+moved.H) {
		t.Fatalf("after the resize: %+v (was %+v)", resized, moved)
	}

	// a click on the preview gives it the keyboard: arrows move the box
	test.Tap(p)
	if h.win.Canvas().Focused() != p {
		t.Fatal("a click on the preview did not focus it")
	}
	h.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	h.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	h.wait()
	if got := h.queued()[0].Settings.Box; !near(got.X, resized.X+keyStep) || !near(got.Y, resized.Y-keyStep) || got.W != resized.W {
		t.Fatalf("after the arrows: %+v (was %+v)", got, resized)
	}

	// page 2 is landscape: the box is kept on it
	h.tap(tab.next)
	if tab.pageLabel.Text != "Halaman 2 dari 2" || tab.preview.pageW != 842 || tab.preview.pageH != 595 || tab.preview.img == nil {
		t.Fatalf("page 2: %q %vx%v", tab.pageLabel.Text, tab.preview.pageW, tab.preview.pageH)
	}
	h.typeIn(tab.reason, strings.Repeat("panjang-", 30))
	h.wait()
	if n := len([]rune(h.queued()[0].Settings.Reason)); n != authority.MaxSignatureTextLen || len([]rune(tab.reason.Text)) != n {
		t.Fatalf("a long reason kept %d characters", n)
	}
	h.typeIn(tab.reason, "Mengetahui")
	h.typeIn(tab.location, "Ranai")
	out := t.TempDir()
	tab.setOutputDir(tab.selected, out)
	h.wait()
	s := h.queued()[0].Settings
	if s.Page != 2 || s.Reason != "Mengetahui" || s.Location != "Ranai" || s.OutputDir != out || s.Invisible {
		t.Fatalf("stored settings %+v", s)
	}
	if b := s.Box; b.X+b.W > 842 || b.Y+b.H > 595 {
		t.Fatalf("box %+v is off the landscape page", b)
	}
	test.Tap(tab.invisible)
	h.wait()
	if !h.queued()[0].Settings.Invisible || tab.preview.showBox || !tab.pageSel.Disabled() {
		t.Fatal("Tanpa tampilan: not stored, or the box is still shown")
	}
	test.Tap(tab.invisible)
	h.wait()

	// a new window on the same database shows the same queue
	ui2 := h.again(nil)
	ui2.signedIn(*h.ui.state.session)
	h.again2.wait()
	t2 := ui2.sign
	if len(t2.docs) != 1 || t2.docs[0].Settings != h.queued()[0].Settings || t2.selected != t2.docs[0].ID {
		t.Fatalf("new window: %+v", t2.docs)
	}
	if t2.reason.Text != "Mengetahui" || t2.location.Text != "Ranai" || t2.pageLabel.Text != "Halaman 2 dari 2" || t2.outDir.Text != out {
		t.Fatalf("new window shows %q %q %q %q", t2.reason.Text, t2.location.Text, t2.pageLabel.Text, t2.outDir.Text)
	}

	// remove
	h.tap(tab.remove)
	if len(tab.docs) != 0 || len(h.queued()) != 0 || tab.selected != 0 || !tab.remove.Disabled() || !tab.empty.Visible() {
		t.Fatalf("after removing: %d docs shown, %d stored", len(tab.docs), len(h.queued()))
	}
}

// Each file added reports its own error; the others are queued.
func TestSignAddErrors(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	good := writePDF(t, dir, "baik.pdf", a4)
	notPDF := filepath.Join(dir, "catatan.pdf")
	if err := os.WriteFile(notPDF, []byte("bukan PDF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// dropped on the window, as the file manager hands them over
	var uris []fyne.URI
	for _, p := range []string{notPDF, filepath.Join(dir, "hilang.pdf"), good, good} {
		uris = append(uris, storage.NewFileURI(p))
	}
	h.ui.Dropped(fyne.NewPos(10, 10), uris)
	h.wait()
	if len(tab.docs) != 1 || len(h.queued()) != 1 {
		t.Fatalf("%d documents queued", len(h.queued()))
	}
	msg := shown(tab.addMsg)
	for _, want := range []string{"catatan.pdf: Berkas ini bukan PDF.", "hilang.pdf: Berkas tidak ditemukan", "baik.pdf: Dokumen ini sudah ada dalam antrean."} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors %q lack %q", msg, want)
		}
	}
}

// Without a certificate that can sign, the tab says what to do, and
// documents can still be prepared; signed out, a file waits for the
// sign-in.
func TestSignNeedsCertificate(t *testing.T) {
	h := verifiedSignedIn(t) // verified, no passphrase yet
	h.ui.opts.Preview = testRenderer()
	tab := h.ui.sign
	h.ui.tabs.Select(h.ui.signItem)
	h.wait()
	if got := shown(tab.certMsg); !strings.Contains(got, "Buat passphrase di tab Akun") {
		t.Fatalf("note %q", got)
	}
	path := writePDF(t, t.TempDir(), "draf.pdf", a4)
	h.ui.OpenFiles([]string{path})
	h.wait()
	if len(h.queued()) != 1 || !tab.signBtn.Disabled() {
		t.Fatalf("queued %d, Tandatangani disabled %v", len(h.queued()), tab.signBtn.Disabled())
	}
	tab.openPrompt()
	h.wait()
	if tab.prompt.open {
		t.Fatal("the prompt opened without a certificate")
	}

	// signed out: the tab asks to sign in, and a file handed over waits
	s := *h.ui.state.session
	h.ui.signedOut(signInState{})
	if tab.content.Objects[0] != tab.signedOutView {
		t.Fatal("signed out, the tab does not say so")
	}
	other := writePDF(t, t.TempDir(), "nanti.pdf", a4)
	h.ui.OpenFiles([]string{other})
	h.wait()
	if h.ui.tabs.Selected() != h.ui.akunTab || !strings.Contains(shown(tab.pendingMsg), "1 dokumen akan ditambahkan") {
		t.Fatalf("signed out, a file handed over shows %q on %q", shown(tab.pendingMsg), h.ui.tabs.Selected().Text)
	}
	h.ui.signedIn(s)
	h.wait()
	if len(tab.docs) != 2 || tab.docs[1].Path != other || tab.selected != tab.docs[1].ID || h.ui.tabs.Selected() != h.ui.signItem {
		t.Fatalf("after signing in: %+v", tab.docs)
	}
	if got := tab.docs[1].Settings.Location; got != "Dinas Komunikasi dan Informatika" {
		t.Fatalf("location of a file added at sign-in: %q", got)
	}
}

// signMenuItem is the menu item behind Ctrl+Enter.
func signMenuItem(t testing.TB, u *UI) *fyne.MenuItem {
	t.Helper()
	for _, m := range u.Menu().Items {
		for _, it := range m.Items {
			if it.Shortcut != nil && it.Shortcut.ShortcutName() == signShortcut.ShortcutName() {
				return it
			}
		}
	}
	t.Fatal("no menu item has Ctrl+Enter")
	return nil
}

// openPrompt presses Ctrl+Enter and checks the prompt.
func (h *harness) openPrompt() *signPrompt {
	h.t.Helper()
	signMenuItem(h.t, h.ui).Action()
	h.wait()
	p := h.ui.sign.prompt
	if !p.open || h.win.Canvas().Focused() != p.entry {
		h.t.Fatalf("Ctrl+Enter: prompt open %v, passphrase focused %v", p.open, h.win.Canvas().Focused() == p.entry)
	}
	return p
}

// The prompt: masked with a show toggle, the certificate shown; a wrong
// passphrase keeps it open with the attempts left, until the suspension.
func TestSignPromptWrongPassphrase(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	path := writePDF(t, t.TempDir(), "nota.pdf", a4)
	h.ui.OpenFiles([]string{path})
	h.wait()
	p := h.openPrompt()
	if _, ok := p.entry.ActionItem.(fyne.Tappable); !p.entry.Password || !ok {
		t.Fatal("the passphrase entry is not masked with a show toggle")
	}
	if !strings.Contains(p.subject.Text, "Siti Rahmawati") || p.serial.Text != tab.cert.Serial || !strings.Contains(p.valid.Text, "2028") || p.issuer.Text == "-" {
		t.Fatalf("certificate shown: %q %q %q %q", p.subject.Text, p.serial.Text, p.valid.Text, p.issuer.Text)
	}
	for i := 1; i <= 4; i++ {
		h.typeIn(p.entry, "Salah#123")
		h.enter()
		if !p.open || shown(p.msg) != "Passphrase anda salah." {
			t.Fatalf("attempt %d: open %v, %q", i, p.open, shown(p.msg))
		}
		if want := fmt.Sprintf("Sisa percobaan sebelum sertifikat ditangguhkan: %d.", 5-i); shown(p.attempts) != want {
			t.Fatalf("attempt %d: %q, want %q", i, shown(p.attempts), want)
		}
		if h.win.Canvas().Focused() != p.entry || p.entry.Text != "" {
			t.Fatal("the entry is not focused and empty again")
		}
	}
	h.typeIn(p.entry, "Salah#123")
	h.enter()
	if !p.open || !strings.Contains(shown(p.msg), "ditangguhkan") || !strings.HasPrefix(shown(p.attempts), "Sertifikat ditangguhkan sampai") {
		t.Fatalf("suspension: %q %q", shown(p.msg), shown(p.attempts))
	}
	// nothing was signed, the document stays
	if len(h.queued()) != 1 {
		t.Fatal("the document left the queue")
	}
	if _, err := os.Stat(strings.TrimSuffix(path, ".pdf") + "_signed.pdf"); err == nil {
		t.Fatal("a signed file was written with a wrong passphrase")
	}
	test.Tap(p.cancel)
	if p.open || !tab.signBtn.Disabled() || !strings.Contains(shown(tab.certMsg), "ditangguhkan") {
		t.Fatalf("after the suspension: prompt %v, button enabled %v, note %q", p.open, !tab.signBtn.Disabled(), shown(tab.certMsg))
	}
}

func findButtonIn(c *fyne.Container, text string) *widget.Button {
	for _, o := range c.Objects {
		if b, ok := asButton(o); ok && b.Text == text {
			return b
		}
	}
	return nil
}

// pdfsigValid runs poppler's pdfsig on path and checks every signature is
// valid (the certificate is not trusted: its root is not in pdfsig's store).
func pdfsigValid(t *testing.T, path string, sigs int) {
	t.Helper()
	if _, err := exec.LookPath("pdfsig"); err != nil {
		t.Skip("pdfsig not installed")
	}
	out, _ := exec.Command("pdfsig", path).CombinedOutput()
	if n := strings.Count(string(out), "Signature Validation: Signature is Valid."); n != sigs {
		t.Fatalf("pdfsig %s: %d valid signatures, want %d:\n%s", path, n, sigs, out)
	}
}

// The results: each document signed gets Buka Berkas and Buka Folder, one
// deleted since it was queued reports its error and stays; a rotated page
// gets its box where it was placed on the page as displayed; a file changed
// since is offered "Terima perubahan".
func TestSignResults(t *testing.T) {
	h, op := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	rotated := writePDF(t, dir, "rotated.pdf", testPage{w: 595, h: 842, rotate: 90})
	plain := writePDF(t, dir, "plain.pdf", a4)
	gone := writePDF(t, dir, "gone.pdf", a4)
	changed := writePDF(t, dir, "changed.pdf", a4)
	noFolder := writePDF(t, dir, "nofolder.pdf", a4)
	h.ui.OpenFiles([]string{rotated, plain, gone, changed, noFolder})
	h.wait()
	if len(tab.docs) != 5 {
		t.Fatalf("%d queued: %q", len(tab.docs), shown(tab.addMsg))
	}
	// the rotated page is shown landscape; the box goes to its top-left
	tab.selectDoc(tab.docs[0].ID)
	h.wait()
	if tab.preview.pageW != 842 || tab.preview.pageH != 595 {
		t.Fatalf("rotated page shown %vx%v", tab.preview.pageW, tab.preview.pageH)
	}
	p := tab.preview
	r, pg := p.boxRect(), p.pageRect()
	drag(p, fyne.NewPos(float32(r.X+5), float32(r.Y+5)), fyne.Delta{DX: float32(pg.X - r.X), DY: float32(pg.Y - r.Y)})
	h.wait()
	box := h.queued()[0].Settings.Box
	if !near(box.X, 0) || !near(box.Y+box.H, 595) {
		t.Fatalf("box at the top-left of the rotated page: %+v", box)
	}
	outDir := filepath.Join(dir, "keluar")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	tab.selectDoc(tab.docs[1].ID)
	tab.setOutputDir(tab.docs[1].ID, outDir)
	h.wait()
	// an output folder that disappears before signing
	lost := filepath.Join(dir, "hilang")
	if err := os.Mkdir(lost, 0o755); err != nil {
		t.Fatal(err)
	}
	tab.selectDoc(tab.docs[4].ID)
	tab.setOutputDir(tab.docs[4].ID, lost)
	h.wait()
	if err := os.Remove(lost); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	writePDF(t, dir, "changed.pdf", a4, a4, a4) // two pages more

	pr := h.openPrompt()
	h.typeIn(pr.entry, signPass)
	h.enter()
	if pr.open || tab.run == nil || !tab.run.finished {
		t.Fatalf("after signing: prompt open %v (%q), run %v", pr.open, shown(pr.msg), tab.run != nil)
	}
	run := tab.run
	want := []string{filepath.Join(dir, "rotated_signed.pdf"), filepath.Join(outDir, "plain_signed.pdf"), "", "", ""}
	for i, w := range want {
		if run.rows[i].output != w {
			t.Fatalf("document %d: output %q, want %q (%q)", i, run.rows[i].output, w, run.rows[i].status.Text)
		}
		if w != "" && (!strings.Contains(run.rows[i].status.Text, w) || run.rows[i].bar.Value != 1) {
			t.Fatalf("document %d shows %q", i, run.rows[i].status.Text)
		}
	}
	if got := run.rows[2].status.Text; got != "Berkas tidak ditemukan lagi. Mungkin sudah dipindahkan atau dihapus." {
		t.Fatalf("deleted file: %q", got)
	}
	if got := run.rows[3].status.Text; !strings.HasPrefix(got, "Berkas berubah sejak ditambahkan") {
		t.Fatalf("changed file: %q", got)
	}
	if got := run.rows[4].status.Text; got != "Folder tujuan tidak ada atau tidak dapat ditulisi. Pilih folder lain." {
		t.Fatalf("lost output folder: %q", got)
	}
	if run.summary.Text != "2 dari 5 dokumen ditandatangani." || run.overall.Value != 1 {
		t.Fatalf("summary %q", run.summary.Text)
	}
	for _, out := range want[:2] {
		pdfsigValid(t, out, 1)
	}
	// the box on the rotated page is where it was placed, as displayed
	fields, err := pdfsign.SignatureFields(bytes.NewReader(must(os.ReadFile(want[0]))), int64(len(must(os.ReadFile(want[0])))), "")
	if err != nil || len(fields) != 1 || !fields[0].Signed || !near(fields[0].Rect.X, box.X) || !near(fields[0].Rect.Y, box.Y) ||
		!near(fields[0].Rect.W, box.W) || !near(fields[0].Rect.H, box.H) {
		t.Fatalf("signed field %+v, %v; box %+v", fields, err, box)
	}

	// open the file and its folder
	h.tap(findButtonIn(run.rows[1].actions, "Buka Berkas"))
	h.tap(findButtonIn(run.rows[1].actions, "Buka Folder"))
	if len(op.urls) != 2 || op.urls[0] != "file://"+filepath.ToSlash(want[1]) || op.urls[1] != "file://"+filepath.ToSlash(outDir) {
		t.Fatalf("opened %q", op.urls)
	}

	// signed documents left the queue, the others stay
	q := h.queued()
	if len(q) != 3 || q[0].Path != gone || q[1].Path != changed || q[2].Path != noFolder || len(tab.docs) != 3 {
		t.Fatalf("queue after signing: %+v", q)
	}
	if !strings.Contains(tab.row(0), "Gagal: Berkas tidak ditemukan lagi") {
		t.Fatalf("row %q", tab.row(0))
	}

	// accept the change, then sign it alone
	h.tap(findButtonIn(run.rows[3].actions, "Terima perubahan"))
	if q := h.queued(); q[1].Fingerprint.Size != int64(len(must(os.ReadFile(changed)))) || q[1].Pages != 3 || tab.docs[1].Pages != 3 {
		t.Fatalf("fingerprint or pages not taken again: %+v, %d pages", q[1].Fingerprint, q[1].Pages)
	}
	h.tap(tab.run.closeBtn)
	tab.selectDoc(tab.docs[0].ID)
	h.tap(tab.remove)
	pr = h.openPrompt()
	h.typeIn(pr.entry, signPass)
	h.enter()
	if tab.run.rows[0].output != filepath.Join(dir, "changed_signed.pdf") || len(h.queued()) != 1 {
		t.Fatalf("after accepting: %q", tab.run.rows[0].status.Text)
	}
	// never overwritten: plain.pdf signed again into the same folder
	h.tap(tab.run.closeBtn)
	tab.selectDoc(tab.docs[0].ID) // nofolder.pdf
	h.tap(tab.remove)
	first := must(os.ReadFile(want[1]))
	h.ui.OpenFiles([]string{plain})
	h.wait()
	tab.setOutputDir(tab.selected, outDir)
	h.wait()
	pr = h.openPrompt()
	h.typeIn(pr.entry, signPass)
	h.enter()
	if got := tab.run.rows[0].output; got != filepath.Join(outDir, "plain_signed (2).pdf") {
		t.Fatalf("second signing into the same folder: %q (%q)", got, tab.run.rows[0].status.Text)
	}
	if !bytes.Equal(must(os.ReadFile(want[1])), first) {
		t.Fatal("the first signed copy was changed")
	}
	pdfsigValid(t, filepath.Join(outDir, "plain_signed (2).pdf"), 1)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A password-protected PDF: its password is asked when it is added (again
// after a wrong one), kept in memory only, and used to show and sign it; a
// new window asks for it again when signing.
func TestSignPasswordPDF(t *testing.T) {
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf not installed")
	}
	h, _ := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	plain := writePDF(t, dir, "plain.pdf", a4)
	locked := filepath.Join(dir, "rahasia.pdf")
	const pdfPass = "kunci-rahasia-77"
	if out, err := exec.Command("qpdf", "--encrypt", pdfPass, pdfPass+"-owner", "256", "--", plain, locked).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, out)
	}
	h.ui.OpenFiles([]string{locked})
	h.wait()
	d := tab.pwDialog
	if d == nil || len(tab.docs) != 0 || h.win.Canvas().Focused() != d.entry || !d.entry.Password {
		t.Fatal("no masked, focused PDF password prompt")
	}
	h.typeIn(d.entry, "salah")
	h.enter()
	d = tab.pwDialog
	if d == nil || shown(d.msg) != "Password PDF salah." || len(tab.docs) != 0 {
		t.Fatal("a wrong PDF password was not said")
	}
	h.typeIn(d.entry, pdfPass)
	h.enter()
	if tab.pwDialog != nil || len(tab.docs) != 1 || tab.passwords[locked] != pdfPass {
		t.Fatalf("after the password: %d docs, %q", len(tab.docs), shown(tab.addMsg))
	}
	if tab.preview.img == nil || tab.docs[0].Pages != 1 {
		t.Fatalf("protected PDF not shown: %q", shown(tab.previewMsg))
	}
	// never stored: not in the database nor its WAL (all of a test's
	// temporary directories share one parent)
	dbs, _ := filepath.Glob(filepath.Join(filepath.Dir(t.TempDir()), "*", "besign.db*"))
	if len(dbs) == 0 {
		t.Fatal("the database was not found")
	}
	for _, db := range dbs {
		if bytes.Contains(must(os.ReadFile(db)), []byte(pdfPass)) {
			t.Fatalf("the PDF password is in %s", db)
		}
	}

	// a new window knows the queue but not the password: signing asks
	ui2 := h.again(nil)
	ui2.opts.MaxPassphraseFailures = 5
	ui2.opts.Preview = testRenderer()
	ui2.signedIn(*h.ui.state.session)
	h.again2.wait()
	t2 := ui2.sign
	if len(t2.docs) != 1 || t2.passwords[locked] != "" {
		t.Fatal("new window: queue or password")
	}
	if !strings.Contains(t2.row(0), "Perlu password PDF") || !t2.unlock.Visible() || !strings.Contains(shown(t2.previewMsg), "dilindungi password") {
		t.Fatalf("new window without the password: %q, unlock %v, %q", t2.row(0), t2.unlock.Visible(), shown(t2.previewMsg))
	}
	t2.openPrompt()
	h.again2.wait()
	t2.prompt.entry.SetText(signPass)
	t2.prompt.submit()
	h.again2.wait()
	row := t2.run.rows[0]
	unlock := findButtonIn(row.actions, "Masukkan Password PDF")
	if row.output != "" || unlock == nil || !strings.Contains(row.status.Text, "dilindungi password") {
		t.Fatalf("without the password: %q", row.status.Text)
	}
	test.Tap(unlock)
	t2.pwDialog.entry.SetText(pdfPass)
	test.Tap(t2.pwDialog.ok)
	h.again2.wait()
	t2.openPrompt()
	h.again2.wait()
	t2.prompt.entry.SetText(signPass)
	t2.prompt.submit()
	h.again2.wait()
	out := t2.run.rows[0].output
	if out != filepath.Join(dir, "rahasia_signed.pdf") {
		t.Fatalf("with the password: %q", t2.run.rows[0].status.Text)
	}
	infos, err := pdfsign.VerifyFileWith(out, pdfsign.VerifyOptions{Offline: true, Password: pdfPass})
	if err != nil || len(infos) != 1 || !infos[0].Valid {
		t.Fatalf("signed protected PDF: %+v %v", infos, err)
	}
}

// blockingSigner holds SignDigests until the batch's context ends, so that
// a test sees a batch in the middle and cancels it.
type blockingSigner struct {
	signingAuthority
	started chan struct{}
}

func (b blockingSigner) SignDigests(ctx context.Context, req authority.SignDigestsRequest) (authority.SignDigestsResponse, error) {
	close(b.started)
	<-ctx.Done()
	return authority.SignDigestsResponse{}, ctx.Err()
}

// drain runs the results handed over so far without waiting for the work
// still running, as the UI goroutine does meanwhile.
func (q *results) drain() {
	q.mu.Lock()
	fns := q.fns
	q.fns = nil
	q.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// A batch shows each document's progress and the overall one, and Batal
// stops it: nothing is written, the documents stay queued.
func TestSignCancel(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	h.ui.OpenFiles([]string{writePDF(t, dir, "satu.pdf", a4), writePDF(t, dir, "dua.pdf", a4)})
	h.wait()
	b := blockingSigner{signingAuthority: tab.auth, started: make(chan struct{})}
	tab.auth = b
	p := h.openPrompt()
	p.entry.SetText(signPass)
	p.submit() // no wait: the batch runs until cancelled
	run := tab.run
	if run == nil {
		t.Fatal("no batch started")
	}
	t.Cleanup(run.cancel) // a failure below must not leave the signer waiting
	<-b.started
	// the workers report their stage concurrently: take what they
	// handed over until every document waits for its signature
	signing := func() bool {
		h.q.drain()
		for _, r := range run.rows {
			if r.status.Text != "Menandatangani..." {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(10 * time.Second); !signing() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if run.finished || !p.open || !p.ok.Disabled() || !tab.signBtn.Disabled() || !tab.add.Disabled() {
		t.Fatal("while signing: the batch ended, or the prompt or buttons are usable")
	}
	for i, r := range run.rows {
		if r.bar.Value < 0.6 || r.bar.Value >= 1 || r.status.Text != "Menandatangani..." {
			t.Fatalf("document %d while signing: %v %q", i, r.bar.Value, r.status.Text)
		}
	}
	if run.overall.Value < 0.6 || run.overall.Value >= 1 {
		t.Fatalf("overall %v", run.overall.Value)
	}
	// the prompt is modal: its Batal stops the batch that started
	h.tap(p.cancel)
	if !run.finished || p.open || !run.cancelBtn.Disabled() {
		t.Fatal("Batal did not end the batch")
	}
	for i, r := range run.rows {
		if r.output != "" || r.status.Text != "Penandatanganan dibatalkan." {
			t.Fatalf("document %d after Batal: %q", i, r.status.Text)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*_signed*")); len(files) != 0 || len(h.queued()) != 2 {
		t.Fatalf("after Batal: written %v, queued %d", files, len(h.queued()))
	}
}

// Without the preview (none configured, or it failed), pages are counted
// and measured by pdfsign's reader (docqueue): the box starts at page 1's
// bottom-right corner, as with the preview.
func TestSignWithoutPreview(t *testing.T) {
	h, _ := signReady(t)
	h.ui.opts.Preview = nil
	tab := h.ui.sign
	h.ui.OpenFiles([]string{writePDF(t, t.TempDir(), "tiga.pdf", a4, a4, testPage{w: 300, h: 200})})
	h.wait()
	q := h.queued()
	if len(q) != 1 || q[0].Pages != 3 || q[0].Settings.Box != defaultBox(595, 842) {
		t.Fatalf("queued %+v (%q)", q, shown(tab.addMsg))
	}
	if shown(tab.previewMsg) != "Pratinjau halaman tidak tersedia." || tab.pageLabel.Text != "Halaman 1 dari 3" {
		t.Fatalf("preview note %q, %q", shown(tab.previewMsg), tab.pageLabel.Text)
	}
}
