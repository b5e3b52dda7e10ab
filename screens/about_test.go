package screens

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/config"
)

func TestAboutShowsConfigurationInForce(t *testing.T) {
	if err := assets.UseLanguage("id"); err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	win.Resize(fyne.NewSize(1024, 700))
	cfg := config.Default()
	cfg.Files = []string{"/etc/besign/config.toml"}
	cfg.Instansi = "Dinas Komunikasi dan Informatika"
	cfg.SMTP = config.SMTP{Host: "mail.natunakab.go.id", Port: 587, TLS: "starttls", From: "besign@natunakab.go.id", Password: "rahasia-smtp"}
	ui := New(win, Options{About: About{Version: "1.2.3", DataDir: "/home/arman/.local/share/besign", Config: cfg}})
	win.SetContent(ui.Content())

	var about *fyne.MenuItem
	for _, m := range ui.Menu().Items {
		for _, it := range m.Items {
			if it.Label == "Tentang dan Pengaturan" {
				about = it
			}
		}
	}
	if about == nil {
		t.Fatal("no \"Tentang dan Pengaturan\" in the menu")
	}
	about.Action()
	top := win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog shown")
	}
	var texts []string
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"1.2.3", "/home/arman/.local/share/besign", "/etc/besign/config.toml",
		"Dinas Komunikasi dan Informatika", "natunakab.go.id", "24h", "mail.natunakab.go.id:587", "setelah 5 kegagalan"} {
		if !strings.Contains(all, want) {
			t.Errorf("the dialog does not show %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "rahasia-smtp") {
		t.Error("the dialog shows the SMTP password")
	}

	cfg.Files = nil
	cfg.SMTP = config.SMTP{}
	rows := aboutRows(About{Config: cfg})
	var files, smtp string
	for _, r := range rows {
		switch r[0] {
		case "Berkas konfigurasi":
			files = r[1]
		case "Kirim email (SMTP)":
			smtp = r[1]
		}
	}
	if files != "bawaan (tidak ada berkas)" || smtp != "tidak (hanya Kotak Masuk)" {
		t.Errorf("defaults shown as files %q, smtp %q", files, smtp)
	}
}

// Tentang's "Lisensi Pihak Ketiga" shows the notices shipped in the
// packages, every line of them (a list: only the lines in view are drawn),
// and Escape goes back to Tentang.
func TestAboutShowsLicenceNotices(t *testing.T) {
	h := newHarness(t)
	h.ui.showAbout()
	c := h.win.Canvas()
	about := c.Overlays().Top()
	var notices *button
	walkAll(about, func(o fyne.CanvasObject) {
		if b, ok := o.(*button); ok && b.Text == "Lisensi Pihak Ketiga" {
			notices = b
		}
	})
	if notices == nil {
		t.Fatal("no Lisensi Pihak Ketiga in Tentang")
	}
	h.tap(notices)
	top := c.Overlays().Top()
	if top == about {
		t.Fatal("Lisensi Pihak Ketiga opened nothing")
	}
	var list *widget.List
	walkAll(top, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.List); ok {
			list = l
		}
	})
	lines := strings.Split(assets.Notices, "\n")
	if list == nil || list.Length() != len(lines) || len(lines) < 1000 {
		t.Fatalf("the notices' list: %v, %d lines of %d", list, list.Length(), len(lines))
	}
	if !strings.Contains(strings.Join(lines[:12], "\n"), "\n  fyne.io/fyne/v2 v") {
		t.Fatalf("Fyne is not among the first lines: %q", lines[:12])
	}
	h.escape()
	if c.Overlays().Top() != about {
		t.Fatal("Escape did not go back to Tentang")
	}
}

// walkAll calls fn on o and everything reveal's walk reaches under it
// (pop-ups and dialogs included).
func walkAll(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	for _, ch := range children(o) {
		walkAll(ch, fn)
	}
}
