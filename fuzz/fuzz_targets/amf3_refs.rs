//! AMF3 with references under a small budget. The body is
//! `rtmpscope::fuzz_harness::amf3_references`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::amf3_references(data));
