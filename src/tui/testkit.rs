//! Sessions and rows of the TUI made by hand, for the unit tests of its panes and the
//! integration tests that draw it.

use std::net::SocketAddr;

use super::model::{Content, MessageRow, RowKind, Update};
use crate::common::Timestamp;
use crate::session::variant::Variant;
use crate::testkit::{amf0_body, Amf};

/// Session `id` starts at time 0: RTMP, with 127.0.0.1:1935 at both ends.
pub fn session_started(id: u64) -> Update {
    let address = SocketAddr::from(([127, 0, 0, 1], 1935));
    Update::SessionStarted {
        id,
        client: address,
        server: address,
        variant: Variant::Rtmp,
        time: Timestamp(0),
    }
}

/// A message of session 1 completed by frame `frame` at time 0, on chunk stream 3 and
/// message stream 0, with no direction: type `type_id` of class `kind`, its body `body`
/// (announced at its length) shown as `summary`.
pub fn message_row(
    frame: u64,
    type_id: u8,
    kind: RowKind,
    summary: impl Into<Box<str>>,
    body: Vec<u8>,
) -> MessageRow {
    MessageRow {
        frame,
        time: Timestamp(0),
        session: 1,
        csid: 3,
        msid: 0,
        timestamp: 0,
        length: u32::try_from(body.len()).unwrap_or(u32::MAX),
        type_id,
        kind,
        dir: None,
        content: Content::text(summary, body),
    }
}

/// The AMF0 body of `connect(1, {name: value})`, the value a string.
pub fn connect_body(name: &str, value: &str) -> Vec<u8> {
    amf0_body(&[
        Amf::Text(b"connect"),
        Amf::Number(1.0),
        Amf::Object(vec![(name, Amf::Text(value.as_bytes()))]),
    ])
}
