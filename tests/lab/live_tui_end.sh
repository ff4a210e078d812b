#!/usr/bin/env bash
# The end of a live session in the TUI: nginx-rtmp on a free loopback port, one ffmpeg
# publisher of 4 s, watched by `rtmpscope -i lo --tui --export-flv` in tmux. Nothing else sends
# traffic after the publisher exits, so the end must show without another event.
#   live_tui_end.sh RTMPSCOPE OUTDIR
# Writes into OUTDIR: end_ms (milliseconds from the publisher's exit until the session reads
# ended on the screen), ended.txt (that screen), exports.txt (the screen after `e` on the
# session), status and stty (after q).
set -euo pipefail
rtmpscope=$1
out=$2
source "$(dirname "$0")/lab.sh"
session="rtmpscope-live-tui-end-$$"
cleanup() {
    tmux kill-session -t "$session" 2>/dev/null || true
    lab_cleanup
}
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
lab_nginx_start "$port"

tmux new-session -d -s "$session" -x 160 -y 45 \
    "cd '$out' && '$rtmpscope' -i lo -f 'tcp port $port' --tui --export-flv export; echo \$? > status; stty -a > stty; sleep 60"

now_ms() { date +%s%3N; }

# Waits (up to SECONDS) until the screen matches the extended regular expression TEXT; leaves
# the screen in OUTDIR/screen.txt.
wait_screen() {
    local text=$1 seconds=$2
    for _ in $(seq $((seconds * 20))); do
        tmux capture-pane -p -t "$session" > "$out/screen.txt"
        grep -qE -- "$text" "$out/screen.txt" && return 0
        sleep 0.05
    done
    echo "live_tui_end: no '$text' on the screen after $seconds s:" >&2
    cat "$out/screen.txt" >&2
    return 1
}

wait_screen "\\| LIVE \\|" 10
lab_publish "rtmp://127.0.0.1:$port/live/endtest" 4
publisher=${LAB_PIDS[-1]}
wait_screen "publisher" 10
lab_wait "$publisher" 20
exited=$(now_ms)
# The session's state column leaves "open" (fin or rst) once its end is shown.
wait_screen "publisher (fin|rst)" 10
echo $(($(now_ms) - exited)) > "$out/end_ms"
cp "$out/screen.txt" "$out/ended.txt"
# e on the session: its file is finished, not "writing…".
tmux send-keys -t "$session" BTab j e
wait_screen "FLV files of session 1" 5
sleep 0.3
tmux capture-pane -p -t "$session" > "$out/exports.txt"
tmux send-keys -t "$session" Escape q
for _ in $(seq 100); do
    [ -s "$out/stty" ] && exit 0
    sleep 0.1
done
echo "live_tui_end: q did not quit" >&2
exit 1
