package screens

import (
	"context"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
	"github.com/natunakab/besign/signjob/batch"
)

// verifyURL is the verification URL of the tests' configuration: the
// authority's certificates name its CRL, which no server answers here, so
// only the local copy in the data dir can say "good".
const verifyURL = "https://besign.invalid/verifikasi"

// signingHarness is a signed-in account with a certificate whose data dir
// (the database's folder) is the app's, as app.Run wires it.
func signingHarness(t *testing.T) (*harness, []*x509.Certificate) {
	t.Helper()
	cfg := config.Default()
	cfg.VerificationURL = verifyURL
	var dataDir string
	h := verifiedSignedIn(t, func(o *embedded.Options) {
		o.CRLURL = verifyURL + "/" + authority.CRLFileName
		dataDir = filepath.Dir(o.Path)
	})
	h.ui.opts.About = About{DataDir: dataDir, Config: cfg}
	ctx := context.Background()
	tok := h.ui.state.session.Token
	if _, err := h.auth.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: tok,
		Passphrase: "Contoh2!", Confirmation: "Contoh2!", Consent: true}); err != nil {
		t.Fatal(err)
	}
	info, err := h.auth.Certificate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	var chain []*x509.Certificate
	for _, der := range info.Chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, c)
	}
	return h, chain
}

// signWithAuthority signs a new one-page PDF in dir with the account's key,
// through SignDigests as `besign sign --account` does.
func signWithAuthority(t *testing.T, h *harness, chain []*x509.Certificate, dir string) string {
	t.Helper()
	in, out := filepath.Join(dir, "surat.pdf"), filepath.Join(dir, "surat_signed.pdf")
	if err := os.WriteFile(in, testpdf.Base(), 0o644); err != nil {
		t.Fatal(err)
	}
	b := batch.New(1, chain[0].PublicKey, func(digests [][]byte) ([][]byte, error) {
		resp, err := h.auth.SignDigests(context.Background(), authority.SignDigestsRequest{
			Token: h.ui.state.session.Token, Passphrase: "Contoh2!", Digests: digests})
		return resp.Signatures, err
	})
	m := b.Member()
	defer m.Finish()
	if err := pdfsign.SignFile(in, out, pdfsign.Options{Signer: m, Chain: chain, Reason: "Disetujui", Location: "Ranai"},
		pdfsign.FileOptions{}); err != nil {
		t.Fatal(err)
	}
	return out
}

// openInTab drops path on the window while Verifikasi Dokumen is shown.
func (h *harness) openInTab(path string) *docVerifyTab {
	h.t.Helper()
	h.ui.tabs.Select(h.ui.checkItem)
	h.ui.OpenFiles([]string{path})
	h.wait()
	return h.ui.check
}

// cardRows returns the rows of signature card i (from 0) as label: text.
func cardRows(t *testing.T, v *docVerifyTab, i int) map[string]string {
	t.Helper()
	if i >= len(v.sigs.Objects) {
		t.Fatalf("%d signature cards shown, want at least %d", len(v.sigs.Objects), i+1)
	}
	card := v.sigs.Objects[i].(*widget.Card)
	rows := map[string]string{"": card.Title + " · " + card.Subtitle}
	for _, it := range card.Content.(*widget.Form).Items {
		rows[it.Text] = it.Widget.(*widget.Label).Text
	}
	return rows
}

func wantRow(t *testing.T, rows map[string]string, row, want string) {
	t.Helper()
	if !strings.Contains(rows[row], want) {
		t.Errorf("%s = %q, want it to contain %q", row, rows[row], want)
	}
}

