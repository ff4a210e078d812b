#!/usr/bin/env bash
# The TUI on a live capture with real peers: nginx-rtmp on a free loopback port, an ffmpeg
# publisher and an ffmpeg player, watched by `rtmpscope -i lo --tui --export-flv` in tmux.
#   live_tui.sh RTMPSCOPE OUTDIR
# Writes into OUTDIR: live.txt (the screen while both peers run), paused.txt (after p),
# final.txt (after both left), status and stty (rtmpscope's exit status after q, and the
# terminal settings then), export/*.flv (written as the capture ran).
set -euo pipefail
rtmpscope=$1
out=$2
source "$(dirname "$0")/lab.sh"
session="rtmpscope-live-tui-$$"
cleanup() {
    tmux kill-session -t "$session" 2>/dev/null || true
    lab_cleanup
}
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
lab_nginx_start "$port"

tmux new-session -d -s "$session" -x 160 -y 45 \
    "cd '$out' && '$rtmpscope' -i lo -f 'tcp port $port' --tui --export-flv export; echo \$? > status; stty -a > stty; sleep 60"

# Waits (up to SECONDS) until the screen shows TEXT; leaves the screen in OUTDIR/screen.txt.
wait_screen() {
    local text=$1 seconds=$2
    for _ in $(seq $((seconds * 10))); do
        tmux capture-pane -p -t "$session" > "$out/screen.txt"
        grep -qF -- "$text" "$out/screen.txt" && return 0
        sleep 0.1
    done
    echo "live_tui: no '$text' on the screen after $seconds s:" >&2
    cat "$out/screen.txt" >&2
    return 1
}

wait_screen "| LIVE |" 10
lab_publish "rtmp://127.0.0.1:$port/live/tuitest" 5
publisher=${LAB_PIDS[-1]}
wait_screen "publisher" 10
sleep 1
lab_play_ffmpeg "rtmp://127.0.0.1:$port/live/tuitest" 2 "$out/played.flv"
player=${LAB_PIDS[-1]}
wait_screen "player" 10
cp "$out/screen.txt" "$out/live.txt"
tmux send-keys -t "$session" p
wait_screen "PAUSED" 5
cp "$out/screen.txt" "$out/paused.txt"
tmux send-keys -t "$session" p
lab_wait "$publisher" 15
lab_wait "$player" 10
sleep 1
tmux capture-pane -p -t "$session" > "$out/final.txt"
tmux send-keys -t "$session" q
for _ in $(seq 100); do
    [ -s "$out/stty" ] && exit 0
    sleep 0.1
done
echo "live_tui: q did not quit" >&2
exit 1
