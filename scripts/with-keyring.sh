#!/usr/bin/env bash
# Runs CMD... with a real Secret Service: a private D-Bus session (dbus-run-session) in which
# gnome-keyring-daemon runs with only its "secrets" component and an unlocked "login" keyring. The keyring
# files live in a temporary directory, never in the user's own keyring, and everything is removed when
# CMD ends. Works headless, as root, without X. The exit status is CMD's.
#
#   scripts/with-keyring.sh env BESIGN_KEYRING_TEST=1 go test ./keystore/...
#
# Needs dbus (dbus-run-session, dbus-send) and gnome-keyring: scripts/install-deps.sh test.
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi

if [ "${_BESIGN_WITH_KEYRING_INNER:-}" != "1" ]; then
	for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "with-keyring: $tool not found; run scripts/install-deps.sh test" >&2
			exit 1
		fi
	done
	# A fresh session bus for CMD alone; this script runs again inside it.
	exec env _BESIGN_WITH_KEYRING_INNER=1 dbus-run-session -- "$0" "$@"
fi
unset _BESIGN_WITH_KEYRING_INNER

tmp=$(mktemp -d "${TMPDIR:-/tmp}/besign-keyring.XXXXXX")
daemon_pid=""
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -m 700 "$tmp/run" "$tmp/data"

# The daemon gets its own runtime and data dirs so that the keyring files are the temporary ones; CMD
# keeps the caller's HOME and XDG dirs (Go's build cache lives there). --unlock reads the password of the
# login keyring from stdin and creates that keyring when it does not exist.
printf '%s' "besign-test-keyring" |
	XDG_RUNTIME_DIR="$tmp/run" XDG_DATA_HOME="$tmp/data" \
		gnome-keyring-daemon --foreground --unlock --components=secrets >"$tmp/daemon.log" 2>&1 &
daemon_pid=$!

# Wait (at most about 10 s) until the daemon owns the Secret Service name on the bus.
ready=""
for _ in $(seq 100); do
	if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
		grep -q 'boolean true'; then
		ready=1
		break
	fi
	if ! kill -0 "$daemon_pid" 2>/dev/null; then
		break
	fi
	sleep 0.1
done
if [ -z "$ready" ]; then
	echo "with-keyring: gnome-keyring-daemon did not start the Secret Service:" >&2
	cat "$tmp/daemon.log" >&2
	exit 1
fi

# What go-keyring (godbus) and secret-tool need is DBUS_SESSION_BUS_ADDRESS, set by dbus-run-session.
export DBUS_SESSION_BUS_ADDRESS
status=0
"$@" || status=$?
exit "$status"
