package screens

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/preview"
)

// signingAuthority is what the signing tab uses of the authority: the
// queue, the certificate that signs, and the activation it reads to tell
// what is still missing before signing.
type signingAuthority interface {
	authority.Queue
	authority.Certificates
	Activation(ctx context.Context, token string) (authority.Activation, error)
	// the roots a long-term signature's validation material chains to
	authority.Trust
}

// signTab is the "Tanda Tangan" tab: the signing queue of the signed-in
// account, a page preview on which the visible signature's box is placed,
// the passphrase prompt, progress and results. The queue and each
// document's settings live in the authority (authority.Queue); what the
// files hold (signatures, page sizes) is read again from disk, and a PDF's
// password only ever lives in memory.
type signTab struct {
	u       *UI
	auth    signingAuthority
	content *fyne.Container

	signedOutView fyne.CanvasObject
	main          fyne.CanvasObject

	// docs is the queue as loaded and edited, oldest first; files what is
	// known of each document's file, by path; passwords the PDF passwords
	// given in this session, by path.
	docs      []authority.QueuedDocument
	files     map[string]*fileInfo
	passwords map[string]string
	// selected is the ID of the document shown, 0 for none.
	selected int64
	// loaded: the queue of the current session arrived; pending are paths
	// given before that, added once it did.
	loaded  bool
	pending []string
	// cert is the account's certificate as last asked; unit, nip and
	// jabatan what the visible signature and the defaults need of the
	// activation.
	cert     *authority.CertificateInfo
	certErr  error
	unit     string
	nip      string
	jabatan  string
	previews *previewCache

	// saving and dirty serialise each document's saves: a change made
	// while one is on its way is sent after it, so the last one wins.
	saving map[int64]bool
	dirty  map[int64]bool
	// renderKey names the document the view shows or waits for;
	// shownPage the page it last scrolled to.
	renderKey string
	shownPage int
	// filling is set while the settings' widgets are filled from a
	// document, so that their callbacks do not save.
	filling bool
	// selecting is set while the list's selection follows selectDoc.
	selecting bool
	// adding are the files being read and queued, shown as rows with a
	// spinner under the queued documents until they are in the queue.
	adding []string
	// opened is the renderKey of the document whose pages the preview
	// could open; pages are drawn only then. drawing holds the pages
	// (page/width) on their way, thumbs the thumbnails drawn.
	opened  string
	drawing map[string]bool
	thumbs  map[int]image.Image

	certMsg    *widget.Label
	addMsg     *widget.Label
	pendingMsg *widget.Label
	list       *widget.List
	add        *button
	remove     *button
	historyBtn *button
	signBtn    *button
	empty      *widget.Label

	left      *fyne.Container // the queue and the selected document's settings
	editorTop *fyne.Container // the document's name and the toolbar
	right     *fyne.Container // the editor, or a batch's progress and results
	editor    fyne.CanvasObject
	docName   *widget.Label
	prev      *button
	next      *button
	pageSel   *dropdown
	pageLabel *widget.Label
	// view shows the pages; preview is the page the box is on.
	view       *docView
	preview    *pagePreview
	thumbList  *widget.List
	zoomLabel  *widget.Label
	zoomOut    *button
	zoomIn     *button
	fitWidth   *button
	fitPage    *button
	previewMsg *widget.Label
	unlock     *button
	invisible  *check
	reason     *entry
	location   *entry
	outMode    *widget.RadioGroup
	outDir     *widget.Label
	outPick    *button
	settingMsg *widget.Label
	form       *widget.Form

	run *signRun
	// stamp is the account's picture for visible signatures, nil for
	// none (signing_stamp.go).
	stamp     image.Image
	stampImg  *canvas.Image
	stampPick *button
	stampDrop *button
	stampMsg  *widget.Label
	// prepareBtn opens Siapkan Dokumen, repairBtn repairs a damaged file
	// that checkMsg describes; preparing is set while a result is made.
	prepareBtn *button
	repairBtn  *button
	checkMsg   *widget.Label
	preparing  bool
	// prepMsg says where the last prepared result went while it is the
	// document shown (prepDone).
	prepMsg    *widget.Label
	prepDone   string
	prepDialog *prepareDialog
	// history is the Riwayat view while it is shown.
	history  *historyView
	prompt   *signPrompt
	pwDialog *pdfPasswordDialog
}

// fileInfo is what the tab read of a queued file.
type fileInfo struct {
	// sizes holds each page's width and height in points as displayed,
	// by page number: pdfsign's reader's when queued, the preview's once
	// it opened the file.
	sizes   map[int][2]float64
	signers []string
	// sigs is the number of existing signatures, -1 while unknown.
	sigs int
	// changed: size or time differ from the fingerprint; missing: gone.
	changed, missing bool
	// needsPassword: the PDF is encrypted and no password was given yet.
	needsPassword bool
	// result is the last batch's outcome for a document that stayed.
	result error
	// problem is what docprep.Check found when it was queued, in words;
	// "" for nothing.
	problem string
}