// A PDF the account signed is valid and trusted (the authority's root),
// revocation answered by the local CRL; the same PDF changed after signing
// says what changed.
func TestVerifyDocumentGoodAndChanged(t *testing.T) {
	h, chain := signingHarness(t)
	dir := t.TempDir()
	signed := signWithAuthority(t, h, chain, dir)

	v := h.openInTab(signed)
	if v.summary.Text != "Semua tanda tangan valid (1)." || v.summary.Importance != widget.SuccessImportance {
		t.Fatalf("summary %q", v.summary.Text)
	}
	if !strings.Contains(v.file.Text, "surat_signed.pdf") {
		t.Errorf("file shown as %q", v.file.Text)
	}
	rows := cardRows(t, v, 0)
	wantRow(t, rows, "", "Tanda tangan 1")
	wantRow(t, rows, "Penanda tangan", "Siti Rahmawati")
	wantRow(t, rows, "Alasan", "Disetujui")
	wantRow(t, rows, "Lokasi", "Ranai")
	wantRow(t, rows, "Waktu penandatanganan", "(menurut penanda tangan)")
	wantRow(t, rows, "Hasil", "Valid")
	wantRow(t, rows, "Perubahan setelah ditandatangani", "Tidak ada")
	wantRow(t, rows, "Tepercaya", "Ya")
	// no server answers verifyURL: "good" comes from the data dir's CRL
	wantRow(t, rows, "Status pencabutan", "Tidak dicabut")
	if rows["Rincian"] != "" {
		t.Errorf("problem shown for a valid signature: %q", rows["Rincian"])
	}

	// Changed after signing: the page's text replaced in a later update.
	b, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	changed, err := testpdf.Update(b, map[int]string{4: testpdf.Stream("BT /F1 18 Tf 40 250 Td (Halo Batam) Tj ET")})
	if err != nil {
		t.Fatal(err)
	}
	changedPath := filepath.Join(dir, "surat_diubah.pdf")
	os.WriteFile(changedPath, changed, 0o644)
	h.ui.OpenFiles([]string{changedPath})
	h.wait()
	if v.summary.Text != "Tidak valid: 1 dari 1 tanda tangan tidak valid." || v.summary.Importance != widget.DangerImportance {
		t.Fatalf("summary of the changed PDF %q", v.summary.Text)
	}
	rows = cardRows(t, v, 0)
	wantRow(t, rows, "Hasil", "Tidak valid: dokumen diubah setelah ditandatangani")
	wantRow(t, rows, "Perubahan setelah ditandatangani", "Isi dokumen diubah")
	wantRow(t, rows, "Penanda tangan", "Siti Rahmawati")
	wantRow(t, rows, "Tepercaya", "Ya")

	// Bytes appended that no revision holds: the content is unchanged,
	// but the file is not exactly what was signed, and that is said.
	tailPath := filepath.Join(dir, "surat_ekor.pdf")
	os.WriteFile(tailPath, append(append([]byte{}, b...), "\n% ditambahkan\n1 0 obj\n<<>>\nendobj\n"...), 0o644)
	h.ui.OpenFiles([]string{tailPath})
	h.wait()
	rows = cardRows(t, v, 0)
	wantRow(t, rows, "Hasil", "Valid")
	wantRow(t, rows, "Perubahan setelah ditandatangani", "ada data tambahan di akhir berkas")

	// A comment added after signing is allowed, and said.
	annots := regexp.MustCompile(`/Annots\s*\[([^\]]*)\]`).FindAllSubmatch(b, -1)
	if annots == nil {
		t.Fatal("the signed page has no /Annots")
	}
	annotated, err := testpdf.Update(b, map[int]string{
		3:   "<<" + testpdf.Page + "/Annots[" + string(annots[len(annots)-1][1]) + " 100 0 R]>>",
		100: "<</Type/Annot/Subtype/Text/Rect[10 10 30 30]/Contents(Cek lagi)/P 3 0 R>>",
	})
	if err != nil {
		t.Fatal(err)
	}
	annotatedPath := filepath.Join(dir, "surat_komentar.pdf")
	os.WriteFile(annotatedPath, annotated, 0o644)
	h.ui.OpenFiles([]string{annotatedPath})
	h.wait()
	rows = cardRows(t, v, 0)
	wantRow(t, rows, "Hasil", "Valid")
	wantRow(t, rows, "Perubahan setelah ditandatangani", "Komentar atau anotasi lain ditambahkan.")
}

