//! Display filters on the TUI's rows: each row is seen as the event it was made from, so a
//! filter typed after `/` selects what `--filter-messages` would write.
//!
//! A message row is decoded again from the body bytes it kept (the whole body for commands,
//! data and control, the tag header for audio and video), with its session's endpoints and
//! variant. Handshake, warning and gap rows keep only their summary: they offer the common
//! fields, `dir`, and for warnings `code` and `message` (read back from the summary).
//! `reply_to` and `reply_to_frame` are known only while decoding, so rows lack them.

use std::net::{Ipv4Addr, SocketAddr};

use serde::Serialize;

use super::model::{MessageRow, Model, RowKind};
use crate::amf::AmfLimits;
use crate::common::{Endpoints, Timestamp};
use crate::filter::{Filter, Probe, Subject};
use crate::output::filtered::{row_text, EventSubject};
use crate::rtmp::decode::decode_message;
use crate::session::event::{Event, EventKind, MessageEvent};
use crate::session::variant::Variant;

/// Runs one filter over rows, reusing its text buffers.
pub struct RowMatcher<'a> {
    filter: &'a Filter,
    model: &'a Model,
    text: String,
}

impl<'a> RowMatcher<'a> {
    /// `filter` over the rows of `model`.
    pub fn new(filter: &'a Filter, model: &'a Model) -> Self {
        RowMatcher {
            filter,
            model,
            text: String::new(),
        }
    }

    /// Does `row` pass?
    pub fn matches(&mut self, row: &MessageRow) -> bool {
        if self.filter.is_empty() {
            return true;
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
        let Some(dir) = row.dir.filter(|_| row.is_message()) else {
            return self.filter.matches(&mut NoteSubject {
                row,
                fields: note_fields(row, endpoints, variant),
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
                recovered: false,
            }),
        };
        self.filter
            .matches(&mut EventSubject::new(&event, &mut self.text))
    }
}

/// The fields of a handshake, warning or gap row, as its event's JSON has them.
#[derive(Serialize)]
struct NoteFields<'r> {
    event: &'static str,
    frame: u64,
    time: Timestamp,
    session: u64,
    client: SocketAddr,
    server: SocketAddr,
    variant: Variant,
    #[serde(skip_serializing_if = "Option::is_none")]
    dir: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'r str>,
}

fn note_fields(row: &MessageRow, endpoints: Endpoints, variant: Variant) -> NoteFields<'_> {
    let summary = match &row.content {
        super::model::Content::Text { summary, .. } => &summary[..],
        super::model::Content::Media { .. } => "",
    };
    let event = match row.kind {
        RowKind::Warning => "warning",
        RowKind::Gap => "gap",
        _ if summary.starts_with("TLS handshake") => "tls_handshake",
        _ => "handshake",
    };
    // A warning's summary is "WARNING {code}: {message}" (output::describe).
    let warning = (row.kind == RowKind::Warning)
        .then(|| summary.strip_prefix("WARNING ")?.split_once(": "))
        .flatten();
    NoteFields {
        event,
        frame: row.frame,
        time: row.time,
        session: row.session,
        client: endpoints.client,
        server: endpoints.server,
        variant,
        dir: row.dir.map(|d| d.as_str()),
        code: warning.map(|(code, _)| code),
        message: warning.map(|(_, message)| message),
    }
}

/// A handshake, warning or gap row as a filter sees it.
struct NoteSubject<'r, 't> {
    row: &'r MessageRow,
    fields: NoteFields<'r>,
    text: &'t mut String,
}

impl Subject for NoteSubject<'_, '_> {
    fn walk(&mut self, probe: &mut Probe<'_>) {
        probe.visit(&self.fields);
    }

    fn text(&mut self) -> &str {
        let row = self.row;
        row_text(
            self.text,
            row.frame,
            row.dir,
            row.type_name(),
            row.summary(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::{Direction, WarningCode};
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
