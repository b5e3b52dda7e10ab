#!/usr/bin/env bash
# Authenticode-signs Windows files in place with osslsigncode:
#   SIGN_PFX=cert.pfx SIGN_PASS_FILE=pass.txt packaging/sign.sh FILE...
# SIGN_PASS_FILE holds the PFX password (never on a command line, where
# every user could read it); SIGN_TIMESTAMP_URL, when set, adds an RFC 3161
# timestamp so that signatures outlive the certificate.
set -euo pipefail

: "${SIGN_PFX:?SIGN_PFX (the PKCS#12 certificate file) is not set}"
: "${SIGN_PASS_FILE:?SIGN_PASS_FILE (file with the certificate password) is not set}"
[ -r "$SIGN_PFX" ] || { echo "sign: cannot read $SIGN_PFX" >&2; exit 1; }
[ -r "$SIGN_PASS_FILE" ] || { echo "sign: cannot read $SIGN_PASS_FILE" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: sign.sh FILE..." >&2; exit 2; }

ts=()
if [ -n "${SIGN_TIMESTAMP_URL:-}" ]; then
	ts=(-ts "$SIGN_TIMESTAMP_URL")
fi
for f in "$@"; do
	rm -f "$f.signed"
	if ! osslsigncode sign -pkcs12 "$SIGN_PFX" -readpass "$SIGN_PASS_FILE" -h sha256 \
		-n "BeSign Desktop" -i https://natunakab.go.id "${ts[@]}" -in "$f" -out "$f.signed" >/dev/null; then
		rm -f "$f.signed"
		echo "sign: osslsigncode failed on $f" >&2
		exit 1
	fi
	mv "$f.signed" "$f"
	echo "signed $f"
done
