package screens

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/httpapi"
)

// inboxTab is "Kotak Masuk": the authority's outbox, a reading pane, and the
// mail's action button that opens its flow in the app.
type inboxTab struct {
	u       *UI
	outbox  authority.Outbox
	content fyne.CanvasObject

	filter  *entry
	refresh *button
	errMsg  *widget.Label
	list    *widget.List
	mails   []authority.Mail

	subject *widget.Label
	meta    *widget.Label
	body    *widget.Label
	action  *button
	empty   *widget.Label
	pane    *fyne.Container
	// filterRow holds the filter and Muat ulang, hidden with the list when
	// mail comes by email only
	filterRow *fyne.Container
	// paneScroll scrolls the shown mail; a newly shown one starts at its
	// top, wherever Tab had scrolled the last one
	paneScroll *container.Scroll
	current    int   // index of the mail shown, -1 for none
	newest     int64 // ID of the newest mail listed
}

func newInboxTab(u *UI, outbox authority.Outbox) *inboxTab {
	t := &inboxTab{u: u, outbox: outbox, current: -1}
	t.filter = newEntry()
	t.filter.SetPlaceHolder(lang.L("Saring menurut email (kosong: semua)"))
	t.filter.OnSubmitted = func(string) { t.load() }
	t.filter.OnChanged = func(s string) {
		if len([]rune(s)) > authority.MaxEmailLen {
			t.filter.SetText(string([]rune(s)[:authority.MaxEmailLen]))
		}
	}
	t.refresh = newButton(lang.L("Muat ulang"), t.load)
	t.errMsg = wrapped("")
	t.errMsg.Importance = widget.DangerImportance
	t.errMsg.Hide()

	t.list = widget.NewList(
		func() int { return len(t.mails) },
		func() fyne.CanvasObject {
			s := widget.NewLabel("")
			s.TextStyle.Bold = true
			s.Truncation = fyne.TextTruncateEllipsis
			m := widget.NewLabel("")
			m.TextStyle.Italic = true
			m.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(s, m)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < 0 || id >= len(t.mails) {
				return
			}
			m := t.mails[id]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(m.Subject)
			box.Objects[1].(*widget.Label).SetText(m.To + " · " + formatTime(m.CreatedAt))
		})
	t.list.OnSelected = t.open

	t.subject = title("")
	t.meta = wrapped("")
	t.meta.Importance = widget.LowImportance
	t.body = wrapped("")
	t.body.Selectable = true
	t.action = newButton("", t.act)
	t.action.Importance = widget.HighImportance
	t.action.Hide()
	t.empty = wrapped(lang.L("Pilih email untuk membacanya."))
	t.pane = container.NewVBox(t.empty, t.subject, t.meta, widget.NewSeparator(), t.body, t.action)
	t.showMail(-1)

	t.filterRow = container.NewBorder(nil, nil, widget.NewLabel(lang.L("Email")), t.refresh, t.filter)
	top := container.NewVBox(t.filterRow, t.errMsg)
	t.paneScroll = container.NewVScroll(container.NewPadded(t.pane))
	split := container.NewHSplit(t.list, t.paneScroll)
	split.Offset = 0.4
	t.content = container.NewBorder(top, nil, nil, nil, split)
	return t
}

// shown is called when the tab is selected.
func (t *inboxTab) shown() {
	t.load()
	t.u.win.Canvas().Focus(t.list)
}

// setFilter sets the address the list is limited to, and reloads.
// suggestFilter sets the filter to addr unless the user chose one.
func (t *inboxTab) suggestFilter(addr string) {
	if t.filter.Text == "" {
		t.setFilter(addr)
	}
}

func (t *inboxTab) setFilter(addr string) {
	t.filter.SetText(addr)
	t.load()
}

