#!/usr/bin/env bash
# Whole-process benchmark on one capture, every tool on the same file in one run:
# rtmpscope --json and --summary against tshark's RTMP dissector and tcpdump -r.
#   scripts/bench.sh SIZE_MB            generate bench-data/gen-SIZE_MB.pcap (src/bin/rtmpscope-gencap.rs)
#   scripts/bench.sh FILE.pcap          use a capture you have
#   NO_TSHARK=1 scripts/bench.sh ...    skip tshark (minutes and GBs on big files)
#   ROUNDS=9 scripts/bench.sh ...        rounds of the fast commands (default 5)
# Prints wall time, peak RSS and throughput per tool, and the ratios the targets are set in.
# These machines are noisy (the same command varies by 2x from run to run), so rtmpscope and
# tcpdump run ROUNDS times, taking turns within each round so that a slow spell hits them
# alike, and the median time is shown (with the fastest and slowest); tshark runs once.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench_capture.sh
source scripts/bench_capture.sh
bench_capture "${1:-100}"
size=$(stat -c %s "$file")
rtmpscope=./target/release/rtmpscope

# Runs a command with output to /dev/null; prints "seconds peak_kib".
measure() {
    local log
    log=$(mktemp)
    /usr/bin/time -f "%e %M" -o "$log" "$@" > /dev/null 2>/dev/null || true
    cat "$log"
    rm -f "$log"
}

declare -A seconds rss spread
# Runs a command once; keeps its time and the largest peak RSS seen.
run() {
    local name=$1 time kib
    shift
    read -r time kib < <(measure "$@")
    seconds[$name]+="$time "
    if [ "$kib" -gt "${rss[$name]:-0}" ]; then
        rss[$name]=$kib
    fi
}

for _ in $(seq "${ROUNDS:-5}"); do
    run json "$rtmpscope" -r "$file" --json
    run summary "$rtmpscope" -r "$file" --summary
    run tcpdump tcpdump -r "$file" -w /dev/null
done
if [ -z "${NO_TSHARK:-}" ]; then
    run tshark tshark -2 -Y rtmpt -T json -o rtmpt.max_packet_size:16777216 \
        -o tcp.reassemble_out_of_order:TRUE -r "$file"
fi
# The median of each command's times; the range goes to `spread`.
for name in "${!seconds[@]}"; do
    read -r median low high < <(echo "${seconds[$name]}" | tr ' ' '\n' | grep . | sort -n |
        awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)], t[1], t[NR] }')
    seconds[$name]=$median
    spread[$name]="$low-$high"
done

echo "capture: $file ($(awk "BEGIN {printf \"%.1f\", $size / 1048576}") MiB)"
printf "%-12s %10s %14s %12s %10s\n" "command" "wall (s)" "range (s)" "peak RSS" "MB/s"
for name in json summary tcpdump tshark; do
    [ -n "${seconds[$name]:-}" ] || continue
    awk -v n="$name" -v s="${seconds[$name]}" -v g="${spread[$name]}" -v r="${rss[$name]}" \
        -v b="$size" 'BEGIN { printf "%-12s %10.2f %14s %8.1f MiB %10.1f\n", n, s, g, r / 1024,
        (s > 0 ? b / 1e6 / s : 0) }'
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
if [ -n "${seconds[tshark]:-}" ]; then
    echo "tshark / rtmpscope --json:     $(ratio "${seconds[tshark]}" "${seconds[json]}")x (target: at least 30x)"
fi
echo "rtmpscope --summary / tcpdump: $(ratio "${seconds[summary]}" "${seconds[tcpdump]}")x (target: at most 2x)"
echo "peak RSS --json / --summary:   $(ratio "${rss[json]}" 1024) / $(ratio "${rss[summary]}" 1024) MiB (target: at most 64 MiB)"
