//! The whole pipeline from Ethernet frames to JSON events. The body is `rtmpscope::fuzz_harness::pipeline`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::pipeline(data));
