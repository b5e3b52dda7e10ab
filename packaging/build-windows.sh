#!/usr/bin/env bash
# Cross-builds the Windows artefacts from the repository root:
#   $DIST/windows/besign.exe                      (GUI subsystem, icon, version info, manifest)
#   $DIST/besign-$VERSION-windows-amd64-setup.exe (NSIS)
#   $DIST/besign-$VERSION-windows-amd64.msi       (wixl)
# Environment: VERSION (required), GO, LDFLAGS, DIST (dist),
# BESIGN_WINDOWS_EXE (package this .exe instead of building one),
# SIGN_PFX and SIGN_PASS_FILE (Authenticode-sign everything, see sign.sh).
set -euo pipefail

: "${VERSION:?VERSION is not set (make package-windows sets it from FyneApp.toml)}"
GO=${GO:-go}
DIST=${DIST:-dist}
root=$(pwd)
out="$root/$DIST/windows"
setup="$root/$DIST/besign-$VERSION-windows-amd64-setup.exe"
msi="$root/$DIST/besign-$VERSION-windows-amd64.msi"

for tool in x86_64-w64-mingw32-gcc x86_64-w64-mingw32-g++ x86_64-w64-mingw32-windres makensis wixl convert; do
	command -v "$tool" >/dev/null || { echo "build-windows: $tool not found; run scripts/install-deps.sh package" >&2; exit 1; }
done
sign=""
if [ -n "${SIGN_PFX:-}" ]; then
	sign="$root/packaging/sign.sh"
fi

# Windows wants four numbers: 0.1.0-rc1 -> 0.1.0.BUILD (Build from FyneApp.toml).
IFS=. read -r major minor patch <<<"${VERSION%%[-+]*}"
build=$(sed -n 's/^Build *= *\([0-9]*\).*/\1/p' FyneApp.toml)
for n in "$major" "${minor:-}" "${patch:-}" "${build:-0}"; do
	[[ "$n" =~ ^[0-9]+$ ]] || { echo "build-windows: VERSION $VERSION is not like 1.2.3" >&2; exit 1; }
done
build=${build:-0}

rm -rf "$out"
mkdir -p "$out"
convert assets/icon.png -define icon:auto-resize=256,128,64,48,32,24,16 "$out/besign.ico"
cp packaging/windows/besign.manifest "$out/"
x86_64-w64-mingw32-windres -I "$out" -I packaging/windows \
	-DVER_MAJOR="$major" -DVER_MINOR="$minor" -DVER_PATCH="$patch" -DVER_BUILD="$build" \
	-DVER_STR="\\\"$VERSION\\\"" -O coff -o "$out/rsrc.o" packaging/windows/besign.rc

if [ -n "${BESIGN_WINDOWS_EXE:-}" ]; then
	cp "$BESIGN_WINDOWS_EXE" "$out/besign.exe"
else
	# The resources go to the external linker, not as a .syso in the
	# package directory, so the source tree stays untouched. -static keeps
	# libstdc++, libgcc and winpthread (camera code is C++) inside the .exe.
	CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++ GOOS=windows GOARCH=amd64 \
		"$GO" build -ldflags "${LDFLAGS:-} -s -w -H windowsgui '-extldflags=-static $out/rsrc.o'" \
		-o "$out/besign.exe" .
fi
cp packaging/config.example.toml "$out/"
cp assets/notices.txt "$out/THIRD_PARTY_NOTICES.txt"
[ -z "$sign" ] || "$sign" "$out/besign.exe"

rm -f "$setup" "$msi"
nsis_defs=(-DVERSION="$VERSION" -DVIVERSION="$major.$minor.$patch.$build" -DSRCDIR="$out" -DOUTFILE="$setup.tmp")
[ -z "$sign" ] || nsis_defs+=(-DSIGNCMD="$sign")
makensis -V2 -NOCD "${nsis_defs[@]}" packaging/windows/installer.nsi
mv "$setup.tmp" "$setup"
[ -z "$sign" ] || "$sign" "$setup"

# wixl resolves sources relative to the .wxs, and only relative paths.
cp packaging/windows/besign.wxs "$out/"
(cd "$out" && wixl -a x64 -D Version="$major.$minor.$patch" -D SourceDir=. -o "$msi.tmp" besign.wxs)
mv "$msi.tmp" "$msi"
[ -z "$sign" ] || "$sign" "$msi"
echo "$setup"
echo "$msi"
