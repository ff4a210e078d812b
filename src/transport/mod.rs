//! Transports that carry RTMP other than as plain bytes on TCP: TLS (RTMPS), HTTP (RTMPT) and
//! Adobe's encryption (RTMPE). Each reads what its layer shows; none knows the chunk stream.

// Decoders read bytes anyone can send: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod http;
pub mod rtmpe;
pub mod rtmpt;
pub mod tls;
