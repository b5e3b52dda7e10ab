#!/usr/bin/env bash
# Install test of the Windows artefacts under Wine, done as an administrator
# would: in a fresh 64-bit WINEPREFIX the NSIS installer runs silently with
# IT's config (/S /CONFIG=), the files, shortcut, "Apps & features" entry and
# config are checked, the installed besign.exe is started under Xvfb and its
# window photographed, then it is uninstalled silently. The MSI gets the same
# through msiexec /qn CONFIG=. Finally every artefact is Authenticode-signed
# with a throwaway certificate and verified.
# Environment: VERSION (required), DIST (dist), ARTIFACTS (artifacts).
# Screenshot: $ARTIFACTS/packages/windows-wine-window.png
#
# Wine 8 lacks bcryptprimitives.dll (ProcessPrng), which Go >= 1.22 needs:
# a stand-in built from windows/testaid/ goes into the throwaway prefix only.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
. packaging/lib.sh
: "${VERSION:?VERSION is not set}"
DIST=${DIST:-dist}
ARTIFACTS=${ARTIFACTS:-artifacts}
setup="$root/$DIST/besign-$VERSION-windows-amd64-setup.exe"
msi="$root/$DIST/besign-$VERSION-windows-amd64.msi"
exe="$root/$DIST/windows/besign.exe"
shots="$root/$ARTIFACTS/packages"
UNINST='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall'

for f in "$setup" "$msi" "$exe"; do
	[ -f "$f" ] || fail "$f missing: make package-windows"
done
for tool in wine wineboot wineserver winepath Xvfb xdotool import x86_64-w64-mingw32-gcc x86_64-w64-mingw32-objdump msiinfo osslsigncode openssl; do
	command -v "$tool" >/dev/null || fail "$tool not found: scripts/install-deps.sh package"
done
mkdir -p "$shots"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/besign-winetest.XXXXXX")
export WINEPREFIX="$tmp/prefix" WINEARCH=win64 WINEDEBUG=-all
# No Mono/Gecko download prompts; load the stand-in DLL.
export WINEDLLOVERRIDES="mscoree,mshtml=;bcryptprimitives=n"
cleanup() {
	set +e
	[ -d "$WINEPREFIX" ] && wineserver -k 2>/dev/null
	stop_xvfb
	rm -rf "$tmp"
}
trap cleanup EXIT

# wine prints a note about the missing 32-bit wine on every call: hide it.
w() { wine "$@" 2> >(grep -v -e 'wine32 is missing' -e 'multiarch needs' -e 'dpkg --add-architecture' -e 'apt-get install wine32' >&2); }
winpath() { winepath -w "$1" 2>/dev/null; }
c="$WINEPREFIX/drive_c"
startmenu="$c/ProgramData/Microsoft/Windows/Start Menu/Programs"

# --- The .exe itself: GUI subsystem (no console), no MinGW runtime DLLs,
# icon, version information and manifest embedded.
pe=$(x86_64-w64-mingw32-objdump -p "$exe")
grep -q 'Subsystem.*(Windows GUI)' <<<"$pe" || fail "besign.exe is not a GUI-subsystem program"
if grep -i 'DLL Name' <<<"$pe" | grep -i -E 'libstdc|libgcc|libwinpthread'; then
	fail "besign.exe needs MinGW runtime DLLs that Windows does not have"
fi
grep -q 'Resource Directory \[.rsrc\]' <<<"$pe" || fail "besign.exe has no resources"
strings -el "$exe" >"$tmp/strings"
grep -qx "$VERSION" "$tmp/strings" || fail "besign.exe has no version information $VERSION"
grep -qx 'BeSign Desktop' "$tmp/strings" || fail "besign.exe has no product name"
grep -q 'requestedExecutionLevel level="asInvoker"' "$exe" || fail "besign.exe has no manifest"
ok "besign.exe: GUI subsystem, self-contained, version info $VERSION, manifest"

start_xvfb
wineboot --init >/dev/null 2>&1
wineserver -w
x86_64-w64-mingw32-gcc -O2 -shared -o "$c/windows/system32/bcryptprimitives.dll" \
	packaging/windows/testaid/bcryptprimitives.c -ladvapi32
ok "fresh Wine prefix $(wine --version 2>/dev/null)"

printf 'instansi = "Dinas Uji Wine"\nlanguage = "en"\n' >"$tmp/it config.toml"

# --- NSIS: a missing /CONFIG file is refused (exit 2) and installs nothing.
status=0
w "$setup" /S "/CONFIG=$(winpath "$tmp/missing.toml")" || status=$?
wineserver -w
[ "$status" -eq 2 ] || fail "setup.exe with a missing /CONFIG file: exit $status, want 2"
[ ! -e "$c/Program Files/BeSign" ] || fail "setup.exe installed files although /CONFIG was missing"
ok "setup.exe /S /CONFIG=missing refused with exit 2, nothing installed"

