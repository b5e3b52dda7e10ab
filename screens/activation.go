package screens

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// activationTab is the Aktivasi tab: the stepper "1 Data Diri > 2 Data
// Kedinasan > 3 Foto Diri" while the activation is a draft (or rejected),
// else its status. The form's content lives in data; each step copies its
// widgets into it (read) and back (fill). The rules are the authority's
// (authority.ValidateActivation), asked here only to place each message at
// its field before a round trip.
type activationTab struct {
	u           *UI
	activations authority.Activations
	content     *fyne.Container

	// act is the activation as last loaded or saved; data the form as
	// edited; step the step shown (0-based).
	act  authority.Activation
	data authority.ActivationData
	step int

	signedOutView fyne.CanvasObject
	// certified: the server signs through BSrE, where activation happens
	// (activation_bsre.go)
	certified bool
	status    *activationStatusView
	wizard    fyne.CanvasObject

	stepLabels [3]*widget.Label
	rejected   *widget.Label // the reason of a rejection, above the steps
	top        *widget.Label // errors that concern no single field
	body       *fyne.Container
	prev       *button
	next       *button
	submit     *button

	personal   *personalStep
	employment *employmentStep
	photo      *photoStep
	// fields places a field's message by the authority's field name.
	fields map[string]interface{ setError(string) }
	// loaded is false until the signed-in account's activation arrived.
	loaded bool
}

func newActivationTab(u *UI, activations authority.Activations) *activationTab {
	t := &activationTab{u: u, activations: activations, content: container.NewStack(), fields: map[string]interface{ setError(string) }{}}
	t.signedOutView = card(title(lang.L("Aktivasi Akun BSrE")), wrapped(lang.L("Masuk terlebih dahulu di tab Akun untuk mengaktifkan akun BSrE Anda.")))
	t.status = newActivationStatusView(t)
	t.personal = newPersonalStep(t)
	t.employment = newEmploymentStep(t)
	t.photo = newPhotoStep(t)

	names := []string{lang.L("1 Data Diri"), lang.L("2 Data Kedinasan"), lang.L("3 Foto Diri")}
	header := container.NewHBox()
	for i, n := range names {
		if i > 0 {
			header.Add(widget.NewLabel(">"))
		}
		t.stepLabels[i] = widget.NewLabel(n)
		header.Add(t.stepLabels[i])
	}
	t.rejected = wrapped("")
	t.rejected.Importance = widget.DangerImportance
	t.rejected.Hide()
	t.top = wrapped("")
	t.top.Importance = widget.DangerImportance
	t.top.Hide()
	t.prev = newButton(lang.L("Sebelumnya"), t.goPrev)
	t.next = newButton(lang.L("Selanjutnya"), t.goNext)
	t.next.Importance = widget.HighImportance
	t.submit = newButton(lang.L("Kirim"), t.doSubmit)
	t.submit.Importance = widget.HighImportance
	t.body = container.NewStack()
	buttons := container.NewHBox(t.prev, t.next, t.submit)
	t.wizard = actionCard(buttons, title(lang.L("Aktivasi Akun BSrE")), header, t.rejected, t.body, t.top)
	t.show(t.signedOutView)
	return t
}

func (t *activationTab) show(v fyne.CanvasObject) {
	t.content.Objects = []fyne.CanvasObject{v}
	t.content.Refresh()
}

// signedIn loads the account's activation; signedOut forgets it.
func (t *activationTab) signedIn() {
	t.loaded = false
	s := t.u.state.session
	t.certifiedActivation(s, func(st *authority.CertifiedStatus) {
		if st != nil {
			t.certified = true
			t.showCertified(st)
			return
		}
		t.certified = false
		t.load(s)
	})
}

// load reads the account's own activation.
func (t *activationTab) load(s *authority.Session) {
	background(t.u, func(ctx context.Context) (authority.Activation, error) {
		return t.activations.Activation(ctx, s.Token)
	}, func(a authority.Activation, err error) {
		if t.u.state.session != s {
			return
		}
		if err != nil {
			t.failed(err)
			return
		}
		t.apply(a)
	})
}

