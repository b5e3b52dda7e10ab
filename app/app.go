// Package app wires BeSign Desktop together: it reads the configuration,
// opens the data directory and the embedded authority, and shows the window
// with the screens.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/camera"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/datadir"
	"github.com/natunakab/besign/filechooser"
	"github.com/natunakab/besign/history"
	"github.com/natunakab/besign/instance"
	"github.com/natunakab/besign/keystore"
	"github.com/natunakab/besign/preview"
	"github.com/natunakab/besign/screens"
	"github.com/natunakab/besign/specimen"
)

// ID is the application ID (as in FyneApp.toml).
const ID = "id.go.natunakab.besign"

// Title is the window title.
const Title = "BeSign Desktop"

// windowSize fits the smallest screen the office laptops have, 1024x600
// (every view fits it: screens TestScreenshots; a form longer than that
// scrolls to the field Tab reaches: screens reveal); on a 1366x768 one it
// leaves room for the task bar. Fyne cannot read the monitor's size.
var windowSize = fyne.NewSize(1024, 600)

// Input is what the app needs from the command line; main fills it.
type Input struct {
	Version string
	// DataDir holds all local state; it may not exist yet.
	DataDir string
	// Config is the configuration in force, or ConfigErr why it could not
	// be read (the window then explains it).
	Config    config.Config
	ConfigErr error
	// Link is a besign:// link to open at once, or "".
	Link string
	// Files are PDFs to open at once (absolute paths): to the signing
	// queue, or verified when the Verifikasi Dokumen tab is shown.
	Files []string
}

// Run starts the desktop app and returns when its window is closed. A data
// directory that cannot be opened is explained in the window, in the user's
// language, and then returned as the error (exit status 1).
//
// One app runs per user and data dir: when one already runs, Run hands it
// in.Link or in.Files (which brings its window forward) and returns nil at
// once.
func Run(in Input) (err error) {
	// GLFW that cannot open the display it was given (an X server that
	// refuses or drops the connection) panics when the window is made:
	// said in one sentence instead, and main tries once more.
	defer func() {
		if r := recover(); r != nil {
			if !strings.Contains(fmt.Sprint(r), "GLFW library is not initialized") {
				panic(r)
			}
			err = fmt.Errorf("%w: the display %q did not accept a window", ErrDisplayRefused, os.Getenv("DISPLAY"))
		}
	}()
	return run(in)
}

