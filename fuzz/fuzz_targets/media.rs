//! Audio/video tag headers and codec configuration records. The body is `rtmpscope::fuzz_harness::media`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::media(data));
