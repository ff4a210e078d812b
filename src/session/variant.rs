//! Which member of the RTMP family a session is ([`crate::session::classify`] tells it from
//! a connection's first bytes).

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

    /// Whether a session of this member carrying `inner` shows its RTMP messages: RTMPE
    /// never does, RTMPS only when its keys were given, the others always.
    pub fn messages_visible(self, inner: Option<Variant>, decrypted: bool) -> bool {
        match (self, inner) {
            (_, Some(Variant::Rtmpe)) | (Variant::Rtmpe, _) => false,
            (Variant::Rtmps, _) => decrypted,
            (Variant::Rtmp | Variant::Rtmpt, _) => true,
        }
    }

    /// The name shown to a person for this member carrying `inner`: the URL scheme clients
    /// use for the pair (`RTMPTS` for RTMPT inside TLS, `RTMPTE` for RTMPE inside RTMPT),
    /// else the member's own name in capitals.
    pub fn label(self, inner: Option<Variant>) -> &'static str {
        match (self, inner) {
            (Variant::Rtmps, Some(Variant::Rtmpt)) => "RTMPTS",
            (Variant::Rtmpt, Some(Variant::Rtmpe)) => "RTMPTE",
            (Variant::Rtmps, Some(Variant::Rtmpe)) => "RTMPS+RTMPE",
            (Variant::Rtmp, _) => "RTMP",
            (Variant::Rtmpt, _) => "RTMPT",
            (Variant::Rtmps, _) => "RTMPS",
            (Variant::Rtmpe, _) => "RTMPE",
        }
    }
}
