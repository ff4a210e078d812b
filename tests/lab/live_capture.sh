#!/usr/bin/env bash
# Live end-to-end check with real peers: nginx-rtmp on a free loopback port, an ffmpeg
# publisher and an ffmpeg player, captured live by rtmpscope on lo.
#   live_capture.sh RTMPSCOPE OUTDIR
# Writes OUTDIR/live.json (rtmpscope -i lo --json, stopped with Ctrl-C), OUTDIR/live.status
# (its exit code), OUTDIR/summary.txt and OUTDIR/text.txt (captures with --summary and with
# readable lines, also stopped with Ctrl-C; text.status), OUTDIR/export/*.flv (--export-flv), OUTDIR/played.flv (what the ffmpeg
# player itself recorded with -c copy), OUTDIR/flows.txt (rtmpscope -i lo --flows -c N) and their stderr.
set -euo pipefail
rtmpscope=$1
out=$2
source "$(dirname "$0")/lab.sh"
trap lab_cleanup EXIT
port=$((20000 + RANDOM % 20000))
lab_nginx_start "$port"

# 1. --json until Ctrl-C (SIGINT): must flush everything and exit 0.
"$rtmpscope" -i lo -f "tcp port $port" --json --export-flv "$out/export" > "$out/live.json" 2> "$out/live.err" &
scope=$!
LAB_PIDS+=("$scope")
"$rtmpscope" -i lo -f "tcp port $port" --summary > "$out/summary.txt" 2> "$out/summary.err" &
summary=$!
LAB_PIDS+=("$summary")
"$rtmpscope" -i lo -f "tcp port $port" > "$out/text.txt" 2> "$out/text.err" &
text=$!
LAB_PIDS+=("$text")
sleep 1
lab_publish "rtmp://127.0.0.1:$port/live/livetest" 5
publisher=${LAB_PIDS[-1]}
sleep 1
lab_play_ffmpeg "rtmp://127.0.0.1:$port/live/livetest" 2 "$out/played.flv"
player=${LAB_PIDS[-1]}
lab_wait "$publisher" 15
lab_wait "$player" 10
sleep 0.5
kill -INT "$scope" "$summary" "$text"
status=0
wait "$scope" || status=$?
echo "$status" > "$out/live.status"
wait "$summary" || true
status=0
wait "$text" || status=$?
echo "$status" > "$out/text.status"

# 2. --flows with -c: stops by itself after N packets.
"$rtmpscope" -i lo -f "tcp port $port" --flows -c 40 > "$out/flows.txt" 2> "$out/flows.err" &
scope=$!
LAB_PIDS+=("$scope")
sleep 1
lab_publish "rtmp://127.0.0.1:$port/live/counted" 2
lab_wait "$scope" 20
