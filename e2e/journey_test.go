package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/config"
)

// boxColour is the border of the visible signature's box on the preview.
var boxColour = color.RGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff}

// TestJourney goes from a new account to a signed PDF in one window, as the
// seeds describe: the reset, OTP and password (firstSignIn), the activation
// (activate), IT's approval, the passphrase from the approval mail's link,
// then a PDF handed to the app, its signature box placed on the preview
// and the batch signed after the passphrase prompt. pdfsig then judges the
// signed file: valid, and trusted once the authority's exported root is in
// its NSS database.
func TestJourney(t *testing.T) {
	const passphrase = "Natuna#Sign2026"
	e := setup(t)
	photoAtHome(t)
	e.cli(t, "admin", "users", "add", "--name", "Arman Salim", "--email", email)

	d := startXvfb(t)
	e.startApp(t, d)
	_, _, before := e.firstSignIn(t, d, "40-")
	before = e.activate(t, d, "41-", before, "2103010101900001", "081234567890")
	e.waitCLI(t, "WAITING_FOR_VERIFICATION", "admin", "activations", "list")
	d.closeNotice(t)
	before = d.settled(t, e.artifacts, "42-notice-closed", before)

	// IT approves; the mail's "Set Passphrase" link is clicked.
	e.cli(t, "admin", "activations", "approve", email)
	mails := e.waitCLI(t, "besign://passphrase?token=", "admin", "outbox", "--to", email)
	link := strings.Fields(mails[strings.Index(mails, "besign://passphrase?token="):])[0]
	e.handOver(t, d, link)
	before = d.settled(t, e.artifacts, "43-buat-passphrase", before)
	d.typeText(t, passphrase)
	d.key(t, "Tab")
	d.typeText(t, passphrase)
	d.key(t, "Tab", "space", "Tab", "Tab", "space")
	waitCertificate(t, e.dataDir)
	before = d.settled(t, e.artifacts, "44-passphrase-berhasil", before)

	// A PDF opened with BeSign from the file manager ("besign FILE"): it
	// joins the Tanda Tangan queue and its first page is shown.
	docs := t.TempDir()
	in := filepath.Join(docs, "surat-edaran.pdf")
	if err := os.WriteFile(in, letterPDF("Surat Edaran Nomor 800/123/2026"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.handOver(t, d, in)
	placed := queuedBox(t, e.dataDir, in)
	// The first preview compiles PDFium: wait for the page and its box.
	added, box := d.waitColour(t, e.artifacts, "45-tanda-tangan-ditambahkan", boxColour, 60*time.Second)

	// Drag the signature box, found on the screen by its colour, one box
	// width to the left and two heights up: distances in the box's own
	// drawn size stay on the page however large the preview is drawn. The
	// queue keeps the new place in PDF points.
	bx, by := (box.Min.X+box.Max.X)/2, (box.Min.Y+box.Max.Y)/2
	d.drag(t, bx, by, bx-box.Dx(), by-2*box.Dy())
	before = d.settled(t, e.artifacts, "46-kotak-dipindah", added)
	moved := waitBoxMoved(t, e.dataDir, in, placed)
	if moved.X >= placed.X || moved.Y <= placed.Y {
		t.Fatalf("dragging left and up moved the box from %+v to %+v", placed, moved)
	}

	// Tandatangani (Ctrl+Enter): the prompt shows the certificate; the
	// passphrase and Enter sign the queue.
	d.key(t, "ctrl+Return")
	before = d.settled(t, e.artifacts, "47-passphrase-diminta", before)
	d.typeText(t, passphrase)
	d.key(t, "Return")
	out := filepath.Join(docs, "surat-edaran_signed.pdf")
	waitFile(t, out, 30*time.Second)
	d.settled(t, e.artifacts, "48-ditandatangani", before)

	// pdfsig: valid; trusted once the exported root is in its NSS database.
	root := filepath.Join(t.TempDir(), "besign-root.pem")
	e.cli(t, "admin", "ca", "export", "--out", root)
	nss := t.TempDir()
	run(t, "certutil", "-N", "-d", "sql:"+nss, "--empty-password")
	run(t, "certutil", "-A", "-d", "sql:"+nss, "-n", "BeSign Root", "-t", "CT,C,C", "-i", root)
	report := run(t, "pdfsig", "-nssdir", "sql:"+nss, out)
	for _, want := range []string{"Signer Certificate Common Name: Arman Salim, S.Kom.", "Signature Validation: Signature is Valid.",
		"Certificate Validation: Certificate is Trusted.", "Total document signed"} {
		if !strings.Contains(report, want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, report)
		}
	}
	// The stamp's QR code names this document at the verification
	// address: the hash and size of the bytes signed over, which the
	// signed copy begins with.
	png := filepath.Join(t.TempDir(), "page")
	run(t, "pdftoppm", "-r", "200", "-png", "-singlefile", out, png)
	qr, err := exec.Command("zbarimg", "--quiet", "--raw", png+".png").Output() // stdout: the code alone
	u, perr := url.Parse(strings.TrimSpace(string(qr)))
	orig, rerr := os.ReadFile(in)
	sum := sha256.Sum256(orig)
	if err != nil || perr != nil || rerr != nil || !strings.HasPrefix(u.String(), config.Default().VerificationURL+"?") ||
		u.Query().Get("sha256") != hex.EncodeToString(sum[:]) || u.Query().Get("size") != strconv.Itoa(len(orig)) || u.Query().Get("serial") == "" {
		t.Errorf("the stamp's QR code holds %q (%v), want the verification address of this document", qr, err)
	}
	// The stamp is where the box was left, in the signed file's widget.
	if got := widgetRect(t, out); !near(got, moved) {
		t.Errorf("the signature's widget is at %+v, the box was left at %+v", got, moved)
	}
}

// handOver runs "besign ARGS" as the desktop would for a clicked link or an
// opened file: it must hand them to the running window and exit.
func (e env) handOver(t *testing.T, d *display, args ...string) {
	t.Helper()
	cmd := exec.Command(e.bin, e.appArgs(args...)...)
	cmd.Env = append(os.Environ(), "DISPLAY="+d.name)
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("besign %s: %v", strings.Join(args, " "), err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("besign %s did not hand over and exit", strings.Join(args, " "))
	}
}

// letterPDF is a one-page A4 PDF with a heading, as an office would send.
func letterPDF(heading string) []byte {
	content := fmt.Sprintf("BT /F1 18 Tf 72 760 Td (%s) Tj ET\nBT /F1 11 Tf 72 730 Td (Kepada seluruh pegawai Pemerintah Kabupaten Natuna.) Tj ET\n", heading)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(content), content),
	}
	var b strings.Builder
	b.WriteString("%PDF-1.7\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return []byte(b.String())
}