func newSignTab(u *UI, auth signingAuthority) *signTab {
	t := &signTab{u: u, auth: auth, content: container.NewStack(), files: map[string]*fileInfo{}, passwords: map[string]string{},
		saving: map[int64]bool{}, dirty: map[int64]bool{}, previews: &previewCache{docs: map[string]*preview.Document{}},
		drawing: map[string]bool{}, thumbs: map[int]image.Image{}}
	t.pendingMsg = wrapped("")
	t.pendingMsg.Importance = widget.WarningImportance
	t.pendingMsg.Hide()
	t.signedOutView = card(title(lang.L("Tanda Tangan")),
		wrapped(lang.L("Masuk terlebih dahulu di tab Akun untuk menyiapkan dan menandatangani dokumen. Antrean dokumen disimpan per akun.")),
		t.pendingMsg)

	t.certMsg = wrapped("")
	t.certMsg.Importance = widget.WarningImportance
	t.certMsg.Hide()
	t.addMsg = wrapped("")
	t.addMsg.Importance = widget.DangerImportance
	t.addMsg.Hide()
	t.empty = wrapped(lang.L("Belum ada dokumen. Klik Tambah Dokumen atau seret berkas PDF ke jendela ini."))

	t.list = widget.NewList(
		func() int { return len(t.docs) + len(t.adding) },
		func() fyne.CanvasObject {
			n := widget.NewLabel("")
			n.TextStyle.Bold = true
			n.Truncation = fyne.TextTruncateEllipsis
			d := widget.NewLabel("")
			d.Truncation = fyne.TextTruncateEllipsis
			s := widget.NewLabel("")
			s.TextStyle.Italic = true
			s.Truncation = fyne.TextTruncateEllipsis
			spin := widget.NewActivity()
			spin.Hide()
			return container.NewBorder(nil, nil, nil, spin, container.NewVBox(n, d, s))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			row := c.Objects[0].(*fyne.Container).Objects
			spin := c.Objects[1].(*widget.Activity)
			if i >= len(t.docs) && i < len(t.docs)+len(t.adding) {
				// a file being read: its row at once, with a spinner
				row[0].(*widget.Label).SetText(filepath.Base(t.adding[i-len(t.docs)]))
				row[1].(*widget.Label).SetText(lang.L("Membaca dokumen..."))
				row[2].(*widget.Label).SetText("")
				spin.Show()
				spin.Start()
				return
			}
			spin.Stop()
			spin.Hide()
			if i < 0 || i >= len(t.docs) {
				return
			}
			doc := t.docs[i]
			row[0].(*widget.Label).SetText(filepath.Base(doc.Path))
			row[1].(*widget.Label).SetText(t.docDetails(doc))
			row[2].(*widget.Label).SetText(t.docStatus(doc))
		})
	t.list.OnSelected = func(i widget.ListItemID) {
		if i < 0 || i >= len(t.docs) || t.selecting {
			return
		}
		if t.run != nil && t.run.finished {
			// a document chosen: back from the results to the editor
			t.closeRun()
		}
		t.closeHistory()
		if t.docs[i].ID != t.selected {
			t.selectDoc(t.docs[i].ID)
		}
	}
	t.add = newButton(lang.L("Tambah Dokumen"), t.chooseFiles)
	t.remove = newButton(lang.L("Hapus dari Antrean"), t.removeSelected)
	t.historyBtn = newButton(lang.L("Riwayat"), t.showHistory)
	t.signBtn = newButton(lang.L("Tandatangani"), t.openPrompt)
	t.signBtn.Importance = widget.HighImportance

	queueTitle := title(lang.L("Antrean Dokumen"))
	t.editor = t.newEditor()
	// the queue over the selected document's settings, both scrolling,
	// and Tandatangani always in view under them: the column needs no
	// more height than a 600-pixel screen has
	settings := container.NewVSplit(container.NewStack(t.list, container.NewVBox(t.empty)),
		container.NewVScroll(t.settings()))
	settings.Offset = 0.32
	left := container.NewBorder(
		container.NewVBox(queueTitle, t.certMsg, container.NewHBox(t.add, t.remove, t.historyBtn), t.addMsg),
		container.NewVBox(t.signBtn),
		nil, nil, settings)
	t.left = left

	t.right = container.NewStack(t.editor)
	split := container.NewHSplit(left, t.right)
	split.Offset = 0.36
	t.main = split
	t.prompt = newSignPrompt(t)
	t.show(t.signedOutView)
	t.refreshAll()
	t.showStamp(nil)
	return t
}

// newEditor builds the selected document's pages: a toolbar (page of the
// signature, zoom), the thumbnails and the scrolled pages. Its settings
// (settings) sit in the queue's column.
func (t *signTab) newEditor() fyne.CanvasObject {
	t.docName = title("")
	t.prev = newIconButton("", theme.NavigateBackIcon(), func() { t.setPage(t.page() - 1) })
	t.next = newIconButton("", theme.NavigateNextIcon(), func() { t.setPage(t.page() + 1) })
	t.pageSel = newDropdown(nil, func(s string) {
		if n, err := strconv.Atoi(s); err == nil && !t.filling {
			t.setPage(n)
		}
	})
	// the label beside it says which page; Fyne's "(Select one)" would be
	// English in the Indonesian UI
	t.pageSel.PlaceHolder = " " // Fyne puts its own in place of ""
	t.pageLabel = widget.NewLabel("")
	t.view = newDocView(t.newPage)
	t.view.Hide() // until a document is chosen
	t.view.OnVisible = t.drawPage
	t.view.OnZoom = func(scale float32) {
		if t.zoomLabel != nil {
			t.zoomLabel.SetText(fmt.Sprintf("%d%%", int(math.Round(float64(scale)*100))))
		}
	}
	t.preview = t.newPage()
	t.zoomLabel = widget.NewLabel("100%")
	t.zoomOut = newIconButton("", theme.ZoomOutIcon(), func() { t.view.zoomBy(1 / zoomStep) })
	t.zoomIn = newIconButton("", theme.ZoomInIcon(), func() { t.view.zoomBy(zoomStep) })
	t.fitWidth = newIconButton(lang.L("Lebar"), theme.ViewFullScreenIcon(), func() { t.view.setMode(zoomFitWidth, 0) })
	t.fitPage = newIconButton(lang.L("Satu Halaman"), theme.ZoomFitIcon(), func() { t.view.setMode(zoomFitPage, 0) })
	t.thumbList = t.newThumbnails()
	t.previewMsg = wrapped("")
	t.previewMsg.Alignment = fyne.TextAlignCenter
	t.previewMsg.Hide()
	t.unlock = newButton(lang.L("Masukkan Password PDF"), func() {
		if d := t.current(); d != nil {
			t.unlockDoc(d.Path, false, func() { t.renderKey = ""; t.render() })
		}
	})
	t.unlock.Hide()

	nav := container.NewHBox(t.prev, t.pageSel, t.next, t.pageLabel)
	zoom := container.NewHBox(t.zoomOut, t.zoomLabel, t.zoomIn, t.fitWidth, t.fitPage)
	bar := t.newPrepareBar()
	top := container.NewVBox(container.NewBorder(nil, nil, nil, t.prepareBtn, t.docName), bar, container.NewBorder(nil, nil, nav, zoom))
	t.editorTop = top
	center := container.NewStack(t.view, container.NewCenter(container.NewVBox(t.previewMsg, container.NewCenter(t.unlock))))
	return container.NewBorder(top, nil, t.thumbList, nil, center)
}

