#!/usr/bin/env bash
# Makes the sample captures in samples/ with real peers on loopback: nginx-rtmp as server,
# ffmpeg publishing synthetic H.264 + AAC and playing it back, rtmpdump playing, tcpdump
# capturing; for the other members of the RTMP family nginx's stream module terminating TLS
# (RTMPS), the lab's RTMPT server (RTMPT) and rtmpsrv answering rtmpdump's RTMPE. Needs root
# (tcpdump, a network namespace). Each capture is a few seconds and well under 1 MiB.
# With no arguments every sample is made; name samples to remake only those, e.g.
#   bash samples/make_samples.sh rtmps rtmpe_session
set -euo pipefail
wanted=" $* "
want() { [ "$wanted" = "  " ] || [[ "$wanted" == *" $1 "* ]]; }
cd "$(dirname "$0")"
source ../tests/lab/lab.sh
trap lab_cleanup EXIT
lab_install
mkdir -p out

port=1935
lab_nginx_start $port

# 1. publish + play (ffmpeg player and rtmpdump player), classic pcap on lo.
if want publish_play; then
    lab_capture_start lo "tcp port $port" publish_play.pcap
    lab_publish "rtmp://127.0.0.1:$port/live/test" 4
    sleep 1
    lab_play_ffmpeg "rtmp://127.0.0.1:$port/live/test" 2 out/publish_play_player.flv
    lab_play_rtmpdump "rtmp://127.0.0.1:$port/live/test" 2
    sleep 4
    lab_capture_stop
fi

# 2. publish over IPv6.
if want ipv6; then
    lab_capture_start lo "tcp port $port" ipv6.pcap
    lab_publish "rtmp://[::1]:$port/live/v6" 2
    sleep 3
    lab_capture_stop
fi

# 3. publish captured with tcpdump -i any (LINUX_SLL2), saved as pcapng.
if want any_sll2; then
    lab_capture_start any "tcp port $port" any_sll2.pcap
    lab_publish "rtmp://127.0.0.1:$port/live/any" 2
    sleep 3
    lab_capture_stop
    tshark -r any_sll2.pcap -F pcapng -w any_sll2.pcapng && rm any_sll2.pcap
fi

# 4. a publish cut by a 96-byte snap length.
if want snaplen96; then
    lab_capture_start lo "tcp port $port" snaplen96.pcap -s 96
    lab_publish "rtmp://127.0.0.1:$port/live/short" 2
    sleep 3
    lab_capture_stop
fi

# 5. a publish with a stream key and a token in the URL, as streaming services use them.
if want stream_key; then
    lab_capture_start lo "tcp port $port" stream_key.pcap
    lab_publish "rtmp://127.0.0.1:$port/live?token=t0k3n5ecret/live_817263541_AbCdEfGhIjKlMnOp" 1
    sleep 2
    lab_capture_stop
fi

# 6. Enhanced RTMP from a current ffmpeg: HEVC + Opus, with fourCcList in connect.
if want erpt_hevc_opus; then
    lab_capture_start lo "tcp port $port" erpt_hevc_opus.pcap
    lab_publish_enhanced "rtmp://127.0.0.1:$port/live/hevc" 1 48000 \
        -c:v libx265 -preset ultrafast -x265-params log-level=error \
        -c:a libopus -b:a 48k -ac 2 -rtmp_enhanced_codecs hvc1,av01,vp09,Opus
    lab_capture_stop
fi

# 7. Enhanced RTMP: AV1 + AC-3, then VP9 + FLAC (two sessions).
if want erpt_av1_vp9; then
    lab_capture_start lo "tcp port $port" erpt_av1_vp9.pcap
    lab_publish_enhanced "rtmp://127.0.0.1:$port/live/av1" 1 48000 \
        -c:v libsvtav1 -preset 12 -svtav1-params log-level=0 -c:a ac3 -b:a 96k -ac 2
    lab_publish_enhanced "rtmp://127.0.0.1:$port/live/vp9" 1 44100 \
        -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a flac -ac 1
    lab_capture_stop
fi

# 8. RTMPT: a publish and a play tunnelled in HTTP through the lab's RTMPT server
# (tests/lab/rtmpt_proxy.py) in front of nginx-rtmp.
if want rtmpt; then
    lab_rtmpt_start 8080 "$port"
    lab_capture_start lo "tcp port 8080" rtmpt.pcap --immediate-mode -B 65536
    lab_publish "rtmpt://127.0.0.1:8080/live/tunnel" 3
    sleep 1
    lab_play_ffmpeg "rtmpt://127.0.0.1:8080/live/tunnel" 2 out/rtmpt_player.flv
    sleep 4
    lab_capture_stop
fi

# 9. RTMPE: rtmpdump asks for an encrypted session (nginx-rtmp refuses it, but the client's
# handshake is real).
if want rtmpe; then
    lab_capture_start lo "tcp port $port" rtmpe.pcap
    timeout 5 rtmpdump -q -r "rtmpe://127.0.0.1:$port/live/secret" -o /dev/null --stop 1 || true
    lab_capture_stop
fi

# 10. RTMPE in full: rtmpdump against rtmpsrv, the stub server of the rtmpdump package, which
# answers RTMPE (S0 = 8) and then talks encrypted RTMP; in a private network namespace, as
# rtmpsrv can only listen on 0.0.0.0:1935. Only the first connection is kept (after the play
# rtmpsrv starts an rtmpdump of its own). rtmpdump's debug log says where it put its
# Diffie-Hellman key and where it found the server's (out/rtmpe_session.log).
if want rtmpe_session; then
    bash ../tests/lab/rtmpe_capture.sh "$PWD/rtmpe_all.pcap" out/rtmpe_session.log
    tshark -r rtmpe_all.pcap -Y "tcp.stream == 0" -F pcap -w rtmpe_session.pcap
    rm rtmpe_all.pcap
    grep -a "DH pubkey position\|Server DH public key offset" out/rtmpe_session.log
