// Package e2e drives the real besign binary as a person would: a real window
// under Xvfb, keys typed with xdotool, the QR code read from a screenshot
// with zbarimg, codes computed with oathtool. It runs only when BESIGN_E2E
// is set (make test-e2e does); then every missing tool is a failure.
//
// Widgets are reached by keyboard focus order (Tab, Shift+Tab, Space, the
// app's Ctrl+N tab shortcuts) or found by what the screen shows (a colour,
// a QR code), never by fixed window coordinates, which a layout change a few
// pixels wide breaks; TestActivationPath runs at another FYNE_SCALE to keep
// it so.
package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	email    = "armansalim@natunakab.go.id"
	password = "Natuna#2026aman"
	title    = "BeSign Desktop"
)

type env struct {
	bin, dataDir, artifacts string
	// srv is the organisation server the app is a client of
	// (TestServerJourney); nil: the embedded authority in dataDir.
	srv *orgServer
}

// cli runs a besign subcommand on the test's data dir, or with the
// server's configuration (admin on the server host) when there is one.
func (e env) cli(t *testing.T, args ...string) string {
	t.Helper()
	full := append([]string{"--data-dir", e.dataDir}, args...)
	if e.srv != nil {
		full = append([]string{"--config", e.srv.config}, full...)
	}
	out, err := exec.Command(e.bin, full...).CombinedOutput()
	if err != nil {
		t.Fatalf("besign %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// waitCLI polls a subcommand until its output contains want.
func (e env) waitCLI(t *testing.T, want string, args ...string) string {
	t.Helper()
	var out string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if out = e.cli(t, args...); strings.Contains(out, want) {
			return out
		}
	}
	t.Fatalf("besign %s never showed %q; last output:\n%s", strings.Join(args, " "), want, out)
	return ""
}

func setup(t *testing.T) env {
	if os.Getenv("BESIGN_E2E") == "" {
		t.Skip("set BESIGN_E2E=1 (make test-e2e) to drive the real binary under Xvfb")
	}
	for _, tool := range []string{"Xvfb", "xdotool", "import", "zbarimg", "oathtool", "xclip", "xdpyinfo", "secret-tool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/install-deps.sh test", tool)
		}
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("no D-Bus session: run under scripts/with-keyring.sh (make test-e2e does)")
	}
	e := env{bin: os.Getenv("BESIGN_BIN"), dataDir: t.TempDir(), artifacts: os.Getenv("BESIGN_ARTIFACTS")}
	if e.bin == "" {
		t.Fatal("BESIGN_BIN must name the built binary")
	}
	if e.artifacts == "" {
		e.artifacts = t.TempDir()
	}
	if err := os.MkdirAll(e.artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	return e
}

// startApp starts the desktop app and waits for its window.
func (e env) startApp(t *testing.T, d *display) (win string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, e.bin, e.appArgs()...)
	cmd.Env = append(os.Environ(), "DISPLAY="+d.name)
	logf := e.appLog(t, cmd)
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start besign: %v", err)
	}
	stop = func() { cancel(); cmd.Wait(); fmt.Fprintf(logf, "---- %s\n", cmd.ProcessState); logf.Close() }
	t.Cleanup(stop)
	win = d.waitWindow(t, title, 20*time.Second)
	t.Logf("window up after %s", time.Since(started).Round(10*time.Millisecond))
	// No window manager under Xvfb: give the window the keyboard.
	d.x(t, "xdotool", "windowfocus", "--sync", win)
	// The data dir opens in the background behind a moving progress bar:
	// the sign-in form is there once the screen holds still.
	d.settled(t, e.artifacts, "00-start", "")
	return win, stop
}

// appArgs are the app's arguments before any link or file: its data dir,
// and the laptop's configuration naming the server when there is one.
func (e env) appArgs(args ...string) []string {
	base := []string{"--data-dir", e.dataDir}
	if e.srv != nil {
		base = append(base, "--config", e.srv.laptop)
	}
	return append(base, args...)
}

