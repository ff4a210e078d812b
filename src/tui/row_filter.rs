//! Display filters on the TUI's rows: each row is seen as the event it was made from, so a
//! filter typed after `/` selects what `--filter-messages` would write.
//!
//! A message row is decoded again from the body bytes it kept (the whole body for commands,
//! data and control, the tag header for audio and video), with its session's endpoints and
//! variant; a filter that names only header fields (`type`, `frame`, `dir`, `session`…) runs
//! on the row without that. Handshake, warning and gap rows keep only their summary: they
//! offer the common fields, `dir`, and for warnings `code` and `message` (read back from the
//! summary).
//! `reply_to` and `reply_to_frame` are known only while decoding, so rows lack them.

use std::net::{Ipv4Addr, SocketAddr};

use serde::Serialize;

use super::model::{Content, MessageRow, Model, RowKind};
use crate::amf::AmfLimits;
use crate::common::Endpoints;
use crate::filter::fields::ROW_FIELDS;
use crate::filter::{Filter, Probe, Subject};
use crate::output::describe::MessageSummary;
use crate::output::filtered::{row_text, EventSubject};
use crate::rtmp::decode::decode_message;
use crate::rtmp::message::MessageHeader;
use crate::session::event::{CommonFields, Event, EventKind, MessageEvent};
use crate::session::variant::Variant;

/// Runs one filter over rows, reusing its text buffers.
pub struct RowMatcher<'a> {
    filter: &'a Filter,
    model: &'a Model,
    /// The filter needs only [`ROW_FIELDS`].
    row_fields_only: bool,
    /// The filter is words only.
    text_only: bool,
    text: String,
}

impl<'a> RowMatcher<'a> {
    /// `filter` over the rows of `model`.
    pub fn new(filter: &'a Filter, model: &'a Model) -> Self {
        RowMatcher {
            filter,
            model,
            row_fields_only: filter.only_fields(ROW_FIELDS),
            text_only: filter.text_only(),
            text: String::new(),
        }
    }

    /// Does `row` pass?
    pub fn matches(&mut self, row: &MessageRow) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        if self.text_only && matches!(row.content, Content::Media { .. }) {
            // Words only, and no body to search: the row's text is all there is to read.
            return self.filter.matches(&mut TextOnly {
                row,
                text: &mut self.text,
            });
        }
        let (endpoints, variant) = self.model.session(row.session).map_or(
            (
                Endpoints {
                    client: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
                    server: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
                },
                Variant::Rtmp,
            ),
            |s| {
                (
                    Endpoints {
                        client: s.client,
                        server: s.server,
                    },
                    s.variant,
                )
            },
        );
        let message_dir = row.dir.filter(|_| row.is_message());
        let Some(dir) = message_dir.filter(|_| !self.row_fields_only) else {
            return self.filter.matches(&mut NoteSubject {
                row,
                fields: row_fields(row, endpoints, variant),
                text: &mut self.text,
            });
        };
        let message = decode_message(row.header(), row.body(), &AmfLimits::default());
        let event = Event {
            frame: row.frame,
            time: row.time,
            session: row.session,
            endpoints,
            variant,
            inner: None,
            kind: EventKind::Message(MessageEvent {
                dir,
                message,
                payload: row.body(),
                flags: crate::rtmp::chunk::MessageFlags::default(),
            }),
        };
        self.filter
            .matches(&mut EventSubject::new(&event, &mut self.text))
    }
}

/// The fields of a row that need no decoding, as its event's JSON has them: all a
/// handshake, warning or gap row has, and a message's header.
#[derive(Serialize)]
struct RowFields<'r> {
    #[serde(flatten)]
    common: CommonFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    dir: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'r str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    header: Option<Header>,
}

/// A message row's header fields, as a message event's JSON has them.
#[derive(Serialize)]
struct Header {
    #[serde(flatten)]
    header: MessageHeader,
    #[serde(rename = "type")]
    type_name: &'static str,
}

