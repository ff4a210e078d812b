#!/usr/bin/env bash
# The RTMP family with real peers on loopback: the same synthetic 2 s publish sent at once over
# plain RTMP to nginx-rtmp, over RTMPS through nginx's stream module terminating TLS, and over
# RTMPT through the lab's RTMPT server, captured with tcpdump (the capture also holds the
# plain RTMP connections the TLS terminator and the RTMPT server make to nginx-rtmp); then
# rtmpdump asking rtmpsrv for RTMPE, in a network namespace of its own.
#   family_capture.sh OUTDIR
# Writes OUTDIR/family.pcap, OUTDIR/ports ("RTMP TLS RTMPT" ports), OUTDIR/rtmpe.pcap and
# OUTDIR/rtmpe.log (rtmpdump's debug output).
set -euo pipefail
out=$1
here=$(dirname "$0")
source "$here/lab.sh"
trap lab_cleanup EXIT
rtmp=$((20000 + RANDOM % 20000))
tls=$((rtmp + 1))
rtmpt=$((rtmp + 2))
lab_nginx_start "$rtmp"
lab_nginx_tls_start "$tls" "$rtmp"
lab_rtmpt_start "$rtmpt" "$rtmp"
echo "$rtmp $tls $rtmpt" > "$out/ports"
lab_capture_start lo "tcp port $rtmp or tcp port $tls or tcp port $rtmpt" "$out/family.pcap" \
    --immediate-mode -B 65536
lab_publish "rtmp://127.0.0.1:$rtmp/live/plain" 2
publishers=("${LAB_PIDS[-1]}")
lab_publish "rtmps://localhost:$tls/live/secure" 2
publishers+=("${LAB_PIDS[-1]}")
lab_publish "rtmpt://127.0.0.1:$rtmpt/live/tunnel" 2
publishers+=("${LAB_PIDS[-1]}")
for pid in "${publishers[@]}"; do
    lab_wait "$pid" 20
done
lab_capture_stop
bash "$here/rtmpe_capture.sh" "$out/rtmpe.pcap" "$out/rtmpe.log"