// settings builds the selected document's settings: visibility, reason,
// location and where the signed copy goes.
func (t *signTab) settings() fyne.CanvasObject {
	t.invisible = newCheck(lang.L("Tanpa tampilan (tidak terlihat)"), func(on bool) {
		if !t.filling {
			t.edit(func(s *authority.SignatureSettings) { s.Invisible = on })
			t.render()
		}
	})
	t.reason = t.textSetting(lang.L("Alasan penandatanganan"), func(st *authority.SignatureSettings, s string) { st.Reason = s })
	t.location = t.textSetting(lang.L("Tempat penandatanganan"), func(st *authority.SignatureSettings, s string) { st.Location = s })
	beside, other := outputChoices()
	t.outDir = wrapped("")
	t.outPick = newButton(lang.L("Pilih Folder"), t.chooseFolder)
	t.outMode = widget.NewRadioGroup([]string{beside, other}, func(s string) {
		if t.filling {
			return
		}
		if s == other {
			if d := t.current(); d == nil || d.Settings.OutputDir == "" {
				t.chooseFolder()
			}
			return
		}
		t.edit(func(st *authority.SignatureSettings) { st.OutputDir = "" })
		t.fillOutput()
	})
	t.settingMsg = wrapped("")
	t.settingMsg.Importance = widget.DangerImportance
	t.settingMsg.Hide()
	t.form = widget.NewForm(
		widget.NewFormItem(lang.L("Alasan"), t.reason),
		widget.NewFormItem(lang.L("Lokasi"), t.location),
	)
	out := widget.NewLabel(lang.L("Simpan hasil"))
	out.TextStyle.Bold = true
	return container.NewVBox(t.invisible, t.form,
		out, t.outMode, container.NewBorder(nil, nil, nil, t.outPick, t.outDir),
		t.settingMsg, t.newStampSetting(),
		wrapped(lang.L("Geser kotak biru untuk memindahkannya, tarik sudut kanan bawahnya untuk mengubah ukuran. Klik pratinjau lalu gunakan tombol panah (Shift+panah: ukuran).")))
}

// newPage is a page of the document view, whose box edits the selected
// document's.
func (t *signTab) newPage() *pagePreview {
	p := newPagePreview()
	p.OnChanged = func(b authority.Box) {
		t.edit(func(s *authority.SignatureSettings) { s.Box = b })
		t.rememberBox()
	}
	p.OnFocus = func(p *pagePreview) {
		if c := t.u.win.Canvas(); c != nil {
			c.Focus(p)
		}
	}
	return p
}

// textSetting is an entry for a text setting (reason, location), cut to
// the authority's limit and saved as it changes.
func (t *signTab) textSetting(placeholder string, set func(*authority.SignatureSettings, string)) *entry {
	e := newEntry()
	e.SetPlaceHolder(placeholder)
	e.OnChanged = func(s string) {
		if r := []rune(s); len(r) > authority.MaxSignatureTextLen {
			e.SetText(string(r[:authority.MaxSignatureTextLen])) // calls OnChanged again
			return
		}
		if !t.filling {
			t.edit(func(st *authority.SignatureSettings) { set(st, s) })
		}
	}
	return e
}

// outputChoices are the two places for the signed copy.
func outputChoices() (beside, other string) {
	return lang.L("Di samping berkas asli"), lang.L("Folder lain")
}

func (t *signTab) show(v fyne.CanvasObject) {
	t.content.Objects = []fyne.CanvasObject{v}
	t.content.Refresh()
}

// addFiles queues local PDFs (from the file dialog, a drop on the window or
// a later start of the app with files). Before the account's queue is
// loaded they wait; signed out they wait for the sign-in.
func (t *signTab) addFiles(paths []string) {
	if t.u.state.session == nil || !t.loaded {
		t.pending = append(t.pending, paths...)
		if t.u.state.session == nil {
			// the Akun tab, to sign in; the files follow
			setText(t.pendingMsg, lang.L("{{.N}} dokumen akan ditambahkan ke antrean setelah Anda masuk.", map[string]any{"N": len(t.pending)}))
			t.u.tabs.Select(t.u.akunTab)
		}
		return
	}
	setText(t.addMsg, "")
	if len(paths) > 0 {
		t.showAdding(paths)
		t.addOne(paths[0], "", paths[1:]...)
	}
}

// signedIn loads the account's queue, certificate and activation, then
// adds the files given before.
func (t *signTab) signedIn() {
	t.reset()
	t.show(t.main)
	s := t.u.state.session
	background(t.u, func(ctx context.Context) ([]authority.QueuedDocument, error) {
		return t.auth.QueuedDocuments(ctx, s.Token)
	}, func(docs []authority.QueuedDocument, err error) {
		if t.u.state.session != s {
			return
		}
		if err != nil {
			if errors.Is(err, authority.ErrSessionExpired) {
				t.u.sessionLost()
				return
			}
			setText(t.addMsg, message(err))
			return
		}
		t.docs = docs
		t.refreshFiles(docs...)
		t.refreshAll()
		if len(t.docs) > 0 {
			t.selectDoc(t.docs[0].ID)
		}
		t.loadStamp()
		// new documents take their location from the activation's unit
		t.loadCertificate(func() {
			t.loaded = true
			pending := t.pending
			t.pending = nil
			setText(t.pendingMsg, "")
			if len(pending) > 0 {
				t.u.tabs.Select(t.u.signItem)
				t.addFiles(pending)
			}
		})
	})
}

