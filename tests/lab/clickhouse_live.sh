#!/usr/bin/env bash
# A live capture into ClickHouse with real peers: nginx-rtmp on a free loopback port, an ffmpeg
# publisher for SECONDS (frozen for 2 s after 3 s), captured by rtmpscope -i lo --json
# --clickhouse URL (stream_stats every 5 s), stopped with Ctrl-C once the publisher is done.
# The test kills and restarts the server meanwhile.
#   clickhouse_live.sh RTMPSCOPE OUTDIR URL SECONDS
# Writes OUTDIR/publishing when the publisher starts, OUTDIR/live.json, live.err, live.status.
set -euo pipefail
rtmpscope=$1
out=$2
url=$3
seconds=$4
source "$(dirname "$0")/lab.sh"
trap lab_cleanup EXIT
port=$((20000 + RANDOM % 20000))
lab_nginx_start "$port"
"$rtmpscope" -i lo -f "tcp port $port" --json --clickhouse "$url" --sensor live \
    --spool "$out/spool" > "$out/live.json" 2> "$out/live.err" &
scope=$!
LAB_PIDS+=("$scope")
sleep 1
lab_publish "rtmp://127.0.0.1:$port/live/chlive" "$seconds"
publisher=${LAB_PIDS[-1]}
touch "$out/publishing"
# Frozen for 2 s mid-stream (SIGSTOP to ffmpeg itself, the child of timeout): a stall, told
# live as `finding` lines when it passes 1 s and when media resumes.
sleep 3
encoder=$(pgrep -P "$publisher")
kill -STOP "$encoder"
sleep 2
kill -CONT "$encoder"
lab_wait "$publisher" $((seconds + 15))
sleep 1
kill -INT "$scope"
status=0
wait "$scope" || status=$?
echo "$status" > "$out/live.status"