// appLog sends cmd's output to the artifacts' app.log. Every start
// appends, so that a failed restart still shows its log.
func (e env) appLog(t *testing.T, cmd *exec.Cmd) *os.File {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(e.artifacts, "app.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(logf, "---- %s: %s\n", t.Name(), strings.Join(cmd.Args, " "))
	cmd.Stdout, cmd.Stderr = logf, logf
	return logf
}

// totp computes the current code for a Base32 key with oathtool, after the
// time step of last (so a code is never reused); it returns the step used.
func totp(t *testing.T, key string, last int64) (string, int64) {
	t.Helper()
	for time.Now().Unix()/30 <= last {
		time.Sleep(500 * time.Millisecond)
	}
	// Not too close to the end of a step, so the code is still valid on arrival.
	if time.Now().Unix()%30 > 25 {
		time.Sleep(time.Duration(31-time.Now().Unix()%30) * time.Second)
	}
	step := time.Now().Unix() / 30
	out, err := exec.Command("oathtool", "--totp", "-b", key).Output()
	if err != nil {
		t.Fatalf("oathtool: %v", err)
	}
	return strings.TrimSpace(string(out)), step
}

// TestSeedPath walks the first sign-in of an account: Lupa Password, the reset link from Kotak
// Masuk, OTP set-up from the QR code, the new password, sign-in with OTP.
func TestSeedPath(t *testing.T) {
	e := setup(t)
	e.cli(t, "admin", "users", "add", "--name", "Arman Salim", "--email", email)

	d := startXvfb(t)
	win, stop := e.startApp(t, d)
	_, _, signedIn := e.firstSignIn(t, d, "")

	// A restart resumes the session and shows the same signed-in screen.
	stop()
	_ = win
	_, _ = e.startApp(t, d)
	// The session resumes in the background: wait for the same screen.
	var resumed string
	var diff float64
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		resumed = d.screenshot(t, e.artifacts, "12-dibuka-lagi")
		if diff = pixelDiff(t, signedIn, resumed); diff <= 0.02 || time.Now().After(deadline) {
			break
		}
	}
	if diff > 0.02 {
		t.Fatalf("after a restart the screen differs from the signed-in one by %.1f%% of pixels (see %s, %s)", diff*100, signedIn, resumed)
	}
}

