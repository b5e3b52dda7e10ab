package screens

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/docprep"
	"github.com/natunakab/besign/docqueue"
)

// Preparing a queued document before it is signed (package docprep, which
// alone talks to pdfcpu): merging it with other queued documents in an
// order the person sets, removing, moving or turning pages, and repairing
// a damaged file. Each result is a new NAME_prepared.pdf beside the
// original, never written over it, and takes the original's place in the
// queue (at its end: the queue has no order of its own to keep). A signed
// document is never rewritten, and the tab says why.

// checkProblem words what docprep.Check found for the queue; "" when the
// document is sound. pdfcpu's own (English, technical) finding goes to the
// log: it means nothing to the person, but IT may want it.
func checkProblem(r docprep.Report) string {
	switch {
	case r.OK():
		return ""
	case r.Broken:
		return lang.L("Berkas ini rusak: daftar letak isinya (tabel referensi silang) tidak cocok dengan isi berkas, biasanya karena berkas terpotong atau tidak disimpan sampai selesai. Aplikasi PDF lain mungkin menampilkannya berbeda.")
	}
	return lang.L("Berkas ini rusak: susunan PDF-nya tidak sesuai standar, sehingga aplikasi PDF lain mungkin menampilkannya berbeda atau menolaknya.")
}

// signedNote says why a signed document is not prepared.
func signedNote() string {
	return lang.L("Dokumen ini sudah memuat tanda tangan, jadi tidak diubah atau diperbaiki: perubahan apa pun akan merusak tanda tangan yang ada.")
}

// newPrepareBar is the editor's line about the document's state: what the
// check found, with Perbaiki, and Siapkan Dokumen.
func (t *signTab) newPrepareBar() fyne.CanvasObject {
	t.prepareBtn = newIconButton(lang.L("Siapkan Dokumen"), theme.DocumentCreateIcon(), t.showPrepare)
	t.repairBtn = newButton(lang.L("Perbaiki"), t.repairSelected)
	t.repairBtn.Importance = widget.WarningImportance
	t.repairBtn.Hide()
	t.checkMsg = wrapped("")
	t.checkMsg.Importance = widget.WarningImportance
	t.checkMsg.Hide()
	t.prepMsg = wrapped("")
	t.prepMsg.Importance = widget.SuccessImportance
	t.prepMsg.Hide()
	return container.NewVBox(t.prepMsg, container.NewBorder(nil, nil, nil, container.NewVBox(t.repairBtn), t.checkMsg))
}

// fillPrepare shows the selected document's check and whether it may be
// prepared.
func (t *signTab) fillPrepare(d *authority.QueuedDocument) {
	running := t.run != nil && !t.run.finished
	if d == nil || running || t.preparing {
		t.prepareBtn.Disable()
		t.repairBtn.Disable()
	} else {
		t.prepareBtn.Enable()
		t.repairBtn.Enable()
	}
	if d == nil || d.Path != t.prepDone {
		// said once, for the result just made
		setText(t.prepMsg, "")
	} else {
		setText(t.prepMsg, lang.L("Disimpan sebagai {{.Name}} di samping berkas aslinya, dan menggantikannya dalam antrean.", map[string]any{"Name": filepath.Base(d.Path)}))
	}
	if d == nil {
		setText(t.checkMsg, "")
		t.repairBtn.Hide()
		return
	}
	f := t.file(d.Path)
	switch {
	case f.problem != "" && f.sigs > 0:
		setText(t.checkMsg, f.problem+" "+signedNote())
		t.repairBtn.Hide()
	case f.problem != "":
		setText(t.checkMsg, f.problem+" "+lang.L("Perbaiki membuat salinan bersih di samping berkas aslinya."))
		t.repairBtn.Show()
	default:
		setText(t.checkMsg, "")
		t.repairBtn.Hide()
	}
}

// repairSelected writes a clean copy of the selected (damaged) document
// and queues it in its place.
func (t *signTab) repairSelected() {
	d := t.current()
	if d == nil {
		return
	}
	doc := *d
	t.prepare([]authority.QueuedDocument{doc}, func() (string, error) { return docprep.Repair(doc.Path) })
}

