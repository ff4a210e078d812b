//! TLS hellos and the record layer, client and server parts interleaved. The body is `rtmpscope::fuzz_harness::tls`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::tls(data));
