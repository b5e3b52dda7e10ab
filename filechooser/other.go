//go:build !linux && !freebsd && !openbsd && !netbsd && !windows

package filechooser

import "context"

// open: no native dialog here (macOS is not a target of the app).
func open(context.Context, Options) ([]string, error) { return nil, ErrUnavailable }