// prepare runs produce (a docprep call writing a new file) in the background,
// then queues its result in place of docs.
func (t *signTab) prepare(docs []authority.QueuedDocument, produce func() (string, error)) {
	s := t.u.state.session
	if s == nil || len(docs) == 0 || t.preparing {
		return
	}
	for _, d := range docs {
		if t.file(d.Path).sigs > 0 {
			setText(t.addMsg, signedNote())
			return
		}
	}
	t.preparing = true
	setText(t.addMsg, "")
	t.refreshAll()
	first := docs[0]
	type result struct {
		doc authority.QueuedDocument
		in  inspection
		rep docprep.Report
	}
	background(t.u, func(ctx context.Context) (result, error) {
		out, err := produce()
		if err != nil {
			return result{}, err
		}
		in := examine(out, "")
		if in.err == nil && in.pages < 1 {
			in.err = docqueue.ErrNoPages
		}
		if in.err != nil {
			return result{}, in.err
		}
		rep, _ := docprep.Check(out)
		st := first.Settings
		if st.Page > in.pages || !boxFits(st.Box, in.size, st.Page == 1) {
			// the page is gone or changed its size: page 1's default box
			st.Page = 1
			st.Box = defaultBox(in.size[0], in.size[1])
		}
		doc, err := docqueue.Queue(ctx, t.auth, docqueue.Request{Token: s.Token, Path: out, Pages: in.pages, Settings: st})
		if err != nil {
			return result{}, err
		}
		for _, d := range docs {
			if err := t.auth.RemoveQueuedDocument(ctx, s.Token, d.ID); err != nil && !errors.Is(err, authority.ErrQueueNotFound) {
				return result{doc, in, rep}, err
			}
		}
		return result{doc, in, rep}, nil
	}, func(r result, err error) {
		t.preparing = false
		if t.u.state.session != s {
			return
		}
		if errors.Is(err, authority.ErrSessionExpired) {
			t.u.sessionLost()
			return
		}
		if r.doc.ID != 0 {
			for _, d := range docs {
				t.dropDoc(d.ID, d.Path)
			}
			f := t.file(r.doc.Path)
			f.sigs, f.signers = r.in.sigs, r.in.signers
			f.problem = checkProblem(r.rep)
			for i, sz := range r.in.sizes {
				if sz[0] > 0 && sz[1] > 0 {
					f.sizes[i+1] = sz
				}
			}
			t.docs = append(t.docs, r.doc)
			t.prepDone = r.doc.Path
			t.selectDoc(r.doc.ID)
		}
		if err != nil {
			t.failed(err, t.addMsg)
		}
		t.refreshAll()
	})
}

// boxFits: box lies on a page of size (when known, for page 1).
func boxFits(b authority.Box, size [2]float64, known bool) bool {
	if !known || size[0] <= 0 || size[1] <= 0 {
		return true
	}
	return b.X >= 0 && b.Y >= 0 && b.X+b.W <= size[0]+0.01 && b.Y+b.H <= size[1]+0.01
}

// parsePages reads "1, 3, 5-7" as page numbers, in the order written;
// empty gives none.
func parsePages(s string) ([]int, error) {
	var out []int
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 1 {
			return nil, fmt.Errorf("%w: %q", docprep.ErrPages, part)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, err := strconv.Atoi(hi)
		if err != nil || b < a || b-a > 10000 {
			return nil, fmt.Errorf("%w: %q", docprep.ErrPages, part)
		}
		for p := a; p <= b; p++ {
			out = append(out, p)
		}
	}
	return out, nil
}

// prepareDialog is "Siapkan Dokumen" for the selected document.
type prepareDialog struct {
	d      dialog.Dialog
	action *dropdown
	pages  *entry
	order  *entry
	turn   *dropdown
	merge  *fyne.Container
	// mergeDocs are the documents to merge, in order; mergeOn which of
	// them are ticked (the selected one always is).
	mergeDocs []authority.QueuedDocument
	mergeOn   map[int64]bool
	msg       *widget.Label
	ok        *button
	parts     map[string]fyne.CanvasObject
}

