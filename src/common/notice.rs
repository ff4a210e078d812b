//! Notices: problems with the capture itself rather than with one session.

use serde::Serialize;

use super::{NoticeCode, Timestamp};

/// Something about the capture itself rather than a session: an unsupported link type, a frame
/// too short for its headers, packets the kernel dropped. JSON: `"event":"capture_warning"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// The frame it concerns, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// Capture time of that frame, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// Stable machine-readable code, e.g. `NoticeCode::UnsupportedLinkType`, `NoticeCode::MalformedFrame`.
    pub code: NoticeCode,
    /// A sentence for a person.
    pub message: String,
}

/// A notice as its JSON event: `{"event":"capture_warning", …the notice's fields}`.
#[derive(Serialize)]
pub struct NoticeEvent<'a> {
    event: &'static str,
    #[serde(flatten)]
    notice: &'a Notice,
}

impl Notice {
    /// This notice as the event every JSON output writes.
    pub fn as_event(&self) -> NoticeEvent<'_> {
        NoticeEvent {
            event: "capture_warning",
            notice: self,
        }
    }
}