// pdfsigSign signs in with poppler's `pdfsig -add-signature` and an NSS
// database holding p's signer: a signature nobody here wrote.
func pdfsigSign(t *testing.T, p *testpki.PKI, in, out string) {
	t.Helper()
	for _, tool := range []string{"pdfsig", "certutil", "pk12util"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/install-deps.sh)", tool)
		}
	}
	dir := t.TempDir()
	files, err := p.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	db := "sql:" + filepath.Join(dir, "nss")
	os.Mkdir(filepath.Join(dir, "nss"), 0o700)
	for _, args := range [][]string{
		{"certutil", "-N", "-d", db, "--empty-password"},
		{"pk12util", "-i", files.P12, "-d", db, "-W", files.Password, "-K", ""},
	} {
		if o, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, o)
		}
	}
	o, err := exec.Command("certutil", "-L", "-d", db).CombinedOutput()
	nick := ""
	for _, l := range strings.Split(string(o), "\n") {
		if l = strings.TrimSpace(l); strings.HasSuffix(l, "u,u,u") {
			nick = strings.TrimSpace(strings.TrimSuffix(l, "u,u,u"))
		}
	}
	if err != nil || nick == "" {
		t.Fatalf("no key in the NSS database: %v\n%s", err, o)
	}
	if o, err := exec.Command("pdfsig", "-add-signature", "-nssdir", db, "-nick", nick,
		"-new-signature-field-name", "Signature1", "-reason", "Disetujui", in, out).CombinedOutput(); err != nil {
		t.Fatalf("pdfsig -add-signature: %v\n%s", err, o)
	}
}

// A PDF signed elsewhere shows its signer, not trusted until its root is
// added in settings; then trusted.
func TestVerifyDocumentForeign(t *testing.T) {
	h := newHarness(t)
	dataDir := t.TempDir()
	h.ui.opts.About = About{DataDir: dataDir, Config: config.Default()}
	dir := t.TempDir()
	p := testpki.New(testpki.LeafOptions{Name: "Rina Kusuma, S.H."})
	in, signed := filepath.Join(dir, "nota.pdf"), filepath.Join(dir, "nota_pdfsig.pdf")
	os.WriteFile(in, testpdf.Base(), 0o644)
	pdfsigSign(t, p, in, signed)

	v := h.openInTab(signed)
	if !strings.HasPrefix(v.summary.Text, "Tidak valid: 1 dari 1") {
		t.Fatalf("summary %q", v.summary.Text)
	}
	rows := cardRows(t, v, 0)
	wantRow(t, rows, "Penanda tangan", "Rina Kusuma, S.H.")
	wantRow(t, rows, "Alasan", "Disetujui")
	wantRow(t, rows, "Hasil", "Tidak valid: penanda tangan tidak tepercaya")
	wantRow(t, rows, "Tepercaya", "Tidak: penerbit sertifikatnya bukan akar tepercaya")
	wantRow(t, rows, "Tepercaya", "Tentang dan Pengaturan")
	wantRow(t, rows, "Perubahan setelah ditandatangani", "Tidak ada")

	// The person adds the signer's root in Tentang dan Pengaturan.
	settings := h.ui.aboutDialog()
	h.wait()
	settings.addFile(writePEM(t, filepath.Join(dir, "akar-rina.pem"), p.Root))
	h.wait()
	if len(settings.roots) != 1 {
		t.Fatalf("root not added: %q", settings.msg.Text)
	}
	h.ui.OpenFiles([]string{signed})
	h.wait()
	rows = cardRows(t, v, 0)
	wantRow(t, rows, "Tepercaya", "Ya")
	wantRow(t, rows, "Hasil", "Valid")
	if v.summary.Text != "Semua tanda tangan valid (1)." {
		t.Fatalf("summary once the root is trusted %q", v.summary.Text)
	}
	// its certificates name no revocation service: said, not hidden
	wantRow(t, rows, "Status pencabutan", "Tidak diperiksa")
	wantRow(t, rows, "Catatan", "Status pencabutan sertifikat tidak dapat diperiksa")

	// Removed again: no longer trusted.
	settings.remove(settings.roots[0])
	h.wait()
	h.ui.OpenFiles([]string{signed})
	h.wait()
	wantRow(t, cardRows(t, v, 0), "Tepercaya", "Tidak")
}

