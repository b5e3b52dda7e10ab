#!/usr/bin/env bash
# bench-window.sh: how long the desktop window takes to appear. Starts BIN
# RUNS times, each on a fresh data dir, under its own Xvfb, and polls every
# 10 ms with xdotool for the visible "BeSign Desktop" window (as the
# end-to-end test does); prints each run and the median.
# Usage, inside a Secret Service session as the app needs one:
#   bash scripts/with-keyring.sh bash scripts/bench-window.sh [BIN [RUNS]]
# (default BIN ./besign, RUNS 5). Needs Xvfb, xdpyinfo, xdotool.
set -euo pipefail
bin=${1:-./besign}
runs=${2:-5}
for t in Xvfb xdpyinfo xdotool; do
	command -v "$t" >/dev/null || { echo "missing $t (scripts/install-deps.sh test)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-window.XXXXXX")
# Our own Xvfb on a free display from :400 up (the e2e test starts from
# :90); other test runs may start
# servers at the same time, so a server that exits at once lost the race.
xvfb=""
# Wait for Xvfb to go: a server still shutting down removes the socket
# of the next one started on its display.
trap '[ -n "$xvfb" ] && kill $xvfb 2>/dev/null && wait $xvfb 2>/dev/null; rm -rf "$work"' EXIT
for n in $(seq 400 500); do
	[ -e "/tmp/.X$n-lock" ] && continue
	Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
	xvfb=$!
	for _ in $(seq 100); do
		kill -0 "$xvfb" 2>/dev/null || break
		xdpyinfo -display ":$n" >/dev/null 2>&1 && break
		sleep 0.05
	done
	if kill -0 "$xvfb" 2>/dev/null && xdpyinfo -display ":$n" >/dev/null 2>&1; then
		disp=:$n
		break
	fi
	xvfb=""
done
[ -n "$xvfb" ] || { echo "no Xvfb display" >&2; exit 1; }

now() { date +%s%N; }
# start_once N: starts besign, waits for its window; prints the time in ms.
# Status 3 when besign exits first: on this machine about one X connection
# in 25 fails (xdpyinfo alike), and GLFW then gives up.
start_once() {
	local data="$work/data$1" log="$work/app$1.log" start pid status
	rm -rf "$data"
	start=$(now)
	DISPLAY=$disp "$bin" --data-dir "$data" >"$log" 2>&1 &
	pid=$!
	until DISPLAY=$disp xdotool search --onlyvisible --name '^BeSign Desktop$' >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			status=0
			wait "$pid" || status=$?
			echo "run $1: besign exited with status $status before its window:" >&2
			head -n 4 "$log" >&2
			return 3
		fi
		if [ $(( ($(now) - start) / 1000000 )) -gt 20000 ]; then
			echo "run $1: no window within 20 s on $disp" >&2
			kill "$pid"
			cat "$log" >&2
			return 1
		fi
		sleep 0.01
	done
	echo $(( ($(now) - start) / 1000000 ))
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

times=()
for i in $(seq "$runs"); do
	for attempt in 1 2 3; do
		status=0
		ms=$(start_once "$i") || status=$?
		[ "$status" = 3 ] && [ "$attempt" -lt 3 ] && continue
		[ "$status" = 0 ] || exit 1
		break
	done
	times+=("$ms")
	echo "run $i: window after $ms ms"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median: " a[int((NR+1)/2)] " ms"}'
