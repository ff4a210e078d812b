#!/usr/bin/env bash
# The lab of real RTMP peers on loopback: nginx with the RTMP module (server), nginx's stream
# module terminating TLS in front of it (RTMPS), the RTMPT server in rtmpt_proxy.py, rtmpsrv
# (an RTMPE-capable stub server from rtmpdump), ffmpeg (publisher and player), rtmpdump
# (player), tcpdump (capture). Source this file.
# Every background process is tracked by PID and stopped by PID (lab_cleanup).

LAB_PIDS=()
LAB_DIR=""

# Installs the build dependency (libpcap), the lab's peers, and the ClickHouse server the
# --clickhouse tests start (Debian's 18.16) with chdb (a current engine, from PyPI). Idempotent.
lab_install() {
    local packages="libpcap-dev tshark tcpdump ffmpeg nginx libnginx-mod-rtmp libnginx-mod-stream openssl rtmpdump iproute2 util-linux python3 python3-pip time tmux clickhouse-server clickhouse-client"
    lab_install_packages "$packages"
    if ! python3 -c "import chdb" >/dev/null 2>&1; then
        python3 -m pip install -q chdb >/dev/null 2>&1 ||
            python3 -m pip install -q --break-system-packages chdb >/dev/null
    fi
}

# Installs the Debian packages named in $1 that are missing.
lab_install_packages() {
    local packages=$1
    # shellcheck disable=SC2086
    if dpkg -s $packages >/dev/null 2>&1; then
        return 0
    fi
    apt-get update -qq
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
}

# Where lab_modern_ffmpeg keeps its ffmpeg (the tests look there too).
LAB_MODERN_FFMPEG_DIR=${LAB_MODERN_FFMPEG_DIR:-/opt/rtmpscope-lab/imageio-ffmpeg}

# Prints the path of a current ffmpeg (9.0: Enhanced RTMP with HEVC, AV1, VP9, Opus, FLAC,
# AC-3), fetched once from the imageio-ffmpeg wheel on PyPI; Debian's ffmpeg 5.1 predates
# Enhanced RTMP. Pinned, so samples and tests see the same encoder.
lab_modern_ffmpeg() {
    local binary
    # Made first: under `set -o pipefail`, find on a missing folder would end the caller.
    mkdir -p "$LAB_MODERN_FFMPEG_DIR"
    binary=$(find "$LAB_MODERN_FFMPEG_DIR" -name 'ffmpeg-linux-*' -type f | head -n 1)
    if [ -z "$binary" ]; then
        python3 -m pip download -q --no-deps --only-binary=:all: \
            --platform manylinux_2_28_x86_64 "imageio-ffmpeg==0.8.1" -d "$LAB_MODERN_FFMPEG_DIR" >&2
        (cd "$LAB_MODERN_FFMPEG_DIR" && python3 -m zipfile -e imageio_ffmpeg-*.whl .)
        binary=$(find "$LAB_MODERN_FFMPEG_DIR" -name 'ffmpeg-linux-*' -type f | head -n 1)
        chmod +x "$binary"
    fi
    echo "$binary"
}

# Publishes SECONDS of synthetic media to URL with the modern ffmpeg, with the video and audio
# encoder arguments given (an Enhanced RTMP publish), in the background.
lab_publish_enhanced() {
    local url=$1 seconds=$2 rate=$3
    shift 3
    timeout $((seconds + 20)) "$(lab_modern_ffmpeg)" -hide_banner -loglevel error -re \
        -f lavfi -i "testsrc2=size=320x240:rate=15" -f lavfi -i "sine=frequency=440:sample_rate=$rate" \
        -t "$seconds" -g 15 -b:v 120k -pix_fmt yuv420p "$@" -f flv "$url" </dev/null
}

# Starts nginx-rtmp on 127.0.0.1:PORT and [::1]:PORT; waits until it listens.
lab_nginx_start() {
    local port=$1
    LAB_DIR=$(mktemp -d /tmp/rtmpscope-lab.XXXXXX)
    local module
    module=$(ls /usr/lib/nginx/modules/ngx_rtmp_module.so)
    cat > "$LAB_DIR/nginx.conf" <<CONF
load_module $module;
daemon off;
pid $LAB_DIR/nginx.pid;
error_log $LAB_DIR/error.log warn;
events { worker_connections 256; }
rtmp {
    server {
        listen 127.0.0.1:$port;
        listen [::1]:$port;
        chunk_size 4096;
        max_message 16M;
        application live { live on; }
    }
}
CONF
    nginx -c "$LAB_DIR/nginx.conf" -p "$LAB_DIR" &
    LAB_PIDS+=($!)
    lab_wait_port "$port"
}

