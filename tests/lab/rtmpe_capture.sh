#!/usr/bin/env bash
# A real RTMPE session: rtmpdump asks rtmpsrv (the stub server of the rtmpdump package, which
# completes RTMPE handshakes and then talks encrypted RTMP) for rtmpe://127.0.0.1/live/secret,
# captured with tcpdump. rtmpsrv can only listen on 0.0.0.0:1935, so everything runs in a
# private network namespace of its own (needs root):
#   rtmpe_capture.sh OUT.pcap OUT.log [tunnel]
# With "tunnel", rtmpdump asks for rtmpte:// (RTMPE inside RTMPT) through the lab's RTMPT server
# on port 8080, which relays to rtmpsrv; both connections are captured.
# OUT.log receives rtmpdump's debug output, which says where it put its Diffie-Hellman public
# key in C1 ("DH pubkey position") and where it found the server's in S1 ("Server DH public key
# offset"): the answer key for what rtmpscope reports.
set -euo pipefail
if [ -z "${RTMPSCOPE_NETNS:-}" ]; then
    exec env RTMPSCOPE_NETNS=1 unshare -n bash "$0" "$@"
fi
out=$1
log=$2
source "$(dirname "$0")/lab.sh"
LAB_DIR=$(mktemp -d /tmp/rtmpscope-lab.XXXXXX)
server=""
stop_server() {
    if [ -n "$server" ]; then
        # After each play rtmpsrv starts an rtmpdump of its own (its children): stop them too.
        pkill -TERM -P "$server" 2>/dev/null || true
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
        server=""
    fi
}
trap 'stop_server; lab_cleanup' EXIT
ip link set lo up
# rtmpsrv reads commands from standard input and spins on end of file: give it a FIFO that
# this script holds open until rtmpsrv is stopped. Its chatter is not needed.
mkfifo "$LAB_DIR/commands"
(cd "$LAB_DIR" && exec rtmpsrv < "$LAB_DIR/commands" > /dev/null 2>&1) &
server=$!
exec 3> "$LAB_DIR/commands"
lab_wait_port 1935
url="rtmpe://127.0.0.1/live/secret"
if [ "${3:-}" = tunnel ]; then
    lab_rtmpt_start 8080 1935
    url="rtmpte://127.0.0.1:8080/live/secret"
fi
lab_capture_start lo "tcp port 1935 or tcp port 8080" "$out" --immediate-mode -B 65536
timeout 5 rtmpdump -z -r "$url" -o /dev/null --stop 1 > "$log" 2>&1 || true
stop_server
lab_capture_stop