// shown runs when the tab is selected. A submitted activation is asked
// again: its verification happens elsewhere (a verifier, the admin
// command, automatic approval), and the tab must not say "Menunggu
// verifikasi" once the approval mail has arrived. A form being filled in
// is left alone, so as not to lose what was typed.
func (t *activationTab) shown() {
	t.focus()
	s := t.u.state.session
	if s != nil && t.certified {
		t.refreshCertified(s)
		return
	}
	if s == nil || !t.loaded {
		return // signedIn is loading it
	}
	shownStatus := t.act.Status
	background(t.u, func(ctx context.Context) (authority.Activation, error) {
		return t.activations.Activation(ctx, s.Token)
	}, func(a authority.Activation, err error) {
		if t.u.state.session != s || t.act.Status != shownStatus {
			return // signed out, or changed here meanwhile
		}
		if err != nil {
			t.failed(err)
			return
		}
		switch {
		case a.Status == authority.ActivationWaiting || a.Status == authority.ActivationVerified:
			t.apply(a)
		case a.Status != shownStatus:
			// rejected, or back to a draft: the form again, from the
			// authority's copy
			t.apply(a)
		}
		// a draft still a draft keeps what is being typed
	})
}

func (t *activationTab) signedOut() {
	t.loaded, t.certified = false, false
	t.act, t.data, t.step = authority.Activation{}, authority.ActivationData{}, 0
	t.show(t.signedOutView)
}

// apply shows a from the authority: the status, or the form at its step.
func (t *activationTab) apply(a authority.Activation) {
	t.loaded = true
	t.act, t.data = a, a.Data
	switch a.Status {
	case authority.ActivationWaiting, authority.ActivationVerified:
		t.status.reset(a)
		t.show(t.status.content)
		return
	}
	setText(t.rejected, "")
	if a.Status == authority.ActivationRejected {
		setText(t.rejected, lang.L("Aktivasi Anda ditolak: {{.Reason}}. Perbaiki data Anda lalu kirim kembali.", map[string]any{"Reason": a.Reason}))
	}
	t.personal.fill(a)
	t.employment.fill(a)
	t.photo.fill(a)
	t.clearErrors()
	t.show(t.wizard)
	t.showStep(a.Step)
}

// read copies every step's widgets into data.
func (t *activationTab) read() authority.ActivationData {
	t.personal.read(&t.data)
	t.employment.read(&t.data)
	t.photo.read(&t.data)
	return t.data
}

// showStep shows step i of the stepper with its buttons.
func (t *activationTab) showStep(i int) {
	t.step = min(max(i, 0), len(t.stepLabels)-1)
	if t.step == 1 {
		t.employment.provinceFromNIK(t.personal.nik.entry.Text)
	}
	for j, l := range t.stepLabels {
		l.TextStyle.Bold = j == t.step
		l.Importance = widget.MediumImportance
		if j == t.step {
			l.Importance = widget.HighImportance
		}
		l.Refresh()
	}
	steps := []fyne.CanvasObject{t.personal.content, t.employment.content, t.photo.content}
	t.body.Objects = []fyne.CanvasObject{steps[t.step]}
	t.body.Refresh()
	setText(t.top, "")
	if t.step == 0 {
		t.prev.Disable()
	} else {
		t.prev.Enable()
	}
	last := t.step == len(steps)-1
	if last {
		t.next.Hide()
		t.submit.Show()
		t.employment.checkWarnings(t.read())
	} else {
		t.next.Show()
		t.submit.Hide()
	}
	t.updateSubmit()
	t.relayout()
	t.focus()
}

// focus puts the keyboard on the current step's first field, when the tab
// is the one shown.
func (t *activationTab) focus() {
	if !t.u.started || t.u.tabs.Selected() != t.u.actItem || t.content.Objects[0] != t.wizard {
		return
	}
	c := t.u.win.Canvas()
	if c == nil {
		return
	}
	switch t.step {
	case 0:
		c.Focus(t.personal.name.entry)
	case 1:
		// the status choice has no focus of its own: its first option is
		// the first focusable thing of the step
		c.Unfocus()
		c.FocusNext()
	case 2:
		c.Focus(t.photo.take)
	}
}

// problems checks the form as the authority will.
func (t *activationTab) problems() (*authority.ValidationError, []authority.Warning) {
	_, warnings, err := authority.ValidateActivation(t.read(), time.Now())
	var ve *authority.ValidationError
	if errors.As(err, &ve) {
		return ve, warnings
	}
	return nil, warnings
}