// firstSignIn drives the seed's first sign-in in the running app, from the
// sign-in form: Lupa Password, the reset link from Kotak Masuk (with a
// server, from the mail its SMTP sink received), OTP set-up from the QR code, the new password, sign-in with OTP and "Ingat Akun
// ini". Screenshots are named prefix+step. It returns the OTP key, the
// time step of the last code used and the signed-in screenshot.
func (e env) firstSignIn(t *testing.T, d *display, prefix string) (secret string, step int64, signedIn string) {
	t.Helper()
	shot := func(step string) string { return d.screenshot(t, e.artifacts, prefix+step) }
	settled := func(step, before string) string { return d.settled(t, e.artifacts, prefix+step, before) }

	// Lupa Password: Tab to the link, open it, send the email.
	before := shot("01-masuk")
	d.key(t, "Tab", "Tab", "space")
	settled("02-lupa-password", before)
	d.typeText(t, email)
	typed := shot("02-lupa-password")
	d.key(t, "Return")
	if e.srv != nil {
		// A server mails by SMTP only: the link arrives at the sink and
		// is clicked in the mail program ("besign LINK").
		link := e.srv.mail.link(t, email, "besign://reset?token=")
		settled("03-lupa-password-terkirim", typed)
		e.handOver(t, d, link)
	} else {
		e.waitCLI(t, "besign://reset?token=", "admin", "outbox", "--to", email)
		sent := settled("03-lupa-password-terkirim", typed)

		// Kotak Masuk: the newest mail is selected; its action opens the reset.
		d.key(t, "ctrl+3")
		settled("04-kotak-masuk", sent)
		d.key(t, "Tab", "Tab", "space")
	}

	// Scan the QR code as a phone would, once the set-up screen is drawn.
	var out []byte
	var err error
	var qrShot string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		qrShot = shot("05-pengaturan-otp")
		if out, err = exec.Command("zbarimg", "--quiet", "--raw", qrShot).Output(); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("no QR code on the OTP set-up screen (see %s): %v", qrShot, err)
	}
	uri, err := url.Parse(strings.TrimSpace(string(out)))
	if err != nil || uri.Scheme != "otpauth" || uri.Host != "totp" {
		t.Fatalf("QR code holds %q, want an otpauth://totp/ URI", out)
	}
	q := uri.Query()
	secret = q.Get("secret")
	if secret == "" || q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" ||
		!strings.Contains(uri.Path, email) {
		t.Fatalf("QR URI %q lacks the expected parameters or account", uri)
	}

	// "Tidak bisa memindai?": the manual key must be the same key.
	d.key(t, "shift+Tab", "space")
	settled("06-tidak-bisa-memindai", qrShot)
	d.key(t, "Tab", "Tab", "space")
	// "Salin" puts the key on the clipboard: wait for it there.
	var manual []byte
	for deadline := time.Now().Add(10 * time.Second); len(strings.TrimSpace(string(manual))) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the key never reached the clipboard")
		}
		clip := exec.Command("xclip", "-o", "-selection", "clipboard")
		clip.Env = append(os.Environ(), "DISPLAY="+d.name)
		manual, _ = clip.Output()
	}
	if got := strings.ReplaceAll(strings.TrimSpace(string(manual)), " ", ""); got != secret {
		t.Fatalf("manual key %q differs from the QR code's %q", got, secret)
	}

	code, step := totp(t, secret, 0)
	d.typeText(t, code)
	d.key(t, "Tab")
	d.typeText(t, "Laptop Kantor")
	codeShot := shot("07-kode-otp")
	d.key(t, "Return")
	if e.srv != nil {
		e.srv.mail.wait(t, email, "Perangkat OTP Baru")
	} else {
		e.waitCLI(t, "Perangkat OTP Baru", "admin", "outbox", "--to", email)
	}
	settled("08-perbarui-password", codeShot)

	// Perbarui Password.
	d.typeText(t, password)
	d.key(t, "Tab")
	d.typeText(t, password)
	pwShot := shot("08-perbarui-password-diisi")
	d.key(t, "Return")
	// The account's row (the listing may hold others) shows a password
	// and OTP; waiting for both, since OTP is set before the password.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		users := e.cli(t, "admin", "users", "list")
		if fields := strings.Fields(lineOf(users, email)); len(fields) >= 7 && fields[len(fields)-3] == "yes" && fields[len(fields)-2] == "yes" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the reset the account should have a password and OTP:\n%s", users)
		}
	}
	done := settled("09-password-berhasil", pwShot)

	// Sign in: login is filled in, the cursor is in Password; tick
	// "Ingat Akun ini" and press Masuk.
	d.typeText(t, password)
	d.key(t, "Tab", "Tab", "space", "Tab", "space")
	otpStep := settled("10-kode-otp-masuk", done)
	code, step = totp(t, secret, step)
	d.typeText(t, code)
	d.key(t, "Return")

	// Signed in for real: the keyring holds the remembered session of this
	// data dir (never the password).
	entry := waitKeyring(t, e.dataDir)
	if strings.Contains(entry, password) {
		t.Fatal("the keyring entry contains the password")
	}
	return secret, step, settled("11-masuk-berhasil", otpStep)
}

// settled waits for what the screen shows instead of for a fixed time: it
// takes screenshots until the screen differs from before (when given) and
// then holds still over two shots in a row, and returns the last one as
// dir/step.png. A blinking cursor counts as still.
func (d *display) settled(t *testing.T, dir, step, before string) string {
	t.Helper()
	const moved, still = 0.001, 0.0002 // shares of the screen's pixels
	prev := ""
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(150 * time.Millisecond) {
		cur := d.screenshot(t, dir, step)
		if prev != "" && pixelDiff(t, prev, cur) <= still && (before == "" || pixelDiff(t, before, cur) > moved) {
			return cur
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen never settled on a new view at %s (see %s)", step, cur)
		}
		prev = filepath.Join(dir, step+"-prev.png")
		if err := os.Rename(cur, prev); err != nil {
			t.Fatal(err)
		}
	}
}

// lineOf is the first line of s that holds word (an account's row in a
// listing that may hold others), or "".
func lineOf(s, word string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			return l
		}
	}
	return ""
}

// waitKeyring returns the secret-tool listing of the remembered entry of
// dataDir, waiting for it to appear.
func waitKeyring(t *testing.T, dataDir string) string {
	t.Helper()
	var out []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		// Entries are named by the ID the data dir keeps, not by its path.
		id, _ := os.ReadFile(filepath.Join(dataDir, "keyring-id"))
		out, _ = exec.Command("secret-tool", "search", "--all", "--unlock", "service", "BeSign Desktop").CombinedOutput()
		if len(id) > 0 && strings.Contains(string(out), "remembered id:"+strings.TrimSpace(string(id))) {
			return string(out)
		}
	}
	t.Fatalf("no remembered sign-in for %s in the keyring:\n%s", dataDir, out)
	return ""
}

