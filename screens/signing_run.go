package screens

import (
	"context"
	"crypto/x509"
	"errors"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/docqueue"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/signjob"
	"github.com/natunakab/besign/verifytrust"
)

// Signing the queue: the passphrase prompt, then one batch (signjob) over
// every queued document, with a progress bar per document and overall,
// cancel, and a result per document. Signed documents leave the queue;
// the others stay with their error.

// signShortcut (Ctrl+Enter) opens the passphrase prompt.
var signShortcut = enterShortcut{desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierControl}}

// enterShortcut is a shortcut of the Enter key as Fyne matches it (Return)
// but named in menus as keyboards here label it: "Ctrl+Enter", not Fyne's
// English "Ctrl+Return".
type enterShortcut struct{ desktop.CustomShortcut }

// Key is the key the menu names.
func (enterShortcut) Key() fyne.KeyName { return fyne.KeyEnter }

// signPrompt asks for the passphrase, showing the certificate it unlocks.
// A wrong passphrase keeps it open with the error at the entry.
type signPrompt struct {
	t        *signTab
	d        *dialog.CustomDialog
	entry    *entry
	msg      *widget.Label
	attempts *widget.Label
	subject  *widget.Label
	serial   *widget.Label
	valid    *widget.Label
	issuer   *widget.Label
	count    *widget.Label
	ok       *button
	cancel   *button
	content  fyne.CanvasObject
	open     bool
}

func newSignPrompt(t *signTab) *signPrompt {
	p := &signPrompt{t: t, entry: newPasswordEntry()}
	p.entry.OnSubmitted = func(string) { p.submit() }
	p.msg = wrapped("")
	p.msg.Importance = widget.DangerImportance
	p.msg.Hide()
	p.attempts = wrapped("")
	p.attempts.Importance = widget.WarningImportance
	p.attempts.Hide()
	p.subject, p.serial, p.valid, p.issuer = wrapped(""), wrapped(""), wrapped(""), wrapped("")
	p.count = wrapped("")
	p.ok = newButton(lang.L("Tandatangani"), p.submit)
	p.ok.Importance = widget.HighImportance
	p.cancel = newButton(lang.L("Batal"), func() {
		if r := t.run; r != nil && !r.finished {
			// the batch started (the prompt is modal): Batal stops it
			r.stop()
			return
		}
		p.close()
	})
	p.entry.onEscape = func() { p.cancel.OnTapped() }
	p.ok.onEscape, p.cancel.onEscape = p.entry.onEscape, p.entry.onEscape
	certForm := widget.NewForm(
		widget.NewFormItem(lang.L("Pemilik"), p.subject),
		widget.NewFormItem(lang.L("Nomor Seri"), p.serial),
		widget.NewFormItem(lang.L("Berlaku Sampai"), p.valid),
		widget.NewFormItem(lang.L("Penerbit"), p.issuer),
	)
	label := widget.NewLabel(lang.L("Passphrase"))
	label.TextStyle.Bold = true
	p.content = container.NewVBox(p.count, certForm, label, p.entry, p.msg, p.attempts,
		container.NewHBox(p.ok, p.cancel))
	return p
}

// show opens the prompt for info's certificate.
func (p *signPrompt) show(info authority.CertificateInfo, docs int) {
	p.subject.SetText(info.Subject)
	p.serial.SetText(info.Serial)
	p.valid.SetText(formatTime(info.NotAfter))
	p.issuer.SetText(issuerName(info.Chain))
	p.count.SetText(lang.L("Tandatangani {{.N}} dokumen dalam antrean dengan sertifikat berikut.", map[string]any{"N": docs}))
	p.entry.SetText("")
	setText(p.msg, "")
	setText(p.attempts, "")
	p.busy(false)
	p.cancel.Enable()
	if p.d == nil {
		p.d = dialog.NewCustomWithoutButtons(lang.L("Masukkan Passphrase"), p.content, p.t.u.win)
		p.d.Resize(fyne.NewSize(480, 0))
	}
	p.open = true
	p.d.Show()
	p.t.u.dialogShown(p.d, p.entry.onEscape)
	p.relayout()
	p.t.u.win.Canvas().Focus(p.entry)
}

// relayout fits the dialog to messages that appeared or vanished.
func (p *signPrompt) relayout() {
	if p.d == nil || !p.open {
		return
	}
	relayoutTree(p.content)
	p.d.Resize(fyne.NewSize(480, 0)) // at least its content's height
}