// signedOut clears the tab; paths given while signed in are not kept.
func (t *signTab) signedOut() {
	t.reset()
	t.passwords = map[string]string{}
	t.show(t.signedOutView)
}

func (t *signTab) reset() {
	if t.run != nil && t.run.cancel != nil {
		t.run.cancel()
	}
	t.prompt.close()
	t.run, t.history, t.prepDone = nil, nil, ""
	t.loaded = false
	t.docs, t.selected, t.cert, t.certErr = nil, 0, nil, nil
	t.unit, t.nip, t.jabatan = "", "", ""
	t.files = map[string]*fileInfo{}
	t.saving, t.dirty = map[int64]bool{}, map[int64]bool{}
	t.renderKey, t.opened, t.shownPage = "", "", 0
	t.adding, t.drawing, t.thumbs = nil, map[string]bool{}, map[int]image.Image{}
	setText(t.stampMsg, "")
	t.showStamp(nil)
	t.previews.closeAll()
	setText(t.addMsg, "")
	t.right.Objects = []fyne.CanvasObject{t.editor}
	t.right.Refresh()
	t.refreshAll()
}

// shown is called when the tab is selected: the certificate may have
// changed in the Akun tab meanwhile.
func (t *signTab) shown() {
	if t.u.state.session != nil && t.loaded {
		t.loadCertificate(nil)
	}
	// Ready the previews' engine while the person looks for a document:
	// the first preview then waits only for its page (milliseconds), not
	// for loading the engine (100-200 ms) or compiling it (seconds).
	if r := t.u.opts.Preview; r != nil {
		background(t.u, func(context.Context) (struct{}, error) {
			r.Warm()
			return struct{}{}, nil
		}, func(struct{}, error) {})
	}
}

// menu is the "Dokumen" menu: Ctrl+Enter opens the passphrase prompt.
func (t *signTab) menu() *fyne.Menu {
	sign := fyne.NewMenuItem(lang.L("Tandatangani"), func() {
		t.u.tabs.Select(t.u.signItem)
		t.openPrompt()
	})
	sign.Shortcut = &signShortcut
	return fyne.NewMenu(lang.L("Dokumen"),
		fyne.NewMenuItem(lang.L("Tambah Dokumen"), func() {
			t.u.tabs.Select(t.u.signItem)
			t.chooseFiles()
		}),
		sign)
}

// loadCertificate asks for the account's certificate, then runs then (may
// be nil).
func (t *signTab) loadCertificate(then func()) {
	s := t.u.state.session
	if s == nil {
		return
	}
	type account struct {
		info authority.CertificateInfo
		act  authority.Activation
		// actErr: the activation only gives defaults, it is not shown
		actErr error
	}
	background(t.u, func(ctx context.Context) (account, error) {
		info, err := t.auth.Certificate(ctx, s.Token)
		if err != nil {
			return account{}, err
		}
		act, actErr := t.auth.Activation(ctx, s.Token)
		return account{info, act, actErr}, nil
	}, func(a account, err error) {
		if t.u.state.session != s {
			return
		}
		if errors.Is(err, authority.ErrSessionExpired) {
			t.u.sessionLost()
			return
		}
		t.u.serverGone(err)
		if err == nil && a.actErr == nil {
			t.unit, t.nip, t.jabatan = a.act.Data.Unit, a.act.Data.NIP, a.act.Data.Jabatan
		}
		info := a.info
		t.cert, t.certErr = &info, err
		if err != nil {
			t.cert = nil
		}
		t.refreshAll()
		if then != nil {
			then()
		}
	})
}

// certificateNote says what to do before signing; "" when the certificate
// can sign.
func certificateNote(info *authority.CertificateInfo, err error) string {
	if unreachable(err) {
		return lang.L("Penandatanganan memerlukan server BeSign, yang belum dapat dihubungi. Dokumen tetap dapat disiapkan; klik \"Coba lagi\" di atas saat jaringan kembali.")
	}
	if err != nil {
		return message(err)
	}
	if info == nil {
		return ""
	}
	switch info.Status {
	case authority.StatusIssue:
		return ""
	case authority.StatusNotRegistered:
		return lang.L("Anda belum dapat menandatangani: selesaikan Aktivasi Akun BSrE di tab Aktivasi. Dokumen tetap dapat disiapkan.")
	case authority.StatusWaiting:
		return lang.L("Aktivasi Anda sedang menunggu verifikasi. Dokumen dapat disiapkan dan ditandatangani setelah sertifikat terbit.")
	case authority.StatusNoCertificate:
		return lang.L("Buat passphrase di tab Akun untuk menerbitkan sertifikat Anda, lalu tandatangani dokumen di sini.")
	case authority.StatusSuspend:
		return message(authority.ErrCertificateSuspended)
	case authority.StatusRevoke:
		return message(authority.ErrCertificateRevoked)
	case authority.StatusExpired:
		return message(authority.ErrCertificateExpired)
	}
	return lang.L("Sertifikat Anda belum dapat dipakai untuk menandatangani.")
}

// certificateIssued takes the certificate the Akun tab just had issued,
// so that the tab does not show the old status's note ("selesaikan
// Aktivasi") until it asks the authority again when shown.
func (t *signTab) certificateIssued(info authority.CertificateInfo) {
	if t.u.state.session == nil || !t.loaded {
		return // signedIn's loading brings it
	}
	t.cert, t.certErr = &info, nil
	t.refreshAll()
}