// queuedBox returns the signature box of path in the account's queue, asking
// the authority on the data dir beside the running app, once it is queued.
func queuedBox(t *testing.T, dataDir, path string) authority.Box {
	t.Helper()
	return waitQueued(t, dataDir, path, func(authority.Box) bool { return true })
}

// waitBoxMoved waits until the queue holds a box for path other than was.
func waitBoxMoved(t *testing.T, dataDir, path string, was authority.Box) authority.Box {
	t.Helper()
	return waitQueued(t, dataDir, path, func(b authority.Box) bool { return b != was })
}

func waitQueued(t *testing.T, dataDir, path string, ok func(authority.Box) bool) authority.Box {
	t.Helper()
	return waitQueuedOn(t, func() (*embedded.Authority, string, func()) { return beside(t, dataDir) }, path, ok)
}

// waitQueuedOn is waitQueued on the authority open gives (the data dir's,
// or the organisation server's database).
func waitQueuedOn(t *testing.T, open func() (*embedded.Authority, string, func()), path string, ok func(authority.Box) bool) authority.Box {
	t.Helper()
	a, token, done := open()
	defer done()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		docs, err := a.QueuedDocuments(context.Background(), token)
		for _, d := range docs {
			if d.Path == path && !d.Settings.Invisible && ok(d.Settings.Box) {
				return d.Settings.Box
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue never held the expected box for %s: %+v, %v", path, docs, err)
		}
	}
}