// A file that is not a PDF, one without signatures, and one that is gone
// are each said at the tab.
func TestVerifyDocumentBadFiles(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	notPDF := filepath.Join(dir, "catatan.pdf")
	os.WriteFile(notPDF, []byte("ini bukan PDF\n"), 0o644)
	unsigned := filepath.Join(dir, "polos.pdf")
	os.WriteFile(unsigned, testpdf.Base(), 0o644)
	for _, c := range []struct{ path, want string }{
		{notPDF, "Berkas ini bukan PDF"},
		{unsigned, "Dokumen ini tidak memiliki tanda tangan."},
		{filepath.Join(dir, "hilang.pdf"), "Berkas tidak ditemukan"},
	} {
		v := h.openInTab(c.path)
		if !strings.Contains(v.summary.Text, c.want) || len(v.sigs.Objects) != 0 || v.busy.Visible() {
			t.Errorf("%s: summary %q, %d cards", filepath.Base(c.path), v.summary.Text, len(v.sigs.Objects))
		}
	}
	// A file opened while another is checked replaces it: the older
	// result, arriving last, is dropped.
	v := h.ui.check
	v.open(unsigned)
	h.ui.Wait()
	v.open(notPDF)
	h.ui.Wait()
	h.q.mu.Lock()
	slices.Reverse(h.q.fns)
	h.q.mu.Unlock()
	h.wait()
	if v.path != notPDF || !strings.Contains(v.summary.Text, "bukan PDF") {
		t.Errorf("after a late result of the previous file: %s says %q", filepath.Base(v.path), v.summary.Text)
	}

	// Dropped on another tab, a PDF goes to the signing queue instead; signed
	// out, it waits for the sign-in on the Akun tab.
	h.ui.tabs.Select(h.ui.inItem)
	h.ui.OpenFiles([]string{unsigned})
	if h.ui.tabs.Selected() != h.ui.akunTab || !slices.Equal(h.ui.sign.pending, []string{unsigned}) || v.path != notPDF {
		t.Errorf("a PDF dropped on Kotak Masuk while signed out: tab %q, waiting %q, verify tab on %s",
			h.ui.tabs.Selected().Text, h.ui.sign.pending, filepath.Base(v.path))
	}
}

// A password-protected PDF asks for its password; a wrong one says so and
// asks again; the right one shows the signatures.
func TestVerifyDocumentPassword(t *testing.T) {
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf not installed")
	}
	h := newHarness(t)
	dir := t.TempDir()
	plain, enc := filepath.Join(dir, "polos.pdf"), filepath.Join(dir, "rahasia.pdf")
	os.WriteFile(plain, testpdf.Base(), 0o644)
	if o, err := exec.Command("qpdf", "--encrypt", "Rahasia#1", "pemilik", "256", "--", plain, enc).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, o)
	}
	p := testpki.New(testpki.LeafOptions{})
	signed := filepath.Join(dir, "rahasia_signed.pdf")
	if err := pdfsign.SignFile(enc, signed, pdfsign.Options{Signer: p.Key, Chain: p.Chain(), PDFPassword: "Rahasia#1"}, pdfsign.FileOptions{}); err != nil {
		t.Fatal(err)
	}

	v := h.openInTab(signed)
	if v.prompt == nil || !strings.Contains(v.summary.Text, "dilindungi password") {
		t.Fatalf("no password asked; summary %q", v.summary.Text)
	}
	if h.win.Canvas().Focused() != v.prompt.entry || !v.prompt.entry.Password {
		t.Error("the password entry is not focused and masked")
	}
	h.typeIn(v.prompt.entry, "salah")
	h.enter()
	if v.prompt == nil || v.prompt.msg.Text != "Password PDF salah. Coba lagi." || !strings.Contains(v.summary.Text, "Password PDF salah") {
		t.Fatalf("after a wrong password: prompt %v, summary %q", v.prompt != nil, v.summary.Text)
	}
	h.typeIn(v.prompt.entry, "Rahasia#1")
	h.enter()
	if v.prompt != nil || len(v.infos) != 1 {
		t.Fatalf("after the right password: prompt %v, %d signatures, summary %q", v.prompt != nil, len(v.infos), v.summary.Text)
	}
	wantRow(t, cardRows(t, v, 0), "Penanda tangan", "Budi Santoso")

	// Batal leaves the file unchecked, and says so.
	h.ui.OpenFiles([]string{signed})
	h.wait()
	v.prompt.d.Hide()
	if !strings.Contains(v.summary.Text, "tidak diperiksa") || v.prompt != nil {
		t.Fatalf("after Batal: %q", v.summary.Text)
	}
}

