#!/usr/bin/env bash
# pgo.sh [SIZE] - regenerate cmd/mailroute/default.pgo, the CPU profile that
# `go build` uses for profile-guided optimisation of mailroute.
#
# Builds mailroute and tools/mkmbox, writes a SIZE (default 512MiB) mbox from
# samples/*.eml into a temporary directory, profiles `mailroute scan` on it
# RUNS times (default 6; MAILROUTE_CPUPROFILE, 100 samples a second per
# busy core) and merges the profiles with go tool pprof. Run it after
# changes to hot code; a stale profile still builds, it only helps less.
# Needs Go; nothing to install.
set -euo pipefail

SIZE=${1:-512MiB}
RUNS=${RUNS:-6}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export GOFLAGS=${GOFLAGS:--mod=mod}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroute-pgo.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

cd "$ROOT"
go build -pgo=off -o "$TMP/mailroute" ./cmd/mailroute # profile the plain build
go build -o "$TMP/mkmbox" ./tools/mkmbox
"$TMP/mkmbox" -size "$SIZE" -seed 1 -samples samples -o "$TMP/pgo.mbox" 2>/dev/null
profiles=()
for ((i = 1; i <= RUNS; i++)); do
	MAILROUTE_CPUPROFILE="$TMP/scan$i.prof" "$TMP/mailroute" scan --quiet "$TMP/pgo.mbox" >/dev/null
	profiles+=("$TMP/scan$i.prof")
done
go tool pprof -proto "${profiles[@]}" >"$TMP/merged.prof" 2>/dev/null
cp "$TMP/merged.prof" cmd/mailroute/default.pgo
echo "pgo: wrote cmd/mailroute/default.pgo ($(wc -c <cmd/mailroute/default.pgo) bytes) from $RUNS scans of $SIZE" >&2
