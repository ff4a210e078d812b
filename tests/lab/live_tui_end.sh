#!/usr/bin/env bash
# The end of a live session in the TUI: nginx-rtmp on a free loopback port, one ffmpeg
# publisher of 4 s, watched by `rtmpscope -i lo --tui --export-flv` in tmux. Nothing else sends
# traffic after the publisher exits, so the end must show without another event.
#   live_tui_end.sh RTMPSCOPE OUTDIR
# Writes into OUTDIR: end_ms (milliseconds from the publisher's exit until the session reads
# ended on the screen), ended.txt (that screen), exports.txt (the screen after `e` on the
# session), status and stty (after q).
set -euo pipefail
out=$2
source "$(dirname "$0")/lab.sh"
lab_tui_start "$1" "$out"

now_ms() { date +%s%3N; }

lab_tui_wait "\\| LIVE \\|" 10
lab_publish "rtmp://127.0.0.1:$LAB_PORT/live/endtest" 4
publisher=${LAB_PIDS[-1]}
lab_tui_wait "publisher" 10
lab_wait "$publisher" 20
exited=$(now_ms)
# The session's state column leaves "open" (fin or rst) once its end is shown.
lab_tui_wait "publisher (fin|rst)" 10
echo $(($(now_ms) - exited)) > "$out/end_ms"
cp "$out/screen.txt" "$out/ended.txt"
# e on the session: its file is finished, not "writing…".
tmux send-keys -t "$LAB_TUI" BTab j e
lab_tui_wait "FLV files of session 1" 5
sleep 0.3
tmux capture-pane -p -t "$LAB_TUI" > "$out/exports.txt"
lab_tui_quit Escape q