// close hides the prompt and forgets what was typed.
func (p *signPrompt) close() {
	if p.d != nil && p.open {
		p.d.Hide()
	}
	p.open = false
	p.entry.SetText("")
}

func (p *signPrompt) busy(on bool) {
	if on {
		p.ok.SetText(lang.L("Memproses..."))
		p.ok.Disable()
		p.entry.Disable()
		return
	}
	p.ok.SetText(lang.L("Tandatangani"))
	p.ok.Enable()
	p.entry.Enable()
}

func (p *signPrompt) submit() {
	if !p.open || p.ok.Disabled() {
		return
	}
	pw := p.entry.Text
	if pw == "" {
		setText(p.msg, lang.L("Passphrase wajib diisi."))
		p.relayout()
		return
	}
	setText(p.msg, "")
	setText(p.attempts, "")
	p.relayout()
	p.busy(true)
	p.t.startRun(pw)
}

// failed keeps the prompt open with err at the entry, then tells the
// attempts left, or until when the certificate is suspended.
func (p *signPrompt) failed(err error) {
	p.busy(false)
	p.entry.SetText("")
	setText(p.msg, message(err))
	p.relayout()
	if p.open {
		p.t.u.win.Canvas().Focus(p.entry)
	}
	p.t.loadCertificate(func() {
		if !p.open || p.t.cert == nil {
			return
		}
		setText(p.attempts, attemptsText(*p.t.cert, p.t.u.opts.MaxPassphraseFailures))
		p.relayout()
	})
}

// attemptsText tells how many wrong passphrases are left before the
// suspension, or until when it lasts; "" when not known.
func attemptsText(info authority.CertificateInfo, max int) string {
	switch {
	case info.Status == authority.StatusSuspend:
		return lang.L("Sertifikat ditangguhkan sampai {{.Date}}.", map[string]any{"Date": formatTime(info.SuspendedUntil)})
	case max > 0 && info.Failures > 0 && info.Failures < max:
		return lang.L("Sisa percobaan sebelum sertifikat ditangguhkan: {{.N}}.", map[string]any{"N": max - info.Failures})
	}
	return ""
}

// issuerName is the common name of the certificate's issuer.
func issuerName(chain [][]byte) string {
	if len(chain) == 0 {
		return "-"
	}
	c, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return "-"
	}
	return c.Issuer.CommonName
}

// openPrompt is "Tandatangani": the prompt, once the certificate can sign.
func (t *signTab) openPrompt() {
	if t.u.state.session == nil || (t.run != nil && !t.run.finished) || len(t.docs) == 0 {
		return
	}
	// the certificate may have changed (suspended, revoked) since shown
	t.loadCertificate(func() {
		if st := certifiedOf(t.auth); st != nil {
			// BSrE mode: the documents go to the server (certified.go)
			if !t.prompt.open && t.u.state.session != nil && len(t.docs) > 0 && (t.run == nil || t.run.finished) {
				t.openCertified(*st)
			}
			return
		}
		if !t.canSign() || t.prompt.open {
			return
		}
		t.prompt.show(*t.cert, len(t.docs))
	})
}

// signRun is one batch: its documents, progress and results.
type signRun struct {
	t      *signTab
	docs   []authority.QueuedDocument
	cancel context.CancelFunc
	// finished: results are in.
	finished bool

	content   fyne.CanvasObject
	overall   *widget.ProgressBar
	summary   *widget.Label
	rows      []*runRow
	cancelBtn *button
	closeBtn  *button

	mu      sync.Mutex
	prog    []signjob.Progress
	queued  bool
	signErr error
}

// runRow is one document's progress and result.
type runRow struct {
	name    *widget.Label
	bar     *widget.ProgressBar
	status  *widget.Label
	actions *fyne.Container
	// note offers the folder when the desktop cannot open the copy.
	note *pathNote
	// output is the signed copy, "" when not signed.
	output string
	err    error
}

// stageFraction is how far a document is, 0 to 1.
func stageFraction(p signjob.Progress) float64 {
	switch p.Stage {
	case signjob.StageChecking:
		return 0.05
	case signjob.StageHashing:
		f := 0.0
		if p.Total > 0 {
			f = float64(p.Done) / float64(p.Total)
		}
		return 0.1 + 0.5*min(max(f, 0), 1)
	case signjob.StageSigning:
		return 0.7
	case signjob.StageWriting:
		return 0.85
	case signjob.StageDone:
		return 1
	}
	return 0
}

