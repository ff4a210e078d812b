//! One connection through the session table (RTMPT, TLS probing, HTTP caught mid-way). The body is `rtmpscope::fuzz_harness::stream`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::stream(data));
