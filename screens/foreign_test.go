package screens

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/assets"
)

// fyneDefaults are the English texts Fyne's widgets show unless told
// otherwise; none may reach a screen in either language's place.
var fyneDefaults = []string{"Submit", "(Select one)", "Open", "Save", "Cancel", "Quit", "Yes", "No", "Confirm",
	"Show Hidden Files", "Enter filename", "Parent", "Return"}

// foreignTexts are the whole texts that belong to the other language: the
// translations that differ between the two files, less any text that is
// also the language's own (an email address, "OTP", "Folder").
func foreignTexts(t *testing.T, lang string) map[string]bool {
	t.Helper()
	files := map[string]map[string]string{}
	for _, l := range assets.Languages {
		data, err := assets.Translation(l)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		files[l] = m
	}
	other := "en"
	if lang == "en" {
		other = "id"
	}
	own := map[string]bool{}
	for _, v := range files[lang] {
		own[v] = true
	}
	foreign := map[string]bool{}
	for k, v := range files[other] {
		if v != files[lang][k] && !own[v] {
			foreign[v] = true
		}
	}
	if lang == "id" {
		for _, d := range fyneDefaults {
			if !own[d] {
				foreign[d] = true
			}
		}
	}
	return foreign
}

// shownTexts walks obj and everything in it, as drawn and as the widgets
// hold it (a wrapped label draws its text in pieces), and calls see with
// each text and where it was found.
func shownTexts(obj fyne.CanvasObject, where string, see func(text, where string)) {
	if obj == nil || (reflect.ValueOf(obj).Kind() == reflect.Pointer && reflect.ValueOf(obj).IsNil()) {
		return
	}
	say := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			see(s, where)
		}
	}
	switch o := obj.(type) {
	case *canvas.Text:
		say(o.Text)
		return
	case *widget.Label:
		say(o.Text)
	case *widget.Button:
		say(o.Text)
	case *button:
		say(o.Text)
	case *widget.Check:
		say(o.Text)
	case *check:
		say(o.Text)
	case *widget.Hyperlink:
		say(o.Text)
	case *textLink:
		say(o.Text)
	case *dropdown:
		say(o.PlaceHolder)
		say(o.Selected)
		for _, s := range o.Options {
			say(s)
		}
	case *widget.Select:
		say(o.PlaceHolder)
		say(o.Selected)
		for _, s := range o.Options {
			say(s)
		}
	case *widget.Entry:
		say(o.PlaceHolder)
	case *entry:
		say(o.PlaceHolder)
	case *widget.RichText:
		say(o.String())
	case *widget.Card:
		say(o.Title)
		say(o.Subtitle)
		shownTexts(o.Content, where, see)
	case *widget.Form:
		for _, it := range o.Items {
			say(it.Text)
			say(it.HintText)
			shownTexts(it.Widget, where+" › "+it.Text, see)
		}
		if o.OnSubmit != nil {
			say(o.SubmitText)
		}
		if o.OnCancel != nil {
			say(o.CancelText)
		}
	case *container.AppTabs:
		for _, it := range o.Items {
			say(it.Text)
			shownTexts(it.Content, where+" › "+it.Text, see)
		}
	case *fyne.Container:
		for _, c := range o.Objects {
			shownTexts(c, where, see)
		}
		return
	}
	if w, ok := obj.(fyne.Widget); ok {
		for _, c := range test.WidgetRenderer(w).Objects() {
			shownTexts(c, where, see)
		}
	}
}

// everyScreen is every view the UI builds, whether or not it is shown now,
// and every dialog it opens, Fyne's file and folder dialogs included.
func everyScreen(u *UI, wait func()) map[string]fyne.CanvasObject {
	a, act := u.account, u.act
	screens := map[string]fyne.CanvasObject{
		"tabs": u.tabs, "Masuk": a.signIn.content, "OTP step": a.otpStep.content, "Lupa Password": a.forgot.content,
		"reset": a.reset.content, "OTP set-up": a.setup.content, "password": a.password.content, "Daftar": a.register.content,
		"details": a.details.content, "Buat Passphrase": a.create.content, "Ganti Passphrase": a.change.content,
		"OTP tab": u.otp.content, "Kotak Masuk": u.inbox.content, "Aktivasi status": act.status.content,
		"Data Diri": act.personal.content, "Data Kedinasan": act.employment.content, "Foto Diri": act.photo.content,
		"Verifikasi": u.verify.content, "Tanda Tangan": u.sign.content, "Verifikasi Dokumen": u.check.content,
	}
	for _, m := range u.Menu().Items {
		items := []fyne.CanvasObject{widget.NewLabel(m.Label)}
		for _, it := range m.Items {
			items = append(items, widget.NewLabel(it.Label))
			if sc, ok := it.Shortcut.(fyne.KeyboardShortcut); ok {
				// the key as the menu draws it (a stand-alone menu)
				items = append(items, widget.NewMenu(fyne.NewMenu("", &fyne.MenuItem{Label: "-", Shortcut: sc})))
			}
		}
		screens["menu "+m.Label] = container.NewVBox(items...)
	}
	// the dialogs, each read from the window's overlays once shown
	overlay := func(name string, show func()) {
		show()
		wait()
		if top := u.win.Canvas().Overlays().Top(); top != nil {
			screens[name] = top
			u.win.Canvas().Overlays().Remove(top)
		}
	}
	overlay("Tentang dan Pengaturan", func() { u.aboutDialog() })
	overlay("file dialog", func() { u.chooseFile([]string{".pdf"}, func(string) {}) })
	overlay("folder dialog", u.sign.chooseFolder)
	overlay("PDF password", func() { u.check.askPassword(&checkedFile{path: "/tmp/x.pdf"}, "") })
	overlay("camera", act.photo.openCamera)
	return screens
}

// No text of the other language, and none of Fyne's English defaults,
// appears on any screen or dialog: in Indonesian, then in English.
func TestNoForeignWords(t *testing.T) {
	for _, l := range []string{"id", "en"} {
		t.Run(l, func(t *testing.T) {
			h := newHarness(t) // in Indonesian
			if err := assets.UseLanguage(l); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { assets.UseLanguage("id") })
			ui := h.again(nil) // built in l
			foreign := foreignTexts(t, l)
			if len(foreign) < 100 {
				t.Fatalf("only %d foreign texts: is the scan broken?", len(foreign))
			}
			seen := 0
			found := map[string]bool{}
			for name, obj := range everyScreen(ui, h.again2.wait) {
				shownTexts(obj, name, func(text, where string) {
					seen++
					if foreign[text] && !found[where+text] {
						found[where+text] = true
						t.Errorf("%s: %q is not %s", where, text, map[string]string{"id": "Indonesian", "en": "English"}[l])
					}
				})
			}
			if seen < 300 {
				t.Fatalf("saw only %d texts: is the walk broken?", seen)
			}
			fmt.Fprintf(testWriter{t}, "%s: %d texts checked\n", l, seen)
		})
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
