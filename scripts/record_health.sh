#!/usr/bin/env bash
# Records the stream-health lab captures with real peers (ffmpeg publishers and players,
# nginx-rtmp), each in a network namespace of its own with Ethernet-sized packets (tests/health.rs
# reads them). Needs root. Into bench-data/health/ (not in git):
#   congested.pcap  a 2.5 Mbit/s publish (12 s of media) through a 1 Mbit/s token bucket
#                   (tc tbf on the namespace's loopback): TCP retransmits, media falls behind
#   sigstop.pcap    a publisher frozen with SIGSTOP for 3 s mid-stream, with a player;
#                   sigstop.truth holds the measured pause in seconds
#   longgop.pcap    a 10 s keyframe interval (-g 250 at 25 fps, published with -c copy) and a
#                   player that joins 11 s in, so it waits about 9 s for its first picture
#   scripts/record_health.sh [congested|sigstop|longgop]...   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lab/lab.sh
out=bench-data/health
port=1935

if [ "${LAB_IN_NAMESPACE:-}" != 1 ]; then
    mkdir -p "$out"
    # The media files, encoded once (faster than real time), then published with -c copy so the
    # encoder's speed plays no part.
    encode() {
        local file=$1 size=$2 rate=$3 gop=$4 seconds=$5
        [ -f "$out/$file" ] && return 0
        ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=$size:rate=25" \
            -f lavfi -i "sine=frequency=440:sample_rate=44100" -t "$seconds" -c:v libx264 \
            -preset veryfast -b:v "$rate" -maxrate "$rate" -bufsize "$rate" -g "$gop" \
            -keyint_min "$gop" -sc_threshold 0 -pix_fmt yuv420p -c:a aac -b:a 64k \
            -f flv "$out/$file.partial"
        mv "$out/$file.partial" "$out/$file"
    }
    encode congested.flv 640x360 2500k 50 12
    encode steady.flv 320x240 300k 50 20
    encode longgop.flv 320x240 300k 250 30
    for name in "${@:-congested sigstop longgop}"; do
        for one in $name; do
            lab_in_ethernet_namespace bash "$0" "$one"
        done
    done
    ls -l "$out"/*.pcap
    exit
fi

# Inside the namespace: one recording.
trap lab_cleanup EXIT
name=$1
lab_nginx_start "$port"
url="rtmp://127.0.0.1:$port/live/health"
publish() {
    ffmpeg -hide_banner -loglevel error -re -i "$out/$1" -c copy -f flv "$url" </dev/null \
        2>>"$LAB_DIR/peers.log" &
    PUBLISHER=$!
    LAB_PIDS+=($!)
}
play() {
    timeout -s TERM -k 2 "$1" ffmpeg -hide_banner -loglevel error -i "$url" -c copy -f null - \
        </dev/null 2>>"$LAB_DIR/peers.log" &
    LAB_PIDS+=($!)
}
case "$name" in
congested)
    tc qdisc add dev lo root tbf rate 1mbit burst 16kb latency 60ms
    lab_capture_start lo "tcp port $port" "$out/congested.pcap" -B 65536
    publish congested.flv
    lab_wait "$PUBLISHER" 120
    ;;
sigstop)
    lab_capture_start lo "tcp port $port" "$out/sigstop.pcap" -B 65536
    publish steady.flv
    sleep 1
    play 18
    sleep 5
    stopped=$(date +%s.%N)
    kill -STOP "$PUBLISHER"
    sleep 3
    kill -CONT "$PUBLISHER"
    resumed=$(date +%s.%N)
    echo "$resumed - $stopped" | bc >"$out/sigstop.truth"
    lab_wait "$PUBLISHER" 40
    ;;
longgop)
    lab_capture_start lo "tcp port $port" "$out/longgop.pcap" -B 65536
    publish longgop.flv
    sleep 11
    play 15
    lab_wait "$PUBLISHER" 40
    ;;
esac
lab_capture_stop
