//! AMF3 values. The body is `rtmpscope::fuzz_harness::amf3_values`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::amf3_values(data));
