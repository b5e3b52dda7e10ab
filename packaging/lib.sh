# Shared helpers of the install tests (sourced, not run).

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() { echo "ok: $*"; }

# start_xvfb sets DISPLAY to a fresh Xvfb server and XVFB_PID to its pid.
start_xvfb() {
	local n
	for n in $(seq 120 160); do
		[ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] && continue
		Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
		XVFB_PID=$!
		export DISPLAY=":$n"
		for _ in $(seq 100); do
			xdpyinfo >/dev/null 2>&1 && return 0
			kill -0 "$XVFB_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$XVFB_PID" 2>/dev/null || true
		XVFB_PID=""
	done
	fail "no Xvfb display could be started"
}

stop_xvfb() {
	if [ -n "${XVFB_PID:-}" ]; then
		kill "$XVFB_PID" 2>/dev/null || true
		wait "$XVFB_PID" 2>/dev/null || true
		XVFB_PID=""
	fi
}

# wait_window TITLE SECONDS prints the id of the visible window named TITLE.
wait_window() {
	local title=$1 secs=$2 ids
	for _ in $(seq $((secs * 10))); do
		ids=$(xdotool search --onlyvisible --name "^$title\$" 2>/dev/null || true)
		if [ -n "$ids" ]; then
			echo "$ids" | head -n1
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# check_screenshot FILE fails when the picture is blank (one colour or
# nearly): a window that mapped but never drew.
check_screenshot() {
	local f=$1 colors
	colors=$(convert "$f" -format '%k' info:)
	[ "$colors" -ge 8 ] || fail "screenshot $f has only $colors colours: nothing drawn"
}