// pixelDiff is the share of pixels that differ between two screenshots,
// measured by imagemagick's compare.
func pixelDiff(t *testing.T, a, b string) float64 {
	t.Helper()
	out, _ := exec.Command("compare", "-metric", "AE", "-fuzz", "5%", a, b, "null:").CombinedOutput()
	var n float64
	if _, err := fmt.Sscan(string(out), &n); err != nil {
		t.Fatalf("compare %s %s: %q", a, b, out)
	}
	return n / (1280 * 800)
}

// TestLinkHandOver clicks besign:// links as a mail program would (it runs
// "besign LINK"): with the app running, the second start hands the link to
// the window, which shows its step, and exits; with the app closed, the link
// starts the app at that step.
func TestLinkHandOver(t *testing.T) {
	e := setup(t)
	e.cli(t, "admin", "users", "add", "--name", "Arman Salim", "--email", email)
	d := startXvfb(t)
	_, stop := e.startApp(t, d)
	signIn := d.screenshot(t, e.artifacts, "20-masuk")

	click := func(link string) { e.handOver(t, d, link) }
	qr := func(step string) string {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(300 * time.Millisecond) {
			shot := d.screenshot(t, e.artifacts, step)
			out, err := exec.Command("zbarimg", "--quiet", "--raw", shot).Output()
			if err == nil && strings.HasPrefix(string(out), "otpauth://totp/") {
				return shot
			}
			if time.Now().After(deadline) {
				t.Fatalf("no OTP set-up QR code on the screen (see %s)", shot)
			}
		}
	}
	resetLink := func() string {
		t.Helper()
		out := e.cli(t, "admin", "outbox", "--to", email)
		i := strings.Index(out, "besign://reset?token=")
		if i < 0 {
			t.Fatalf("no reset link in the outbox:\n%s", out)
		}
		return strings.Fields(out[i:])[0]
	}
	// Without a mail sender the outbox shows an unused link in full; once
	// used, masked.
	unused := func(link string) string {
		t.Helper()
		if strings.Contains(link, "********") {
			t.Fatalf("the outbox shows the unused reset link masked: %s\n%s", link, e.cli(t, "admin", "outbox", "--to", email))
		}
		return link
	}

	// The activation mail's link opens Lupa Password, filled in, in the
	// running window.
	click("besign://forgot?login=" + email)
	d.settled(t, e.artifacts, "21-lupa-password-dari-tautan", signIn)
	d.key(t, "Return")
	e.waitCLI(t, "besign://reset?token=", "admin", "outbox", "--to", email)

	// The reset link goes to the running window: OTP set-up.
	click(unused(resetLink()))
	qr("22-pengaturan-otp-dari-tautan")
	if entries, _ := filepath.Glob(filepath.Join(e.dataDir, "instance")); len(entries) != 1 {
		t.Fatal("the running app has no instance file")
	}

	// With the app closed, a link starts it at its step: Lupa Password for
	// a new reset mail, then (closed again) the reset link's OTP set-up.
	stop()
	first := resetLink()
	start := func(link, step string) (shot string, stop func()) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		app := exec.CommandContext(ctx, e.bin, "--data-dir", e.dataDir, link)
		app.Env = append(os.Environ(), "DISPLAY="+d.name)
		logf := e.appLog(t, app)
		if err := app.Start(); err != nil {
			t.Fatal(err)
		}
		stop = func() { cancel(); app.Wait(); fmt.Fprintf(logf, "---- %s\n", app.ProcessState); logf.Close() }
		t.Cleanup(stop)
		win := d.waitWindow(t, title, 20*time.Second)
		d.x(t, "xdotool", "windowfocus", "--sync", win)
		return d.settled(t, e.artifacts, step, ""), stop
	}
	_, stopForgot := start("besign://forgot?login="+email, "23-lupa-password-dibuka-dari-tautan")
	d.key(t, "Return")
	link := resetLink()
	for deadline := time.Now().Add(15 * time.Second); link == first; link = resetLink() {
		if time.Now().After(deadline) {
			t.Fatal("no new reset mail after Kirim")
		}
		time.Sleep(200 * time.Millisecond)
	}
	stopForgot()
	start(unused(link), "24-dibuka-dari-tautan")
	qr("24-pengaturan-otp-dibuka-dari-tautan")
}
