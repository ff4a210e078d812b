#!/usr/bin/env bash
# What --clickhouse costs and how fast rows go in: a private clickhouse-server (Debian's
# package, throw-away folder, private ports) and one capture.
#   scripts/bench_clickhouse.sh SIZE_MB | FILE     (as bench.sh: a generated capture or yours)
#   ROUNDS=5 scripts/bench_clickhouse.sh ...        rounds (default 3)
# Each round runs, in turns, `rtmpscope -r FILE --json` and the same with --clickhouse (the
# database dropped before each, so every run stores every row; the spool in a fresh folder),
# whole-process under /usr/bin/time. Prints the medians, the sink's cost on the run time and on
# rtmpscope's own CPU time (user + system: what the capture pays; the server's parsing is the
# rest), and rows per second stored (rows / wall time of the --clickhouse run, its flush at exit
# included). The server runs on the same cores, so the wall time is bounded by its parsing.
# Then the health tables alone: the session_summaries rows the last run stored (with their
# health columns) and stream_stats rows (live only, so made here in their shape from one real
# line), each sent again as 200 000 rows in 10 000-row JSONEachRow inserts (as the sink sends
# them) into a fresh database: rows per second the server stores for each.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench_capture.sh
source scripts/bench_capture.sh
bench_capture "${1:-100}"
rtmpscope=./target/release/rtmpscope
work=$(mktemp -d /tmp/rtmpscope-bench-ch.XXXXXX)
port=$((20000 + RANDOM % 20000))
clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- --path="$work/data/" \
    --tmp_path="$work/data/tmp/" --user_files_path="$work/data/user_files/" \
    --format_schema_path="$work/data/format_schemas/" --logger.log="$work/server.log" \
    --logger.errorlog="$work/server.err.log" --http_port=$port --tcp_port=$((port + 1)) \
    --interserver_http_port=$((port + 2)) --listen_host=127.0.0.1 >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
query() { curl -sf "http://127.0.0.1:$port/" --data-binary "$1"; }
for _ in $(seq 100); do query "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done

# Runs a command; prints "seconds peak_kib cpu_seconds".
measure() {
    local log
    log=$(mktemp)
    /usr/bin/time -f "%e %M %U %S" -o "$log" "$@" > /dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
    awk '{ print $1, $2, $3 + $4 }' "$log"
    rm -f "$log"
}
json_times="" ch_times="" ch_rss=0 json_rss=0 json_cpu="" ch_cpu=""
for round in $(seq "${ROUNDS:-3}"); do
    read -r t kib cpu < <(measure "$rtmpscope" -r "$file" --json)
    json_times+="$t "; json_cpu+="$cpu "; [ "$kib" -gt "$json_rss" ] && json_rss=$kib
    query "DROP DATABASE IF EXISTS bench" >/dev/null
    rm -rf "$work/spool"
    read -r t kib cpu < <(measure "$rtmpscope" -r "$file" --json --clickhouse "http://127.0.0.1:$port/bench" \
        --sensor bench --spool "$work/spool")
    ch_times+="$t "; ch_cpu+="$cpu "; [ "$kib" -gt "$ch_rss" ] && ch_rss=$kib
    grep -o "[0-9]* rows stored.*" "$work/stderr" | sed "s/^/round $round: /"
done
median() { echo "$1" | tr ' ' '\n' | grep . | sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }
rows=$(query "SELECT (SELECT count() FROM bench.events) + (SELECT count() FROM bench.session_summaries)")
json=$(median "$json_times") ch=$(median "$ch_times")
echo "capture: $file ($(awk "BEGIN {printf \"%.1f\", $(stat -c %s "$file") / 1048576}") MiB), $rows rows"
echo "--json:               $json s median ($json_times), rtmpscope's CPU $(median "$json_cpu") s, peak RSS $((json_rss / 1024)) MiB"
echo "--json --clickhouse:  $ch s median ($ch_times), rtmpscope's CPU $(median "$ch_cpu") s, peak RSS $((ch_rss / 1024)) MiB"
awk -v a="$ch" -v b="$json" -v r="$rows" -v ca="$(median "$ch_cpu")" -v cb="$(median "$json_cpu")" 'BEGIN {
    printf "sink cost: %.2fx the run time (+%.2f s), %.2fx rtmpscope'"'"'s CPU time; %.0f rows/s stored\n", a / b, a - b, ca / cb, r / a }'

