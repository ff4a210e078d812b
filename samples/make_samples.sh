#!/usr/bin/env bash
# Makes the sample captures in samples/ with real peers on loopback: nginx-rtmp as server,
# ffmpeg publishing synthetic H.264 + AAC and playing it back, rtmpdump playing, tcpdump
# capturing. Needs root (tcpdump). Each capture is a few seconds and well under 1 MiB.
set -euo pipefail
cd "$(dirname "$0")"
source ../tests/lab/lab.sh
trap lab_cleanup EXIT
lab_install
mkdir -p out

port=1935
lab_nginx_start $port

# 1. publish + play (ffmpeg player and rtmpdump player), classic pcap on lo.
lab_capture_start lo "tcp port $port" publish_play.pcap
lab_publish "rtmp://127.0.0.1:$port/live/test" 4
sleep 1
lab_play_ffmpeg "rtmp://127.0.0.1:$port/live/test" 2 out/publish_play_player.flv
lab_play_rtmpdump "rtmp://127.0.0.1:$port/live/test" 2
sleep 4
lab_capture_stop

# 2. publish over IPv6.
lab_capture_start lo "tcp port $port" ipv6.pcap
lab_publish "rtmp://[::1]:$port/live/v6" 2
sleep 3
lab_capture_stop

# 3. publish captured with tcpdump -i any (LINUX_SLL2), saved as pcapng.
lab_capture_start any "tcp port $port" any_sll2.pcap
lab_publish "rtmp://127.0.0.1:$port/live/any" 2
sleep 3
lab_capture_stop
tshark -r any_sll2.pcap -F pcapng -w any_sll2.pcapng && rm any_sll2.pcap

# 4. a publish cut by a 96-byte snap length.
lab_capture_start lo "tcp port $port" snaplen96.pcap -s 96
lab_publish "rtmp://127.0.0.1:$port/live/short" 2
sleep 3
lab_capture_stop

# 5. a publish with a stream key and a token in the URL, as streaming services use them.
lab_capture_start lo "tcp port $port" stream_key.pcap
lab_publish "rtmp://127.0.0.1:$port/live?token=t0k3n5ecret/live_817263541_AbCdEfGhIjKlMnOp" 1
sleep 2
lab_capture_stop

# 6. Enhanced RTMP from a current ffmpeg: HEVC + Opus, with fourCcList in connect.
lab_capture_start lo "tcp port $port" erpt_hevc_opus.pcap
lab_publish_enhanced "rtmp://127.0.0.1:$port/live/hevc" 1 48000 \
    -c:v libx265 -preset ultrafast -x265-params log-level=error \
    -c:a libopus -b:a 48k -ac 2 -rtmp_enhanced_codecs hvc1,av01,vp09,Opus
lab_capture_stop

# 7. Enhanced RTMP: AV1 + AC-3, then VP9 + FLAC (two sessions).
lab_capture_start lo "tcp port $port" erpt_av1_vp9.pcap
lab_publish_enhanced "rtmp://127.0.0.1:$port/live/av1" 1 48000 \
    -c:v libsvtav1 -preset 12 -svtav1-params log-level=0 -c:a ac3 -b:a 96k -ac 2
lab_publish_enhanced "rtmp://127.0.0.1:$port/live/vp9" 1 44100 \
    -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a flac -ac 1
lab_capture_stop

# 8. RTMPT: a publish and a play tunnelled in HTTP through the lab's RTMPT server
# (tests/lab/rtmpt_proxy.py) in front of nginx-rtmp.
python3 ../tests/lab/rtmpt_proxy.py 8080 "$port" &
LAB_PIDS+=($!)
lab_wait_port 8080
lab_capture_start lo "tcp port 8080" rtmpt.pcap
lab_publish "rtmpt://127.0.0.1:8080/live/tunnel" 3
sleep 1
lab_play_ffmpeg "rtmpt://127.0.0.1:8080/live/tunnel" 1 out/rtmpt_player.flv
sleep 4
lab_capture_stop

# 9. RTMPE: rtmpdump asks for an encrypted session (nginx-rtmp refuses it, but the client's
# handshake is real).
lab_capture_start lo "tcp port $port" rtmpe.pcap
timeout 5 rtmpdump -q -r "rtmpe://127.0.0.1:$port/live/secret" -o /dev/null --stop 1 || true
lab_capture_stop

# 10. RTMPS: ffmpeg publishing rtmps:// to a TLS terminator in front of nginx-rtmp.
lab_nginx_tls_start 1936 "$port"
lab_capture_start lo "tcp port 1936" rtmps.pcap
lab_publish "rtmps://127.0.0.1:1936/live/secure" 1
sleep 3
lab_capture_stop

ls -l ./*.pcap ./*.pcapng
