//! Which member of the RTMP family a connection carries, and the facts each variant exposes.
//!
//! PLACEHOLDER: detection to be implemented.

use serde::Serialize;

/// The RTMP family member of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// Plain RTMP over TCP.
    Rtmp,
    /// RTMP tunnelled in HTTP requests.
    Rtmpt,
    /// RTMP inside TLS.
    Rtmps,
    /// Adobe's encrypted RTMP (handshake version 6 or 8).
    Rtmpe,
}

impl Variant {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Rtmp => "rtmp",
            Variant::Rtmpt => "rtmpt",
            Variant::Rtmps => "rtmps",
            Variant::Rtmpe => "rtmpe",
        }
    }
}

/// Facts from TLS hello messages (RTMPS).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TlsInfo {}

/// Facts about an RTMPT tunnel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TunnelInfo {}

/// What the first bytes a client sends on a connection say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstBytes {
    /// Not enough bytes yet to tell.
    NeedMore,
    /// C0 = 3 and a plausible C1: plain RTMP.
    Rtmp,
    /// C0 = 6 or 8: RTMPE (the version byte).
    Rtmpe(u8),
    /// A TLS handshake record carrying a ClientHello: RTMPS if the connection is RTMP.
    Tls,
    /// An HTTP request line: a candidate RTMPT tunnel.
    Http,
    /// None of the above.
    Other,
}

/// Classifies a connection by the first bytes its client sent. PLACEHOLDER.
pub fn classify_client_start(bytes: &[u8]) -> FirstBytes {
    let _ = bytes;
    FirstBytes::Other
}
