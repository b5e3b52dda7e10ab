#!/usr/bin/env bash
# Install test of the Linux artefacts, done as an administrator would: the
# .tar.xz is unpacked and run; the .deb is installed with apt-get (which
# pulls its declared dependencies), checked file by file, configured through
# /etc/besign/config.toml, started from its menu entry under Xvfb, and purged.
# Needs root (CI runs as root) and must not find besign already installed.
# Environment: VERSION (required), DIST (dist), ARTIFACTS (artifacts).
# Screenshot: $ARTIFACTS/packages/linux-deb-window.png
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
. packaging/lib.sh
: "${VERSION:?VERSION is not set}"
DIST=${DIST:-dist}
ARTIFACTS=${ARTIFACTS:-artifacts}
deb="$root/$DIST/besign_${VERSION}_amd64.deb"
tarxz="$root/$DIST/besign-$VERSION-linux-amd64.tar.xz"
shots="$root/$ARTIFACTS/packages"
APP_ID=id.go.natunakab.besign
sysconf=/etc/besign/config.toml

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs a .deb)"
[ -f "$deb" ] || fail "$deb missing: make package-linux"
[ -f "$tarxz" ] || fail "$tarxz missing: make package-linux"
if dpkg-query -W -f='${Status}' besign 2>/dev/null | grep -q 'ok installed'; then
	fail "besign is already installed here; this test installs and purges it, remove it first"
