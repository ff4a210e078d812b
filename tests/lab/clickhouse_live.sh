#!/usr/bin/env bash
# A live capture into ClickHouse with real peers: nginx-rtmp on a free loopback port, an ffmpeg
# publisher for SECONDS, captured by rtmpscope -i lo --json --clickhouse URL, stopped with
# Ctrl-C once the publisher is done. The test kills and restarts the server meanwhile.
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
lab_wait "$publisher" $((seconds + 15))
sleep 1
kill -INT "$scope"
status=0
wait "$scope" || status=$?
echo "$status" > "$out/live.status"
