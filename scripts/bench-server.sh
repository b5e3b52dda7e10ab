#!/bin/sh
# The organisation server's load benchmark (issue 21): a throwaway
# PostgreSQL, two `besign serve` processes on it, C concurrent clients
# alternating between them, each signing in with OTP, unlocking its key
# once for a batch of 10 digests and time-stamping the signatures, for a
# bounded time. Needs Debian's postgresql package.
#   scripts/bench-server.sh [CLIENTS [DURATION [KDF_WORKERS]]]
# e.g. scripts/bench-server.sh 200 60s 2; ACCOUNTS_PER_CLIENT=3 gives each client
# accounts to take in turn (an account signs in about once per 30 s)
set -eu
cd "$(dirname "$0")/.."
CLIENTS=${1:-20}
DURATION=${2:-20s}
KDF=${3:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/besign" .
go build -o "$out/loadbench" ./server/loadgen/loadbench
"$out/loadbench" -besign "$out/besign" -clients "$CLIENTS" -duration "$DURATION" -kdf-workers "$KDF" -accounts-per-client "${ACCOUNTS_PER_CLIENT:-1}"
