#!/usr/bin/env bash
# Installs what rtmpscope needs to build (libpcap) and what its tests use as real peers
# (nginx with the RTMP module, ffmpeg, rtmpdump, tcpdump, tshark). Debian/Ubuntu, as root.
# Idempotent: quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../tests/lab/lab.sh
source tests/lab/lab.sh
lab_install
# A current ffmpeg for the Enhanced RTMP tests (reads enhanced FLV exports).
lab_modern_ffmpeg >/dev/null