func stageText(s signjob.Stage) string {
	switch s {
	case signjob.StageChecking:
		return lang.L("Memeriksa berkas...")
	case signjob.StageHashing:
		return lang.L("Membaca berkas...")
	case signjob.StageSigning:
		return lang.L("Menandatangani...")
	case signjob.StageWriting:
		return lang.L("Menulis hasil...")
	case signjob.StageDone:
		return lang.L("Selesai")
	}
	return lang.L("Menunggu...")
}

// startRun signs the whole queue with passphrase.
func (t *signTab) startRun(passphrase string) {
	s := t.u.state.session
	if s == nil || t.cert == nil {
		t.prompt.close()
		return
	}
	var chain []*x509.Certificate
	for _, der := range t.cert.Chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.prompt.failed(err)
			return
		}
		chain = append(chain, c)
	}
	run, docs, ctx, cancel := t.beginRun()
	sign := signjob.WithAuthority(t.auth, s.Token, passphrase)
	job := signjob.Job{
		Sign: func(ctx context.Context, digests [][]byte) ([][]byte, error) {
			sigs, err := sign(ctx, digests)
			run.mu.Lock()
			run.signErr = err
			run.mu.Unlock()
			if err == nil {
				// the passphrase was right: the prompt gives way to the progress
				t.u.deliver(func() {
					if t.run == run {
						t.prompt.close()
					}
				})
			}
			return sigs, err
		},
		Chain: chain, Name: t.cert.Subject, NIP: t.nip, Jabatan: t.jabatan,
		Labels: assets.StampLabels(t.u.opts.Language),
		QR:     t.u.opts.VerificationURL,
		// the code names this document and this certificate (signjob's
		// VerificationQuery tells what a verification page can check)
		QRDocument: true, Serial: t.cert.Serial, Image: t.stamp,
		Progress: run.progress, TimeStamp: t.u.opts.TimeStamp,
	}
	if job.TimeStamp != nil {
		// the highest level reachable, as `besign sign`: B-LTA when the
		// revocation data and a document timestamp can be had
		job.Level, job.BestEffort = signjob.LevelLTA, true
	}
	dataDir, cfg := t.u.opts.About.DataDir, t.u.opts.About.Config
	background(t.u, func(context.Context) ([]signjob.Result, error) {
		defer cancel()
		if job.TimeStamp != nil {
			// the validation material chains to the roots verification trusts
			tr, err := verifytrust.Assemble(ctx, verifytrust.Sources{Authority: t.auth, DataDir: dataDir, TrustedRoots: true, Config: &cfg})
			if err == nil {
				job.LTV = &pdfsign.LTV{Roots: tr.Roots, HTTPClient: tr.Client}
			}
		}
		return signjob.Run(ctx, job, docs), nil
	}, func(res []signjob.Result, _ error) {
		t.finish(run, res)
	})
	t.refreshAll()
}

// stop cancels the batch; documents not signed yet end with ErrCancelled.
func (r *signRun) stop() {
	r.cancel()
	r.cancelBtn.Disable()
	r.t.prompt.cancel.Disable()
	r.summary.SetText(lang.L("Membatalkan..."))
}

// progress is signjob's callback, from worker goroutines: it keeps the
// latest state and hands it to the UI goroutine at most once at a time.
func (r *signRun) progress(p signjob.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.Index < 0 || p.Index >= len(r.prog) {
		return
	}
	r.prog[p.Index] = p
	if !r.queued {
		r.queued = true
		r.t.u.deliver(r.flush)
	}
}

// flush shows the latest progress.
func (r *signRun) flush() {
	r.mu.Lock()
	prog := append([]signjob.Progress(nil), r.prog...)
	r.queued = false
	r.mu.Unlock()
	if r.finished {
		return
	}
	total := 0.0
	for i, p := range prog {
		f := stageFraction(p)
		total += f
		r.rows[i].bar.SetValue(f)
		r.rows[i].status.SetText(stageText(p.Stage))
	}
	if len(prog) > 0 {
		r.overall.SetValue(total / float64(len(prog)))
	}
}

