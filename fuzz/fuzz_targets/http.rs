//! The HTTP layer of RTMPT. The body is `rtmpscope::fuzz_harness::http`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::http(data));
