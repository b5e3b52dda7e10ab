#!/bin/sh
# bench-start.sh: what a besign process costs before its work, measured
# with hyperfine in ROUNDS interleaved rounds (each round times every
# command; the figure is the median of the rounds' medians):
#   - `besign version` against a Go program that prints one line (the
#     floor of any Go command: the runtime's own start);
#   - `besign verify` of a 1 MB signed PDF against poppler's `pdfsig`.
# The binary is built with make's flags, copied, synced and warmed up.
# Usage: scripts/bench-start.sh [ROUNDS]   (default 5; env RUNS=20 per
#   round, BIN=path measures that binary, BASE=path an earlier one too)
set -eu
ROUNDS=${1:-5}
RUNS=${RUNS:-20}
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-$(sed -n 's/^toolchain //p' go.mod)}
for t in hyperfine pdfsig; do
	command -v "$t" >/dev/null || { echo "missing $t (scripts/install-deps.sh bench)" >&2; exit 1; }
done
W=$(mktemp -d /tmp/bench-start.XXXXXX)
trap 'rm -rf "$W"' EXIT
if [ -n "${BIN:-}" ]; then
	cp "$BIN" "$W/besign"
else
	go build -ldflags "-X github.com/natunakab/besign/cli.Version=bench" -o "$W/besign" .
fi
[ -z "${BASE:-}" ] || cp "$BASE" "$W/base"
mkdir "$W/hello"
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("besign bench") }\n' >"$W/hello/main.go"
printf 'module hello\n\ngo 1.26\n' >"$W/hello/go.mod"
(cd "$W/hello" && go build -o "$W/floor" .)
go run ./pdfsign/internal/genbig -out "$W/one.pdf" -mb 1 -pages 1 -pki "$W" >/dev/null
printf 'rahasia\n' | "$W/besign" --data-dir "$W/data" sign --p12 "$W/signer.p12" --passphrase-stdin \
	--out "$W/signed.pdf" "$W/one.pdf" >/dev/null
sync "$W"/*
echo "signed PDF: $(stat -c %s "$W/signed.pdf") bytes"

# name|command lines, measured in this order each round
{
	echo "floor: Go hello world|$W/floor"
	echo "besign version|$W/besign version"
	[ -z "${BASE:-}" ] || echo "base version|$W/base version"
	echo "pdfsig 1 MB|pdfsig $W/signed.pdf"
	echo "besign verify 1 MB|$W/besign --data-dir $W/data verify $W/signed.pdf"
	[ -z "${BASE:-}" ] || echo "base verify 1 MB|$W/base --data-dir $W/data verify $W/signed.pdf"
} >"$W/cmds"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	set --
	while IFS='|' read -r name cmd; do set -- "$@" -n "$name" "$cmd"; done <"$W/cmds"
	hyperfine -N -w 3 -r "$RUNS" --style none --export-csv "$W/round$r.csv" "$@" >/dev/null 2>&1
	r=$((r + 1))
done
echo "medians of $ROUNDS interleaved rounds of $RUNS runs (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
while IFS='|' read -r name cmd; do
	# hyperfine's CSV: command,mean,stddev,median,user,system,min,max
	for f in "$W"/round*.csv; do grep -F "$name," "$f" | head -1 | cut -d, -f4; done |
		sort -g | awk -v n="$name" '{a[NR]=$1} END {printf "  %-28s %6.1f ms (rounds %.1f-%.1f)\n", n, a[int((NR+1)/2)]*1000, a[1]*1000, a[NR]*1000}'
done <"$W/cmds"
