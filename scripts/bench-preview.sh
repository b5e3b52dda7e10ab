#!/bin/sh
# bench-preview.sh: page previews against poppler's pdftoppm drawing the
# same page (an A4 page of text, 800 px wide, as the preview benchmarks
# draw it; pdftoppm writes PPM, no compression), in ROUNDS interleaved
# rounds: each round runs the preview benchmarks (10 iterations; the first
# preview while the first start compiles, drawn by the interpreter: 1),
# pdftoppm
# under hyperfine (10 runs), and `besign preview-cache` on an empty cache
# (what the app's first start runs in a child process: the compilation,
# with its time and peak RSS). Medians of the rounds; the load average is
# printed.
# Usage: scripts/bench-preview.sh [ROUNDS]   (default 3)
set -eu
ROUNDS=${1:-3}
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-$(sed -n 's/^toolchain //p' go.mod)}
for t in hyperfine pdftoppm /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "missing $t (scripts/install-deps.sh bench)" >&2; exit 1; }
done
W=$(mktemp -d /tmp/bench-preview.XXXXXX)
trap 'rm -rf "$W"' EXIT
go test -c -o "$W/preview.test" ./preview
go build -o "$W/besign" .
sync "$W/besign" "$W/preview.test"
BESIGN_BENCH_PAGE="$W/page.pdf" "$W/preview.test" -test.run '^TestWriteBenchPage$' >/dev/null
: >"$W/all"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	(cd "$W" && ./preview.test -test.run '^$' -test.benchtime 10x \
		-test.bench 'FirstPreviewWarm$|FirstPreviewWarmed|^BenchmarkWarm$|LaterDocument|RenderPage') |
		awk '/^Benchmark/ {sub(/-[0-9]+$/, "", $1); sub(/^Benchmark/, "", $1); print $1, $3 / 1e6}' >>"$W/all"
	# and the peak RSS of the process drawing it with the interpreter
	(cd "$W" && ./preview.test -test.run '^$' -test.benchtime 1x -test.bench 'FirstPreviewFilling') |
		awk '/^Benchmark/ {sub(/-[0-9]+$/, "", $1); sub(/^Benchmark/, "", $1); print $1, $3 / 1e6; print $1 "-MB", $5}' >>"$W/all"
	hyperfine -N -w 2 -r 10 --style none --export-csv "$W/h.csv" \
		"pdftoppm -scale-to-x 800 -scale-to-y -1 -f 1 -l 1 $W/page.pdf $W/out" >/dev/null 2>&1
	echo "pdftoppm $(tail -1 "$W/h.csv" | cut -d, -f4 | awk '{print $1 * 1000}')" >>"$W/all"
	rm -rf "$W/data"
	/usr/bin/time -f "%e %M" -o "$W/t" "$W/besign" --data-dir "$W/data" preview-cache >/dev/null
	awk '{print "preview-cache-s", $1; print "preview-cache-MB", $2 / 1024}' "$W/t" >>"$W/all"
	r=$((r + 1))
done
echo "medians of $ROUNDS interleaved rounds (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
for k in preview-cache-s preview-cache-MB FirstPreviewFilling FirstPreviewFilling-MB Warm FirstPreviewWarm FirstPreviewWarmed LaterDocument RenderPage pdftoppm; do
	grep "^$k " "$W/all" | cut -d' ' -f2 | sort -g |
		awk -v k="$k" '{a[NR]=$1} END {printf "  %-20s %8.1f (rounds %.1f-%.1f)\n", k, a[int((NR+1)/2)], a[1], a[NR]}'
done
echo "(ms, except preview-cache-s in seconds and the peak RSS (-MB) in MB)"
