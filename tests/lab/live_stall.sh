#!/usr/bin/env bash
# Live stall: rtmpscope -i lo --summary --json --stats-interval 1 watches an ffmpeg publisher to
# nginx-rtmp that is frozen with SIGSTOP for 3 s. Writes OUT/live.json (rtmpscope's lines, each
# prefixed by the wall-clock second it was read at) and OUT/resumed (when SIGCONT was sent).
#   tests/lab/live_stall.sh RTMPSCOPE OUT
set -euo pipefail
bin=$1 out=$2
cd "$(dirname "$0")/../.."
source tests/lab/lab.sh
trap lab_cleanup EXIT
port=19351
lab_nginx_start "$port"
"$bin" -i lo -f "tcp port $port" --summary --json --stats-interval 1 2>"$out/live.err" > >(
    while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done >"$out/live.json"
) &
scope=$!
LAB_PIDS+=($scope)
sleep 2
lab_publish "rtmp://127.0.0.1:$port/live/stall" 12
publisher=${LAB_PIDS[-1]}
sleep 4
# lab_publish runs ffmpeg under timeout: freeze ffmpeg itself.
ffmpeg_pid=$(pgrep -P "$publisher" ffmpeg)
kill -STOP "$ffmpeg_pid"
sleep 3
kill -CONT "$ffmpeg_pid"
date +%s.%N >"$out/resumed"
sleep 4
kill -INT "$scope" 2>/dev/null || true
sleep 1
