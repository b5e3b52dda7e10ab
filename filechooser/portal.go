//go:build linux || freebsd || openbsd || netbsd

package filechooser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/godbus/dbus/v5"
)

// The desktop portal's names (xdg-desktop-portal's FileChooser interface).
const (
	portalName  = "org.freedesktop.portal.Desktop"
	portalPath  = dbus.ObjectPath("/org/freedesktop/portal/desktop")
	chooserIntf = "org.freedesktop.portal.FileChooser"
	requestIntf = "org.freedesktop.portal.Request"
)

func open(ctx context.Context, opts Options) ([]string, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer conn.Close()
	return OpenOn(ctx, conn, opts)
}

// OpenOn asks the portal on conn: Open's work, on a bus the caller chose
// (tests use a private bus with a stand-in portal).
func OpenOn(ctx context.Context, conn *dbus.Conn, opts Options) ([]string, error) {
	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, portalName).Store(&has); err != nil || !has {
		// a bus without the portal: a bare window manager, a server session
		return nil, fmt.Errorf("%w: %s is not on the session bus", ErrUnavailable, portalName)
	}
	tok := make([]byte, 8)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	token := "besign_" + hex.EncodeToString(tok)
	// the request's path is known before the call, so the answer cannot
	// come before we listen for it (the portal's documented way)
	sender := strings.ReplaceAll(strings.TrimPrefix(conn.Names()[0], ":"), ".", "_")
	handle := dbus.ObjectPath("/org/freedesktop/portal/desktop/request/" + sender + "/" + token)
	match := []dbus.MatchOption{dbus.WithMatchObjectPath(handle), dbus.WithMatchInterface(requestIntf), dbus.WithMatchMember("Response")}
	if err := conn.AddMatchSignalContext(ctx, match...); err != nil {
		return nil, err
	}
	defer conn.RemoveMatchSignal(match...)
	signals := make(chan *dbus.Signal, 4)
	conn.Signal(signals)
	defer conn.RemoveSignal(signals)

	options := map[string]dbus.Variant{
		"handle_token": dbus.MakeVariant(token),
		"multiple":     dbus.MakeVariant(opts.Multiple),
		"modal":        dbus.MakeVariant(true),
	}
	if opts.Directory {
		options["directory"] = dbus.MakeVariant(true)
	}
	if len(opts.Filters) > 0 {
		type rule struct {
			Kind    uint32
			Pattern string
		}
		type filter struct {
			Name  string
			Rules []rule
		}
		var fs []filter
		for _, f := range opts.Filters {
			x := filter{Name: f.Name}
			for _, p := range f.Patterns {
				x.Rules = append(x.Rules, rule{0, p}) // 0: a glob
			}
			fs = append(fs, x)
		}
		options["filters"] = dbus.MakeVariant(fs)
		options["current_filter"] = dbus.MakeVariant(fs[0])
	}
	var got dbus.ObjectPath
	obj := conn.Object(portalName, portalPath)
	if err := obj.CallWithContext(ctx, chooserIntf+".OpenFile", 0, "", opts.Title, options).Store(&got); err != nil {
		var de dbus.Error
		if errors.As(err, &de) && (de.Name == "org.freedesktop.DBus.Error.UnknownMethod" || de.Name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
			de.Name == "org.freedesktop.DBus.Error.UnknownInterface") {
			// a portal without a file chooser backend
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return nil, err
	}
	if got != handle {
		// an older portal picks its own path: listen there too
		m := []dbus.MatchOption{dbus.WithMatchObjectPath(got), dbus.WithMatchInterface(requestIntf), dbus.WithMatchMember("Response")}
		if err := conn.AddMatchSignalContext(ctx, m...); err != nil {
			return nil, err
		}
		defer conn.RemoveMatchSignal(m...)
	}
	for {
		select {
		case <-ctx.Done():
			// close the dialog the person no longer waits for
			conn.Object(portalName, got).Call(requestIntf+".Close", 0)
			return nil, ctx.Err()
		case s, ok := <-signals:
			if !ok {
				return nil, fmt.Errorf("%w: the session bus closed", ErrUnavailable)
			}
			if (s.Path != handle && s.Path != got) || s.Name != requestIntf+".Response" {
				continue
			}
			return response(s.Body)
		}
	}
}

// response reads the Response signal: 0 and the chosen URIs, 1 cancelled,
// 2 otherwise ended.
func response(body []any) ([]string, error) {
	if len(body) < 2 {
		return nil, errors.New("the file dialog answered without a result")
	}
	code, _ := body[0].(uint32)
	if code != 0 {
		return nil, ErrCancelled
	}
	results, _ := body[1].(map[string]dbus.Variant)
	uris, _ := results["uris"].Value().([]string)
	var paths []string
	for _, u := range uris {
		p, err := localPath(u)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return nil, ErrCancelled
	}
	return paths, nil
}

// localPath is a file:// URI's path; the portal gives URIs, and only local
// files can be signed in place.
func localPath(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" || (u.Host != "" && u.Host != "localhost") {
		return "", fmt.Errorf("the file dialog chose %q, which is not a local file", uri)
	}
	return u.Path, nil
}