// showMailOnly says that mail arrives by email: an organisation server
// mails people by SMTP, and its outbox is IT's, not this window's.
func (t *inboxTab) showMailOnly() {
	t.mails, t.current = nil, -1
	t.list.Refresh()
	t.showMail(-1)
	setText(t.errMsg, "")
	t.empty.SetText(lang.L("Surat BeSign dikirim ke email Anda; tautan di dalamnya membuka aplikasi ini."))
	// no list to filter or reload: the notice alone, across the tab
	t.filterRow.Hide()
	t.list.Hide()
	t.content.Refresh()
}

// load fetches the outbox for the filter, newest first. It shows the newest
// mail when one has arrived (that is what the user waits for), else keeps
// the mail being read.
func (t *inboxTab) load() {
	if mo, ok := t.outbox.(mailOnly); ok && mo.MailOnly() {
		// asking would only earn a refusal (and one more request a
		// server counts against this address)
		t.showMailOnly()
		return
	}
	to := strings.TrimSpace(t.filter.Text)
	keep := int64(0)
	if t.current >= 0 && t.current < len(t.mails) {
		keep = t.mails[t.current].ID
	}
	t.refresh.Disable()
	var token string
	if s := t.u.state.session; s != nil {
		token = s.Token
	}
	background(t.u, func(ctx context.Context) ([]authority.Mail, error) {
		if token != "" {
			ctx = authority.WithSession(ctx, token) // a server answers the person's own mail
		}
		return t.outbox.Outbox(ctx, authority.OutboxQuery{To: to})
	}, func(ms []authority.Mail, err error) {
		t.refresh.Enable()
		if errors.Is(err, httpapi.ErrAdminRequired) || (err != nil && token == "" && errors.Is(err, authority.ErrSessionExpired)) {
			t.showMailOnly()
			return
		}
		if err != nil {
			setText(t.errMsg, message(err))
			return
		}
		setText(t.errMsg, "")
		if to != strings.TrimSpace(t.filter.Text) {
			return // the filter changed meanwhile; its own load follows
		}
		t.mails = ms
		t.list.UnselectAll()
		t.current = -1
		t.list.Refresh()
		if len(ms) == 0 {
			t.showMail(-1)
			t.empty.SetText(lang.L("Tidak ada email."))
			return
		}
		sel := 0
		if ms[0].ID == t.newest {
			for i, m := range ms {
				if m.ID == keep {
					sel = i
				}
			}
		}
		t.newest = ms[0].ID
		t.list.Select(sel)
	})
}

func (t *inboxTab) open(id widget.ListItemID) { t.showMail(id) }

func (t *inboxTab) showMail(i int) {
	t.current = i
	if i < 0 || i >= len(t.mails) {
		t.current = -1
		t.empty.SetText(lang.L("Pilih email untuk membacanya."))
		t.empty.Show()
		for _, o := range t.pane.Objects[1:] {
			o.Hide()
		}
		return
	}
	m := t.mails[i]
	if t.paneScroll != nil {
		t.paneScroll.ScrollToTop()
	}
	t.empty.Hide()
	for _, o := range t.pane.Objects[1:] {
		o.Show()
	}
	t.subject.SetText(m.Subject)
	meta := lang.L("Kepada: {{.To}}\nTanggal: {{.Date}}", map[string]any{"To": m.To, "Date": formatTime(m.CreatedAt)})
	if m.SendError != "" {
		meta += "\n" + lang.L("Pengiriman lewat SMTP gagal; email hanya ada di Kotak Masuk ini.")
	}
	t.meta.SetText(meta)
	t.body.SetText(m.Body)
	if m.ActionLink == "" {
		t.action.Hide()
		return
	}
	label := m.ActionLabel
	if label == "" {
		label = lang.L("Buka")
	}
	t.action.SetText(label)
	t.action.Show()
}

// act opens the shown mail's action link in the app.
func (t *inboxTab) act() {
	if t.current < 0 || t.current >= len(t.mails) {
		return
	}
	if err := t.u.openLink(t.mails[t.current].ActionLink); err != nil {
		setText(t.errMsg, lang.L("Tautan di email ini tidak dikenali oleh aplikasi."))
	}
}
