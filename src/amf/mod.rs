//! AMF, the Action Message Format: the values RTMP commands, data and shared objects carry.
//!
//! [`value`] holds the decoded values and the limits that bound decoding; [`amf0`] and
//! [`amf3`] read the two encodings; [`decoder`] is the bounded reading context they share
//! (depth, element counts, reference tables); [`error`] says where and why a value stopped.

// Decoders read bytes anyone can send: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod amf0;
pub mod amf3;
pub mod decoder;
pub mod error;
pub mod value;

pub use value::*;
