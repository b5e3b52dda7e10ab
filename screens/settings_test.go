package screens

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/natunakab/besign/config"
)

// menuItem finds the item labelled label in the menu named menu.
func menuItem(t *testing.T, m *fyne.MainMenu, menu, label string) *fyne.MenuItem {
	t.Helper()
	for _, mm := range m.Items {
		if mm.Label != menu {
			continue
		}
		for _, it := range mm.Items {
			if it.Label == label {
				return it
			}
		}
	}
	t.Fatalf("no %q in menu %q", label, menu)
	return nil
}

// Tampilan switches the language (kept in the per-user configuration file,
// with a prompt to close the app, since the screens are translated when
// built) and the theme (shown at once, and kept).
func TestTampilanLanguageAndTheme(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	sys := filepath.Join(t.TempDir(), "system.toml")
	if err := os.WriteFile(sys, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h.ui.opts.Language = "id"
	h.ui.opts.SaveSettings = func(s config.UserSettings) error { return config.SaveUser(dir, s) }
	m := h.ui.Menu()
	id := menuItem(t, m, "Tampilan", "Bahasa Indonesia")
	en := menuItem(t, m, "Tampilan", "English")
	if !id.Checked || en.Checked {
		t.Fatal("the language in force is not the checked one")
	}
	en.Action()
	cfg, err := config.Load(config.Paths{System: sys, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Language != "en" {
		t.Fatalf("language kept: %q", cfg.Language)
	}
	p := h.ui.settingsPrompt
	if p == nil || !containsText(h.win.Canvas().Overlays().Top(), "Tutup sekarang") || !containsText(h.win.Canvas().Overlays().Top(), "English") {
		t.Fatal("no prompt to close the app for the new language")
	}
	p.Hide()

	dark := menuItem(t, m, "Tampilan", "Tema gelap")
	light := menuItem(t, m, "Tampilan", "Tema terang")
	if !light.Checked || dark.Checked {
		t.Fatal("the light theme is not the checked default")
	}
	dark.Action()
	if themeVariant(fyne.CurrentApp().Settings().Theme()) != theme.VariantDark || !dark.Checked || light.Checked {
		t.Fatal("Tema gelap did not switch the theme at once")
	}
	cfg, err = config.Load(config.Paths{System: sys, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Theme != "dark" || cfg.Language != "en" {
		t.Fatalf("kept: theme %q language %q", cfg.Theme, cfg.Language)
	}
	light.Action()
	if themeVariant(fyne.CurrentApp().Settings().Theme()) != theme.VariantLight {
		t.Fatal("Tema terang did not switch back")
	}
}
