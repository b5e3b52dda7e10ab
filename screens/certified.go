package screens

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/bsre/batch"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/signjob"
)

// BSrE mode: an organisation server with signer = "bsre" signs whole
// documents through the agency's Esign Client Service. The server says so
// by answering CertifiedStatus (an own-CA server answers ErrCertifiedOff).
// The Akun tab then shows the BSrE certificate's status with the next step
// at BSrE, and the signing tab keeps its queue, preview and box but signs
// through the server, after a one-time notice that documents leave the
// laptop, with the BSrE passphrase or a mailed code.

// certifiedView is the authority as the Akun and signing tabs see it: in
// BSrE mode, Certificate is the account's BSrE status.
type certifiedView struct {
	Authority
	cs authority.CertifiedSigner

	mu     sync.Mutex
	off    bool // the server signs with its own CA: never ask again
	status *authority.CertifiedStatus
	// prompt is the signing tab's BSrE prompt (UI goroutine only)
	prompt *certifiedPrompt
}

// withCertified wraps a when it can sign through a certification
// authority's service (the HTTPS client); a is returned as it is otherwise.
func withCertified(a Authority) Authority {
	cs, ok := a.(authority.CertifiedSigner)
	if !ok {
		return a
	}
	return &certifiedView{Authority: a, cs: cs}
}