// showErrors places each problem of the steps' fields at its field and
// returns whether there was any.
func (t *activationTab) showErrors(ve *authority.ValidationError, steps ...int) bool {
	found := false
	for _, s := range steps {
		for _, name := range authority.StepFields[s] {
			msg := ""
			if err := ve.Field(name); err != nil {
				msg, found = message(err), true
			}
			if f := t.fields[name]; f != nil {
				f.setError(msg)
			}
		}
	}
	return found
}

func (t *activationTab) clearErrors() {
	for _, f := range t.fields {
		f.setError("")
	}
	setText(t.top, "")
}

// updateSubmit enables Submit only when the whole form is valid.
func (t *activationTab) updateSubmit() {
	if ve, _ := t.problems(); ve == nil {
		t.submit.Enable()
	} else {
		t.submit.Disable()
	}
}

func (t *activationTab) goNext() {
	ve, _ := t.problems()
	if t.showErrors(ve, t.step) {
		t.relayout()
		return
	}
	t.saveDraft(t.step + 1)
	t.showStep(t.step + 1)
}

func (t *activationTab) goPrev() {
	t.saveDraft(t.step - 1)
	t.showStep(t.step - 1)
}

// saveDraft keeps the form, at step, so that it resumes after a restart.
func (t *activationTab) saveDraft(step int) {
	s := t.u.state.session
	if s == nil {
		return
	}
	req := authority.ActivationRequest{Token: s.Token, Step: step, Data: t.read()}
	background(t.u, func(ctx context.Context) (authority.Activation, error) {
		return t.activations.SaveActivationDraft(ctx, req)
	}, func(a authority.Activation, err error) {
		if err != nil {
			t.failed(err)
			return
		}
		t.act = a
	})
}

func (t *activationTab) doSubmit() {
	s := t.u.state.session
	if s == nil || t.submit.Disabled() {
		return
	}
	req := authority.ActivationRequest{Token: s.Token, Step: t.step, Data: t.read()}
	t.submit.Disable()
	t.submit.SetText(lang.L("Memproses..."))
	background(t.u, func(ctx context.Context) (authority.Activation, error) {
		return t.activations.SubmitActivation(ctx, req)
	}, func(a authority.Activation, err error) {
		t.submit.SetText(lang.L("Kirim"))
		if err != nil {
			t.updateSubmit()
			var ve *authority.ValidationError
			if errors.As(err, &ve) {
				// back to the first step with a problem, its messages at
				// their fields
				for i := range authority.StepFields {
					if t.showErrors(ve, i) {
						t.showStep(i)
						t.showErrors(ve, i)
						t.relayout()
						return
					}
				}
			}
			t.failed(err)
			return
		}
		t.apply(a)
		msg := lang.L("Data aktivasi Anda berhasil dikirim dan menunggu verifikasi. Anda akan menerima email setelah diverifikasi.")
		if a.Status == authority.ActivationVerified {
			msg = lang.L("Data aktivasi Anda berhasil dikirim dan telah disetujui.")
		}
		t.u.inform(lang.L("Berhasil"), msg)
	})
}

// failed shows an error that belongs to no field.
func (t *activationTab) failed(err error) {
	if errors.Is(err, authority.ErrSessionExpired) {
		t.u.sessionLost()
		return
	}
	if errors.Is(err, authority.ErrActivationLocked) {
		t.signedIn() // submitted meanwhile (another window): show the status
		return
	}
	setText(t.top, message(err))
	t.relayout()
}

// relayout lays the wizard out again after fields, messages or a step
// appeared or vanished, so that nothing overlaps what moved.
func (t *activationTab) relayout() { relayoutTree(t.wizard) }

func relayoutTree(o fyne.CanvasObject) {
	switch c := o.(type) {
	case *fyne.Container:
		for _, ch := range c.Objects {
			relayoutTree(ch)
		}
		c.Refresh()
	case *container.Scroll:
		relayoutTree(c.Content)
		c.Refresh()
	case *container.Split:
		relayoutTree(c.Leading)
		relayoutTree(c.Trailing)
		c.Refresh()
	}
}