// canSign: a certificate that may sign, documents, and no batch running.
func (t *signTab) canSign() bool {
	return t.u.state.session != nil && t.cert != nil && t.cert.Status == authority.StatusIssue &&
		len(t.docs) > 0 && (t.run == nil || t.run.finished)
}

// refreshAll brings the list, buttons and editor up to date.
func (t *signTab) refreshAll() {
	note := certificateNote(t.cert, t.certErr)
	if certifiedOf(t.auth) != nil && t.cert != nil && t.cert.Status != authority.StatusIssue {
		note = certifiedStatusNext(t.cert.Status) // BSrE mode: the steps are BSrE's
	}
	setText(t.certMsg, note)
	t.list.Refresh()
	if len(t.docs)+len(t.adding) == 0 {
		t.empty.Show()
	} else {
		t.empty.Hide()
	}
	running := t.run != nil && !t.run.finished
	if t.current() == nil || running {
		t.remove.Disable()
	} else {
		t.remove.Enable()
	}
	if t.u.state.session == nil || running {
		t.add.Disable()
		t.historyBtn.Disable()
	} else {
		t.add.Enable()
		t.historyBtn.Enable()
	}
	if t.u.opts.History == nil {
		t.historyBtn.Hide()
	} else {
		t.historyBtn.Show()
	}
	if t.canSign() {
		t.signBtn.Enable()
	} else {
		t.signBtn.Disable()
	}
	t.fillEditor()
	// messages appeared or vanished: nothing may overlap what moved. They
	// all live in the queue's column; the pages beside it are laid out by
	// their view, and laying them out again here would cost frames.
	relayoutTree(t.left)
	// the document's name above the pages may wrap to another line
	t.editorTop.Refresh()
	if e, ok := t.editor.(*fyne.Container); ok {
		e.Layout.Layout(e.Objects, e.Size())
	}
}

// index returns the position of the document with id, -1 if none.
func (t *signTab) index(id int64) int {
	for i, d := range t.docs {
		if d.ID == id {
			return i
		}
	}
	return -1
}

// current is the selected document, nil for none.
func (t *signTab) current() *authority.QueuedDocument {
	if i := t.index(t.selected); i >= 0 {
		return &t.docs[i]
	}
	return nil
}

func (t *signTab) file(path string) *fileInfo {
	f := t.files[path]
	if f == nil {
		f = &fileInfo{sigs: -1, sizes: map[int][2]float64{}}
		t.files[path] = f
	}
	return f
}

// docDetails is a list row's second line: pages, size, signatures.
func (t *signTab) docDetails(d authority.QueuedDocument) string {
	f := t.file(d.Path)
	return joinParts(
		lang.L("{{.N}} halaman", map[string]any{"N": d.Pages}),
		humanSize(d.Fingerprint.Size),
		signaturesText(f.sigs, f.signers))
}

// docStatus is a list row's third line.
func (t *signTab) docStatus(d authority.QueuedDocument) string {
	return queueStatusText(t.file(d.Path), t.passwords[d.Path] != "")
}

// queueStatusText tells where a queued document stands.
func queueStatusText(f *fileInfo, havePassword bool) string {
	switch {
	case f.result != nil:
		return lang.L("Gagal: {{.Err}}", map[string]any{"Err": message(f.result)})
	case f.missing:
		return lang.L("Berkas tidak ditemukan")
	case f.changed:
		return lang.L("Berkas berubah sejak ditambahkan")
	case f.needsPassword && !havePassword:
		return lang.L("Perlu password PDF")
	case f.problem != "" && f.sigs > 0:
		return lang.L("Rusak; sudah ditandatangani, jadi tidak diperbaiki")
	case f.problem != "":
		return lang.L("Rusak: dapat diperbaiki sebelum ditandatangani")
	}
	return lang.L("Siap ditandatangani")
}

// signaturesText tells the existing signatures: how many, and by whom.
func signaturesText(n int, signers []string) string {
	switch {
	case n < 0:
		return lang.L("tanda tangan: memeriksa...")
	case n == 0:
		return lang.L("belum ada tanda tangan")
	}
	s := lang.L("{{.N}} tanda tangan", map[string]any{"N": n})
	if len(signers) > 0 {
		s += " (" + joinList(signers) + ")"
	}
	return s
}

func joinParts(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += " · "
		}
		out += p
	}
	return out
}

func joinList(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// humanSize writes a file size the way a file manager does.
func humanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(1024*1024*1024))
}

// selectDoc shows the document with id in the editor.
func (t *signTab) selectDoc(id int64) {
	t.selected = id
	if i := t.index(id); i >= 0 {
		t.selecting = true
		t.list.Select(i)
		t.selecting = false
	}
	setText(t.settingMsg, "")
	t.refreshAll()
	t.render()
}

