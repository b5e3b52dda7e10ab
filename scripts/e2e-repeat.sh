#!/usr/bin/env bash
# Runs the end-to-end suite N times in a row (default 5) on this checkout
# while LOAD busy loops (default 2: one per core here) keep the machine
# loaded, and prints one line per run: result, duration, load average. Each
# run's log and screenshots stay in artifacts/e2e-runI(.log).
#
#   bash scripts/e2e-repeat.sh [N]
set -u
cd "$(dirname "$0")/.."
n=${1:-5}
load=${LOAD:-2}
make -s build >/dev/null || exit 1
mkdir -p artifacts
pids=()
for _ in $(seq "$load"); do
	(while :; do :; done) &
	pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
passed=0
for i in $(seq "$n"); do
	start=$(date +%s)
	if make -s test-e2e ARTIFACTS="artifacts/e2e-run$i" >"artifacts/e2e-run$i.log" 2>&1; then
		result=PASS
		passed=$((passed + 1))
	else
		result=FAIL
	fi
	tests=$(grep -c '^--- PASS' "artifacts/e2e-run$i.log")
	echo "run $i: $result ($tests tests passed) in $(($(date +%s) - start)) s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "$passed of $n runs passed"
[ "$passed" = "$n" ]
