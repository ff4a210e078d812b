//! `--redact`'s masking against the byte-by-byte search it replaced. The body is
//! `rtmpscope::fuzz_harness::redaction`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::redaction(data));