// fillEditor puts the selected document's settings in the widgets.
func (t *signTab) fillEditor() {
	t.filling = true
	defer func() { t.filling = false }()
	d := t.current()
	t.fillPrepare(d)
	ws := []fyne.Disableable{t.prev, t.next, t.pageSel, t.invisible, t.reason, t.location, t.outMode, t.outPick,
		t.zoomIn, t.zoomOut, t.fitWidth, t.fitPage}
	if d == nil {
		t.docName.SetText(lang.L("Pilih dokumen dari antrean"))
		for _, w := range ws {
			w.Disable()
		}
		t.form.Refresh()
		t.pageLabel.SetText("")
		setText(t.previewMsg, "")
		t.unlock.Hide()
		return
	}
	for _, w := range ws {
		w.Enable()
	}
	t.form.Refresh() // its labels follow their widgets' state
	t.docName.SetText(filepath.Base(d.Path))
	opts := make([]string, d.Pages)
	for i := range opts {
		opts[i] = strconv.Itoa(i + 1)
	}
	t.pageSel.SetOptions(opts)
	page := t.page()
	t.pageSel.SetSelected(strconv.Itoa(page))
	t.pageLabel.SetText(lang.L("Halaman {{.Page}} dari {{.N}}", map[string]any{"Page": page, "N": d.Pages}))
	if page <= 1 {
		t.prev.Disable()
	}
	if page >= d.Pages {
		t.next.Disable()
	}
	if d.Settings.Invisible {
		// the page only matters for a visible signature
		t.prev.Disable()
		t.next.Disable()
		t.pageSel.Disable()
	}
	t.invisible.SetChecked(d.Settings.Invisible)
	t.thumbList.Select(page - 1) // filling: not a choice of page
	if t.reason.Text != d.Settings.Reason {
		t.reason.SetText(d.Settings.Reason)
	}
	if t.location.Text != d.Settings.Location {
		t.location.SetText(d.Settings.Location)
	}
	t.fillOutput()
}

// fillOutput shows where the selected document's signed copy goes.
func (t *signTab) fillOutput() {
	d := t.current()
	if d == nil {
		return
	}
	was := t.filling
	t.filling = true
	defer func() { t.filling = was }()
	beside, other := outputChoices()
	if d.Settings.OutputDir == "" {
		t.outMode.SetSelected(beside)
		t.outDir.SetText(filepath.Dir(d.Path))
	} else {
		t.outMode.SetSelected(other)
		t.outDir.SetText(d.Settings.OutputDir)
	}
}

// page is the selected document's page (1 when none).
func (t *signTab) page() int {
	if d := t.current(); d != nil && d.Settings.Page >= 1 {
		return d.Settings.Page
	}
	return 1
}

// setPage shows page n of the selected document and places the box there.
func (t *signTab) setPage(n int) {
	d := t.current()
	if d == nil || n < 1 || n > d.Pages || n == d.Settings.Page {
		return
	}
	t.edit(func(s *authority.SignatureSettings) { s.Page = n })
	t.render()
	t.rememberBox()
}

// edit changes the selected document's settings and saves them.
func (t *signTab) edit(change func(*authority.SignatureSettings)) {
	d := t.current()
	if d == nil {
		return
	}
	change(&d.Settings)
	setText(t.settingMsg, "")
	t.fillEditor()
	t.list.Refresh()
	t.save(d.ID)
}

// save stores a document's settings; saves of one document never overlap,
// and the last change is the one stored.
func (t *signTab) save(id int64) {
	if t.saving[id] {
		t.dirty[id] = true
		return
	}
	i := t.index(id)
	s := t.u.state.session
	if i < 0 || s == nil {
		return
	}
	t.saving[id] = true
	req := authority.UpdateQueuedRequest{Token: s.Token, ID: id, Settings: t.docs[i].Settings}
	background(t.u, func(ctx context.Context) (authority.QueuedDocument, error) {
		return t.auth.UpdateQueuedDocument(ctx, req)
	}, func(_ authority.QueuedDocument, err error) {
		if t.u.state.session != s {
			return
		}
		t.saving[id] = false
		if err != nil {
			t.failed(err, t.settingMsg)
			return
		}
		if t.dirty[id] {
			t.dirty[id] = false
			t.save(id)
		}
	})
}

// failed shows err in l, or handles an ended session or a queue changed
// elsewhere.
func (t *signTab) failed(err error, l *widget.Label) {
	switch {
	case errors.Is(err, authority.ErrSessionExpired):
		t.u.sessionLost()
	case errors.Is(err, authority.ErrQueueNotFound):
		// removed elsewhere (another window): load the queue again
		setText(l, message(err))
		t.reload()
	default:
		setText(l, message(err))
	}
}

// reload loads the queue again, keeping the selection when it stayed.
func (t *signTab) reload() {
	s := t.u.state.session
	if s == nil {
		return
	}
	background(t.u, func(ctx context.Context) ([]authority.QueuedDocument, error) {
		return t.auth.QueuedDocuments(ctx, s.Token)
	}, func(docs []authority.QueuedDocument, err error) {
		if t.u.state.session != s || err != nil {
			return
		}
		t.docs = docs
		if t.index(t.selected) < 0 {
			t.selected = 0
			t.list.UnselectAll()
		}
		t.refreshAll()
	})
}

// chooseFiles is "Tambah Dokumen": PDFs from the file dialog, several at
// once where the desktop's dialog allows.
func (t *signTab) chooseFiles() {
	if t.u.state.session == nil {
		return
	}
	t.u.chooseFiles(lang.L("Tambah Dokumen"), []string{".pdf"}, true, t.addFiles)
}

// chooseFolder picks the folder for the selected document's signed copy.
func (t *signTab) chooseFolder() {
	id := t.selected
	t.u.chooseFolder(lang.L("Pilih Folder"), func(dir string) { t.setOutputDir(id, dir) },
		t.fillOutput) // back to what is stored
}

// setOutputDir makes dir the output folder of document id.
func (t *signTab) setOutputDir(id int64, dir string) {
	if id != t.selected {
		return
	}
	t.edit(func(s *authority.SignatureSettings) { s.OutputDir = filepath.Clean(dir) })
	t.fillOutput()
}

// removeSelected takes the selected document out of the queue.
func (t *signTab) removeSelected() {
	d := t.current()
	s := t.u.state.session
	if d == nil || s == nil {
		return
	}
	id, path := d.ID, d.Path
	t.remove.Disable()
	background(t.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, t.auth.RemoveQueuedDocument(ctx, s.Token, id)
	}, func(_ struct{}, err error) {
		if t.u.state.session != s {
			return
		}
		if err != nil && !errors.Is(err, authority.ErrQueueNotFound) {
			t.failed(err, t.addMsg)
			t.refreshAll()
			return
		}
		t.dropDoc(id, path)
	})
}

