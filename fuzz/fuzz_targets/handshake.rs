//! The handshake analyser, client and server parts interleaved. The body is `rtmpscope::fuzz_harness::handshake`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::handshake(data));
