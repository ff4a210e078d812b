#!/usr/bin/env bash
# Live attach with real peers: nginx-rtmp on a free loopback port, an ffmpeg publisher and an
# ffmpeg player already running when rtmpscope starts on lo (as a monitor started on a busy
# server would), with tcpdump recording everything from before the publisher (the reference).
#   live_attach.sh RTMPSCOPE OUTDIR
# Writes OUTDIR/reference.pcap, OUTDIR/attach.json (rtmpscope -i lo --json started a few
# seconds in, stopped with Ctrl-C), OUTDIR/attach.summary (--summary, likewise), their .err and
# .status files, and OUTDIR/window (the wall-clock times rtmpscope started and was stopped).
set -euo pipefail
rtmpscope=$1
out=$2
source "$(dirname "$0")/lab.sh"
trap lab_cleanup EXIT
port=$((20000 + RANDOM % 20000))
lab_nginx_start "$port"
lab_capture_start lo "tcp port $port" "$out/reference.pcap"
lab_publish "rtmp://127.0.0.1:$port/live/attach" 14
publisher=${LAB_PIDS[-1]}
sleep 1
lab_play_ffmpeg "rtmp://127.0.0.1:$port/live/attach" 12 "$out/played.flv"
player=${LAB_PIDS[-1]}
sleep 4
started=$(date +%s.%N)
"$rtmpscope" -i lo -f "tcp port $port" --json > "$out/attach.json" 2> "$out/attach.err" &
scope=$!
LAB_PIDS+=("$scope")
"$rtmpscope" -i lo -f "tcp port $port" --summary > "$out/attach.summary" 2> "$out/summary.err" &
summary=$!
LAB_PIDS+=("$summary")
sleep 6
stopped=$(date +%s.%N)
kill -INT "$scope" "$summary"
status=0
wait "$scope" || status=$?
echo "$status" > "$out/attach.status"
status=0
wait "$summary" || status=$?
echo "$status" > "$out/summary.status"
echo "$started $stopped" > "$out/window"
lab_wait "$publisher" 15
lab_wait "$player" 10
lab_capture_stop
