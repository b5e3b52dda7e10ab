#!/usr/bin/env bash
# Installs the Debian packages the build needs, plus those of the groups
# named as arguments: "test" (make test), "package" (make package,
# make test-packages), "bench" (the scripts/bench-*.sh timings). Only
# what is missing is installed; safe to run again.
set -euo pipefail

build_pkgs=(gcc pkg-config libgl1-mesa-dev xorg-dev libwayland-dev libxkbcommon-dev wayland-protocols)
# postgresql: the server binaries internal/pgtest runs in a temporary
# directory (no TCP, a socket of its own); the cluster Debian's package may
# start is not used and does not get in the way.
test_pkgs=(xvfb xdotool imagemagick poppler-utils qpdf mupdf-tools gnome-keyring libsecret-tools
	dbus dbus-x11 zbar-tools oathtool libnss3-tools openssl xauth x11-utils xclip postgresql)
bench_pkgs=(hyperfine poppler-utils openssl)
package_pkgs=(nsis msitools wixl osslsigncode gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64
	binutils-mingw-w64-x86-64 wine wine64 xvfb xdotool x11-utils imagemagick
	xz-utils dpkg-dev appstream desktop-file-utils openssl xdg-utils zbar-tools)

want=("${build_pkgs[@]}")
for group in "$@"; do
	case "$group" in
	test) want+=("${test_pkgs[@]}") ;;
	package) want+=("${package_pkgs[@]}") ;;
	bench) want+=("${bench_pkgs[@]}") ;;
	*) echo "install-deps: unknown group $group (test, package, bench)" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
