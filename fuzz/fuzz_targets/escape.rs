//! The terminal escaping of wire text. The body is `rtmpscope::fuzz_harness::escape`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::escape(data));
