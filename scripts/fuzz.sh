#!/usr/bin/env bash
# Runs every fuzz target on its corpus (seeded from the samples by scripts/fuzz_seeds.py).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [MAX_RUNS] [TARGET...]
# Defaults: 10 s a target, no run limit, all targets. CI runs a short pass; long campaigns
# pass e.g. 1800 10000000. Needs cargo-fuzz (installed if missing). Builds without a
# sanitizer (`-s none`): the crate forbids unsafe code, so what is hunted is panics, hangs,
# overflows (debug assertions are on) and unbounded memory (-rss_limit_mb).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
runs=${2:--1}
shift $(( $# > 2 ? 2 : $# ))
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
python3 scripts/fuzz_seeds.py
# Past findings join the corpora, so every run replays them with debug assertions on.
for found in fuzz/regressions/*/; do
    cp "$found"* "fuzz/corpus/$(basename "$found")/"
done
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
cargo fuzz build -s none --debug-assertions
for target in "${targets[@]}"; do
    echo "== $target"
    # A target without seeds (the escaping one needs none) still needs its corpus folder.
    mkdir -p "fuzz/corpus/$target"
    cargo fuzz run -s none --debug-assertions "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -runs="$runs" -rss_limit_mb=512 -timeout=10 \
        -print_final_stats=1 2>&1 | grep -E "^(stat::|Done|INFO: Running|==|SUMMARY|.*panicked)" || true
    # A finding leaves its input in fuzz/artifacts/<target>/ and a non-zero status.
    if compgen -G "fuzz/artifacts/$target/*" >/dev/null; then
        echo "fuzz: $target found a failing input: $(ls fuzz/artifacts/"$target")" >&2
        exit 1
    fi
done