# The health tables alone. Inserts FILE (JSONEachRow) into bench_health.TABLE in 10 000-row
# batches; prints rows per second.
ingest_rate() {
    local table=$1 rows_file=$2 start end rows
    rm -rf "$work/parts"; mkdir -p "$work/parts"
    split -l 10000 "$rows_file" "$work/parts/part."
    start=$(date +%s.%N)
    for part in "$work/parts"/part.*; do
        curl -sf "http://127.0.0.1:$port/?database=bench_health&query=INSERT%20INTO%20$table%20FORMAT%20JSONEachRow" \
            --data-binary @"$part" >/dev/null
    done
    end=$(date +%s.%N)
    rows=$(query "SELECT count() FROM bench_health.$table")
    awk -v r="$rows" -v a="$start" -v b="$end" -v t="$table" 'BEGIN {
        printf "%s: %d rows in %.2f s, %.0f rows/s stored\n", t, r, b - a, r / (b - a) }'
}
# Every row of FILE repeated to TARGET rows.
repeat_to() {
    local file=$1 target=$2 have
    have=$(wc -l < "$file")
    awk -v n="$target" -v have="$have" '{ line[NR] = $0 } END {
        for (i = 0; i < n; i++) print line[i % have + 1] }' "$file"
}
query "CREATE DATABASE bench_health" >/dev/null
while IFS= read -r -d ';' statement; do
    [ -n "${statement//[[:space:]]/}" ] || continue
    curl -sf "http://127.0.0.1:$port/?database=bench_health" --data-binary "$statement" >/dev/null
done < <(sed 's/--.*//' deploy/clickhouse/schema.sql)
columns=$(query "SELECT arrayStringConcat(groupArray(name), ', ') FROM system.columns WHERE database = 'bench' AND table = 'session_summaries' AND default_kind != 'MATERIALIZED'")
query "SELECT $columns FROM bench.session_summaries FORMAT JSONEachRow" > "$work/summaries.one"
repeat_to "$work/summaries.one" 200000 > "$work/summaries.rows"
echo "health tables ($(wc -l < "$work/summaries.one") real summaries, $(awk '{ n += length($0) } END { printf "%.0f", n / NR }' "$work/summaries.rows") bytes a row):"
ingest_rate session_summaries "$work/summaries.rows"
# A stream_stats row as the sink writes it, its raw a line in the shape a live capture gives.
raw='{"event":"stream_stats","frame":5123,"time":1796649629.464763,"session":1,"client":"127.0.0.1:49714","server":"127.0.0.1:1935","variant":"rtmp","community_id":"1:35aimX2+b4oe4ye6PsL7pgQaA2s=","msid":1,"stream":"chlive","role":"publish","interval_s":5.0,"video_kbps":121.344,"audio_kbps":49.587,"fps":15.0,"keyframes":5,"realtime_ratio":1.002,"lag_s":0.065,"retransmissions":0}'
awk -v raw="$raw" 'BEGIN {
    gsub(/"/, "\\\"", raw)
    for (i = 0; i < 200000; i++)
        printf "{\"batch_id\":\"bench-%d\",\"batch_row\":%d,\"time_us\":%.0f,\"sensor\":\"bench\",\"frame\":%d,\"session\":%d,\"client\":\"127.0.0.1:49714\",\"server\":\"127.0.0.1:1935\",\"variant\":\"rtmp\",\"community_id\":\"1:35aimX2+b4oe4ye6PsL7pgQaA2s=\",\"msid\":1,\"stream\":\"chlive\",\"role\":\"publish\",\"interval_s\":5.0,\"video_kbps\":121.344,\"audio_kbps\":49.587,\"fps\":15.0,\"keyframes\":5,\"realtime_ratio\":1.002,\"lag_s\":0.065,\"retransmissions\":0,\"raw\":\"%s\"}\n", int(i / 10000), i % 10000, 1796649629000000 + i * 5000, i, int(i / 100), raw
}' > "$work/stats.rows"
ingest_rate stream_stats "$work/stats.rows"