// showRun puts the batch's progress in place of the editor.
func (t *signTab) showRun(run *signRun) {
	run.overall = widget.NewProgressBar()
	run.summary = wrapped(lang.L("Menandatangani {{.N}} dokumen...", map[string]any{"N": len(run.docs)}))
	rows := container.NewVBox()
	for _, d := range run.docs {
		r := &runRow{name: widget.NewLabel(filepath.Base(d.Path)), bar: widget.NewProgressBar(),
			status: wrapped(stageText(signjob.StageWaiting)), actions: container.NewHBox(), note: newPathNote()}
		r.name.TextStyle.Bold = true
		r.name.Truncation = fyne.TextTruncateEllipsis
		run.rows = append(run.rows, r)
		rows.Add(container.NewVBox(r.name, r.bar, r.status, r.actions, r.note.box, widget.NewSeparator()))
	}
	run.cancelBtn = newButton(lang.L("Batal"), run.stop)
	run.closeBtn = newButton(lang.L("Kembali ke Antrean"), t.closeRun)
	run.closeBtn.Hide()
	top := container.NewVBox(title(lang.L("Hasil Penandatanganan")), run.summary,
		widget.NewLabel(lang.L("Keseluruhan")), run.overall, widget.NewSeparator())
	run.content = container.NewBorder(top, container.NewHBox(run.cancelBtn, run.closeBtn), nil, nil, container.NewVScroll(rows))
	t.history = nil
	t.right.Objects = []fyne.CanvasObject{run.content}
	t.right.Refresh()
}

// closeRun goes back from the results to the editor.
func (t *signTab) closeRun() {
	if t.run != nil && !t.run.finished {
		return
	}
	t.run = nil
	t.right.Objects = []fyne.CanvasObject{t.editor}
	t.right.Refresh()
	t.refreshAll()
	t.render()
}

// finish shows a batch's results; a wrong passphrase instead goes back to
// the prompt, since nothing was signed.
func (t *signTab) finish(run *signRun, res []signjob.Result) {
	if t.run != run {
		return
	}
	run.finished = true
	run.mu.Lock()
	signErr := run.signErr
	run.mu.Unlock()
	if errors.Is(signErr, authority.ErrPassphraseWrong) || errors.Is(signErr, authority.ErrCertificateSuspended) {
		t.closeRun()
		if t.prompt.open {
			t.prompt.failed(signErr)
		}
		return
	}
	t.prompt.close()
	if errors.Is(signErr, authority.ErrSessionExpired) {
		t.u.sessionLost()
		return
	}
	signed := 0
	var done []authority.QueuedDocument
	var outputs []string
	for _, r := range res {
		if r.Index < 0 || r.Index >= len(run.rows) {
			continue
		}
		row, doc := run.rows[r.Index], run.docs[r.Index]
		row.bar.SetValue(1)
		if r.Err == nil && r.Output != "" {
			signed++
			done = append(done, doc)
			outputs = append(outputs, r.Output)
			t.showSigned(row, r.Output, r.Level)
			continue
		}
		err := r.Err
		if err == nil {
			err = errors.New("no output")
		}
		t.file(doc.Path).result = err
		t.showFailed(run, row, doc, err)
		// nothing was written and the queue keeps the document; the
		// banner's "Coba lagi" tells when the server answers again
		t.u.serverGone(err)
	}
	run.overall.SetValue(1)
	run.summary.SetText(lang.L("{{.N}} dari {{.Total}} dokumen ditandatangani.", map[string]any{"N": signed, "Total": len(res)}))
	run.cancelBtn.Hide()
	run.closeBtn.Show()
	for _, d := range done {
		t.dropDoc(d.ID, d.Path)
	}
	t.record(historyEntries(done, outputs, time.Now()))
	t.removeSigned(done)
	t.refreshAll()
	t.loadCertificate(nil)
	relayoutTree(t.right)
}

