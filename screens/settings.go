package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/config"
)

// languageNames are the languages offered in the Tampilan menu, each in
// its own language, as language pickers show them.
var languageNames = []struct{ code, name string }{
	{"id", "Bahasa Indonesia"},
	{"en", "English"},
}

// settingsItems are the Tampilan menu's language and theme items, checked
// for the ones in force.
func (u *UI) settingsItems() []*fyne.MenuItem {
	var items []*fyne.MenuItem
	for _, l := range languageNames {
		it := fyne.NewMenuItem(l.name, func() { u.setLanguage(l.code, l.name) })
		it.Checked = u.opts.Language == l.code || (u.opts.Language == "" && l.code == "id")
		items = append(items, it)
	}
	light := fyne.NewMenuItem(lang.L("Tema terang"), func() { u.setTheme(false) })
	dark := fyne.NewMenuItem(lang.L("Tema gelap"), func() { u.setTheme(true) })
	light.Checked, dark.Checked = !u.opts.Dark, u.opts.Dark
	u.themeItems = [2]*fyne.MenuItem{light, dark}
	return append(items, fyne.NewMenuItemSeparator(), light, dark)
}

// setLanguage keeps code as the person's language and offers to close the
// app: every text is translated when the screens are built, so the new
// language shows from the next start.
func (u *UI) setLanguage(code, name string) {
	if code == u.opts.Language {
		return
	}
	if u.opts.SaveSettings != nil {
		if err := u.opts.SaveSettings(config.UserSettings{Language: code}); err != nil {
			fyne.LogError("save language", err)
			u.inform(lang.L("Bahasa"), lang.L("Pilihan bahasa tidak dapat disimpan: {{.Err}}", map[string]any{"Err": err.Error()}))
			return
		}
	}
	u.settingsPrompt = u.confirm(lang.L("Bahasa"),
		lang.L("Mulai pembukaan berikutnya, BeSign Desktop tampil dalam {{.Name}}. Tutup sekarang untuk membukanya lagi?", map[string]any{"Name": name}),
		lang.L("Tutup sekarang"), lang.L("Nanti"), widget.HighImportance,
		func(now bool) {
			if now {
				fyne.CurrentApp().Quit()
			}
		})
}

// setTheme shows the theme at once and keeps it for the next start.
func (u *UI) setTheme(dark bool) {
	fyne.CurrentApp().Settings().SetTheme(NewTheme(dark))
	u.opts.Dark = dark
	if u.themeItems[0] != nil {
		u.themeItems[0].Checked, u.themeItems[1].Checked = !dark, dark
		if u.mainMenu != nil {
			u.mainMenu.Refresh()
		}
	}
	if u.opts.SaveSettings == nil {
		return
	}
	th := "light"
	if dark {
		th = "dark"
	}
	if err := u.opts.SaveSettings(config.UserSettings{Theme: th}); err != nil {
		// shown for now anyway; only the next start forgets it
		fyne.LogError("save theme", err)
	}
}
