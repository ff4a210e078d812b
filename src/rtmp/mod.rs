//! The RTMP decoder proper: handshake, chunk stream, messages, and media tag headers with their
//! codec configuration records.
//!
//! Every decoder here is a plain state machine fed bytes; none does I/O.

// Decoders read bytes anyone can send: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod chunk;
pub mod codec;
pub mod command;
pub mod decode;
pub mod decode_error;
pub mod handshake;
pub mod layout;
pub mod media;
pub mod message;