func run(in Input) error {
	srv, err := instance.Claim(in.DataDir, instance.Message{Link: in.Link, Files: in.Files})
	switch {
	case errors.Is(err, instance.ErrRunning):
		return nil
	case err != nil:
		// Without the hand-over the app still works; links then open a
		// second window. So does a start when the running app holds the
		// data dir but did not answer (instance.ErrNoAnswer): the user
		// asked for a window.
		fyne.LogError("single instance", err)
	default:
		defer srv.Close()
	}
	if err := checkDisplay(); err != nil {
		return err
	}
	a := fyneapp.NewWithID(ID)
	a.SetIcon(assets.Icon)
	cfg, cfgErr := in.Config, in.ConfigErr
	// the configured theme, light by default, whatever the desktop's
	// setting: the seeds' pages are light, and both variants are checked
	// for contrast
	dark := cfg.Theme == "dark"
	a.Settings().SetTheme(screens.NewTheme(dark))
	language := cfg.Language
	if language == "" {
		language = assets.Languages[0]
	}
	if err := assets.UseLanguage(language); err != nil {
		fyne.LogError("language", err)
		language = assets.Languages[0]
		_ = assets.UseLanguage(language)
	}

	w := a.NewWindow(Title)
	w.Resize(windowSize)
	w.CenterOnScreen()
	w.SetMaster()

	// Links and files: those started with, then those later starts hand
	// over. The variables are touched on the UI goroutine only.
	var ui *screens.UI
	pending := []instance.Message{{Link: in.Link, Files: in.Files}}
	deliver := func(m instance.Message) {
		if m.Link != "" {
			ui.OpenLink(m.Link)
		}
		ui.OpenFiles(m.Files)
	}
	open := func(m instance.Message) {
		w.Show()
		w.RequestFocus()
		if ui == nil {
			pending = append(pending, m) // opened once the data dir is
			return
		}
		deliver(m)
	}
	if srv != nil {
		go func() {
			for m := range srv.Messages() {
				fyne.Do(func() { open(m) })
			}
		}()
	}

	var local *datadir.Local
	var runErr error
	// stop ends what the app started in the background (the preview
	// cache's child process) when the window closes.
	stop, cancelStop := context.WithCancel(context.Background())
	defer cancelStop()
	renderer := preview.New(preview.CacheDir(in.DataDir))
	if cfgErr != nil {
		runErr = fmt.Errorf("configuration: %w", cfgErr)
		w.SetContent(failure(a, lang.L("Konfigurasi tidak dapat dibaca: {{.Err}}", map[string]any{"Err": cfgErr.Error()})))
		w.ShowAndRun()
		return runErr
	}

	loading := widget.NewProgressBarInfinite()
	w.SetContent(container.NewCenter(container.NewVBox(widget.NewLabel(Title), loading)))
	// The keyring (D-Bus) and the database may take a moment: keep the
	// window responsive while they open.
	go func() {
		l, err := datadir.Open(in.DataDir, cfg)
		fyne.Do(func() {
			loading.Stop()
			if err != nil {
				runErr = err
				w.SetContent(failure(a, openFailure(in.DataDir, err)))
				return
			}
			local = l
			// the configuration was checked and server_ca read by Open:
			// what could fail here failed there
			timeStamp, err := datadir.TimeStamper(cfg)
			if err != nil {
				// B-T or nothing, as the CLI: each document says why
				timeStamp = func(context.Context, []byte) ([]byte, error) { return nil, err }
			}
			var kr screens.Keyring
			if l.Keys != nil {
				kr = keyring{l.Keys}
			}
			ui = screens.New(w, screens.Options{
				Authority:        l.Authority,
				Keyring:          kr,
				Language:         language,
				SelfRegistration: cfg.SelfRegistration,
				EmailDomain:      cfg.EmailDomain,
				Warning:          warningText(l.Warning),
				About:            screens.About{Version: in.Version, DataDir: in.DataDir, Config: cfg},
				// started on the first document, not here: the window
				// must not wait for the WebAssembly runtime
				Preview:               renderer,
				MaxPassphraseFailures: cfg.Passphrase.MaxFailures,
				VerificationURL:       cfg.VerificationURL,
				TimeStamp:             timeStamp,
				Dark:                  dark,
				SaveSettings: func(s config.UserSettings) error {
					return config.SaveUser(in.DataDir, s)
				},
				History:     history.Open(filepath.Join(in.DataDir, history.Folder)),
				FileChooser: filechooser.Open,
				Specimens:   specimen.Open(filepath.Join(in.DataDir, "specimen")),
			})
			w.SetMainMenu(ui.Menu())
			w.SetOnDropped(ui.Dropped)
			w.SetContent(ui.Content())
			ui.Start()
			// The first start compiles the previews' engine in a child
			// process, so that the first document's preview need not.
			go func() {
				if err := renderer.Fill(func(string) error { return fillPreviewCache(stop, in.DataDir) }); err != nil {
					fyne.LogError("preview cache", err)
				}
			}()
			for _, m := range pending {
				deliver(m)
			}
			pending = nil
		})
	}()
	w.ShowAndRun()
	cancelStop()
	// A camera left on by a dialog is released before the process ends.
	camera.CloseAll()
	renderer.Close()
	if local != nil {
		if err := local.Close(); err != nil && runErr == nil {
			runErr = fmt.Errorf("close authority: %w", err)
		}
	}
	return runErr
}