# --- NSIS silent install with IT's config (a path with a space).
w "$setup" /S "/CONFIG=$(winpath "$tmp/it config.toml")" || fail "setup.exe /S /CONFIG=... failed ($?)"
wineserver -w
inst="$c/Program Files/BeSign"
for f in besign.exe uninstall.exe config.example.toml THIRD_PARTY_NOTICES.txt; do
	[ -f "$inst/$f" ] || fail "$inst/$f not installed"
done
cmp -s "$inst/besign.exe" "$exe" || fail "installed besign.exe differs from $exe"
cmp -s "$c/ProgramData/BeSign/config.toml" "$tmp/it config.toml" || fail "%ProgramData%\\BeSign\\config.toml is not IT's file"
[ -f "$startmenu/BeSign Desktop.lnk" ] || fail "no Start Menu shortcut for all users"
reg=$(w reg query "$UNINST\\BeSign" 2>/dev/null) || fail "no \"Apps & features\" entry $UNINST\\BeSign"
for want in "DisplayName    REG_SZ    BeSign Desktop" "DisplayVersion    REG_SZ    $VERSION" \
	'QuietUninstallString    REG_SZ    "C:\Program Files\BeSign\uninstall.exe" /S' 'InstallLocation    REG_SZ    C:\Program Files\BeSign'; do
	grep -qF "$want" <<<"${reg//$'\r'/}" || fail "Apps & features entry lacks: $want"
done
ok "NSIS installed per machine: files, Start Menu, Apps & features, IT's config"

got=$(w "C:\\Program Files\\BeSign\\besign.exe" version | tr -d '\r')
[ "$got" = "besign $VERSION" ] || fail "installed besign.exe version says \"$got\""
ok "installed besign.exe: $got"

# The installed program reads %ProgramData%\BeSign\config.toml: a bad one
# stops it with the file and key named.
printf 'instansi = "X"\nlockout_wait = 3\n' >"$c/ProgramData/BeSign/config.toml"
status=0
w "C:\\Program Files\\BeSign\\besign.exe" admin users list >"$tmp/out" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "bad system config under Wine: exit $status, want 1: $(cat "$tmp/err")"
grep -q 'ProgramData.BeSign.config.toml' "$tmp/err" && grep -q lockout_wait "$tmp/err" ||
	fail "bad system config under Wine: error does not name the file and key: $(cat "$tmp/err")"
ok "installed besign.exe refuses a bad %ProgramData% config: $(head -n1 "$tmp/err")"
cp "$tmp/it config.toml" "$c/ProgramData/BeSign/config.toml"

# --- Start it like the Start Menu does and look at the window.
w "C:\\Program Files\\BeSign\\besign.exe" >"$tmp/app.log" 2>&1 &
app_pid=$!
win=$(wait_window "BeSign Desktop" 120) || { cat "$tmp/app.log" >&2; fail "no window \"BeSign Desktop\" within 120 s"; }
sleep 3 # let it draw
import -window "$win" "$shots/windows-wine-window.png"
check_screenshot "$shots/windows-wine-window.png"
ok "installed besign.exe shows its window: $shots/windows-wine-window.png"