fi
mkdir -p "$shots"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/besign-pkgtest.XXXXXX")
app_pid=""
installed=""
saved_conf=""
cleanup() {
	set +e
	[ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
	stop_xvfb
	if [ -n "$installed" ]; then
		apt-get purge -y -qq besign >/dev/null 2>&1
	fi
	rm -f "$sysconf"
	if [ -n "$saved_conf" ]; then
		mkdir -p /etc/besign && cp -p "$saved_conf" "$sysconf"
	else
		rmdir /etc/besign 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
# An administrator's own file must survive the test.
if [ -f "$sysconf" ]; then
	cp -p "$sysconf" "$tmp/saved-config.toml"
	saved_conf="$tmp/saved-config.toml"
	rm -f "$sysconf"
fi

expected_files=(
	/usr/bin/besign
	/usr/share/applications/$APP_ID.desktop
	/usr/share/metainfo/$APP_ID.metainfo.xml
	/usr/share/doc/besign/config.example.toml
	/usr/share/doc/besign/server.example.toml
	/usr/lib/systemd/system/besign-server.service
	/usr/share/doc/besign/THIRD_PARTY_NOTICES.txt
)
for size in 16 22 24 32 48 64 128 256 512; do
	expected_files+=("/usr/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png")
done

# --- .tar.xz: prefix-relative tree, runs from where it was unpacked.
mkdir "$tmp/tar"
tar -C "$tmp/tar" -xJf "$tarxz"
tree="$tmp/tar/besign-$VERSION-linux-amd64"
for f in "${expected_files[@]}"; do
	[ -f "$tree/${f#/usr/}" ] || fail "tar.xz lacks ${f#/usr/}"
done
[ -x "$tree/bin/besign" ] || fail "tar.xz: bin/besign is not executable"
got=$("$tree/bin/besign" version)
[ "$got" = "besign $VERSION" ] || fail "tar.xz: besign version says \"$got\""
[ -z "$(tar -tvJf "$tarxz" | awk '$2 != "0/0"')" ] || fail "tar.xz has files not owned by root"
ok "tar.xz unpacks with every file and runs: $got"

# --- .deb: install with apt so that the declared dependencies are resolved.
export DEBIAN_FRONTEND=noninteractive
installed=1
apt-get install -y -qq --no-install-recommends "$deb" >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; fail "apt-get install $deb"; }
dpkg-query -W -f='${Status} ${Version}' besign | grep -q "install ok installed $VERSION" || fail "dpkg does not list besign $VERSION as installed"
for f in "${expected_files[@]}"; do
	[ -f "$f" ] || fail "$f not installed"
	dpkg -S "$f" 2>/dev/null | grep -q '^besign:' || fail "$f is not owned by the besign package"
done
[ -d /etc/besign ] || fail "/etc/besign not created"
[ "$(command -v besign)" = /usr/bin/besign ] || fail "besign on PATH is $(command -v besign)"
got=$(besign version)
[ "$got" = "besign $VERSION" ] || fail "besign version says \"$got\""
ok "deb installed: $got"

# Every shared library the binary links must come from a declared dependency.
depends=$(dpkg-query -W -f='${Depends}' besign | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | sed '/^$/d')
for lib in $(objdump -p /usr/bin/besign | awk '/NEEDED/ {print $2}'); do
	owner=$(dpkg -S "*/$lib" 2>/dev/null | grep -v -- '-dev' | head -n1 | cut -d: -f1)
	[ -n "$owner" ] || fail "no package provides $lib"
	grep -qx "$owner" <<<"$depends" || fail "$lib comes from $owner, which the package does not depend on"
done
ok "declared dependencies cover $(objdump -p /usr/bin/besign | grep -c NEEDED) linked libraries"

desktop-file-validate /usr/share/applications/$APP_ID.desktop || fail "desktop-file-validate"
appstreamcli validate --no-net /usr/share/metainfo/$APP_ID.metainfo.xml >"$tmp/as.log" 2>&1 || { cat "$tmp/as.log" >&2; fail "appstreamcli validate"; }
ok "desktop entry and AppStream metadata validate"

# --- The organisation server: the unit ships disabled and is well-formed;
# the example server.toml, given this test's files, serves /healthz, and
# the admin commands with it reach the server's database.
unit=/usr/lib/systemd/system/besign-server.service
systemd-analyze verify "$unit" >"$tmp/unit.log" 2>&1 || { cat "$tmp/unit.log" >&2; fail "systemd-analyze verify $unit"; }
[ -z "$(find /etc/systemd/system -name besign-server.service 2>/dev/null)" ] || fail "besign-server.service was enabled by installing"
srv="$tmp/server"
mkdir -p "$srv"
(umask 077; openssl rand -hex 32 >"$srv/master.key"; openssl rand -hex 32 >"$srv/admin.key")
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$srv/server.key" -out "$srv/server.crt" 2>/dev/null
chmod 600 "$srv/server.key"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# mail to a closed loopback port: delivery fails at once, and is retried later
sed -e "s|/etc/besign/server/|$srv/|" -e "s|^listen = .*|listen = \"127.0.0.1:$port\"|" \
	-e "s|^database = .*|database = \"$srv/authority.db\"|" -e "s|^host = .*|host = \"127.0.0.1\"|" \
	-e "s|^port = .*|port = 9|" -e "s|^tls = .*|tls = \"none\"|" /usr/share/doc/besign/server.example.toml >"$srv/server.toml"
grep -q "^database = \"$srv/authority.db\"" "$srv/server.toml" || fail "could not adapt server.example.toml"
besign serve --config "$srv/server.toml" 2>"$tmp/serve.log" &
serve_pid=$!
healthy=""
for _ in $(seq 100); do
	if [ "$(curl -s --cacert "$srv/server.crt" "https://127.0.0.1:$port/healthz")" = ok ]; then
		healthy=1
		break
	fi
	sleep 0.1
done
[ -n "$healthy" ] || { kill "$serve_pid" 2>/dev/null || true; cat "$tmp/serve.log" >&2; fail "besign serve with server.example.toml never answered /healthz"; }
besign --config "$srv/server.toml" admin users add --name "Uji Server" --email server@natunakab.go.id >/dev/null 2>"$tmp/err" ||
	{ kill "$serve_pid" 2>/dev/null || true; fail "admin users add on the server's database: $(cat "$tmp/err")"; }
besign --config "$srv/server.toml" admin users list 2>"$tmp/err" | grep -q server@natunakab.go.id ||
	{ kill "$serve_pid" 2>/dev/null || true; fail "admin users list on the server's database: $(cat "$tmp/err")"; }
kill -TERM "$serve_pid"
status=0
wait "$serve_pid" || status=$?
[ "$status" -eq 0 ] || { cat "$tmp/serve.log" >&2; fail "besign serve exited $status on SIGTERM"; }
ok "server: unit verified and disabled; server.example.toml serves /healthz; admin commands reach its database"

# --- IT's configuration in /etc/besign/config.toml is read: a bad file stops
# besign with the file, line and key named; the documented example works.
data="$tmp/data"
printf 'instansi = "Dinas Uji"\nlockout_wait = 3\n' >"$sysconf"
status=0
bash scripts/with-keyring.sh besign --data-dir "$data" admin users list >"$tmp/out" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "bad $sysconf: exit status $status, want 1"
grep -q "$sysconf" "$tmp/err" && grep -q 'lockout_wait' "$tmp/err" || fail "bad $sysconf: error does not name the file and key: $(cat "$tmp/err")"
ok "bad system config refused: $(grep -m1 '^besign:' "$tmp/err")"
sed -e 's/^# \([a-z_]* = \)/\1/' -e 's/^# \(\[[a-z]*\]\)$/\1/' -e 's/ *# ".*//' \
	/usr/share/doc/besign/config.example.toml >"$sysconf"
grep -q '^email_domain = ' "$sysconf" || fail "could not uncomment the example"
bash scripts/with-keyring.sh besign --data-dir "$data" admin users list >"$tmp/out" 2>"$tmp/err" || fail "example config with every key set: $(cat "$tmp/err")"
ok "the documented example, every key set, is accepted"

# --- The menu entry starts the installed binary and it shows its window.
start_xvfb
exec_line=$(sed -n 's/^Exec=//p' /usr/share/applications/$APP_ID.desktop | sed 's/ %[fFuU]//g')
mkdir -p "$tmp/home"
HOME="$tmp/home" XDG_DATA_HOME="$tmp/home/.local/share" XDG_CONFIG_HOME="$tmp/home/.config" \
	bash scripts/with-keyring.sh $exec_line >"$tmp/app.log" 2>&1 &
app_pid=$!
win=$(wait_window "BeSign Desktop" 60) || { cat "$tmp/app.log" >&2; fail "no window \"BeSign Desktop\" within 60 s"; }
wpid=$(xdotool getwindowpid "$win")
[ "$(readlink "/proc/$wpid/exe")" = /usr/bin/besign ] || fail "the window belongs to $(readlink "/proc/$wpid/exe"), not /usr/bin/besign"
sleep 2 # let it draw
import -window "$win" "$shots/linux-deb-window.png"
check_screenshot "$shots/linux-deb-window.png"
ok "menu entry started /usr/bin/besign, window shown: $shots/linux-deb-window.png"
kill "$wpid" 2>/dev/null || true
wait "$app_pid" 2>/dev/null || true
app_pid=""
stop_xvfb

# --- besign:// links (from the mail): the desktop database names besign as
# their handler; xdg-open hands a link to the running window (one app per
# user and data dir), which shows its step, and the second start exits.
grep -q 'x-scheme-handler/besign' /usr/share/applications/mimeinfo.cache ||
	fail "the desktop database has no handler for x-scheme-handler/besign"
grep -q "^application/pdf=.*$APP_ID.desktop" /usr/share/applications/mimeinfo.cache ||
	fail "the desktop database does not offer besign to open PDFs"
lhome="$tmp/linkhome"
mkdir -p "$lhome"
# No keyring in this part: the app and the CLI share the master key file of
# the data dir, which IT has to allow; no [smtp], so the outbox shows links.
printf 'allow_plain_master_key = true\n' >"$sysconf"
as_user() { env -u DBUS_SESSION_BUS_ADDRESS HOME="$lhome" XDG_DATA_HOME="$lhome/.local/share" XDG_CONFIG_HOME="$lhome/.config" "$@"; }
handler=$(as_user xdg-mime query default x-scheme-handler/besign)
[ "$handler" = "$APP_ID.desktop" ] || fail "xdg-mime: besign:// links go to \"$handler\", not $APP_ID.desktop"
link_email=tautan@natunakab.go.id
as_user besign admin users add --name "Uji Tautan" --email "$link_email" >/dev/null 2>"$tmp/err" || fail "admin users add: $(cat "$tmp/err")"
# link_apps counts the besign apps of this test's user home: other besign
# processes on the machine (another test suite's) do not count, nor the
# app's own child that fills the preview cache after a first start
# (besign preview-cache, a few seconds at low priority).
link_apps() {
	n=0
	for p in $(pgrep -x besign); do
		grep -qzxF "HOME=$lhome" "/proc/$p/environ" 2>/dev/null || continue
		grep -qzxF "preview-cache" "/proc/$p/cmdline" 2>/dev/null && continue
		n=$((n + 1))
	done
	echo "$n"
}
outbox_link() { as_user besign admin outbox --to "$link_email" 2>/dev/null | sed -n "s|^Link: \($1.*\)|\1|p" | head -n1; }
start_xvfb
as_user $exec_line >"$tmp/link-app.log" 2>&1 &
app_pid=$!
win=$(wait_window "BeSign Desktop" 60) || { cat "$tmp/link-app.log" >&2; fail "no window for the link test"; }
xdotool windowfocus --sync "$win"
sleep 2 # the data dir opens
forgot=$(outbox_link besign://forgot)
[ -n "$forgot" ] || fail "no besign://forgot link in the activation mail"
as_user timeout 30 xdg-open "$forgot" || fail "xdg-open $forgot did not hand the link over and exit"
[ "$(link_apps)" = 1 ] || fail "xdg-open left a second besign running"
sleep 1 # Lupa Password, filled in by the link, has the focus: send it
xdotool key --clearmodifiers Return
reset=""
for _ in $(seq 50); do
	reset=$(outbox_link besign://reset)
	[ -n "$reset" ] && break
	sleep 0.2
done
[ -n "$reset" ] || fail "Lupa Password opened by the link sent no reset mail"
as_user timeout 30 xdg-open "$reset" || fail "xdg-open of the reset link did not hand it over and exit"
qr=""
for _ in $(seq 30); do
	import -window root "$shots/linux-link-otp-setup.png"
	qr=$(zbarimg --quiet --raw "$shots/linux-link-otp-setup.png" 2>/dev/null || true)
	[[ $qr == otpauth://totp/* ]] && break
	sleep 0.5
done
[[ $qr == otpauth://totp/* ]] || fail "after xdg-open of the reset link the window shows no OTP set-up QR code: $shots/linux-link-otp-setup.png"
[ "$(link_apps)" = 1 ] || fail "more than one besign running after the links"
ok "xdg-open besign:// links go to the running window: Lupa Password, then OTP set-up ($shots/linux-link-otp-setup.png)"
kill "$app_pid" 2>/dev/null || true
wait "$app_pid" 2>/dev/null || true
app_pid=""
stop_xvfb

# --- Purge: every packaged file goes; IT's config stays (not the package's).
dpkg -L besign | sort >"$tmp/files"
apt-get purge -y -qq besign >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; fail "apt-get purge besign"; }
installed=""
dpkg-query -W -f='${Status}' besign 2>/dev/null | grep -q 'ok installed' && fail "besign still installed after purge"
while read -r f; do
	[ "$f" = /etc/besign ] && continue
	if [ -f "$f" ] || [ -L "$f" ]; then fail "$f left behind after purge"; fi
done <"$tmp/files"
[ -f "$sysconf" ] || fail "purge removed IT's $sysconf"
ok "purged cleanly; IT's $sysconf kept"
echo "PASS: Linux packages"
