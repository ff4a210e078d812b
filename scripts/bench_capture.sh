# The capture a benchmark script runs on (source this file): `bench_capture ARG` builds the
# release binaries and sets `file` to ARG when it names a file, or, for a number, to a
# generated capture of that many MB (bench-data/gen-SIZE.pcap, made once by rtmpscope-gencap).
bench_capture() {
    local arg=$1
    cargo build --release --quiet --bin rtmpscope --bin rtmpscope-gencap
    if [[ "$arg" =~ ^[0-9]+$ ]]; then
        mkdir -p bench-data
        file="bench-data/gen-${arg}.pcap"
        [ -f "$file" ] || ./target/release/rtmpscope-gencap "$file" "$arg"
    else
        file=$arg
    fi
}