// prepare actions, as the dialog names them.
func prepareActions() (merge, remove, order, rotate string) {
	return lang.L("Gabungkan dengan dokumen lain"), lang.L("Hapus halaman"), lang.L("Ubah urutan halaman"), lang.L("Putar halaman")
}

// turns are the choices of rotation, in degrees clockwise.
func turns() ([]string, map[string]int) {
	cw, half, ccw := lang.L("90° searah jarum jam"), lang.L("180°"), lang.L("90° berlawanan arah jarum jam")
	return []string{cw, half, ccw}, map[string]int{cw: 90, half: 180, ccw: 270}
}

// showPrepare opens Siapkan Dokumen for the selected document.
func (t *signTab) showPrepare() {
	cur := t.current()
	if cur == nil || t.preparing {
		return
	}
	if t.file(cur.Path).sigs > 0 {
		setText(t.addMsg, signedNote())
		return
	}
	if t.passwords[cur.Path] != "" || t.file(cur.Path).needsPassword {
		// docprep opens documents without a password
		setText(t.addMsg, lang.L("Dokumen yang dilindungi password tidak dapat disiapkan di sini. Simpan salinan tanpa password dari aplikasi pembuatnya, lalu tambahkan salinan itu."))
		return
	}
	doc := *cur
	mergeA, removeA, orderA, rotateA := prepareActions()
	p := &prepareDialog{pages: newEntry(), order: newEntry(), merge: container.NewVBox(),
		mergeOn: map[int64]bool{doc.ID: true}, msg: wrapped("")}
	p.msg.Importance = widget.DangerImportance
	p.msg.Hide()
	p.pages.SetPlaceHolder(lang.L("contoh: 2, 5-7"))
	p.order.SetPlaceHolder(lang.L("contoh: 3, 1, 2"))
	opts, degrees := turns()
	p.turn = newDropdown(opts, nil)
	p.turn.SetSelected(opts[0])
	// the selected document first, then the rest of the queue
	p.mergeDocs = append(p.mergeDocs, doc)
	for _, d := range t.docs {
		if d.ID != doc.ID {
			p.mergeDocs = append(p.mergeDocs, d)
		}
	}
	pagesLabel := widget.NewLabel(lang.L("Halaman"))
	p.parts = map[string]fyne.CanvasObject{
		mergeA:  container.NewVBox(wrapped(lang.L("Centang dokumen yang digabungkan, dan atur urutannya dengan tombol panah. Dokumen yang digabungkan keluar dari antrean, berkas aslinya tetap ada.")), p.merge),
		removeA: container.NewVBox(pagesLabel, p.pages),
		orderA: container.NewVBox(wrapped(lang.L("Urutan baru semua halaman, masing-masing sekali. Dokumen ini memiliki {{.N}} halaman.", map[string]any{"N": doc.Pages})),
			p.order),
		rotateA: container.NewVBox(widget.NewLabel(lang.L("Halaman (kosong: semua halaman)")), p.pages, p.turn),
	}
	body := container.NewStack()
	p.action = newDropdown([]string{mergeA, removeA, orderA, rotateA}, func(s string) {
		setText(p.msg, "")
		if part := p.parts[s]; part != nil {
			body.Objects = []fyne.CanvasObject{part}
			body.Refresh()
		}
		if p.d != nil {
			p.d.Resize(fyne.NewSize(520, 440))
		}
	})
	p.fillMerge(t)
	p.action.PlaceHolder = " " // Fyne's "(Select one)" is English; one is always chosen
	p.ok = newButton(lang.L("Simpan sebagai Berkas Baru"), func() {
		var docs []authority.QueuedDocument
		var produce func() (string, error)
		switch p.action.Selected {
		case mergeA:
			var paths []string
			for _, d := range p.mergeDocs {
				if p.mergeOn[d.ID] {
					if t.file(d.Path).sigs > 0 {
						setText(p.msg, filepath.Base(d.Path)+": "+signedNote())
						return
					}
					if t.passwords[d.Path] != "" || t.file(d.Path).needsPassword {
						setText(p.msg, filepath.Base(d.Path)+": "+lang.L("Dokumen yang dilindungi password tidak dapat disiapkan di sini. Simpan salinan tanpa password dari aplikasi pembuatnya, lalu tambahkan salinan itu."))
						return
					}
					docs = append(docs, d)
					paths = append(paths, d.Path)
				}
			}
			if len(paths) < 2 {
				setText(p.msg, lang.L("Centang paling sedikit satu dokumen lain untuk digabungkan."))
				return
			}
			produce = func() (string, error) { return docprep.Merge(paths) }
		case removeA, orderA, rotateA:
			text := p.pages.Text
			if p.action.Selected == orderA {
				text = p.order.Text
			}
			pages, err := parsePages(text)
			if err == nil && len(pages) == 0 && p.action.Selected != rotateA {
				err = docprep.ErrPages
			}
			// said here, in the dialog; docprep checks the rest again
			for _, n := range pages {
				if n > doc.Pages {
					err = docprep.ErrPages
				}
			}
			if err != nil {
				setText(p.msg, message(err))
				return
			}
			docs = []authority.QueuedDocument{doc}
			switch p.action.Selected {
			case removeA:
				produce = func() (string, error) { return docprep.RemovePages(doc.Path, pages) }
			case orderA:
				produce = func() (string, error) { return docprep.Reorder(doc.Path, pages) }
			default:
				deg := degrees[p.turn.Selected]
				produce = func() (string, error) { return docprep.Rotate(doc.Path, pages, deg) }
			}
		default:
			setText(p.msg, lang.L("Pilih apa yang akan dilakukan."))
			return
		}
		p.d.Hide()
		t.prepare(docs, produce)
	})
	p.ok.Importance = widget.HighImportance
	cancel := newButton(lang.L("Batal"), func() { p.d.Hide() })
	content := container.NewBorder(
		container.NewVBox(wrapped(lang.L("Hasilnya disimpan sebagai berkas baru di samping berkas aslinya; berkas aslinya tidak diubah.")),
			container.NewBorder(nil, nil, widget.NewLabel(lang.L("Tindakan")), nil, p.action), widget.NewSeparator()),
		container.NewVBox(p.msg, container.NewHBox(p.ok, cancel)), nil, nil,
		container.NewVScroll(body))
	p.d = dialog.NewCustomWithoutButtons(lang.L("Siapkan {{.Name}}", map[string]any{"Name": filepath.Base(doc.Path)}), content, t.u.win)
	t.prepDialog = p
	p.action.SetSelected(removeA)
	p.d.Resize(fyne.NewSize(520, 440))
	p.d.Show()
	t.u.dialogShown(p.d, cancel.OnTapped)
}

// fillMerge lists the documents to merge with a tick and arrows.
func (p *prepareDialog) fillMerge(t *signTab) {
	p.merge.RemoveAll()
	for i, d := range p.mergeDocs {
		pick := newCheck(fmt.Sprintf("%d. %s", i+1, filepath.Base(d.Path)), func(on bool) { p.mergeOn[d.ID] = on })
		pick.SetChecked(p.mergeOn[d.ID])
		up := newIconButton("", theme.MoveUpIcon(), func() { p.move(t, i, -1) })
		down := newIconButton("", theme.MoveDownIcon(), func() { p.move(t, i, 1) })
		if i == 0 {
			up.Disable()
		}
		if i == len(p.mergeDocs)-1 {
			down.Disable()
		}
		p.merge.Add(container.NewBorder(nil, nil, nil, container.NewHBox(up, down), pick))
	}
	p.merge.Refresh()
}

// move moves the i-th document to merge by delta places.
func (p *prepareDialog) move(t *signTab, i, delta int) {
	j := i + delta
	if j < 0 || j >= len(p.mergeDocs) {
		return
	}
	p.mergeDocs[i], p.mergeDocs[j] = p.mergeDocs[j], p.mergeDocs[i]
	p.fillMerge(t)
}
