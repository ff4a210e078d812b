//! TLS record decryption: sealed records of every suite, with gaps, flipped bytes, junk and
//! KeyUpdates, through a keyed record tracker. The body is `rtmpscope::fuzz_harness::tls_decrypt`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtmpscope::fuzz_harness::tls_decrypt(data));