// dropDoc forgets a document that left the queue, selecting its
// neighbour.
func (t *signTab) dropDoc(id int64, path string) {
	i := t.index(id)
	if i < 0 {
		return
	}
	t.docs = append(t.docs[:i:i], t.docs[i+1:]...)
	t.previews.close(path)
	delete(t.files, path)
	if t.selected == id {
		t.selected = 0
		t.list.UnselectAll()
		if len(t.docs) > 0 {
			t.selectDoc(t.docs[min(i, len(t.docs)-1)].ID)
			return
		}
	}
	t.refreshAll()
	t.render()
}

// render shows the selected document in the view: a new document is laid
// out with the page sizes known so far, then opened in the background for
// the sizes its preview draws, and its pages in view are drawn (drawPage);
// for the same document only the box and the page it is on change.
func (t *signTab) render() {
	d := t.current()
	if d == nil {
		t.renderKey, t.opened, t.shownPage = "", "", 0
		t.thumbs = map[int]image.Image{}
		t.view.setPages(nil, true)
		t.view.Hide()
		t.thumbList.Refresh()
		t.fillEditor()
		return
	}
	id, path, pages := d.ID, d.Path, d.Pages
	key := fmt.Sprintf("%d/%s", id, path)
	f := t.file(path)
	if t.renderKey == key {
		t.placeBox()
		if t.shownPage != t.page() {
			t.shownPage = t.page()
			t.view.showBox(t.page())
		}
		return
	}
	t.renderKey, t.opened, t.shownPage = key, "", t.page()
	t.thumbs = map[int]image.Image{}
	t.view.Show()
	t.thumbList.UnselectAll()
	t.thumbList.Refresh()
	t.view.setPages(t.pageSizes(f, pages), true)
	t.placeBox()
	t.view.showBox(t.page())
	if t.u.opts.Preview == nil {
		setText(t.previewMsg, lang.L("Pratinjau halaman tidak tersedia."))
		return
	}
	setText(t.previewMsg, lang.L("Memuat pratinjau..."))
	t.unlock.Hide()
	password := t.passwords[path]
	// the page with the box is drawn in the same trip, at the width the
	// view wants for it now: the first preview comes one hand-over sooner
	type opened struct {
		sizes [][2]float64
		img   image.Image
	}
	first := t.page()
	width := t.view.wantWidth(first)
	background(t.u, func(context.Context) (opened, error) {
		doc, err := t.previews.open(t.u.opts.Preview, path, password)
		if err != nil {
			return opened{}, err
		}
		n := min(doc.Pages(), pages)
		sizes := make([][2]float64, n)
		for i := range sizes {
			w, h, err := doc.PageSize(i + 1)
			if err != nil {
				return opened{}, err
			}
			sizes[i] = [2]float64{w, h}
		}
		if first > n {
			return opened{sizes: sizes}, nil
		}
		img, err := doc.Render(first, width)
		return opened{sizes, img}, err
	}, func(o opened, err error) {
		sizes := o.sizes
		if t.renderKey != key {
			return // another document was chosen meanwhile
		}
		if err != nil {
			t.renderKey = ""
			if errors.Is(err, preview.ErrPassword) {
				setText(t.previewMsg, message(err))
				t.unlock.Show()
				return
			}
			fyne.LogError("preview "+path, err)
			setText(t.previewMsg, lang.L("Pratinjau halaman tidak dapat ditampilkan: {{.Err}}", map[string]any{"Err": message(err)}))
			return
		}
		for i, sz := range sizes {
			f.sizes[i+1] = sz
		}
		t.opened = key
		t.view.setPages(t.pageSizes(f, pages), false)
		if o.img != nil {
			setText(t.previewMsg, "")
			t.view.setImage(first, o.img, width)
		}
		cur := t.current()
		if cur == nil || cur.ID != id {
			return
		}
		// a box from another page, or placed before the size was known,
		// is brought onto this page
		if sz, ok := f.sizes[t.page()]; ok && !cur.Settings.Invisible {
			if b := clampBox(cur.Settings.Box, sz[0], sz[1]); b != cur.Settings.Box {
				cur.Settings.Box = b
				t.save(id)
			}
		}
		t.placeBox()
		t.view.showBox(t.page())
		t.thumbList.Refresh()
	})
}

// pageSizes lists the sizes of a document's pages known so far.
func (t *signTab) pageSizes(f *fileInfo, pages int) [][2]float64 {
	sizes := make([][2]float64, pages)
	for i := range sizes {
		sizes[i] = f.sizes[i+1]
	}
	return sizes
}

// placeBox shows the selected document's box on its page, and no box on
// the others.
func (t *signTab) placeBox() {
	d := t.current()
	page := t.page()
	for i, p := range t.view.pages {
		show := d != nil && i+1 == page && !d.Settings.Invisible
		if show {
			p.box = d.Settings.Box
			t.preview = p
		} else if p.focused && t.u.win.Canvas() != nil {
			t.u.win.Canvas().Unfocus()
		}
		if p.showBox != show || show {
			p.showBox = show
			p.Refresh()
		}
	}
	if d != nil && d.Settings.Invisible {
		if p := t.view.page(page); p != nil {
			t.preview = p
		}
	}
}

