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
trap '[ -n "$xvfb" ] && kill $xvfb 2>/dev/null; rm -rf "$work"' EXIT
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
times=()
for i in $(seq "$runs"); do
	data="$work/data$i"
	start=$(now)
	DISPLAY=$disp "$bin" --data-dir "$data" >"$work/app$i.log" 2>&1 &
	pid=$!
	until DISPLAY=$disp xdotool search --onlyvisible --name '^BeSign Desktop$' >/dev/null 2>&1; do
		if [ $(( ($(now) - start) / 1000000 )) -gt 20000 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "run $i: no window within 20 s on $disp" >&2
			kill "$pid" 2>/dev/null || true
			status=0
			wait "$pid" || status=$?
			echo "besign exit status $status; its output:" >&2
			cat "$work/app$i.log" >&2
			exit 1
		fi
		sleep 0.01
	done
	ms=$(( ($(now) - start) / 1000000 ))
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	times+=("$ms")
	echo "run $i: window after $ms ms"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median: " a[int((NR+1)/2)] " ms"}'
