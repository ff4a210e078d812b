#!/usr/bin/env bash
# The TUI on a big capture, in a real terminal (tmux, 150x45): how long until the status bar
# says "done" (wall time, and the CPU time the process used until then), the resident memory
# then and at its peak against the same TUI on a small sample (so the growth per message), what
# the history dropped for the memory cap, and how long the message list (all sessions) takes to
# redraw after End, Home, PgDn and a filter once the file is loaded.
#   scripts/bench_tui.sh [SIZE_MB | FILE]   (default: a generated 512 MB capture, about 1.3
#                                            million messages; see scripts/bench.sh)
# RTMPSCOPE=path/to/rtmpscope measures that binary instead of this tree's (to compare builds);
# extra arguments for it (such as --memory-cap 256) go in TUI_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench_capture.sh
source scripts/bench_capture.sh
bench_capture "${1:-512}"
rtmpscope=$(realpath "${RTMPSCOPE:-target/release/rtmpscope}")
name="rtmpscope-bench-tui-$$"
trap 'tmux kill-session -t "$name" 2>/dev/null || true' EXIT

now_ms() { date +%s%3N; }
screen() { tmux capture-pane -p -t "$name"; }

# Opens FILE in the TUI; prints the milliseconds until "done", the CPU milliseconds (user and
# system) used until then, and the resident and peak resident KiB then.
open_file() {
    local start pid
    start=$(now_ms)
    tmux new-session -d -s "$name" -x 150 -y 45 "exec $rtmpscope -r $1 --tui ${TUI_ARGS:-}"
    until screen | grep -q "done"; do
        sleep 0.02
    done
    local wall=$(($(now_ms) - start))
    pid=$(tmux list-panes -t "$name" -F '#{pane_pid}')
    # utime and stime (fields 14 and 15, after the parenthesised name) are in clock ticks.
    local ticks
    ticks=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
    echo "$wall $((ticks * 1000 / $(getconf CLK_TCK))) $(awk '/^VmRSS/ { rss = $2 }
        /^VmHWM/ { hwm = $2 } END { print rss, hwm }' "/proc/$pid/status")"
}

# Sends KEYS and prints the milliseconds until the screen changes (or "no change" after 10 s).
redraw_ms() {
    local before start
    before=$(screen)
    start=$(now_ms)
    tmux send-keys -t "$name" "$@"
    while [ "$(screen)" = "$before" ]; do
        if [ $(($(now_ms) - start)) -gt 10000 ]; then
            echo "no change"
            return
        fi
        sleep 0.005
    done
    echo $(($(now_ms) - start))
}

quit() {
    tmux send-keys -t "$name" q
    while tmux has-session -t "$name" 2>/dev/null; do
        sleep 0.05
    done
}

read -r _ _ small_kib _ < <(open_file samples/publish_play.pcap)
quit
messages=$(./target/release/rtmpscope -r "$file" --json | grep -c '"event":"message"')
read -r load_ms cpu_ms big_kib peak_kib < <(open_file "$file")
dropped=$(screen | grep -o '[^|]*messages dropped[^|]*' || echo " none")
# The message list (of all sessions) has the focus.
end_ms=$(redraw_ms End)
home_ms=$(redraw_ms Home)
page_ms=$(redraw_ms PageDown)
tmux send-keys -t "$name" / k e y f r a m e
sleep 0.5
filter_ms=$(redraw_ms Enter)
quit

size=$(stat -c %s "$file")
echo "capture: $file ($(awk "BEGIN {printf \"%.1f\", $size / 1048576}") MiB, $messages messages)"
echo "open until done:     $(awk "BEGIN {printf \"%.2f\", $load_ms / 1000}") s (CPU user+sys $(awk "BEGIN {printf \"%.2f\", $cpu_ms / 1000}") s)"
echo "resident then:       $((big_kib / 1024)) MiB, peak $((peak_kib / 1024)) MiB (a small sample: $((small_kib / 1024)) MiB)"
echo "history dropped:     $dropped"
echo "growth per message:  $(awk "BEGIN {printf \"%.0f\", ($big_kib - $small_kib) * 1024 / $messages}") bytes"
echo "redraw after End:    $end_ms ms, Home: $home_ms ms, PgDn: $page_ms ms"
echo "filter 'keyframe':   $filter_ms ms from Enter until the screen changed"
