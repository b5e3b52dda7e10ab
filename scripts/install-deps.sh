#!/usr/bin/env bash
# Installs the Debian packages the build (and, with "test", the tests) need.
# Only what is missing is installed; safe to run again.
set -euo pipefail

build_pkgs=(gcc pkg-config libgl1-mesa-dev xorg-dev libwayland-dev libxkbcommon-dev wayland-protocols)
test_pkgs=(xvfb xdotool imagemagick poppler-utils qpdf mupdf-tools gnome-keyring libsecret-tools
	dbus dbus-x11 zbar-tools oathtool libnss3-tools openssl xauth x11-utils xclip)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "test" ]; then
	want+=("${test_pkgs[@]}")
fi

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
