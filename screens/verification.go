package screens

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/jpeg" // the photos of pending activations

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// verifyTab is the Verifikasi tab, shown to verifiers: the activations
// waiting for verification with all their data and the photo, and
// "Setujui" or "Tolak" with a reason.
type verifyTab struct {
	u             *UI
	verifications authority.Verifications
	content       fyne.CanvasObject
	list          *widget.List
	pending       []authority.Activation
	current       int // index in pending, -1 for none
	empty         *widget.Label
	msg           *widget.Label
	photo         *canvas.Image
	values        map[string]*widget.Label
	approve       *button
	reject        *button
	reload        *button
	detail        fyne.CanvasObject
	// actions holds Setujui and Tolak, shown with the details.
	actions *fyne.Container
	// rejecting is the open "Tolak aktivasi" dialog (for tests).
	rejecting *rejectDialog
}

// verifyRows are the rows of an activation, in the order shown.
var verifyRows = []string{"Email", "Nama Lengkap", "NIK", "Gelar Depan", "Gelar Belakang", "Nomor Telepon",
	"Instansi", "Status kepegawaian", "NIP/NRP", "Unit Organisasi", "Jabatan", "Provinsi", "Dikirim", "Peringatan"}

func newVerifyTab(u *UI, verifications authority.Verifications) *verifyTab {
	t := &verifyTab{u: u, verifications: verifications, current: -1, values: map[string]*widget.Label{}}
	t.list = widget.NewList(
		func() int { return len(t.pending) },
		func() fyne.CanvasObject { return widget.NewLabel("nama@natunakab.go.id") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			a := t.pending[i]
			o.(*widget.Label).SetText(a.Data.Name + " · " + a.Email)
		})
	t.list.OnSelected = func(i widget.ListItemID) { t.show(i) }
	t.empty = wrapped(lang.L("Tidak ada aktivasi yang menunggu verifikasi."))
	t.msg = wrapped("")
	t.msg.Hide()
	t.photo = canvas.NewImageFromImage(nil)
	t.photo.FillMode = canvas.ImageFillContain
	t.photo.SetMinSize(fyne.NewSize(180, 225))
	info := widget.NewForm()
	for _, r := range verifyRows {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		l.Selectable = true
		t.values[r] = l
		info.Append(lang.L(r), l)
	}
	t.approve = newButton(lang.L("Setujui"), t.doApprove)
	t.approve.Importance = widget.HighImportance
	t.reject = newButton(lang.L("Tolak"), t.doReject)
	t.reject.Importance = widget.DangerImportance
	t.reload = newButton(lang.L("Muat ulang"), t.refresh)
	t.detail = container.NewVScroll(container.NewVBox(container.NewHBox(t.photo), info))
	t.detail.Hide()
	// Setujui and Tolak under the scrolled details, always in view
	t.actions = container.NewVBox(widget.NewSeparator(), container.NewHBox(t.approve, t.reject))
	t.actions.Hide()
	left := container.NewBorder(container.NewVBox(title(lang.L("Verifikasi Aktivasi")), t.reload, t.empty), nil, nil, nil, t.list)
	split := container.NewHSplit(left, container.NewBorder(t.msg, t.actions, nil, nil, t.detail))
	split.Offset = 0.35
	t.content = split
	return t
}

// refresh loads the pending activations.
func (t *verifyTab) refresh() {
	s := t.u.state.session
	if s == nil || s.Account.Role != authority.RoleVerifier {
		return
	}
	t.reload.Disable()
	background(t.u, func(ctx context.Context) ([]authority.Activation, error) {
		return t.verifications.PendingActivations(ctx, s.Token)
	}, func(list []authority.Activation, err error) {
		t.reload.Enable()
		if err != nil {
			t.failed(err)
			return
		}
		t.pending = list
		t.current = -1
		t.list.UnselectAll()
		t.list.Refresh()
		t.detail.Hide()
		t.actions.Hide()
		if len(list) == 0 {
			t.empty.Show()
		} else {
			t.empty.Hide()
			t.list.Select(0)
		}
	})
}

// show shows pending[i] with its photo.
func (t *verifyTab) show(i int) {
	if i < 0 || i >= len(t.pending) {
		return
	}
	t.current = i
	a := t.pending[i]
	d := a.Data
	asn, other := employmentOptions()
	employment := map[authority.Employment]string{authority.EmploymentASN: asn, authority.EmploymentOther: other}[d.Employment]
	warnings := ""
	for _, w := range a.Warnings {
		warnings += warningMessage(w) + " "
	}
	vals := map[string]string{
		"Email": a.Email, "Nama Lengkap": d.Name, "NIK": d.NIK, "Gelar Depan": d.GelarDepan, "Gelar Belakang": d.GelarBelakang,
		"Nomor Telepon": d.Phone, "Instansi": a.Instansi, "Status kepegawaian": employment, "NIP/NRP": d.NIP,
		"Unit Organisasi": d.Unit, "Jabatan": d.Jabatan, "Provinsi": provinceName(d.Province), "Dikirim": formatTime(a.SubmittedAt),
		"Peringatan": warnings,
	}
	for k, l := range t.values {
		l.SetText(vals[k])
	}
	t.photo.Image = nil
	if img, _, err := image.Decode(bytes.NewReader(d.Photo)); err == nil {
		t.photo.Image = img
	}
	t.photo.Refresh()
	setText(t.msg, "")
	t.detail.Show()
	t.actions.Show()
	relayoutTree(t.content)
	if c := t.u.win.Canvas(); c != nil && t.u.tabs.Selected() == t.u.verItem {
		c.Focus(t.approve) // Tab reaches Tolak
	}
}

func (t *verifyTab) doApprove() { t.decide(authority.DecisionRequest{Approve: true}) }

func (t *verifyTab) doReject() { showRejectDialog(t) }

// decide sends a decision on the activation shown.
func (t *verifyTab) decide(req authority.DecisionRequest) {
	s := t.u.state.session
	if s == nil || t.current < 0 {
		return
	}
	req.Token, req.Email = s.Token, t.pending[t.current].Email
	t.approve.Disable()
	t.reject.Disable()
	background(t.u, func(ctx context.Context) (authority.Activation, error) {
		return t.verifications.DecideActivation(ctx, req)
	}, func(a authority.Activation, err error) {
		t.approve.Enable()
		t.reject.Enable()
		if err != nil {
			t.failed(err)
			return
		}
		msg := lang.L("Aktivasi {{.Email}} disetujui.", map[string]any{"Email": a.Email})
		if a.Status == authority.ActivationRejected {
			msg = lang.L("Aktivasi {{.Email}} ditolak.", map[string]any{"Email": a.Email})
		}
		t.refresh()
		t.msg.Importance = widget.SuccessImportance
		setText(t.msg, msg)
		relayoutTree(t.content)
	})
}

func (t *verifyTab) failed(err error) {
	if errors.Is(err, authority.ErrSessionExpired) {
		t.u.sessionLost()
		return
	}
	t.msg.Importance = widget.DangerImportance
	setText(t.msg, message(err))
	relayoutTree(t.content)
}