fi

# 11. RTMPS: nginx's stream module terminating TLS in front of nginx-rtmp (now on 1936). TLS
# 1.2 on the RTMP port 1935 (recognised by the port; no SNI, as ffmpeg sends none for an
# address), TLS 1.3 on 443 (SNI localhost; recognised by the sizes of its first records): a
# publish on each, and a play over 443.
if want rtmps; then
    lab_cleanup
    lab_nginx_start 1936
    lab_nginx_tls_start 1935 1936 TLSv1.2
    lab_nginx_tls_start 443 1936
    lab_capture_start lo "tcp port 1935 or tcp port 443" rtmps.pcap --immediate-mode -B 65536
    lab_publish "rtmps://127.0.0.1:1935/live/tls12" 1
    lab_wait "${LAB_PIDS[-1]}" 15
    lab_publish "rtmps://localhost:443/live/tls13" 2
    sleep 0.5
    lab_play_ffmpeg "rtmps://localhost:443/live/tls13" 1 out/rtmps_player.flv
    sleep 3
    lab_capture_stop
fi

# 12-14. RTMPS with the client's TLS key log (SSLKEYLOGFILE, which ffmpeg's GnuTLS honours), the
# TLS terminators in front of nginx-rtmp on 1936 and that plain leg captured too, so the
# messages decrypted from each TLS connection can be compared with those the terminator relays:
#   rtmps_tls12: a publish over TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 (1935) and a play over
#     ECDHE-RSA-AES256-GCM-SHA384 (1937, SHA-384 PRF); key log rtmps_tls12.keys;
#   rtmps_chacha: a publish and a play over TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305 (1935);
#   rtmps_tls13: a publish over TLS 1.3 TLS_AES_256_GCM_SHA384 (1935) and a play over
#     TLS_CHACHA20_POLY1305_SHA256 (1937), saved as pcapng with the key log embedded in a
#     Decryption Secrets Block (editcap --inject-secrets): it decodes with no key option.
# Each publish is 1 s; the play starts while it runs.
tls_sample() {
    local name=$1 first=$2 second=$3
    lab_cleanup
    lab_nginx_start 1936
    # shellcheck disable=SC2086
    lab_nginx_tls_start 1935 1936 $first
    # shellcheck disable=SC2086
    lab_nginx_tls_start 1937 1936 $second
    rm -f "$name.keys"
    lab_capture_start lo "tcp port 1935 or tcp port 1936 or tcp port 1937" "$name.pcap" \
        --immediate-mode -B 65536
    SSLKEYLOGFILE=$PWD/$name.keys lab_publish "rtmps://127.0.0.1:1935/live/$name" 1
    sleep 0.6
    SSLKEYLOGFILE=$PWD/$name.keys lab_play_ffmpeg "rtmps://127.0.0.1:1937/live/$name" 1 \
        "out/${name}_player.flv"
    sleep 3
    lab_capture_stop
}
if want rtmps_tls12; then
    tls_sample rtmps_tls12 "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256" \
        "TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384"
fi
if want rtmps_chacha; then
    tls_sample rtmps_chacha "TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305" \
        "TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305"
fi
if want rtmps_tls13; then
    tls_sample rtmps_tls13 "TLSv1.3 DEFAULT TLS_AES_256_GCM_SHA384" \
        "TLSv1.3 DEFAULT TLS_CHACHA20_POLY1305_SHA256"
    editcap --inject-secrets "tls,rtmps_tls13.keys" rtmps_tls13.pcap rtmps_tls13.pcapng
    rm rtmps_tls13.pcap
fi

# 15. RTMPTS: ffmpeg's rtmpts:// (RTMPT inside HTTPS) through a TLS terminator (8443) in front
# of the lab's RTMPT server (8080) in front of nginx-rtmp (1936): a 1 s publish and a play,
# with the client's key log (rtmpts.keys); the plain RTMPT leg (8080) is captured too.
if want rtmpts; then
    lab_cleanup
    lab_nginx_start 1936
    lab_rtmpt_start 8080 1936
    lab_nginx_tls_start 8443 8080 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256
    rm -f rtmpts.keys
    lab_capture_start lo "tcp port 8443 or tcp port 8080" rtmpts.pcap --immediate-mode -B 65536
    SSLKEYLOGFILE=$PWD/rtmpts.keys lab_publish "rtmpts://127.0.0.1:8443/live/rtmpts" 1
    lab_wait "${LAB_PIDS[-1]}" 15
    lab_capture_stop
fi

# 16. RTMPTE: rtmpdump's rtmpte:// (RTMPE inside RTMPT) through the lab's RTMPT server to
# rtmpsrv, which answers RTMPE; the RTMPT server's own RTMPE connection to rtmpsrv (1935) is
# captured too.
if want rtmpte; then
    bash ../tests/lab/rtmpe_capture.sh "$PWD/rtmpte_all.pcap" out/rtmpte.log tunnel
    tshark -r rtmpte_all.pcap -Y "tcp.stream <= 1" -F pcap -w rtmpte.pcap
    rm rtmpte_all.pcap
fi

ls -l ./*.pcap ./*.pcapng