// certifiedOf is the last BSrE status read through a, nil when a does not
// sign through BSrE (or has not said yet).
func certifiedOf(a any) *authority.CertifiedStatus {
	v, ok := a.(*certifiedView)
	if !ok {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.status == nil {
		return nil
	}
	st := *v.status
	return &st
}

// certifiedSignerOf is the role that signs through BSrE behind a, nil
// when a is not a certifiedView.
func certifiedSignerOf(a any) authority.CertifiedSigner {
	if v, ok := a.(*certifiedView); ok {
		return v.cs
	}
	return nil
}

// Certificate is the BSrE status in BSrE mode, else the authority's own.
func (v *certifiedView) Certificate(ctx context.Context, token string) (authority.CertificateInfo, error) {
	v.mu.Lock()
	off := v.off
	v.mu.Unlock()
	if off {
		return v.Authority.Certificate(ctx, token)
	}
	st, err := v.cs.CertifiedStatus(ctx, token)
	if errors.Is(err, authority.ErrCertifiedOff) {
		v.mu.Lock()
		v.off, v.status = true, nil
		v.mu.Unlock()
		return v.Authority.Certificate(ctx, token)
	}
	if err != nil {
		return authority.CertificateInfo{}, err
	}
	v.mu.Lock()
	v.status = &st
	v.mu.Unlock()
	return authority.CertificateInfo{Status: st.Status, Subject: st.Email}, nil
}

// certifiedStatusNext is the next step of a BSrE status, in the words of
// BSrE's own journey (seed 003): registration, verification, passphrase
// happen at BSrE, not in this app.
func certifiedStatusNext(s authority.CertificateStatus) string {
	switch s {
	case authority.StatusNotRegistered:
		return lang.L("Akun Anda belum terdaftar di BSrE. Lakukan pendaftaran (aktivasi akun, Data Diri, Data Kedinasan, Foto Diri) melalui tautan pada email aktivasi dari BSrE, atau hubungi bagian TI.")
	case authority.StatusWaiting:
		return lang.L("Data pendaftaran Anda sedang diverifikasi oleh BSrE. Anda akan menerima email \"[BSrE] Set Passphrase\" setelah disetujui.")
	case authority.StatusNoCertificate, authority.StatusNew:
		return lang.L("Pendaftaran Anda sudah disetujui. Buat passphrase melalui tautan pada email \"[BSrE] Set Passphrase\" untuk menerbitkan sertifikat.")
	case authority.StatusIssue:
		return lang.L("Sertifikat BSrE Anda aktif. Dokumen ditandatangani dengan passphrase BSrE Anda atau kode OTP yang dikirim ke email.")
	case authority.StatusExpired, authority.StatusRenew:
		return lang.L("Sertifikat BSrE Anda sudah kedaluwarsa atau perlu diperbarui. Ajukan pembaruan sertifikat ke BSrE melalui bagian TI.")
	case authority.StatusSuspend:
		return lang.L("Sertifikat BSrE Anda ditangguhkan. Hubungi bagian TI atau layanan BSrE untuk membukanya kembali.")
	case authority.StatusRevoke:
		return lang.L("Sertifikat BSrE Anda sudah dicabut. Ajukan sertifikat baru ke BSrE melalui bagian TI.")
	}
	return ""
}

// showCertified fills the Akun tab's certificate box in BSrE mode: the
// status and its next step; the passphrase is BSrE's, so no passphrase
// button of ours.
func (b *certificateBox) showCertified(info authority.CertificateInfo) {
	status := certStatusText(info.Status)
	if info.Status == authority.StatusNew || info.Status == authority.StatusRenew {
		status = string(info.Status)
	}
	b.status.SetText(lang.L("{{.Status}} (BSrE)", map[string]any{"Status": status}))
	b.serial.SetText("-")
	b.valid.SetText("-")
	b.next.SetText(certifiedStatusNext(info.Status))
	for _, btn := range []*button{b.create, b.activate, b.change, b.forgot} {
		btn.Hide()
	}
}

// certifiedNoticeKey remembers, per person on this computer, that the
// notice was read: by email, since account ids repeat across servers.
func (t *signTab) certifiedNoticeKey() string {
	if t.u.state.session == nil {
		return ""
	}
	return "signing.bsre_notice." + strings.ToLower(t.u.state.session.Account.Email)
}

// openCertified is "Tandatangani" in BSrE mode: the notice once, then the
// prompt.
func (t *signTab) openCertified(st authority.CertifiedStatus) {
	if st.Status != authority.StatusIssue {
		setText(t.certMsg, certifiedStatusNext(st.Status))
		return
	}
	key, a := t.certifiedNoticeKey(), fyne.CurrentApp()
	if key != "" && a != nil && a.Preferences().Bool(key) {
		t.certPrompt().show(st, len(t.docs))
		return
	}
	t.certPrompt().notice = t.u.confirm(lang.L("Tanda Tangan melalui BSrE"),
		lang.L("Dalam mode ini, dokumen yang Anda tandatangani dikirim utuh ke server organisasi, lalu ke server tanda tangan instansi (Esign Client Service BSrE), yang menandatanganinya dengan sertifikat BSrE Anda. Server BSrE hanya menerima hash dokumen. Lanjutkan?"),
		lang.L("Lanjutkan"), lang.L("Batal"), widget.HighImportance, func(ok bool) {
			if !ok {
				return
			}
			if key != "" && a != nil {
				a.Preferences().SetBool(key, true)
			}
			t.certPrompt().show(st, len(t.docs))
		})
}

// certPrompt is the signing tab's BSrE prompt, made on first use; it
// lives with the view of the authority, which is the tab's in BSrE mode.
func (t *signTab) certPrompt() *certifiedPrompt {
	v, ok := t.auth.(*certifiedView)
	if !ok {
		return newCertifiedPrompt(t) // not BSrE mode: never shown
	}
	if v.prompt == nil {
		v.prompt = newCertifiedPrompt(t)
	}
	return v.prompt
}

// certifiedPrompt asks for the BSrE passphrase, or mails a code and asks
// for it. Neither is kept after the call.
type certifiedPrompt struct {
	t          *signTab
	d          *dialog.CustomDialog
	count      *widget.Label
	passphrase *entry
	code       *entry
	sendCode   *button
	codeMsg    *widget.Label
	msg        *widget.Label
	ok, cancel *button
	content    fyne.CanvasObject
	open       bool
	status     authority.CertifiedStatus
	// notice is the one-time notice, while shown (for tests)
	notice *confirmDialog
}

func newCertifiedPrompt(t *signTab) *certifiedPrompt {
	p := &certifiedPrompt{t: t, passphrase: newPasswordEntry(), code: newEntry()}
	p.passphrase.OnSubmitted = func(string) { p.submit() }
	p.code.OnSubmitted = func(string) { p.submit() }
	p.code.SetPlaceHolder(lang.L("Kode OTP dari email"))
	p.count = wrapped("")
	p.msg = wrapped("")
	p.msg.Importance = widget.DangerImportance
	p.codeMsg = wrapped("")
	p.sendCode = newButton(lang.L("Kirim kode OTP ke email"), p.requestCode)
	p.ok = newButton(lang.L("Tandatangani"), p.submit)
	p.ok.Importance = widget.HighImportance
	p.cancel = newButton(lang.L("Batal"), func() {
		if r := t.run; r != nil && !r.finished {
			// the batch started: Batal stops it before the next call
			r.stop()
			return
		}
		p.close()
	})
	esc := func() { p.cancel.OnTapped() }
	p.passphrase.onEscape, p.code.onEscape = esc, esc
	p.ok.onEscape, p.cancel.onEscape, p.sendCode.onEscape = esc, esc, esc
	bold := func(s string) *widget.Label {
		l := widget.NewLabel(s)
		l.TextStyle.Bold = true
		return l
	}
	p.content = container.NewVBox(p.count,
		bold(lang.L("Passphrase BSrE")), p.passphrase,
		widget.NewLabel(lang.L("atau")),
		p.sendCode, p.codeMsg, bold(lang.L("Kode OTP")), p.code,
		p.msg, container.NewHBox(p.ok, p.cancel))
	return p
}

func (p *certifiedPrompt) show(st authority.CertifiedStatus, docs int) {
	p.status = st
	p.count.SetText(lang.L("Tandatangani {{.N}} dokumen dalam antrean dengan sertifikat BSrE milik {{.Email}}.",
		map[string]any{"N": docs, "Email": st.Email}))
	p.passphrase.SetText("")
	p.code.SetText("")
	setText(p.msg, "")
	setText(p.codeMsg, "")
	p.busy(false)
	if p.d == nil {
		p.d = dialog.NewCustomWithoutButtons(lang.L("Masukkan Passphrase BSrE"), p.content, p.t.u.win)
	}
	p.open = true
	p.d.Show()
	p.d.Resize(fyne.NewSize(480, 0))
	p.t.u.dialogShown(p.d, func() { p.cancel.OnTapped() })
	p.t.u.win.Canvas().Focus(p.passphrase)
}

func (p *certifiedPrompt) close() {
	if p.d != nil && p.open {
		p.d.Hide()
	}
	p.open = false
	p.passphrase.SetText("")
	p.code.SetText("")
}

func (p *certifiedPrompt) busy(on bool) {
	for _, w := range []fyne.Disableable{p.ok, p.passphrase, p.code, p.sendCode} {
		if on {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	if on {
		p.ok.SetText(lang.L("Memproses..."))
	} else {
		p.ok.SetText(lang.L("Tandatangani"))
	}
}

func (p *certifiedPrompt) relayout() {
	if p.d != nil && p.open {
		relayoutTree(p.content)
		p.d.Resize(fyne.NewSize(480, 0))
	}
}

// requestCode is "Kirim kode OTP ke email": BSrE mails the code.
func (p *certifiedPrompt) requestCode() {
	s := p.t.u.state.session
	cs := certifiedSignerOf(p.t.auth)
	if s == nil || cs == nil {
		return
	}
	n := len(p.t.docs)
	p.sendCode.Disable()
	setText(p.codeMsg, lang.L("Mengirim kode..."))
	background(p.t.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, cs.RequestSigningCode(ctx, authority.SigningCodeRequest{Token: s.Token, Documents: n})
	}, func(_ struct{}, err error) {
		p.sendCode.Enable()
		if err != nil {
			setText(p.codeMsg, message(err))
		} else {
			setText(p.codeMsg, lang.L("Kode OTP telah dikirim ke {{.Email}}. Masukkan kodenya di bawah.", map[string]any{"Email": p.status.Email}))
			p.t.u.win.Canvas().Focus(p.code)
		}
		p.relayout()
	})
}

func (p *certifiedPrompt) submit() {
	if !p.open || p.ok.Disabled() {
		return
	}
	pass, code := p.passphrase.Text, p.code.Text
	switch {
	case pass == "" && code == "":
		setText(p.msg, lang.L("Isi passphrase BSrE, atau kirim kode OTP ke email lalu isi kodenya."))
		p.relayout()
		return
	case code != "":
		pass = "" // the code was asked for on purpose: it wins
	}
	setText(p.msg, "")
	p.busy(true)
	p.relayout()
	p.t.startCertifiedRun(p.status, pass, code)
}

// failed keeps the prompt open with err; nothing was signed.
func (p *certifiedPrompt) failed(err error) {
	p.busy(false)
	p.passphrase.SetText("")
	p.code.SetText("")
	setText(p.msg, message(err))
	p.relayout()
	if p.open {
		p.t.u.win.Canvas().Focus(p.passphrase)
	}
}

// startCertifiedRun signs the queue through the organisation server.
func (t *signTab) startCertifiedRun(st authority.CertifiedStatus, passphrase, code string) {
	s := t.u.state.session
	cs := certifiedSignerOf(t.auth)
	if s == nil || cs == nil {
		t.certPrompt().close()
		return
	}
	run, docs, ctx, cancel := t.beginRun()
	var image []byte
	if t.stamp != nil {
		var buf bytes.Buffer
		if png.Encode(&buf, t.stamp) == nil {
			image = buf.Bytes()
		}
	}
	job := batch.Job{Signer: cs, Token: s.Token, Passphrase: passphrase, Code: code, Status: st, Image: image,
		// revocation is for verifiers later; the roots, when IT shipped
		// BSrE's, are checked by the server (bsre.roots_file)
		Verify: pdfsign.VerifyOptions{Offline: true}, Progress: run.progress,
		Answered: func() {
			// the credential was right: the prompt gives way to the progress
			t.u.deliver(func() {
				if t.run == run {
					t.certPrompt().close()
				}
			})
		}}
	type outcome struct {
		res  []signjob.Result
		stop error
	}
	background(t.u, func(context.Context) (outcome, error) {
		defer cancel()
		res, stop := batch.Run(ctx, job, docs)
		return outcome{res, stop}, nil
	}, func(o outcome, _ error) {
		t.finishCertified(run, o.res, o.stop)
	})
	t.refreshAll()
}

// finishCertified shows the results; a refusal of the credential before
// anything was signed goes back to the prompt, with BSrE's own words.
func (t *signTab) finishCertified(run *signRun, res []signjob.Result, stop error) {
	if t.run != run {
		return
	}
	signed := 0
	for _, r := range res {
		if r.Err == nil {
			signed++
		}
	}
	p := t.certPrompt()
	if signed == 0 && (errors.Is(stop, authority.ErrCertifiedPassphrase) || errors.Is(stop, authority.ErrCertifiedRequest)) {
		run.finished = true
		t.closeRun()
		if p.open {
			p.failed(stop)
		}
		return
	}
	p.close()
	if errors.Is(stop, authority.ErrSessionExpired) {
		run.finished = true
		t.closeRun()
		t.u.sessionLost()
		return
	}
	t.finish(run, res)
}
