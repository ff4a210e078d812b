//! The RTMP decoder: handshake, chunk stream, messages, AMF0/AMF3, media tag headers, variants.
//!
//! Every decoder here is a plain state machine fed bytes; none does I/O.

// Decoders read bytes anyone can send: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod amf;
pub mod amf0;
pub mod amf3;
pub mod amf_decoder;
pub mod amf_error;
pub mod chunk;
pub mod codec;
pub mod command;
pub mod decode;
pub mod handshake;
pub mod hex;
pub mod http;
pub mod media;
pub mod message;
pub mod reader;
pub mod rtmpt;
pub mod session;
pub mod sessions;
pub mod tls;
pub mod variant;
