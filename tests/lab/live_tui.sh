#!/usr/bin/env bash
# The TUI on a live capture with real peers: nginx-rtmp on a free loopback port, an ffmpeg
# publisher and an ffmpeg player, watched by `rtmpscope -i lo --tui --export-flv` in tmux.
#   live_tui.sh RTMPSCOPE OUTDIR
# Writes into OUTDIR: live.txt (the screen while both peers run), paused.txt (after p),
# final.txt (after both left), status and stty (rtmpscope's exit status after q, and the
# terminal settings then), export/*.flv (written as the capture ran).
set -euo pipefail
out=$2
source "$(dirname "$0")/lab.sh"
lab_tui_start "$1" "$out"

lab_tui_wait "\\| LIVE \\|" 10
lab_publish "rtmp://127.0.0.1:$LAB_PORT/live/tuitest" 5
publisher=${LAB_PIDS[-1]}
lab_tui_wait "publisher" 10
sleep 1
lab_play_ffmpeg "rtmp://127.0.0.1:$LAB_PORT/live/tuitest" 2 "$out/played.flv"
player=${LAB_PIDS[-1]}
lab_tui_wait "player" 10
cp "$out/screen.txt" "$out/live.txt"
tmux send-keys -t "$LAB_TUI" p
lab_tui_wait "PAUSED" 5
cp "$out/screen.txt" "$out/paused.txt"
tmux send-keys -t "$LAB_TUI" p
lab_wait "$publisher" 15
lab_wait "$player" 10
sleep 1
tmux capture-pane -p -t "$LAB_TUI" > "$out/final.txt"
lab_tui_quit q
