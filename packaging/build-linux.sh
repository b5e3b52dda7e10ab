#!/usr/bin/env bash
# Builds the Linux artefacts from the repository root:
#   $DIST/besign_$VERSION_amd64.deb            (nfpm)
#   $DIST/besign-$VERSION-linux-amd64.tar.xz   (same tree, prefix-relative)
# Environment: VERSION (required), GO, LDFLAGS, DIST (default dist),
# BESIGN_LINUX_BIN (use this binary instead of building one).
set -euo pipefail

: "${VERSION:?VERSION is not set (make package-linux sets it from FyneApp.toml)}"
GO=${GO:-go}
DIST=${DIST:-dist}
NFPM_VERSION=v2.45.2
APP_ID=id.go.natunakab.besign
root=$(pwd)
out="$root/$DIST/linux"
stage="$out/stage"

for tool in convert xz; do
	command -v "$tool" >/dev/null || { echo "build-linux: $tool not found; run scripts/install-deps.sh package" >&2; exit 1; }
done

rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/share/applications" "$stage/share/metainfo" "$stage/share/doc/besign"

if [ -n "${BESIGN_LINUX_BIN:-}" ]; then
	install -m 0755 "$BESIGN_LINUX_BIN" "$stage/bin/besign"
else
	# -s -w only change the link step, so `make build`'s compile cache is reused.
	CGO_ENABLED=1 GOOS=linux GOARCH=amd64 "$GO" build -ldflags "${LDFLAGS:-} -s -w" -o "$stage/bin/besign" .
fi
got=$("$stage/bin/besign" version)
if [ "$got" != "besign $VERSION" ]; then
	echo "build-linux: binary says \"$got\", want \"besign $VERSION\"" >&2
	exit 1
fi

# Release date for AppStream: the last commit, so that rebuilds are identical.
date=$(git log -1 --format=%cs 2>/dev/null || true)
[ -n "$date" ] || date=$(date -u +%F)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date -u -d "$date" +%s)}

for size in 16 22 24 32 48 64 128 256 512; do
	d="$stage/share/icons/hicolor/${size}x${size}/apps"
	mkdir -p "$d"
	convert assets/icon.png -strip -resize "${size}x${size}" "PNG32:$d/$APP_ID.png"
done
install -m 0644 packaging/linux/$APP_ID.desktop "$stage/share/applications/"
sed -e "s/@VERSION@/$VERSION/" -e "s/@DATE@/$date/" packaging/linux/$APP_ID.metainfo.xml \
	>"$stage/share/metainfo/$APP_ID.metainfo.xml"
install -m 0644 packaging/config.example.toml packaging/server.example.toml README.md "$stage/share/doc/besign/"
install -D -m 0644 packaging/linux/besign-server.service "$stage/lib/systemd/system/besign-server.service"
# the licences of every Go module in the binary (go generate ./assets)
install -m 0644 assets/notices.txt "$stage/share/doc/besign/THIRD_PARTY_NOTICES.txt"
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f ! -path '*/bin/*' -exec chmod 0644 {} +

deb="$root/$DIST/besign_${VERSION}_amd64.deb"
rm -f "$deb"
(cd "$out" && VERSION="$VERSION" "$GO" run "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION" \
	pkg --config "$root/packaging/linux/nfpm.yaml" --packager deb --target "$deb" >/dev/null)

name="besign-$VERSION-linux-amd64"
tarxz="$root/$DIST/$name.tar.xz"
rm -f "$tarxz"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
	--transform "s,^\.,$name," -cf - . | xz -9 -T1 >"$tarxz.tmp"
mv "$tarxz.tmp" "$tarxz"
echo "$deb"
echo "$tarxz"
