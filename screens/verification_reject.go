package screens

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// rejectDialog asks the reason of a rejection; the authority mails it to
// the account holder.
type rejectDialog struct {
	reason *entry
	msg    *widget.Label
	send   *button
	d      *dialog.CustomDialog
}

func showRejectDialog(t *verifyTab) {
	r := &rejectDialog{reason: newMultiLineEntry(), msg: wrapped("")}
	r.reason.SetPlaceHolder(lang.L("Contoh: Foto tidak jelas, wajah tertutup."))
	r.reason.SetMinRowsVisible(3)
	r.msg.Importance = widget.DangerImportance
	r.msg.Hide()
	r.reason.OnChanged = func(string) { setText(r.msg, "") }
	cancel := newButton(lang.L("Batal"), func() { r.d.Hide() })
	// Escape closes the dialog from the reason or either button, as Batal
	// does; Fyne's dialogs do not close on Escape
	r.reason.onEscape = cancel.OnTapped
	cancel.onEscape = cancel.OnTapped
	r.send = newButton(lang.L("Tolak"), func() {
		reason := strings.TrimSpace(r.reason.Text)
		switch {
		case reason == "":
			setText(r.msg, message(authority.ErrReasonRequired))
			return
		case utf8.RuneCountInString(reason) > authority.MaxReasonLen:
			setText(r.msg, message(authority.ErrReasonTooLong))
			return
		}
		r.d.Hide()
		t.decide(authority.DecisionRequest{Reason: reason})
	})
	r.send.Importance = widget.DangerImportance
	r.send.onEscape = cancel.OnTapped
	label := widget.NewLabel(lang.L("Alasan penolakan"))
	label.TextStyle.Bold = true
	r.d = dialog.NewCustomWithoutButtons(lang.L("Tolak aktivasi"), container.NewVBox(label, r.reason, r.msg), t.u.win)
	r.d.SetButtons([]fyne.CanvasObject{cancel, r.send})
	r.d.Resize(fyne.NewSize(480, 280))
	r.d.Show()
	t.u.dialogShown(r.d, cancel.OnTapped)
	t.rejecting = r
}
