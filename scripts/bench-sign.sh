#!/bin/sh
# bench-sign.sh: whole-process timing of `besign sign` on a generated
# 100 MB PDF against the floor (cp + fsync + sha256sum of the same file)
# and poppler's `pdfsig -add-signature` with the same key and certificate,
# plus the per-signature cost on a one-page PDF (go test -bench).
# Runs are interleaved (floor, besign, pdfsig, floor, ...) so that other
# work on the machine weighs on each alike; the load average is printed.
# Usage: scripts/bench-sign.sh [RUNS]   (env: MB=100, KEEP=1 keeps the work dir,
#   BIN=path measures that binary instead of building one)
set -eu
RUNS=${1:-5}
MB=${MB:-100}
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-$(sed -n 's/^toolchain //p' go.mod)}
W=$(mktemp -d /tmp/bench-sign.XXXXXX)
[ "${KEEP:-}" = 1 ] || trap 'rm -rf "$W"' EXIT
for t in pdfsig certutil pk12util sha256sum /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "missing $t (scripts/install-deps.sh)" >&2; exit 1; }
done

echo "building besign and generating a ${MB} MB PDF in $W ..."
if [ -n "${BIN:-}" ]; then
	cp "$BIN" "$W/besign"
else
	go build -o "$W/linked" .
	cp "$W/linked" "$W/besign" # see below
fi
go run ./pdfsign/internal/genbig -out "$W/big.pdf" -mb "$MB" -pki "$W"
SIZE=$(stat -c %s "$W/big.pdf")

mkdir "$W/nss"
certutil -N -d "sql:$W/nss" --empty-password
certutil -A -d "sql:$W/nss" -n root -t C,C,C -i "$W/root.pem"
pk12util -i "$W/signer.p12" -d "sql:$W/nss" -W rahasia -K "" >/dev/null
NICK=$(certutil -L -d "sql:$W/nss" | grep 'u,u,u' | sed 's/ *u,u,u *$//')

# run NAME CMD...: runs CMD once, adding its seconds and peak RSS to
# $W/times.NAME.
run() {
	name=$1; shift
	rm -f "$W/out.pdf" "$W/copy.pdf"
	/usr/bin/time -f "%e %M" -o "$W/t1" "$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
	cat "$W/t1" >>"$W/times.$name"
}

# report NAME: prints the median seconds and the largest peak RSS.
report() {
	name=$1
	med=$(sort -n "$W/times.$name" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	rss=$(awk 'BEGIN{m=0} {if ($2>m) m=$2} END {print m}' "$W/times.$name")
	printf '%-28s median %6.2f s   peak RSS %6.1f MB\n' "$name" "$med" "$(echo "$rss" | awk '{print $1/1024}')"
	echo "$med" >"$W/med.$name"
}

# A binary just linked has its pages dirty in the page cache, which adds
# 14-16 MB to its runs' peak RSS (syncing it was not enough: 50 MB against
# 36 MB for a copy): a copy, synced and run once, is measured as an
# installed one.
sync "$W/besign"
"$W/besign" version >/dev/null

echo "file: $SIZE bytes, $RUNS interleaved runs each (warm page cache; run 0 warms up, not counted)"
i=0
while [ $i -le "$RUNS" ]; do
	[ $i -eq 1 ] && rm -f "$W"/times.*
	run floor sh -c "cp '$W/big.pdf' '$W/copy.pdf' && sync '$W/copy.pdf' && sha256sum '$W/big.pdf'"
	# coreutils' sha256sum may lack the CPU's SHA instructions; OpenSSL
	# uses them, as Go does: the stricter floor.
	command -v openssl >/dev/null &&
		run floor-openssl sh -c "cp '$W/big.pdf' '$W/copy.pdf' && sync '$W/copy.pdf' && openssl dgst -sha256 '$W/big.pdf'"
	run cp+sync sh -c "cp '$W/big.pdf' '$W/copy.pdf' && sync '$W/copy.pdf'"
	run besign sh -c "echo rahasia | '$W/besign' --data-dir '$W/data' sign --p12 '$W/signer.p12' --passphrase-stdin --out '$W/out.pdf' '$W/big.pdf'"
	run pdfsig pdfsig -nssdir "sql:$W/nss" -nick "$NICK" -add-signature "$W/big.pdf" "$W/out.pdf"
	i=$((i + 1))
done
for n in floor floor-openssl cp+sync besign pdfsig; do
	[ -f "$W/times.$n" ] && report "$n"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# Peak RSS is the largest process of the measured tree (for besign: besign,
# not the shell that feeds it the password).
F=$(cat "$W/med.floor")
[ -f "$W/med.floor-openssl" ] && F=$(cat "$W/med.floor-openssl")
awk -v f="$F" -v b="$(cat "$W/med.besign")" -v p="$(cat "$W/med.pdfsig")" \
	'BEGIN { printf "besign / floor = %.2fx (target <= 1.5x); pdfsig / besign = %.1fx (target >= 3x)\n", b/f, p/b }'

echo
echo "one-page PDF, whole process (start, PKCS#12 decode, sign, fsync, exit):"
cp pdfsign/testdata/corpus/test.pdf "$W/one.pdf"
i=0
while [ $i -le "$RUNS" ]; do
	run besign-1page sh -c "echo rahasia | '$W/besign' --data-dir '$W/data' sign --p12 '$W/signer.p12' --passphrase-stdin --out '$W/out.pdf' '$W/one.pdf'"
	i=$((i + 1))
done
report besign-1page

echo
echo "per signature, one-page PDF, in process:"
go test ./pdfsign/ -run '^$' -bench 'SignOnePage|VerifyOnePage' -benchtime 2s | grep -E '^Benchmark'
