// Package filechooser opens the desktop's own file dialog, with a typed
// path, the person's bookmarks and several files at once: the XDG desktop
// portal over D-Bus on Linux (org.freedesktop.portal.FileChooser, which
// GNOME, KDE and the others answer with their dialog, sandboxed or not),
// the common dialog (GetOpenFileNameW) on Windows. Where there is none
// (ErrUnavailable) the caller falls back to its own dialog.
package filechooser

import (
	"context"
	"errors"
)

// ErrUnavailable: this desktop has no native dialog to offer (no portal on
// the session bus, no session bus, another system).
var ErrUnavailable = errors.New("no native file dialog on this desktop")

// ErrCancelled: the person closed the dialog without choosing.
var ErrCancelled = errors.New("the file dialog was cancelled")

// Filter offers files by name patterns, for example {"PDF", {"*.pdf"}}.
// Patterns are matched as the desktop matches them; give both cases
// ("*.pdf", "*.PDF") where the desktop may tell them apart.
type Filter struct {
	Name     string
	Patterns []string
}

// Options describe the dialog.
type Options struct {
	// Title is the dialog's title, in the UI's language.
	Title string
	// Multiple lets several files be chosen.
	Multiple bool
	// Directory chooses a folder instead of files.
	Directory bool
	// Filters offered, the first chosen at first; none: every file.
	Filters []Filter
}

// Open shows the native dialog and returns the chosen paths (local,
// absolute), ErrCancelled or ErrUnavailable. It blocks until the person
// answers or ctx ends: call it off the UI goroutine.
func Open(ctx context.Context, opts Options) ([]string, error) {
	return open(ctx, opts)
}