// drawPage draws page n of the document shown, width pixels wide, in the
// background (docView.OnVisible).
func (t *signTab) drawPage(n, width int) {
	d := t.current()
	key := t.renderKey
	if d == nil || t.opened != key || key == "" || t.u.opts.Preview == nil {
		return
	}
	job := fmt.Sprintf("%s/%d/%d", key, n, width)
	if t.drawing[job] {
		return
	}
	t.drawing[job] = true
	path, password := d.Path, t.passwords[d.Path]
	background(t.u, func(context.Context) (image.Image, error) {
		doc, err := t.previews.open(t.u.opts.Preview, path, password)
		if err != nil {
			return nil, err
		}
		return doc.Render(n, width)
	}, func(img image.Image, err error) {
		delete(t.drawing, job)
		if t.renderKey != key {
			return
		}
		if err != nil {
			fyne.LogError("preview "+path, err)
			setText(t.previewMsg, lang.L("Pratinjau halaman tidak dapat ditampilkan: {{.Err}}", map[string]any{"Err": message(err)}))
			return
		}
		setText(t.previewMsg, "")
		t.view.setImage(n, img, width)
		if n == t.page() {
			t.thumbList.Refresh() // the thumbnails' turn
		}
	})
}

// thumbWidth is the pixel width thumbnails are drawn at; maxThumbs bounds
// how many are kept (an A4 one takes about 80 KB).
const (
	thumbWidth = 120
	maxThumbs  = 200
)

// newThumbnails is the column of page thumbnails; choosing one puts the
// signature on that page and scrolls to it.
func (t *signTab) newThumbnails() *widget.List {
	l := widget.NewList(
		func() int {
			if d := t.current(); d != nil {
				return d.Pages
			}
			return 0
		},
		func() fyne.CanvasObject {
			img := canvas.NewImageFromImage(nil)
			img.FillMode = canvas.ImageFillContain
			img.SetMinSize(fyne.NewSize(72, 96))
			n := widget.NewLabel("")
			n.Alignment = fyne.TextAlignCenter
			return container.NewBorder(nil, n, nil, nil, img)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			c.Objects[1].(*widget.Label).SetText(strconv.Itoa(i + 1))
			img := c.Objects[0].(*canvas.Image)
			img.Image = t.thumbs[i+1]
			img.Refresh()
			if img.Image == nil {
				t.drawThumb(i + 1)
			}
		})
	l.OnSelected = func(i widget.ListItemID) {
		if t.filling {
			return
		}
		if d := t.current(); d != nil && i+1 != t.page() {
			t.setPage(i + 1)
		} else {
			t.view.showBox(i + 1)
		}
	}
	return l
}

// drawThumb draws page n's thumbnail in the background, once the page
// with the box is drawn: that one comes first.
func (t *signTab) drawThumb(n int) {
	d := t.current()
	key := t.renderKey
	if d == nil || t.opened != key || key == "" || t.u.opts.Preview == nil {
		return
	}
	if p := t.view.page(t.page()); p == nil || p.img == nil {
		return
	}
	job := fmt.Sprintf("%s/thumb/%d", key, n)
	if t.drawing[job] {
		return
	}
	t.drawing[job] = true
	path, password := d.Path, t.passwords[d.Path]
	background(t.u, func(context.Context) (image.Image, error) {
		doc, err := t.previews.open(t.u.opts.Preview, path, password)
		if err != nil {
			return nil, err
		}
		return doc.Render(n, thumbWidth)
	}, func(img image.Image, err error) {
		delete(t.drawing, job)
		if t.renderKey != key || err != nil {
			return // the page itself says what went wrong
		}
		if len(t.thumbs) >= maxThumbs {
			// a long document: forget the thumbnails far from this one;
			// the list draws them again when scrolled back to
			for k := range t.thumbs {
				if k < n-maxThumbs/4 || k > n+maxThumbs/4 {
					delete(t.thumbs, k)
				}
			}
		}
		t.thumbs[n] = img
		t.thumbList.RefreshItem(n - 1)
	})
}

// previewCache keeps the preview's open documents by path; background
// work uses it, so it has its own lock.
type previewCache struct {
	mu   sync.Mutex
	docs map[string]*preview.Document
	pws  map[string]string
}

// open returns the open document at path, opening it (with password) when
// it is not open yet or was opened with another password.
func (c *previewCache) open(r *preview.Renderer, path, password string) (*preview.Document, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pws == nil {
		c.pws = map[string]string{}
	}
	if d, ok := c.docs[path]; ok && c.pws[path] == password {
		return d, nil
	}
	if d, ok := c.docs[path]; ok {
		d.Close()
		delete(c.docs, path)
	}
	d, err := r.Open(path, password)
	if err != nil {
		return nil, err
	}
	c.docs[path], c.pws[path] = d, password
	return d, nil
}

func (c *previewCache) close(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.docs[path]; ok {
		d.Close()
		delete(c.docs, path)
	}
}

func (c *previewCache) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, d := range c.docs {
		d.Close()
		delete(c.docs, p)
	}
}

// refreshFiles looks at queued files again, one after the other in the
// background: whether each is still there and unchanged (size and time;
// the hash is compared when signing), and its existing signatures.
func (t *signTab) refreshFiles(docs ...authority.QueuedDocument) {
	if len(docs) == 0 {
		return
	}
	passwords := make([]string, len(docs))
	for i, d := range docs {
		passwords[i] = t.passwords[d.Path]
	}
	background(t.u, func(context.Context) ([]inspection, error) {
		out := make([]inspection, len(docs))
		for i, d := range docs {
			out[i] = examine(d.Path, passwords[i])
			if st, err := os.Stat(d.Path); err == nil {
				out[i].changed = st.Size() != d.Fingerprint.Size || !st.ModTime().Equal(d.Fingerprint.ModTime)
			}
		}
		return out, nil
	}, func(ins []inspection, _ error) {
		for i, in := range ins {
			f := t.file(docs[i].Path)
			f.missing = errors.Is(in.err, os.ErrNotExist)
			f.changed = in.changed
			f.needsPassword = isPasswordErr(in.err)
			if in.err == nil {
				f.sigs, f.signers = in.sigs, in.signers
			}
		}
		t.list.Refresh()
	})
}
