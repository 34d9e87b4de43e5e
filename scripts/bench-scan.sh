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
# RUNS times (default 5), alternating, and prints every run and, per
# command, the best and the median of wall time, throughput and CPU time
# (user+sys), the peak RSS, and the ratio of mailroute's throughput to
# grep's. The mbox is read once beforehand so that both commands find it in
# the page cache. grep's output goes to a file: with its output on
# /dev/null GNU grep stops at the first match.
#
# Environment:
#   KEEP=1          keep the temporary directory (mbox and binaries) and print its path
#   MAILROUTE=CMD   run CMD FILE instead of the freshly built `mailroute scan --quiet FILE`
#                   (word-split; e.g. MAILROUTE="wc -l" to test the plumbing)
#   RUNS=N          runs of each command (default 5)
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
RUNS=${RUNS:-5}
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
# CPU (user+sys s, "-" when unknown), RSS_KB and RC.
measure() {
	local out=$1
	shift
	local start end
	RSS_KB=0
	RC=0
	CPU=-
	if [[ $RSS_METHOD == "GNU time -v" ]]; then
		start=$(now_ns)
		/usr/bin/time -v -o "$TMP/time.txt" "$@" >"$out" 2>"$TMP/stderr.txt" || RC=$?
		end=$(now_ns)
		RSS_KB=$(awk -F': *' '/Maximum resident set size/ {print $2}' "$TMP/time.txt")
		CPU=$(awk -F': *' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$TMP/time.txt")
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

: >"$TMP/runs.txt"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
for ((i = 1; i <= RUNS; i++)); do
	echo "bench-scan: run $i/$RUNS: $LABEL" >&2
	measure /dev/null "${CMD[@]}" "$MBOX"
	echo "scan $WALL $CPU $RSS_KB $RC" >>"$TMP/runs.txt"
	echo "bench-scan: run $i/$RUNS: grep -c '^Received:' (output to a file)" >&2
	measure "$TMP/grep.out" grep -c '^Received:' "$MBOX"
	echo "grep $WALL $CPU $RSS_KB $RC" >>"$TMP/runs.txt"
done
RECEIVED=$(cat "$TMP/grep.out")

echo
printf 'mbox: %s bytes (%.2f GB), %s messages, %s Received lines; samples %s, seed %s\n' \
	"$BYTES" "$(awk -v b="$BYTES" 'BEGIN {print b / 1e9}')" "$MESSAGES" "$RECEIVED" "$SAMPLES" "$SEED"
printf 'host: %s CPUs, %s, %s, load average %s before the runs, %s after; peak RSS by %s\n' "$(nproc)" "$(uname -sr)" \
	"$(go env GOVERSION)" "$LOAD_START" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')" "$RSS_METHOD"
awk -v b="$BYTES" -v m="$MESSAGES" -v scan="$LABEL" -v grep="grep -c '^Received:'" '
function sort(a, n,    i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }
function median(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
function mbs(w) { if (w <= 0) w = 0.001; return b / 1e6 / w }
{
	k = $1; n[k]++; wall[k, n[k]] = $2; cpu[k, n[k]] = $3; rss[k] = rss[k] > $4 ? rss[k] : $4
	if ($5 != 0) bad[k]++
	printf "run %-2d %-34s %7.2f s %8.1f MB/s  cpu %5s s  rss %6.1f MiB  exit %s\n", n[k], k == "scan" ? scan : grep, $2, mbs($2), $3, $4 / 1024, $5
}
END {
	print ""
	printf "%-34s %5s %9s %9s %9s %9s %9s %11s %13s\n", "command", "runs", "best s", "median s", "best MB/s", "med MB/s", "msgs/s", "median cpu s", "peak RSS MiB"
	for (ki = 1; ki <= 2; ki++) {
		k = ki == 1 ? "scan" : "grep"
		delete w; delete c
		for (i = 1; i <= n[k]; i++) { w[i] = wall[k, i]; c[i] = cpu[k, i] }
		sort(w, n[k]); sort(c, n[k])
		best[k] = w[1]; med[k] = median(w, n[k])
		printf "%-34s %5d %9.2f %9.2f %9.1f %9.1f %9.0f %11s %13.1f\n", ki == 1 ? scan : grep, n[k], best[k], med[k], mbs(best[k]), mbs(med[k]), m / med[k], c[1] == "-" ? "-" : sprintf("%.2f", median(c, n[k])), rss[k] / 1024
	}
	printf "\nmailroute throughput / grep throughput: best %.3f (1/%.1f), median %.3f (1/%.1f)\n", best["grep"] / best["scan"], best["scan"] / best["grep"], med["grep"] / med["scan"], med["scan"] / med["grep"]
	if (bad["scan"] + bad["grep"] > 0) print "some runs exited non-zero (see exit above)"
}' "$TMP/runs.txt"
