#!/usr/bin/env bash
# Live capture under load: N ffmpeg publishers sending a high-bitrate FLV with -re -c copy to
# nginx-rtmp on loopback, while rtmpscope -i lo --json captures them; reports the RTMP
# bitrate captured and the packets libpcap says the kernel dropped. Needs root.
#   scripts/bench_live.sh [PUBLISHERS] [SECONDS]      (defaults: 28 publishers, 10 s)
#   ETHERNET=1 scripts/bench_live.sh ...    in a namespace whose loopback carries Ethernet-sized
#                                           packets (many more packets for the same bitrate)
set -euo pipefail
cd "$(dirname "$0")/.."
publishers=${1:-28}
seconds=${2:-10}
source tests/lab/lab.sh
if [ -n "${ETHERNET:-}" ] && [ "${LAB_IN_NAMESPACE:-}" != 1 ]; then
    lab_in_ethernet_namespace bash "$0" "$@"
    exit
fi
trap lab_cleanup EXIT
cargo build --release --quiet --bin rtmpscope
lab_high_bitrate_flv bench-data/high.flv
port=$((20000 + RANDOM % 20000))
lab_nginx_start "$port"
out=$(mktemp -d /tmp/rtmpscope-live-bench.XXXXXX)
./target/release/rtmpscope -i lo -f "tcp port $port" --json > "$out/events.json" 2> "$out/stderr" &
scope=$!
LAB_PIDS+=("$scope")
sleep 1
start=$(date +%s.%N)
for n in $(seq "$publishers"); do
    timeout $((seconds + 20)) ffmpeg -hide_banner -loglevel error -re -stream_loop -1 \
        -i bench-data/high.flv -t "$seconds" \
        -c copy -f flv "rtmp://127.0.0.1:$port/live/load$n" </dev/null &
    LAB_PIDS+=($!)
done
wait_all() {
    local pid
    for pid in "${LAB_PIDS[@]}"; do
        [ "$pid" = "$scope" ] && continue
        [ "$pid" = "${LAB_PIDS[0]}" ] && continue
        lab_wait "$pid" $((seconds + 20))
    done
}
wait_all
end=$(date +%s.%N)
sleep 1
kill -INT "$scope"
wait "$scope" || true
python3 - "$out/events.json" "$start" "$end" "$publishers" <<'PY'
import json, sys
path, start, end, publishers = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
sent = sessions = messages = gaps = 0
first = last = None
for line in open(path):
    event = json.loads(line)
    if "time" in event:
        first = event["time"] if first is None else min(first, event["time"])
        last = event["time"] if last is None else max(last, event["time"])
    if event["event"] == "session_end":
        sessions += 1
        sent += event["bytes_c2s"]
        gaps += event["gaps"]
    elif event["event"] == "message":
        messages += 1
seconds = end - start
print(f"{publishers} publishers, {sessions} sessions, {messages} messages, {gaps} gaps")
print(f"RTMP captured: {sent / 1e6:.0f} MB in {seconds:.1f} s of wall time = {sent * 8 / seconds / 1e9:.2f} Gbit/s")
if first is not None and last > first:
    span = last - first
    print(f"  from the first to the last captured packet ({span:.1f} s): {sent * 8 / span / 1e9:.2f} Gbit/s")
PY
cat "$out/stderr"
rm -rf "$out"
