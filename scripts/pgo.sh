#!/usr/bin/env bash
# pgo.sh [SIZE] - regenerate cmd/mailroute/default.pgo, the CPU profile that
# `go build` uses for profile-guided optimisation of mailroute.
#
# Builds mailroute and tools/mkmbox, writes a SIZE (default 512MiB) mbox from
# samples/*.eml into a temporary directory and profiles `mailroute scan` on
# it (MAILROUTE_CPUPROFILE). Run it after changes to hot code; a stale
# profile still builds, it only helps less. Needs Go; nothing to install.
set -euo pipefail

SIZE=${1:-512MiB}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export GOFLAGS=${GOFLAGS:--mod=mod}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroute-pgo.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

cd "$ROOT"
go build -o "$TMP/mailroute" ./cmd/mailroute
go build -o "$TMP/mkmbox" ./tools/mkmbox
"$TMP/mkmbox" -size "$SIZE" -seed 1 -samples samples -o "$TMP/pgo.mbox" 2>/dev/null
MAILROUTE_CPUPROFILE="$TMP/scan.prof" "$TMP/mailroute" scan --quiet "$TMP/pgo.mbox" >/dev/null
cp "$TMP/scan.prof" cmd/mailroute/default.pgo
echo "pgo: wrote cmd/mailroute/default.pgo ($(wc -c <cmd/mailroute/default.pgo) bytes) from a $SIZE scan" >&2