// removeSigned takes signed documents out of the stored queue.
func (t *signTab) removeSigned(docs []authority.QueuedDocument) {
	s := t.u.state.session
	if s == nil || len(docs) == 0 {
		return
	}
	background(t.u, func(ctx context.Context) (struct{}, error) {
		for _, d := range docs {
			if err := t.auth.RemoveQueuedDocument(ctx, s.Token, d.ID); err != nil && !errors.Is(err, authority.ErrQueueNotFound) {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	}, func(_ struct{}, err error) {
		if err != nil && t.u.state.session == s {
			t.failed(err, t.addMsg)
		}
	})
}

// fileURL is a file:// URL for path.
func fileURL(path string) (*url.URL, error) {
	return url.Parse(storage.NewFileURI(path).String())
}

// showSigned offers to open the signed copy and its folder, and to check
// it in Verifikasi Dokumen. The success line stays whatever happens next.
func (t *signTab) showSigned(row *runRow, output string, level signjob.Level) {
	row.output = output
	row.status.Importance = widget.SuccessImportance
	if level != "" && level != signjob.LevelB {
		// B-T and up are worth saying: the time and, from B-LT, the
		// validation material travel with the document
		row.status.SetText(lang.L("Ditandatangani (PAdES {{.Level}}): {{.Path}}", map[string]any{"Path": output, "Level": string(level)}))
	} else {
		row.status.SetText(lang.L("Ditandatangani: {{.Path}}", map[string]any{"Path": output}))
	}
	row.actions.Objects = t.signedActions(output, row.note)
	row.actions.Refresh()
}

// showFailed tells a document's error and what can be done about it.
func (t *signTab) showFailed(run *signRun, row *runRow, doc authority.QueuedDocument, err error) {
	row.err = err
	row.status.Importance = widget.DangerImportance
	row.status.SetText(message(err))
	row.actions.Objects = nil
	switch {
	case errors.Is(err, signjob.ErrChanged):
		row.actions.Add(newButton(lang.L("Terima perubahan"), func() { t.acceptChange(row, doc) }))
	case isPasswordErr(err):
		had := t.passwords[doc.Path] != ""
		row.actions.Add(newButton(lang.L("Masukkan Password PDF"), func() {
			t.unlockDoc(doc.Path, had, func() {
				t.file(doc.Path).result = nil
				row.status.Importance = widget.MediumImportance
				row.status.SetText(lang.L("Password disimpan untuk sesi ini. Klik Tandatangani lagi."))
				row.actions.RemoveAll()
				t.list.Refresh()
				relayoutTree(t.right)
			})
		}))
	}
	row.actions.Refresh()
}

// acceptChange takes the file as it is now: a new fingerprint.
func (t *signTab) acceptChange(row *runRow, doc authority.QueuedDocument) {
	s := t.u.state.session
	if s == nil {
		return
	}
	i := t.index(doc.ID)
	if i < 0 {
		return
	}
	settings := t.docs[i].Settings
	password := t.passwords[doc.Path]
	// the file as it is now: pages may have come or gone, and the
	// preview's open copy is the old one
	t.previews.close(doc.Path)
	background(t.u, func(ctx context.Context) (authority.QueuedDocument, error) {
		in := inspect(doc.Path, password, t.u.opts.Preview, t.previews)
		if in.err != nil && !isPasswordErr(in.err) {
			return authority.QueuedDocument{}, in.err
		}
		pages := 0 // a password it needs: keep the count
		if in.err == nil {
			pages = in.pages
		}
		return docqueue.Requeue(ctx, t.auth, docqueue.Change{Token: s.Token, ID: doc.ID, Path: doc.Path, Pages: pages, Settings: settings})
	}, func(d authority.QueuedDocument, err error) {
		if t.u.state.session != s {
			return
		}
		if err != nil {
			row.status.SetText(addMessage(err))
			return
		}
		if i := t.index(doc.ID); i >= 0 {
			t.docs[i].Fingerprint, t.docs[i].Pages, t.docs[i].Settings.Page = d.Fingerprint, d.Pages, d.Settings.Page
		}
		f := t.file(doc.Path)
		f.result, f.changed = nil, false
		f.sizes = map[int][2]float64{}
		if t.selected == doc.ID {
			t.renderKey = ""
		}
		row.status.Importance = widget.MediumImportance
		row.status.SetText(lang.L("Perubahan diterima. Periksa dokumennya, lalu klik Tandatangani lagi."))
		row.actions.RemoveAll()
		t.list.Refresh()
		if i := t.index(doc.ID); i >= 0 {
			t.refreshFiles(t.docs[i])
		}
		relayoutTree(t.right)
	})
}

// beginRun starts a run over the whole queue, shown in the tab: its
// documents as the signing pipeline takes them, and a context that
// Batal cancels.
func (t *signTab) beginRun() (*signRun, []signjob.Document, context.Context, context.CancelFunc) {
	run := &signRun{t: t, docs: append([]authority.QueuedDocument(nil), t.docs...)}
	docs := make([]signjob.Document, len(run.docs))
	for i, d := range run.docs {
		docs[i] = signjob.Document{Path: d.Path, Fingerprint: d.Fingerprint, Settings: d.Settings, PDFPassword: t.passwords[d.Path]}
		t.file(d.Path).result = nil
	}
	run.prog = make([]signjob.Progress, len(docs))
	ctx, cancel := context.WithCancel(context.Background())
	run.cancel = cancel
	t.run = run
	t.showRun(run)
	return run, docs, ctx, cancel
}
