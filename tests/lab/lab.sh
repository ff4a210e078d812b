#!/usr/bin/env bash
# The lab of real RTMP peers on loopback: nginx with the RTMP module (server), ffmpeg
# (publisher and player), rtmpdump (player), tcpdump (capture). Source this file.
# Every background process is tracked by PID and stopped by PID (lab_cleanup).

LAB_PIDS=()
LAB_DIR=""

# Installs the build dependency (libpcap) and the lab's peers. Idempotent.
lab_install() {
    local packages="libpcap-dev tshark tcpdump ffmpeg nginx libnginx-mod-rtmp rtmpdump"
    # shellcheck disable=SC2086
    if dpkg -s $packages >/dev/null 2>&1; then
        return 0
    fi
    apt-get update -qq
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
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
