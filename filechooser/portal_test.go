//go:build linux || freebsd || openbsd || netbsd

package filechooser

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// privateBus starts a dbus-daemon of its own for the test (Debian's
// dbus-daemon) and returns its address.
func privateBus(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Skip("dbus-daemon is not installed")
	}
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1", "--address=unix:dir="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon's address: %v", err)
	}
	return strings.TrimSpace(line)
}

func connect(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	c, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// standIn plays xdg-desktop-portal's FileChooser: it records the call and
// answers on the request's path, as the portal does, with uris or (code
// 1) a cancel.
type standIn struct {
	conn *dbus.Conn
	mu   sync.Mutex
	// what the last call asked
	title   string
	options map[string]dbus.Variant
	// the answer
	code uint32
	uris []string
}

func (p *standIn) OpenFile(sender dbus.Sender, parent, title string, options map[string]dbus.Variant) (dbus.ObjectPath, *dbus.Error) {
	p.mu.Lock()
	p.title, p.options = title, options
	code, uris := p.code, p.uris
	p.mu.Unlock()
	token, _ := options["handle_token"].Value().(string)
	handle := dbus.ObjectPath("/org/freedesktop/portal/desktop/request/" +
		strings.ReplaceAll(strings.TrimPrefix(string(sender), ":"), ".", "_") + "/" + token)
	go func() {
		// the person takes a moment to choose
		time.Sleep(20 * time.Millisecond)
		p.conn.Emit(handle, requestIntf+".Response", code, map[string]dbus.Variant{"uris": dbus.MakeVariant(uris)})
	}()
	return handle, nil
}

func startStandIn(t *testing.T, addr string) *standIn {
	t.Helper()
	c := connect(t, addr)
	p := &standIn{conn: c}
	if err := c.Export(p, portalPath, chooserIntf); err != nil {
		t.Fatal(err)
	}
	if r, err := c.RequestName(portalName, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("taking %s: %v, %v", portalName, r, err)
	}
	return p
}

// Several PDFs chosen through the portal come back as local paths; the
// call asked for several, with the PDF filter, under the given title.
func TestPortalMultiple(t *testing.T) {
	addr := privateBus(t)
	p := startStandIn(t, addr)
	p.uris = []string{"file:///home/siti/Dokumen/surat%20undangan.pdf", "file:///home/siti/Dokumen/lampiran.pdf"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := OpenOn(ctx, connect(t, addr), Options{Title: "Tambah Dokumen", Multiple: true,
		Filters: []Filter{{Name: "PDF", Patterns: []string{"*.pdf", "*.PDF"}}}})
	if err != nil || !slices.Equal(got, []string{"/home/siti/Dokumen/surat undangan.pdf", "/home/siti/Dokumen/lampiran.pdf"}) {
		t.Fatalf("chosen %q, %v", got, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.title != "Tambah Dokumen" || p.options["multiple"].Value() != true {
		t.Fatalf("asked %q with %v", p.title, p.options)
	}
	// a(sa(us)): [("PDF", [(0, "*.pdf"), (0, "*.PDF")])]
	fs, ok := p.options["filters"].Value().([][]any)
	if !ok || len(fs) != 1 || fs[0][0] != "PDF" {
		t.Fatalf("filters %#v", p.options["filters"].Value())
	}
	rules, _ := fs[0][1].([][]any)
	if len(rules) != 2 || rules[0][0] != uint32(0) || rules[0][1] != "*.pdf" || rules[1][1] != "*.PDF" {
		t.Fatalf("rules %#v", fs[0][1])
	}
}

// Cancelled in the dialog: ErrCancelled. A remote URI (a phone's MTP
// share, say) is refused: a signed copy is written beside its input.
func TestPortalCancelAndRemote(t *testing.T) {
	addr := privateBus(t)
	p := startStandIn(t, addr)
	p.code = 1
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn := connect(t, addr)
	if got, err := OpenOn(ctx, conn, Options{}); !errors.Is(err, ErrCancelled) {
		t.Fatalf("cancelled: %q, %v", got, err)
	}
	p.mu.Lock()
	p.code, p.uris = 0, []string{"sftp://server/surat.pdf"}
	p.mu.Unlock()
	if got, err := OpenOn(ctx, conn, Options{}); err == nil || errors.Is(err, ErrCancelled) {
		t.Fatalf("remote file: %q, %v", got, err)
	}
}

// A session bus without the portal (a bare window manager): ErrUnavailable
// at once, for the app's own dialog.
func TestPortalMissing(t *testing.T) {
	addr := privateBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := OpenOn(ctx, connect(t, addr), Options{}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("no portal: %v", err)
	}
	// no session bus at all
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	if _, err := Open(ctx, Options{}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("no bus: %v", err)
	}
}

// A dialog the caller stops waiting for ends with ctx.
func TestPortalContext(t *testing.T) {
	addr := privateBus(t)
	c := connect(t, addr)
	// a portal that never answers
	silent := &silentPortal{}
	if err := c.Export(silent, portalPath, chooserIntf); err != nil {
		t.Fatal(err)
	}
	c.RequestName(portalName, dbus.NameFlagDoNotQueue)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := OpenOn(ctx, connect(t, addr), Options{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("no answer: %v", err)
	}
}

type silentPortal struct{}

func (silentPortal) OpenFile(parent, title string, options map[string]dbus.Variant) (dbus.ObjectPath, *dbus.Error) {
	return "/org/freedesktop/portal/desktop/request/x/y", nil
}
