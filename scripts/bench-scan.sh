#!/usr/bin/env bash
# bench-scan.sh [SIZE] - measure `mailroute scan` on a large generated mbox.
#
# Builds mailroute and tools/mkmbox, writes an mbox of at least SIZE bytes
# (default 1GiB) from samples/*.eml into a temporary directory, then measures
# in one run each:
#
#   mailroute scan --quiet FILE > /dev/null    wall time, MB/s, messages/s, peak RSS
#   grep -c '^Received:' FILE                  the same, as a floor for reading the file
#
# and prints a small table. The mbox is read once beforehand so that both
# commands find it in the page cache.
#
# Environment:
#   KEEP=1          keep the temporary directory (mbox and binaries) and print its path
#   MAILROUTE=CMD   run CMD FILE instead of the freshly built `mailroute scan --quiet FILE`
#                   (word-split; e.g. MAILROUTE="wc -l" to test the plumbing)
#   SEED=N          seed of tools/mkmbox (default 1)
#   SAMPLES=DIR     sample directory (default samples)
#   TMPDIR          where the temporary directory goes (the mbox needs SIZE of space)
#   RSS=poll        measure peak RSS by polling /proc even when GNU time is installed
#
# Peak RSS comes from GNU time (/usr/bin/time -v) when installed; otherwise the
# script polls VmHWM in /proc/PID/status every 20 ms while the command runs
# (peak RSS as the kernel counts it; growth in the last 20 ms, or a whole run
# shorter than that, can be missed).
# Needs bash, awk, grep and Go; nothing to install.
set -euo pipefail

SIZE=${1:-1GiB}
SEED=${SEED:-1}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SAMPLES=${SAMPLES:-$ROOT/samples}
export GOFLAGS=${GOFLAGS:--mod=mod}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mailroute-bench.XXXXXX")
cleanup() {
	if [[ ${KEEP:-0} == 1 ]]; then
		echo "bench-scan: kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT

cd "$ROOT"
echo "bench-scan: building" >&2
go build -o "$TMP/mkmbox" ./tools/mkmbox
if [[ -n ${MAILROUTE:-} ]]; then
	read -r -a CMD <<<"$MAILROUTE"
	LABEL=$MAILROUTE
else
	go build -o "$TMP/mailroute" ./cmd/mailroute
	CMD=("$TMP/mailroute" scan --quiet)
	LABEL="mailroute scan --quiet"
fi

MBOX=$TMP/bench.mbox
echo "bench-scan: writing $SIZE mbox" >&2
"$TMP/mkmbox" -size "$SIZE" -seed "$SEED" -samples "$SAMPLES" -o "$MBOX" 2>"$TMP/mkmbox.log" || {
	cat "$TMP/mkmbox.log" >&2
	exit 1
}
cat "$TMP/mkmbox.log" >&2
MESSAGES=$(sed -n 's/.*wrote \([0-9]*\) messages.*/\1/p' "$TMP/mkmbox.log")
BYTES=$(wc -c <"$MBOX" | tr -d ' ')
cat "$MBOX" >/dev/null # warm the page cache

if [[ ${RSS:-} != poll ]] && [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then
	RSS_METHOD="GNU time -v"
else
	RSS_METHOD="VmHWM polling"
fi

now_ns() { date +%s%N; }

# measure OUTFILE CMD... runs CMD with stdout to OUTFILE and sets WALL (s),
# RSS_KB and RC.
measure() {
	local out=$1
	shift
	local start end
	RSS_KB=0
	RC=0
	if [[ $RSS_METHOD == "GNU time -v" ]]; then
		start=$(now_ns)
		/usr/bin/time -v -o "$TMP/time.txt" "$@" >"$out" 2>"$TMP/stderr.txt" || RC=$?
		end=$(now_ns)
		RSS_KB=$(awk -F': *' '/Maximum resident set size/ {print $2}' "$TMP/time.txt")
	else
		start=$(now_ns)
		"$@" >"$out" 2>"$TMP/stderr.txt" &
		local pid=$! hwm state
		while [[ -r /proc/$pid/status ]]; do
			state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
			[[ -z $state || $state == Z ]] && break
			hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
			[[ -n $hwm ]] && RSS_KB=$hwm
			sleep 0.02
		done
		wait "$pid" || RC=$?
		end=$(now_ns)
	fi
	WALL=$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f", (e - s) / 1e9}')
	if [[ $RC -ne 0 ]]; then
		echo "bench-scan: '$*' exited with $RC; stderr:" >&2
		head -5 "$TMP/stderr.txt" >&2
	fi
}

echo "bench-scan: running $LABEL" >&2
measure /dev/null "${CMD[@]}" "$MBOX"
S_WALL=$WALL S_RSS=$RSS_KB S_RC=$RC

echo "bench-scan: running grep -c '^Received:'" >&2
measure "$TMP/grep.out" grep -c '^Received:' "$MBOX"
G_WALL=$WALL G_RSS=$RSS_KB G_RC=$RC
RECEIVED=$(cat "$TMP/grep.out")

row() { # label wall rss rc
	awk -v l="$1" -v w="$2" -v r="$3" -v rc="$4" -v b="$BYTES" -v m="$MESSAGES" 'BEGIN {
		if (w <= 0) w = 0.001
		printf "%-34s %9.2f %9.1f %11.0f %13.1f %5s\n", l, w, b / 1e6 / w, m / w, r / 1024, rc
	}'
}

echo
printf 'mbox: %s bytes (%.2f GB), %s messages, %s Received lines; samples %s, seed %s\n' \
	"$BYTES" "$(awk -v b="$BYTES" 'BEGIN {print b / 1e9}')" "$MESSAGES" "$RECEIVED" "$SAMPLES" "$SEED"
printf 'host: %s CPUs, %s, %s, load average %s; peak RSS by %s\n' "$(nproc)" "$(uname -sr)" "$(go env GOVERSION)" \
	"$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')" "$RSS_METHOD"
printf '%-34s %9s %9s %11s %13s %5s\n' "command" "wall s" "MB/s" "messages/s" "peak RSS MiB" "exit"
row "$LABEL" "$S_WALL" "$S_RSS" "$S_RC"
row "grep -c '^Received:'" "$G_WALL" "$G_RSS" "$G_RC"
