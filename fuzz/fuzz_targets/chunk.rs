//! The chunk demultiplexer with message assembly and decoding. The body is `rtmpscope::fuzz_harness::chunk_stream`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::chunk_stream(data));