# Terminates TLS on 127.0.0.1:PORT in front of the RTMP server on 127.0.0.1:RTMP_PORT (RTMPS),
# with nginx's stream module and a self-signed certificate for "localhost" made now.
# PROTOCOLS is nginx's ssl_protocols (default: TLS 1.2 and 1.3), CIPHERS its ssl_ciphers for
# TLS 1.2 (OpenSSL names, e.g. ECDHE-RSA-CHACHA20-POLY1305; default: nginx's) and TLS13 the
# TLS 1.3 suites it allows (e.g. TLS_CHACHA20_POLY1305_SHA256; default: OpenSSL's). Works in
# front of any TCP server (the RTMPT server too: RTMPTS). Needs LAB_DIR (start nginx-rtmp
# first); waits until it listens.
lab_nginx_tls_start() {
    local port=$1 rtmp_port=$2 protocols=${3:-"TLSv1.2 TLSv1.3"} ciphers=${4:-} tls13=${5:-}
    local choice=""
    [ -n "$ciphers" ] && choice+="ssl_ciphers $ciphers; "
    [ -n "$tls13" ] && choice+="ssl_conf_command Ciphersuites $tls13; "
    local dir
    dir=$(mktemp -d "$LAB_DIR/tls.XXXXXX")
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
    cat > "$dir/nginx.conf" <<CONF
load_module $(ls /usr/lib/nginx/modules/ngx_stream_module.so);
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 64; }
stream {
    server {
        listen 127.0.0.1:$port ssl;
        ssl_protocols $protocols;
        $choice
        ssl_certificate $dir/cert.pem;
        ssl_certificate_key $dir/key.pem;
        proxy_pass 127.0.0.1:$rtmp_port;
    }
}
CONF
    nginx -c "$dir/nginx.conf" -p "$dir" &
    LAB_PIDS+=($!)
    lab_wait_port "$port"
}

# Serves RTMPT on 127.0.0.1:PORT in front of the RTMP server on 127.0.0.1:RTMP_PORT
# (tests/lab/rtmpt_proxy.py); waits until it listens.
lab_rtmpt_start() {
    local port=$1 rtmp_port=$2
    python3 "$(dirname "${BASH_SOURCE[0]}")/rtmpt_proxy.py" "$port" "$rtmp_port" &
    LAB_PIDS+=($!)
    lab_wait_port "$port"
}

# Waits (up to 10 s) until something listens on 127.0.0.1:PORT.
lab_wait_port() {
    local port=$1
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "lab: nothing listens on port $port" >&2
    return 1
}

# Makes OUT (once): 10 s of 1080p H.264 and AAC at about 40 Mbit/s, for load tests that send it
# with -re -c copy.
lab_high_bitrate_flv() {
    local out=$1
    [ -f "$out" ] && return 0
    mkdir -p "$(dirname "$out")"
    ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30" \
        -f lavfi -i "sine=frequency=440:sample_rate=44100" -t 10 -c:v libx264 \
        -preset ultrafast -b:v 60M -maxrate 60M -bufsize 60M -g 30 -pix_fmt yuv420p \
        -c:a aac -b:a 128k -f flv "$out.partial"
    mv "$out.partial" "$out"
}

# Runs COMMAND... in a network namespace of its own whose loopback has Ethernet's MTU and no
# segmentation offload, so that traffic there is captured in Ethernet-sized packets as on a real
# link (the host's loopback carries up to 64 KiB a packet). LAB_IN_NAMESPACE=1 inside. Root.
lab_in_ethernet_namespace() {
    command -v ethtool >/dev/null || apt-get install -y -qq ethtool >/dev/null
    local namespace="rtmpscope-lab-$$" status=0
    ip netns add "$namespace"
    ip netns exec "$namespace" ip link set lo up mtu 1500
    ip netns exec "$namespace" ethtool -K lo tso off gso off gro off >/dev/null
    LAB_IN_NAMESPACE=1 ip netns exec "$namespace" "$@" || status=$?
    ip netns delete "$namespace"
    return "$status"
}

# Publishes SECONDS of synthetic H.264 + AAC to URL in the background (small bitrate).
lab_publish() {
    local url=$1 seconds=$2
    timeout $((seconds + 10)) ffmpeg -hide_banner -loglevel error -re \
        -f lavfi -i "testsrc2=size=320x240:rate=15" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
        -t "$seconds" -c:v libx264 -preset veryfast -tune zerolatency -g 15 -b:v 120k -pix_fmt yuv420p \
        -c:a aac -b:a 48k -ac 2 -f flv "$url" &
    LAB_PIDS+=($!)
}

