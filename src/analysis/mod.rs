//! Media and session analysis: per-session reports built from the event stream.
//!
//! [`Analyzer`] is a sink that sits in front of another: it watches every event, keeps a
//! [`SessionAnalysis`] per open session (counters, codecs, timing; no payloads), and when a
//! session ends hands the next sink the session's [`SessionReport`] through [`ReportSink`].
//! With `--summary` it forwards only those reports (and capture notices).

// Decoders read bytes anyone can send: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod health;
mod metadata;
mod report;
mod series;
mod session;
mod stream;
mod track;

use crate::common::fasthash::FastHashMap;

pub use report::{
    AudioCodec, Comparison, ConnectFacts, Finding, GopReport, RttReport, SessionReport,
    StatusEntry, StreamReport, VideoCodec,
};
pub use series::Bitrates;
pub use session::SessionAnalysis;
pub use track::TrackReport;

use crate::common::Notice;
use crate::session::event::{Event, EventKind, EventSink};

/// A sink that also takes session reports (the JSON and text writers).
pub trait ReportSink: EventSink {
    /// Called once per session, right after its `session_end` event (`ended`), with its report.
    fn report(&mut self, ended: &Event<'_>, report: &SessionReport);
}

impl<S: ReportSink + ?Sized> ReportSink for Box<S> {
    fn report(&mut self, ended: &Event<'_>, report: &SessionReport) {
        (**self).report(ended, report);
    }
}

/// Builds session reports from events and passes events on to `inner`.
pub struct Analyzer<S> {
    inner: S,
    sessions: FastHashMap<u64, SessionAnalysis>,
    forward_all: bool,
}

impl<S: ReportSink> Analyzer<S> {
    /// An analyzer in front of `inner`. With `forward_all` false, `inner` sees only the
    /// reports and capture notices (`--summary`).
    pub fn new(inner: S, forward_all: bool) -> Self {
        Analyzer {
            inner,
            sessions: FastHashMap::default(),
            forward_all,
        }
    }

    /// The analysis of an open session, for live views.
    pub fn session(&self, id: u64) -> Option<&SessionAnalysis> {
        self.sessions.get(&id)
    }

    /// The sink behind this one.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: ReportSink> EventSink for Analyzer<S> {
    fn event(&mut self, event: &Event<'_>) {
        if let EventKind::SessionStart(start) = &event.kind {
            self.sessions
                .insert(event.session, SessionAnalysis::new(event.time, start));
        }
        if let Some(analysis) = self.sessions.get_mut(&event.session) {
            analysis.event(event);
        }
        if self.forward_all {
            self.inner.event(event);
        }
        if matches!(event.kind, EventKind::SessionEnd(_)) {
            if let Some(analysis) = self.sessions.remove(&event.session) {
                self.inner.report(event, &analysis.report());
            }
        }
    }

    fn notice(&mut self, notice: &Notice) {
        self.inner.notice(notice);
    }
}