// waitColour takes screenshots until one shows pixels of colour c (at
// least a box's border), then returns it and their bounds.
func (d *display) waitColour(t *testing.T, dir, step string, c color.RGBA, timeout time.Duration) (string, image.Rectangle) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(300 * time.Millisecond) {
		shot := d.screenshot(t, dir, step)
		if r, ok := findColour(t, shot, c); ok {
			return shot, r
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing of colour %v (the signature box, a button) on the screen within %s (see %s)", c, timeout, shot)
		}
	}
}

// findColour returns the bounds of the pixels of colour c in a screenshot.
func findColour(t *testing.T, shot string, c color.RGBA) (bounds image.Rectangle, ok bool) {
	t.Helper()
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if sameColour(img.At(x, y), c) {
				n, bounds = n+1, bounds.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return bounds, n >= 40
}

// sameColour allows a rounding's difference only: the light theme's primary
// blue (#155BC4, the selected tab) is within 10 of the box's #1565C0.
func sameColour(a color.Color, b color.RGBA) bool {
	r, g, bl, _ := a.RGBA()
	d := func(x uint32, y uint8) bool { return math.Abs(float64(x>>8)-float64(y)) <= 3 }
	return d(r, b.R) && d(g, b.G) && d(bl, b.B)
}

// drag presses the left button at (x, y) on the screen, moves in steps to
// (tx, ty) and releases it, as a hand would.
func (d *display) drag(t *testing.T, x, y, tx, ty int) {
	t.Helper()
	d.x(t, "xdotool", "mousemove", fmt.Sprint(x), fmt.Sprint(y), "mousedown", "1")
	for i := 1; i <= 10; i++ {
		time.Sleep(30 * time.Millisecond)
		d.x(t, "xdotool", "mousemove", fmt.Sprint(x+(tx-x)*i/10), fmt.Sprint(y+(ty-y)*i/10))
	}
	time.Sleep(100 * time.Millisecond)
	d.x(t, "xdotool", "mouseup", "1")
	time.Sleep(150 * time.Millisecond)
}

// waitFile waits for a complete file at path (its size holds still).
func waitFile(t *testing.T, path string, timeout time.Duration) {
	t.Helper()
	var last int64 = -1
	for deadline := time.Now().Add(timeout); ; time.Sleep(200 * time.Millisecond) {
		if fi, err := os.Stat(path); err == nil {
			if fi.Size() == last && last > 0 {
				return
			}
			last = fi.Size()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not written within %s", path, timeout)
		}
	}
}

// run runs a tool nobody here wrote and returns its output.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// widgetRect reads the /Rect of the file's one widget with an area (the
// visible signature) from qpdf's JSON of the file.
func widgetRect(t *testing.T, path string) authority.Box {
	t.Helper()
	var doc struct {
		Qpdf []json.RawMessage `json:"qpdf"`
	}
	if err := json.Unmarshal([]byte(run(t, "qpdf", "--json=2", "--json-key=qpdf", path)), &doc); err != nil || len(doc.Qpdf) != 2 {
		t.Fatalf("qpdf --json of %s: %v", path, err)
	}
	var objs map[string]struct {
		Value map[string]any `json:"value"`
	}
	if err := json.Unmarshal(doc.Qpdf[1], &objs); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		r, _ := o.Value["/Rect"].([]any)
		if o.Value["/Subtype"] != "/Widget" || len(r) != 4 {
			continue
		}
		v := make([]float64, 4)
		for i := range r {
			v[i], _ = r[i].(float64)
		}
		if v[2] > v[0] && v[3] > v[1] {
			return authority.Box{X: v[0], Y: v[1], W: v[2] - v[0], H: v[3] - v[1]}
		}
	}
	t.Fatalf("no widget with an area in %s", path)
	return authority.Box{}
}

// near: the same box to within a point (the file rounds).
func near(a, b authority.Box) bool {
	return math.Abs(a.X-b.X) <= 1 && math.Abs(a.Y-b.Y) <= 1 && math.Abs(a.W-b.W) <= 1 && math.Abs(a.H-b.H) <= 1
}