# Plays URL for SECONDS with ffmpeg, copying the stream into OUTFILE (FLV).
lab_play_ffmpeg() {
    local url=$1 seconds=$2 out=$3
    timeout -s TERM -k 2 $((seconds + 5)) ffmpeg -hide_banner -loglevel error -y -i "$url" \
        -c copy -t "$seconds" -f flv "$out" &
    LAB_PIDS+=($!)
}

# Plays URL for SECONDS with rtmpdump, discarding the media.
lab_play_rtmpdump() {
    local url=$1 seconds=$2
    timeout -s TERM -k 2 "$seconds" rtmpdump --live -q -r "$url" -o /dev/null &
    LAB_PIDS+=($!)
}

# Captures on IFACE with FILTER into OUTFILE; extra tcpdump arguments follow. Waits until
# tcpdump is listening.
lab_capture_start() {
    local iface=$1 filter=$2 out=$3
    shift 3
    local log="$LAB_DIR/tcpdump.$RANDOM.log"
    tcpdump -i "$iface" -U -Z root -w "$out" "$@" "$filter" 2>"$log" &
    LAB_CAPTURE_PID=$!
    LAB_PIDS+=($!)
    for _ in $(seq 100); do
        grep -q "listening on" "$log" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "lab: tcpdump did not start: $(cat "$log")" >&2
    return 1
}

# Stops the last capture started (tcpdump flushes on SIGINT).
lab_capture_stop() {
    sleep 0.5
    kill -INT "$LAB_CAPTURE_PID" 2>/dev/null || true
    wait "$LAB_CAPTURE_PID" 2>/dev/null || true
}

# Waits for a PID with a deadline in seconds, then stops it.
lab_wait() {
    local pid=$1 seconds=$2
    for _ in $(seq $((seconds * 10))); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
}

# The TUI on live traffic: starts nginx-rtmp on a free loopback port (LAB_PORT) and, in a
# detached 160x45 tmux session (LAB_TUI), `RTMPSCOPE -i lo --tui --export-flv export` run from
# OUTDIR on that port's traffic; when it exits, its status goes to OUTDIR/status and the
# terminal's settings to OUTDIR/stty. Both are stopped when the script exits.
#   lab_tui_start RTMPSCOPE OUTDIR
lab_tui_start() {
    local rtmpscope=$1
    LAB_TUI_OUT=$2
    LAB_TUI="rtmpscope-$(basename "$0" .sh)-$$"
    trap lab_tui_cleanup EXIT
    LAB_PORT=$((20000 + RANDOM % 20000))
    lab_nginx_start "$LAB_PORT"
    tmux new-session -d -s "$LAB_TUI" -x 160 -y 45 \
        "cd '$LAB_TUI_OUT' && '$rtmpscope' -i lo -f 'tcp port $LAB_PORT' --tui --export-flv export; echo \$? > status; stty -a > stty; sleep 60"
}

# Stops the TUI's tmux session and the lab.
lab_tui_cleanup() {
    tmux kill-session -t "$LAB_TUI" 2>/dev/null || true
    lab_cleanup
}

# Waits (up to SECONDS) until the TUI's screen matches the extended regular expression TEXT;
# leaves the screen in OUTDIR/screen.txt.
#   lab_tui_wait TEXT SECONDS
lab_tui_wait() {
    local text=$1 seconds=$2
    for _ in $(seq $((seconds * 20))); do
        tmux capture-pane -p -t "$LAB_TUI" > "$LAB_TUI_OUT/screen.txt"
        grep -qE -- "$text" "$LAB_TUI_OUT/screen.txt" && return 0
        sleep 0.05
    done
    echo "$(basename "$0" .sh): no '$text' on the screen after $seconds s:" >&2
    cat "$LAB_TUI_OUT/screen.txt" >&2
    return 1
}

# Sends KEYS (tmux key names) to the TUI, then waits (up to 10 s) until it has exited.
#   lab_tui_quit KEYS...
lab_tui_quit() {
    tmux send-keys -t "$LAB_TUI" "$@"
    for _ in $(seq 100); do
        [ -s "$LAB_TUI_OUT/stty" ] && return 0
        sleep 0.1
    done
    echo "$(basename "$0" .sh): $* did not quit" >&2
    return 1
}

# Stops every process the lab started, by PID.
lab_cleanup() {
    local pid
    for pid in "${LAB_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    sleep 0.3
    for pid in "${LAB_PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    LAB_PIDS=()
    [ -n "$LAB_DIR" ] && rm -rf "$LAB_DIR"
    LAB_DIR=""
}
