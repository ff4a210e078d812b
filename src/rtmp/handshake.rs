//! The RTMP handshake (C0/C1/C2, S0/S1/S2): parsing, digest scheme detection and verification.
//!
//! PLACEHOLDER: to be implemented. The signatures below are the contract.

use serde::Serialize;

use crate::event::{Direction, PacketMeta};

/// What a completed (or cut-short) handshake showed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandshakeSummary {}

/// Follows both directions of one handshake. Each direction's handshake is 3073 bytes
/// (C0 + C1 + C2, or S0 + S1 + S2); bytes after that belong to the chunk stream.
#[derive(Debug, Default)]
pub struct HandshakeTracker {}

impl HandshakeTracker {
    /// A tracker at the start of a connection.
    pub fn new() -> Self {
        HandshakeTracker {}
    }

    /// Feeds bytes of one direction captured in packet `meta`; returns how many of them
    /// belong to the handshake (the rest start that direction's chunk stream).
    pub fn feed(&mut self, dir: Direction, bytes: &[u8], meta: &PacketMeta) -> usize {
        let _ = (dir, meta);
        bytes.len()
    }

    /// True once the direction's whole handshake (3073 bytes) has been consumed.
    pub fn is_done(&self, dir: Direction) -> bool {
        let _ = dir;
        false
    }

    /// What the handshake showed so far.
    pub fn summary(&self) -> HandshakeSummary {
        HandshakeSummary {}
    }
}
