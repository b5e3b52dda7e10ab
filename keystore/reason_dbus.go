//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keystore

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/godbus/dbus/v5"
)

// unavailable turns an error of go-keyring's Secret Service provider into an *UnavailableError.
func unavailable(err error) error {
	var ue *UnavailableError
	if errors.As(err, &ue) {
		return err
	}
	var de dbus.Error
	switch {
	case errors.As(err, &de) && (de.Name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
		de.Name == "org.freedesktop.DBus.Error.NameHasNoOwner"):
		return &UnavailableError{Reason: ReasonNoService, Err: err}
	case errors.As(err, &de) && de.Name == "org.freedesktop.DBus.Error.NoReply":
		return &UnavailableError{Reason: ReasonNoAnswer, Err: err}
	case errors.As(err, &de) && strings.HasPrefix(de.Name, "org.freedesktop.Secret.Error."):
		return &UnavailableError{Reason: ReasonDenied, Err: err}
	case errors.As(err, &de):
		return &UnavailableError{Reason: ReasonRefused, Err: err}
	case strings.Contains(err.Error(), "unlock"):
		// go-keyring's own error when the unlock prompt was dismissed.
		return &UnavailableError{Reason: ReasonLocked, Err: err}
	default:
		// Not a D-Bus reply at all: no session bus to talk to.
		return &UnavailableError{Reason: ReasonNoBus, Err: err}
	}
}

var errNoSessionBus = errors.New("no D-Bus session bus address")

// sessionBusKnown reports whether a session bus can be found the way godbus finds one, without its last
// resort: "dbus-launch --autolaunch" starts a bus daemon (and, by activation, a keyring daemon) that
// outlives the program and, headless, only ever answers with a locked keyring.
func sessionBusKnown() bool {
	if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return true
	}
	run := fmt.Sprintf("/run/user/%d/", os.Getuid())
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(run + name); err == nil {
			return true
		}
	}
	return false
}

// checkPlatform returns an *UnavailableError when go-keyring cannot work here, before it is called.
func checkPlatform() error {
	if !sessionBusKnown() {
		return &UnavailableError{Reason: ReasonNoBus, Err: errNoSessionBus}
	}
	return nil
}