// englishWords are words of pdfsign's technical details and raw codes that
// must never reach an Indonesian card.
var englishWords = regexp.MustCompile(`(?i)\b(signature|certificate|digest|mismatch|revocation|trusted|byte range|signed|not checked)\b|Signature1|\(ISSUE\)|NOT_REGISTERED`)

// checkRowsAgree fails when rows of one card contradict each other, or show
// English or raw codes.
func checkRowsAgree(t *testing.T, name string, rows map[string]string) {
	t.Helper()
	valid := rows["Hasil"] == "Valid"
	changedInside := strings.Contains(rows["Hasil"], "isi yang ditandatangani telah diubah")
	switch {
	case valid && (rows["Rincian"] != "" || strings.Contains(rows["Perubahan setelah ditandatangani"], "telah diubah") ||
		strings.HasPrefix(rows["Perubahan setelah ditandatangani"], "Isi dokumen diubah")):
		t.Errorf("%s: valid, yet Rincian %q, Perubahan %q", name, rows["Rincian"], rows["Perubahan setelah ditandatangani"])
	case changedInside && !strings.Contains(rows["Perubahan setelah ditandatangani"], "telah diubah"):
		t.Errorf("%s: the signed content changed, yet Perubahan says %q", name, rows["Perubahan setelah ditandatangani"])
	case changedInside && !strings.HasPrefix(rows["Tepercaya"], "Tidak diperiksa"):
		t.Errorf("%s: the signature failed before its certificate was judged, yet Tepercaya says %q", name, rows["Tepercaya"])
	case !valid && rows["Rincian"] == "":
		t.Errorf("%s: not valid, and Rincian says nothing", name)
	}
	for row, text := range rows {
		if row == "Penanda tangan" || row == "Alasan" || row == "Lokasi" {
			continue // the signer's own words
		}
		if m := englishWords.FindString(row + " " + text); m != "" {
			t.Errorf("%s: row %q = %q shows %q", name, row, text, m)
		}
	}
}