fn row_fields(row: &MessageRow, endpoints: Endpoints, variant: Variant) -> RowFields<'_> {
    let summary = match &row.content {
        Content::Text(text) => &text.summary[..],
        Content::Media { .. } => "",
    };
    let event = match row.kind {
        _ if row.is_message() => "message",
        RowKind::Warning => "warning",
        RowKind::Gap => "gap",
        _ if summary.starts_with("TLS handshake") => "tls_handshake",
        _ => "handshake",
    };
    // A warning's summary is "WARNING {code}: {message}" (output::describe).
    let warning = (row.kind == RowKind::Warning)
        .then(|| summary.strip_prefix("WARNING ")?.split_once(": "))
        .flatten();
    RowFields {
        common: CommonFields::new(
            event,
            (row.frame, row.time),
            row.session,
            endpoints,
            variant,
        ),
        dir: row.dir.map(|d| d.as_str()),
        code: warning.map(|(code, _)| code),
        message: warning.map(|(_, message)| message),
        header: row.is_message().then(|| Header {
            header: row.header(),
            type_name: row.type_name(),
        }),
    }
}

/// A row as a filter sees it without decoding its body: a handshake, warning or gap, or a
/// message when the filter names only [`ROW_FIELDS`].
struct NoteSubject<'r, 't> {
    row: &'r MessageRow,
    fields: RowFields<'r>,
    text: &'t mut String,
}

impl Subject for NoteSubject<'_, '_> {
    fn walk(&mut self, probe: &mut Probe<'_>) {
        probe.visit(&self.fields);
    }

    fn text(&mut self) -> &str {
        shown_text(self.row, self.text)
    }
}

/// An audio or video row seen by a filter of words only: its text.
struct TextOnly<'r, 't> {
    row: &'r MessageRow,
    text: &'t mut String,
}

impl Subject for TextOnly<'_, '_> {
    fn walk(&mut self, _: &mut Probe<'_>) {}

    fn text(&mut self) -> &str {
        shown_text(self.row, self.text)
    }
}

/// What a row shows, for text search (an audio or video summary written straight into
/// `text` from the tag header).
fn shown_text<'t>(row: &MessageRow, text: &'t mut String) -> &'t str {
    let (frame, dir, type_name) = (row.frame, row.dir, row.type_name());
    match &row.content {
        Content::Text(content) => row_text(text, frame, dir, type_name, &content.summary),
        Content::Media { .. } => {
            let message = decode_message(row.header(), row.body(), &AmfLimits::default());
            row_text(text, frame, dir, type_name, MessageSummary(&message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::{Direction, Timestamp, WarningCode};
    use crate::output::describe::EventSummary;
    use crate::session::event::WarningEvent;

    #[test]
    fn a_warning_rows_code_and_message_are_read_back_from_its_summary() {
        let event = Event {
            frame: 7,
            time: Timestamp(0),
            session: 1,
            endpoints: Endpoints {
                client: SocketAddr::from((Ipv4Addr::LOCALHOST, 5000)),
                server: SocketAddr::from((Ipv4Addr::LOCALHOST, 1935)),
            },
            variant: Variant::Rtmp,
            inner: None,
            kind: EventKind::Warning(WarningEvent {
                dir: Some(Direction::ServerToClient),
                code: WarningCode::ChunkResync,
                message: "lost: footing".into(),
            }),
        };
        let summary = EventSummary(&event).to_string();
        let row = MessageRow::note(
            7,
            Timestamp(0),
            1,
            RowKind::Warning,
            Some(Direction::ServerToClient),
            summary,
        );
        let model = Model::default();
        for (expr, expected) in [
            ("warning and code == chunk_resync and dir == s2c", true),
            ("message == \"lost: footing\"", true),
            ("code == gap", false),
            ("frame == 7 and session == 1", true),
            ("footing", true),
            ("handshake", false),
        ] {
            let filter = Filter::parse(expr).unwrap();
            assert_eq!(
                RowMatcher::new(&filter, &model).matches(&row),
                expected,
                "{expr}"
            );
        }
    }
}
