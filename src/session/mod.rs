//! Sessions: which TCP flows carry RTMP, and one decoder a session that turns their bytes into
//! [`event::Event`]s.
//!
//! [`table`] routes each flow's reassembled bytes to its [`decoder::Session`] (plain RTMP,
//! RTMPS, RTMPE) or, for RTMPT, through [`tunnel_flow`] (one HTTP connection) and [`tunnel`]
//! (connections joined by session id) to the tunnel's session. [`event`] is what sessions emit.

// Decoders read bytes anyone can send: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod classify;
pub mod decoder;
pub mod event;
pub mod table;
pub mod tunnel;
pub mod tunnel_flow;
pub mod variant;
