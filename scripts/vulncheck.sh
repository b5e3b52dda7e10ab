#!/usr/bin/env bash
# govulncheck over the module, against a vulnerability database built here:
# vuln.go.dev cannot be reached, but golang.org/x/vulndb (its OSV reports)
# comes through the Go module proxy, and its own cmd/indexdb writes the
# database govulncheck reads. Exit status 3 (a reached vulnerability) fails
# make test. VULNDB_VERSION moves forward by hand, like any dependency.
set -euo pipefail
cd "$(dirname "$0")/.."

VULN_VERSION=${VULN_VERSION:-v1.9.0}
VULNDB_VERSION=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}
cache=${BESIGN_VULNDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/besign/vulndb}
db="$cache/$VULNDB_VERSION"

if [ ! -f "$db/index/db.json" ]; then
	src=$(go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$src/data/osv" ] || { echo "vulncheck: no data/osv in golang.org/x/vulndb@$VULNDB_VERSION" >&2; exit 1; }
	rm -rf "$db.tmp"
	mkdir -p "$cache"
	# indexdb runs outside this module so that its dependencies stay out of go.mod.
	(cd "$cache" && GOFLAGS=-mod=mod go run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" -vulns "$src/data/osv" -out "$db.tmp")
	mv "$db.tmp" "$db"
fi
echo "vulncheck: $(go version), database golang.org/x/vulndb@$VULNDB_VERSION" >&2
go run "golang.org/x/vuln/cmd/govulncheck@$VULN_VERSION" -db "file://$db" ./...
