//! `--filter-messages`: only the event lines a display filter passes reach the writer.
//!
//! Session events and capture warnings are filtered; session reports (`--summary`) and the
//! live `stream_stats` and `finding` lines are written whatever the filter, as they are
//! about sessions and streams rather than one event.

use std::fmt::{Display, Write};

use crate::analysis::{Live, LiveHeader, ReportSink, SessionReport};
use crate::common::{Direction, Notice, Timestamp};
use crate::filter::{Filter, Probe, Subject, Value};
use crate::output::describe::EventSummary;
use crate::redact::STREAM_NAME_COMMANDS;
use crate::rtmp::message::MessageBody;
use crate::session::event::{Event, EventKind, EventSink};

/// Passes on the events `filter` matches (every event without one).
pub struct Filtered<W> {
    inner: W,
    filter: Option<Filter>,
    /// Text of the event being tested, reused.
    text: String,
}

impl<W> Filtered<W> {
    /// `inner` behind `filter`.
    pub fn new(inner: W, filter: Option<Filter>) -> Self {
        Filtered {
            inner,
            filter,
            text: String::new(),
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

/// A writer told of the events a filter held back (the text output still counts its times
/// from the first event of the capture).
pub trait HeldBack {
    /// `event` was not written.
    fn held_back(&mut self, event: &Event<'_>) {
        let _ = event;
    }
}

impl<W: EventSink + HeldBack> EventSink for Filtered<W> {
    fn event(&mut self, event: &Event<'_>) {
        let pass = match &self.filter {
            None => true,
            Some(filter) => filter.matches(&mut EventSubject::new(event, &mut self.text)),
        };
        if pass {
            self.inner.event(event);
        } else {
            self.inner.held_back(event);
        }
    }

    fn notice(&mut self, notice: &Notice) {
        let pass = match &self.filter {
            None => true,
            Some(filter) => filter.matches(&mut NoticeSubject {
                notice,
                text: &mut self.text,
            }),
        };
        if pass {
            self.inner.notice(notice);
        }
    }

    fn tick(&mut self, now: Timestamp) {
        self.inner.tick(now);
    }
}

impl<W: ReportSink + HeldBack> ReportSink for Filtered<W> {
    fn report(&mut self, ended: &Event<'_>, report: &SessionReport) {
        self.inner.report(ended, report);
    }

    fn live(&mut self, header: &LiveHeader, line: Live<'_>) {
        self.inner.live(header, line);
    }
}

/// An event as a filter sees it: its JSON object, `stream` and `code` read from commands
/// (as the ClickHouse rows have them), and the text a row of it shows.
pub struct EventSubject<'e, 'a> {
    event: &'e Event<'a>,
    text: &'e mut String,
}

impl<'e, 'a> EventSubject<'e, 'a> {
    /// `event`, its text written into `text` when a filter asks for it.
    pub fn new(event: &'e Event<'a>, text: &'e mut String) -> Self {
        EventSubject { event, text }
    }
}

impl Subject for EventSubject<'_, '_> {
    fn walk(&mut self, probe: &mut Probe<'_>) {
        probe.visit(self.event);
        let EventKind::Message(message) = &self.event.kind else {
            return;
        };
        if let MessageBody::Command(command) = &message.message.body {
            if STREAM_NAME_COMMANDS.contains(&command.command.as_str()) {
                if let Some(name) = command.first_string_arg() {
                    probe.field("stream", Value::Str(name));
                }
            }
            let code = command.status_info().and_then(|info| info.get("code"));
            if let Some(code) = code.and_then(|code| code.as_str()) {
                probe.field("code", Value::Str(code));
            }
        }
    }

    fn text(&mut self) -> &str {
        let event = self.event;
        let (dir, type_name) = match &event.kind {
            EventKind::Message(m) => (Some(m.dir), m.message.type_name),
            EventKind::Gap(g) => (Some(g.dir), event.kind.name()),
            EventKind::Warning(w) => (w.dir, event.kind.name()),
            kind => (None, kind.name()),
        };
        row_text(self.text, event.frame, dir, type_name, EventSummary(event))
    }
}

/// A capture warning as a filter sees it.
struct NoticeSubject<'n> {
    notice: &'n Notice,
    text: &'n mut String,
}

impl Subject for NoticeSubject<'_> {
    fn walk(&mut self, probe: &mut Probe<'_>) {
        probe.visit(&self.notice.as_event());
    }

    fn text(&mut self) -> &str {
        let frame = self.notice.frame.unwrap_or(0);
        let summary = format_args!("{} ({})", self.notice.message, self.notice.code);
        row_text(self.text, frame, None, "capture_warning", summary)
    }
}

/// The text a row shows, which a word in a filter is searched in: frame, direction, type
/// and the one-line summary (the TUI's rows build theirs the same way).
pub fn row_text<'t>(
    text: &'t mut String,
    frame: u64,
    dir: Option<Direction>,
    type_name: &str,
    summary: impl Display,
) -> &'t str {
    text.clear();
    let dir = dir.map_or("", Direction::as_str);
    // Writing to a String cannot fail.
    let _ = write!(text, "{frame} {dir} {type_name} {summary}");
    text
}