// The rows of a card never contradict each other, for a good file, one with
// a digit changed inside the signed bytes, one with a page appended after
// signing, and one signed elsewhere by someone not trusted; every row is in
// words, none in English.
func TestVerifyRowsAgree(t *testing.T) {
	h, chain := signingHarness(t)
	dir := t.TempDir()
	signed := signWithAuthority(t, h, chain, dir)
	b, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	at := strings.Index(string(b), "40 250 Td")
	if at < 0 {
		t.Fatal("the page's text position is not in the signed file")
	}
	digit := slices.Clone(b)
	digit[at+5] = '1' // 250 -> 251: one digit inside the signed bytes
	page := strings.Replace(testpdf.Page, "/Contents 4 0 R", "/Contents 201 0 R", 1)
	appended, err := testpdf.Update(b, map[int]string{
		2:   "<</Type/Pages/Count 2/Kids[3 0 R 200 0 R]>>",
		200: "<<" + page + ">>",
		201: testpdf.Stream("BT /F1 18 Tf 40 250 Td (Lampiran) Tj ET"),
	})
	if err != nil {
		t.Fatal(err)
	}
	foreignIn, foreign := filepath.Join(dir, "nota.pdf"), filepath.Join(dir, "nota_pdfsig.pdf")
	os.WriteFile(foreignIn, testpdf.Base(), 0o644)
	pdfsigSign(t, testpki.New(testpki.LeafOptions{Name: "Rina Kusuma, S.H."}), foreignIn, foreign)

	for _, c := range []struct {
		name string
		data []byte
		path string
		want map[string]string
	}{
		{"good", b, "", map[string]string{"Hasil": "Valid", "Perubahan setelah ditandatangani": "Tidak ada", "Tepercaya": "Ya"}},
		{"one digit changed", digit, "", map[string]string{"Hasil": "Tidak valid: isi yang ditandatangani telah diubah",
			"Perubahan setelah ditandatangani": "Isi yang ditandatangani telah diubah", "Tepercaya": "Tidak diperiksa",
			"Rincian": "Isi yang ditandatangani telah diubah", "Status pencabutan": "Tidak diperiksa."}},
		{"page appended", appended, "", map[string]string{"Hasil": "Tidak valid: dokumen diubah setelah ditandatangani",
			"Perubahan setelah ditandatangani": "Isi dokumen diubah", "Tepercaya": "Ya", "Rincian": "Dokumen diubah setelah ditandatangani"}},
		{"foreign, untrusted", nil, foreign, map[string]string{"Hasil": "Tidak valid: penanda tangan tidak tepercaya",
			"Perubahan setelah ditandatangani": "Tidak ada", "Tepercaya": "Tidak: penerbit sertifikatnya bukan akar tepercaya",
			"Rincian": "Penerbit sertifikat bukan akar tepercaya"}},
	} {
		path := c.path
		if path == "" {
			path = filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".pdf")
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		rows := cardRows(t, h.openInTab(path), 0)
		for row, want := range c.want {
			if !strings.HasPrefix(rows[row], want) {
				t.Errorf("%s: %s = %q, want %q…", c.name, row, rows[row], want)
			}
		}
		checkRowsAgree(t, c.name, rows)
	}
}

// A drop of several PDFs verifies all of them, one row each with its
// bottom line; a row shows that file's signatures.
func TestVerifyDocumentSeveral(t *testing.T) {
	h, chain := signingHarness(t)
	dir := t.TempDir()
	signed := signWithAuthority(t, h, chain, dir)
	unsigned := filepath.Join(dir, "polos.pdf")
	os.WriteFile(unsigned, testpdf.Base(), 0o644)
	notPDF := filepath.Join(dir, "catatan.pdf")
	os.WriteFile(notPDF, []byte("ini bukan PDF\n"), 0o644)

	h.ui.tabs.Select(h.ui.checkItem)
	h.ui.Dropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(signed), storage.NewFileURI(unsigned), storage.NewFileURI(notPDF)})
	h.wait()
	v := h.ui.check
	if !v.list.Visible() || len(v.list.Objects) != 3 {
		t.Fatalf("list shown %v with %d rows, want 3", v.list.Visible(), len(v.list.Objects))
	}
	for i, want := range []string{"✓ surat_signed.pdf: Semua tanda tangan valid (1).", "! polos.pdf: Dokumen ini tidak memiliki tanda tangan.", "✗ catatan.pdf: Berkas ini bukan PDF"} {
		if got := v.list.Objects[i].(*button).Text; !strings.HasPrefix(got, want) {
			t.Errorf("row %d = %q, want %q…", i, got, want)
		}
	}
	// the first file is shown; a row shows its own
	if v.path != signed || len(v.sigs.Objects) != 1 {
		t.Fatalf("shown: %s with %d cards", filepath.Base(v.path), len(v.sigs.Objects))
	}
	test.Tap(v.list.Objects[2].(*button))
	if v.path != notPDF || len(v.sigs.Objects) != 0 || !strings.Contains(v.summary.Text, "bukan PDF") {
		t.Errorf("after the third row: %s, %q", filepath.Base(v.path), v.summary.Text)
	}
	// one file again: no list
	h.ui.OpenFiles([]string{signed})
	h.wait()
	if v.list.Visible() || v.path != signed {
		t.Errorf("a single file still lists (%v) or shows %s", v.list.Visible(), filepath.Base(v.path))
	}
}