// openFailure explains in the user's language why the data could not be opened.
func openFailure(dir string, err error) string {
	db := filepath.Join(dir, datadir.DatabaseName)
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, embedded.ErrCorruptDatabase), errors.Is(err, embedded.ErrDatabaseTooNew):
		return lang.L("Basis data di {{.Path}} rusak atau bukan basis data BeSign. Pindahkan berkas itu atau hubungi bagian TI; berkas tidak diubah.",
			map[string]any{"Path": db})
	case errors.Is(err, embedded.ErrWrongMasterKey):
		return lang.L("Kunci utama di keyring tidak cocok dengan basis data di {{.Path}}. Mungkin keyring diganti atau basis data disalin dari komputer lain. Hubungi bagian TI.",
			map[string]any{"Path": db})
	case errors.Is(err, keystore.ErrPlainFileRefused):
		return lang.L("Keyring sistem tidak tersedia, dan bagian TI tidak mengizinkan kunci utama disimpan dalam berkas biasa. Jalankan keyring (Secret Service), atau minta bagian TI mengatur allow_plain_master_key = true.")
	case errors.Is(err, keystore.ErrMasterKeyLost):
		// the keyring answers, but the data dir's key is gone: running it
		// again will not help, and a new key would lose the data
		return lang.L("Keyring sistem berjalan, tetapi kunci utama data di {{.Path}} tidak ada lagi di dalamnya (keyring diganti, direset, atau data disalin dari sesi lain). Data tidak diubah. Pulihkan kuncinya dari cadangan (README: \"Data dir: backup\") atau hubungi bagian TI.",
			map[string]any{"Path": dir})
	case errors.Is(err, keystore.ErrCorrupt):
		return lang.L("Kunci utama di keyring sistem rusak dan tidak dapat dibaca. Data tidak diubah. Hubungi bagian TI.")
	case errors.Is(err, keystore.ErrUnavailable):
		return lang.L("Kunci utama tidak dapat diambil dari keyring sistem. Pastikan keyring (Secret Service) berjalan dan tidak terkunci, lalu buka lagi BeSign Desktop.")
	case errors.Is(err, datadir.ErrReadOnly):
		return lang.L("Folder data {{.Path}} hanya-baca. Data tidak rusak; BeSign perlu menulis di sana. Hubungi bagian TI.", map[string]any{"Path": dir})
	case errors.Is(err, datadir.ErrNotPrivate):
		return lang.L("Folder data {{.Path}} dapat dibuka pengguna lain dan tidak dapat dibuat pribadi. Hubungi bagian TI.", map[string]any{"Path": dir})
	case errors.Is(err, datadir.ErrServerCA):
		// before the path error: a missing server_ca file is one too
		return lang.L("Sertifikat server (server_ca) di konfigurasi tidak dapat dipakai; hubungi bagian TI: {{.Err}}",
			map[string]any{"Err": err.Error()})
	case errors.Is(err, authority.ErrDirectoryFile):
		// before the path error: a missing directory file is one too
		return lang.L("Direktori pegawai (directory_path) di konfigurasi tidak dapat dipakai; hubungi bagian TI: {{.Err}}",
			map[string]any{"Err": err.Error()})
	case errors.As(err, &pathErr):
		return lang.L("Folder data tidak dapat dibuat: {{.Path}}", map[string]any{"Path": dir})
	}
	return lang.L("Basis data tidak dapat dibuka: {{.Err}}", map[string]any{"Err": err.Error()})
}

// failure is the window content when the app cannot start: the reason and
// a button that closes the app.
func failure(a fyne.App, msg string) fyne.CanvasObject {
	head := widget.NewLabel(lang.L("BeSign Desktop tidak dapat dibuka"))
	head.TextStyle.Bold = true
	head.SizeName = theme.SizeNameSubHeadingText
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	text.Importance = widget.DangerImportance
	text.Selectable = true
	closeBtn := widget.NewButton(lang.L("Tutup"), a.Quit)
	closeBtn.Importance = widget.HighImportance
	return container.NewPadded(container.NewVBox(head, text, container.NewHBox(closeBtn)))
}

// fillPreviewCache runs `besign preview-cache` on dataDir in a child
// process of this very executable (one processor, low priority: see cli),
// ended with ctx.
func fillPreviewCache(ctx context.Context, dataDir string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, exe, "--data-dir", dataDir, "preview-cache").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
