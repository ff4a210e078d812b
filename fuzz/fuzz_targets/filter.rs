//! Display filters: compiling any text, and running what compiles on any AMF0 body. The
//! body is `rtmpscope::fuzz_harness::filter`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::filter(data));
