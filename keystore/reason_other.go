//go:build !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd)

package keystore

import (
	"errors"
	"runtime"

	"github.com/zalando/go-keyring"
)

// unavailable turns an error of go-keyring's Windows or macOS provider into an *UnavailableError.
func unavailable(err error) error {
	var ue *UnavailableError
	if errors.As(err, &ue) {
		return err
	}
	switch {
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return &UnavailableError{Reason: ReasonUnsupported, Err: err}
	case runtime.GOOS == "windows":
		return &UnavailableError{Reason: ReasonCredentialMgr, Err: err}
	case runtime.GOOS == "darwin":
		return &UnavailableError{Reason: ReasonKeychain, Err: err}
	default:
		return &UnavailableError{Reason: ReasonUnusable, Err: err}
	}
}

// checkPlatform returns nil: on Windows and macOS go-keyring's errors tell all.
func checkPlatform() error { return nil }
