#!/bin/sh
# bench-batch.sh: whole-process timing of `besign sign --p12 --out-dir` on
# batches of one-page PDFs against the floor the speed issue defines:
# copying the files and syncing each (one cp, one sync: no process per
# file), plus RSA-2048 signing at OpenSSL's rate on every core
# (`openssl speed -multi NPROC rsa2048`, the better of two measures taken
# in the same run). Runs are interleaved (floor, besign, [base,] floor,
# ...) so that other work on the machine weighs on each alike; the load
# average is printed. The binaries are copied, synced and run once before
# timing, so that a just-linked file's dirty pages do not count.
# Usage: scripts/bench-batch.sh [RUNS] [N...]   (default: 5 runs, 100 1000)
#   env BIN=path measures that binary instead of building one; BASE=path
#   measures that one too (an earlier build); KEEP=1 keeps the work dir.
set -eu
RUNS=${1:-5}
[ $# -gt 0 ] && shift
SIZES=${*:-100 1000}
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-$(sed -n 's/^toolchain //p' go.mod)}
W=$(mktemp -d /tmp/bench-batch.XXXXXX)
[ "${KEEP:-}" = 1 ] || trap 'rm -rf "$W"' EXIT
for t in openssl sync pdfsig /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "missing $t (scripts/install-deps.sh test)" >&2; exit 1; }
done
if [ -n "${BIN:-}" ]; then
	cp "$BIN" "$W/besign"
else
	go build -ldflags "-X github.com/natunakab/besign/cli.Version=bench" -o "$W/besign" .
fi
BINS=besign
if [ -n "${BASE:-}" ]; then
	cp "$BASE" "$W/base"
	BINS="besign base"
fi
go run ./pdfsign/internal/genbig -out "$W/big.pdf" -mb 1 -pki "$W" >/dev/null
for b in $BINS; do sync "$W/$b"; done
printf 'rahasia\n' >"$W/pass"

# rsa: RSA-2048 signatures per second on all cores, OpenSSL's best;
# gorsa: the same with Go's crypto/rsa, which besign uses (the floor it
# could reach with its own RSA).
rsa=0
gorsa=0
go test -c -o "$W/signjob.test" ./signjob
rsaspeed() {
	r=$(openssl speed -multi "$(nproc)" -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $(NF-1)}')
	rsa=$(awk -v a="$rsa" -v b="$r" 'BEGIN {print (b > a) ? b : a}')
	r=$("$W/signjob.test" -test.run '^$' -test.bench KeyRSA -test.benchtime 3s | awk '/signatures\/s/ {print $(NF-1)}')
	gorsa=$(awk -v a="$gorsa" -v b="$r" 'BEGIN {print (b > a) ? b : a}')
}
rsaspeed

med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for n in $SIZES; do
	src="$W/in$n"
	mkdir "$src"
	i=1
	while [ $i -le "$n" ]; do
		cp pdfsign/testdata/corpus/test.pdf "$src/surat-$i.pdf"
		i=$((i + 1))
	done
	for b in floor $BINS; do : >"$W/$b.$n"; done
	r=0
	while [ $r -le "$RUNS" ]; do # run 0 warms up and is not counted
		for b in floor $BINS; do
			rm -rf "$W/out"
			mkdir "$W/out"
			if [ $b = floor ]; then
				/usr/bin/time -f "%e %M %U %S" -o "$W/t" sh -c "cp '$src'/*.pdf '$W/out/' && sync '$W/out'/*.pdf"
			else
				/usr/bin/time -f "%e %M %U %S" -o "$W/t" "$W/$b" --data-dir "$W/data" sign --p12 "$W/signer.p12" \
					--passphrase-stdin --visible --rect 20,20,200,80 --out-dir "$W/out" "$src"/*.pdf \
					<"$W/pass" >/dev/null
				got=$(ls "$W/out" | wc -l)
				[ "$got" -eq "$n" ] || { echo "$b wrote $got files, not $n" >&2; exit 1; }
				left=$(ls -A "$W/out" | grep -c '^\.besign' || true)
				[ "$left" -eq 0 ] || { echo "$b left $left temporary files" >&2; exit 1; }
				pdfsig -nocert "$W/out/surat-${n}_signed.pdf" 2>&1 | grep -q 'Signature is Valid' ||
					{ echo "pdfsig does not find $b's surat-${n}_signed.pdf valid" >&2; exit 1; }
			fi
			[ $r -gt 0 ] && cat "$W/t" >>"$W/$b.$n"
		done
		r=$((r + 1))
	done
	rm -rf "$src"
	[ "$n" = "${SIZES##* }" ] && rsaspeed
	fc=$(cut -d' ' -f1 "$W/floor.$n" | med)
	echo "$n documents, medians of $RUNS interleaved runs (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
	awk -v n="$n" -v fc="$fc" -v rsa="$rsa" -v gorsa="$gorsa" 'BEGIN {
		printf "  floor: cp + sync %.3f s + OpenSSL RSA at %.0f/s %.3f s = %.3f s (%.0f docs/s)\n", fc, rsa, n / rsa, fc + n / rsa, n / (fc + n / rsa)
		printf "  Go floor: cp + sync + Go RSA at %.0f/s %.3f s = %.3f s\n", gorsa, n / gorsa, fc + n / gorsa }'
	for b in $BINS; do
		bm=$(cut -d' ' -f1 "$W/$b.$n" | med)
		cpu=$(awk '{print $3+$4}' "$W/$b.$n" | med)
		rss=$(awk 'BEGIN{m=0} {if ($2>m) m=$2} END {print m/1024}' "$W/$b.$n")
		awk -v b="$b" -v n="$n" -v fc="$fc" -v bm="$bm" -v rsa="$rsa" -v gorsa="$gorsa" -v rss="$rss" -v cpu="$cpu" \
			-v all="$(cut -d' ' -f1 "$W/$b.$n" | sort -n | tr '\n' ' ')" 'BEGIN {
			printf "  %s: %.3f s (%.0f docs/s; runs %s), %.2f s CPU, peak RSS %.1f MB: %.2fx the floor, %.2fx the Go floor\n",
				b, bm, n / bm, all, cpu, rss, bm / (fc + n / rsa), bm / (fc + n / gorsa) }'
	done
done
