//! The RTMP handshake (C0/C1/C2, S0/S1/S2): parsing, digest scheme detection and verification.
//!
//! PLACEHOLDER: to be implemented.

use serde::Serialize;

/// What a completed (or cut-short) handshake showed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandshakeSummary {}