# --- besign:// links: setup.exe registers the URL protocol; "start LINK"
# (as a mail program does) hands the link to the running window, which shows
# its step: Lupa Password, then after Kirim the reset link's OTP set-up.
# Under Wine a second process cannot open the database while the app has it
# open (the -shm file is locked), so the CLI runs only while the app is
# closed.
wineserver -k
wait "$app_pid" 2>/dev/null || true
proto=$(w reg query 'HKLM\Software\Classes\besign' /s 2>/dev/null | tr -d '\r') || fail "setup.exe did not register the besign URL protocol"
grep -q 'URL Protocol' <<<"$proto" || fail "besign protocol key lacks \"URL Protocol\""
grep -qF '"C:\Program Files\BeSign\besign.exe" "%1"' <<<"$proto" || fail "besign protocol does not open besign.exe with the link: $proto"
check_open_with() { # $1: which installer
	w reg query 'HKLM\Software\Classes\BeSign.PDF\shell\open\command' 2>/dev/null | tr -d '\r' | grep -qF '"C:\Program Files\BeSign\besign.exe" "%1"' ||
		fail "$1 did not register BeSign.PDF to open PDFs in besign.exe"
	w reg query 'HKLM\Software\Classes\.pdf\OpenWithProgids' 2>/dev/null | tr -d '\r' | grep -q 'BeSign.PDF' ||
		fail "$1 did not offer BeSign Desktop in Open with for .pdf"
	w reg query 'HKLM\Software\Classes\Applications\besign.exe\SupportedTypes' 2>/dev/null | tr -d '\r' | grep -q '\.pdf' ||
		fail "$1 did not list .pdf among besign.exe's supported types"
}
check_open_with_gone() {
	w reg query 'HKLM\Software\Classes\BeSign.PDF' >/dev/null 2>&1 && fail "$1: BeSign.PDF left behind"
	w reg query 'HKLM\Software\Classes\.pdf\OpenWithProgids' 2>/dev/null | tr -d '\r' | grep -q 'BeSign.PDF' && fail "$1: Open with entry left behind"
	w reg query 'HKLM\Software\Classes\Applications\besign.exe' >/dev/null 2>&1 && fail "$1: Applications\\besign.exe left behind"
	return 0
}
check_open_with setup.exe
ok "setup.exe offers BeSign Desktop in Open with for PDFs"
link_email=tautan@natunakab.go.id
besign_exe="C:\\Program Files\\BeSign\\besign.exe"
w "$besign_exe" admin users add --name "Uji Tautan" --email "$link_email" >/dev/null 2>"$tmp/err" || fail "admin users add under Wine: $(cat "$tmp/err")"
outbox_link() { w "$besign_exe" admin outbox --to "$link_email" 2>/dev/null | tr -d '\r' | sed -n "s|^Link: \\($1.*\\)|\\1|p" | head -n1; }
start_app() {
	w "$besign_exe" >"$tmp/app.log" 2>&1 &
	app_pid=$!
	win=$(wait_window "BeSign Desktop" 120) || { cat "$tmp/app.log" >&2; fail "no window \"BeSign Desktop\" within 120 s"; }
	sleep 3 # the data dir opens
}
forgot=$(outbox_link besign://forgot)
[ -n "$forgot" ] || fail "no besign://forgot link in the activation mail"
start_app
timeout 60 wine start /wait "$forgot" 2>/dev/null || fail "start $forgot did not hand the link over and exit"
sleep 2
import -window root "$shots/windows-link-forgot.png"
xdotool windowfocus --sync "$win" 2>/dev/null || true
xdotool key --clearmodifiers Return
sleep 3 # the reset mail is committed
wineserver -k
wait "$app_pid" 2>/dev/null || true
reset=$(outbox_link besign://reset)
[ -n "$reset" ] || fail "Lupa Password opened by start LINK sent no reset mail (see $shots/windows-link-forgot.png)"
start_app
timeout 60 wine start /wait "$reset" 2>/dev/null || fail "start of the reset link did not hand it over and exit"
qr=""
for _ in $(seq 40); do
	import -window root "$shots/windows-link-otp-setup.png"
	qr=$(zbarimg --quiet --raw "$shots/windows-link-otp-setup.png" 2>/dev/null || true)
	[[ $qr == otpauth://totp/* ]] && break
	sleep 0.5
done
[[ $qr == otpauth://totp/* ]] || fail "after start of the reset link the window shows no OTP set-up QR code: $shots/windows-link-otp-setup.png"
[ "$(xdotool search --onlyvisible --name '^BeSign Desktop$' | wc -l)" = 1 ] || fail "the links opened a second window"
ok "start besign:// links go to the running window: Lupa Password, then OTP set-up ($shots/windows-link-otp-setup.png)"
wineserver -k
wait "$app_pid" 2>/dev/null || true

# --- NSIS silent uninstall: program, shortcut and entry go; IT's config stays.
w "C:\\Program Files\\BeSign\\uninstall.exe" /S || fail "uninstall.exe /S failed"
wineserver -w
[ ! -e "$inst" ] || fail "$inst left behind: $(ls "$inst")"
[ ! -e "$startmenu/BeSign Desktop.lnk" ] || fail "Start Menu shortcut left behind"
w reg query "$UNINST\\BeSign" >/dev/null 2>&1 && fail "Apps & features entry left behind"
w reg query 'HKLM\Software\Classes\besign' >/dev/null 2>&1 && fail "besign URL protocol left behind"
check_open_with_gone "NSIS uninstall"
[ -f "$c/ProgramData/BeSign/config.toml" ] || fail "uninstall removed IT's config"
ok "NSIS uninstalled silently; IT's config kept"

# --- MSI: msiexec /i /qn CONFIG=, then msiexec /x /qn.
rm -rf "$c/ProgramData/BeSign"
printf 'instansi = "Dinas Uji MSI"\n' >"$tmp/msi config.toml"
product=$(msiinfo export "$msi" Property | awk -F'\t' '$1 == "ProductCode" {print $2}' | tr -d '\r')
[ -n "$product" ] || fail "no ProductCode in $msi"
w msiexec /i "$(winpath "$msi")" /qn "CONFIG=$(winpath "$tmp/msi config.toml")" || fail "msiexec /i /qn failed ($?)"
wineserver -w
cmp -s "$inst/besign.exe" "$exe" || fail "MSI: besign.exe not installed in Program Files"
[ -f "$inst/config.example.toml" ] || fail "MSI: config.example.toml not installed"
[ -f "$inst/THIRD_PARTY_NOTICES.txt" ] || fail "MSI: THIRD_PARTY_NOTICES.txt not installed"
cmp -s "$c/ProgramData/BeSign/config.toml" "$tmp/msi config.toml" || fail "MSI: CONFIG was not copied to %ProgramData%\\BeSign\\config.toml"
# Windows puts a per-machine ProgramMenuFolder shortcut in the all-users
# Start Menu; Wine's msi puts it in the installing user's.
lnk=$(find "$startmenu" "$c/users" -name 'BeSign Desktop.lnk' 2>/dev/null | head -n1)
[ -n "$lnk" ] || fail "MSI: no Start Menu shortcut"
reg=$(w reg query "$UNINST\\$product" 2>/dev/null) || fail "MSI: no Apps & features entry $product"
grep -q "DisplayVersion.*$VERSION" <<<"${reg//$'\r'/}" || fail "MSI: Apps & features entry lacks the version"
got=$(w "C:\\Program Files\\BeSign\\besign.exe" version | tr -d '\r')
[ "$got" = "besign $VERSION" ] || fail "MSI-installed besign.exe version says \"$got\""
w reg query 'HKLM\Software\Classes\besign\shell\open\command' 2>/dev/null | tr -d '\r' | grep -qF '"C:\Program Files\BeSign\besign.exe" "%1"' ||
	fail "MSI did not register the besign URL protocol"
check_open_with MSI
ok "MSI installed per machine with CONFIG: files, shortcut, Apps & features, config" and the besign URL protocol
w msiexec /x "$(winpath "$msi")" /qn || fail "msiexec /x /qn failed ($?)"
wineserver -w
[ ! -e "$inst/besign.exe" ] || fail "MSI: besign.exe left behind"
[ -z "$(find "$startmenu" "$c/users" -name 'BeSign Desktop.lnk' 2>/dev/null)" ] || fail "MSI: shortcut left behind"
w reg query "$UNINST\\$product" >/dev/null 2>&1 && fail "MSI: Apps & features entry left behind"
w reg query 'HKLM\Software\Classes\besign\shell\open\command' >/dev/null 2>&1 && fail "MSI: besign URL protocol left behind"
check_open_with_gone "MSI uninstall"
[ -f "$c/ProgramData/BeSign/config.toml" ] || fail "MSI uninstall removed IT's config"
ok "MSI uninstalled silently; IT's config kept"

# --- Authenticode with a throwaway code-signing certificate.
s="$tmp/sign"
mkdir "$s"
openssl req -x509 -newkey rsa:3072 -nodes -keyout "$s/ca.key" -out "$s/ca.pem" -days 2 \
	-subj "/CN=BeSign Test CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey rsa:3072 -nodes -keyout "$s/sign.key" -out "$s/sign.csr" -subj "/CN=BeSign Test Signer" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >"$s/ext"
openssl x509 -req -in "$s/sign.csr" -CA "$s/ca.pem" -CAkey "$s/ca.key" -CAcreateserial -days 2 \
	-extfile "$s/ext" -out "$s/sign.pem" 2>/dev/null
head -c 24 /dev/urandom | base64 >"$s/pass"
openssl pkcs12 -export -inkey "$s/sign.key" -in "$s/sign.pem" -certfile "$s/ca.pem" \
	-passout "file:$s/pass" -out "$s/sign.pfx"
for f in "$exe" "$setup" "$msi"; do
	cp "$f" "$s/"
	b="$s/$(basename "$f")"
	osslsigncode verify -CAfile "$s/ca.pem" -in "$b" >/dev/null 2>&1 && fail "$(basename "$f") verifies before signing"
	SIGN_PFX="$s/sign.pfx" SIGN_PASS_FILE="$s/pass" bash packaging/sign.sh "$b" >/dev/null
	osslsigncode verify -CAfile "$s/ca.pem" -in "$b" >"$s/verify.log" 2>&1 || { cat "$s/verify.log" >&2; fail "signed $(basename "$f") does not verify"; }
	grep -q 'BeSign Test Signer' "$s/verify.log" || fail "signature of $(basename "$f") is not the test signer's"
done
ok "exe, setup.exe and msi signed with osslsigncode and verified"
echo "PASS: Windows packages"
