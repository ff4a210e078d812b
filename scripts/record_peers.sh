#!/usr/bin/env bash
# Records a big capture of real RTMP peers, for benchmarks on real traffic (scripts/bench.sh):
# PUBLISHERS ffmpeg publishers each send a looped 40 Mbit/s FLV (-re -c copy) to nginx-rtmp and
# PLAYERS ffmpeg players play them, while tcpdump captures, until the file reaches SIZE_MB.
# It all runs in a network namespace of its own whose loopback has Ethernet's MTU and no
# segmentation offload, so the packets are Ethernet-sized, as on a real link. Needs root.
#   scripts/record_peers.sh SIZE_MB [PUBLISHERS] [PLAYERS]   -> bench-data/peers-SIZE_MB.pcap
#   (defaults: 1024 MB, 2 publishers, 5 players, as in the reference capture of the speed issue)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
publishers=${2:-2}
players=${3:-5}
out="bench-data/peers-${size_mb}.pcap"

source tests/lab/lab.sh
if [ "${LAB_IN_NAMESPACE:-}" != 1 ]; then
    lab_in_ethernet_namespace bash "$0" "$@"
    exit
fi

# Inside the namespace.
trap lab_cleanup EXIT
lab_high_bitrate_flv bench-data/high.flv
port=1935
lab_nginx_start "$port"
rm -f "$out"
lab_capture_start lo "tcp port $port" "$out" -B 65536
for n in $(seq "$publishers"); do
    ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i bench-data/high.flv -c copy \
        -f flv "rtmp://127.0.0.1:$port/live/stream$n" </dev/null 2>>"$LAB_DIR/peers.log" &
    LAB_PIDS+=($!)
done
sleep 2
for n in $(seq "$players"); do
    stream=$(((n - 1) % publishers + 1))
    ffmpeg -hide_banner -loglevel error -i "rtmp://127.0.0.1:$port/live/stream$stream" -c copy \
        -f null - </dev/null 2>>"$LAB_DIR/peers.log" &
    LAB_PIDS+=($!)
done
target=$((size_mb * 1048576))
size=0
stalled=0
while [ "$size" -lt "$target" ]; do
    sleep 0.5
    previous=$size
    size=$(stat -c %s "$out")
    stalled=$((size > previous ? 0 : stalled + 1))
    if [ "$stalled" -ge 20 ]; then
        echo "record_peers: the capture stopped growing at $size bytes; the peers said:" >&2
        cat "$LAB_DIR/peers.log" >&2
        exit 1
    fi
done
lab_capture_stop
echo "$out: $(stat -c %s "$out") bytes"
grep -h "packets" "$LAB_DIR"/tcpdump.*.log
