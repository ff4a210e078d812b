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
mod ingest;
mod live;
mod metadata;
mod realtime;
mod report;
mod series;
mod session;
mod stream;
mod track;

use crate::common::fasthash::FastHashMap;

pub use health::{HealthOptions, KEYFRAME_INTERVAL_SECONDS, SLOW_START_SECONDS};
pub use ingest::Ingest;
pub use live::{Live, LiveFinding, LiveHeader, StreamStats, CHECK_INTERVAL_MICROS};
pub use realtime::{RealtimeReport, Stall, MAX_STALLS, STALL_MICROS};
pub use report::{
    AudioCodec, Comparison, ConnectFacts, Finding, GopReport, RttReport, SessionReport,
    StatusEntry, StreamReport, VideoCodec,
};
pub use series::{Bitrates, ChartSeries, StreamCharts};
pub use session::SessionAnalysis;
pub use track::TrackReport;

use crate::common::budget::MemoryBudget;
use crate::common::{Notice, Timestamp};
use crate::session::event::{Event, EventKind, EventSink};
use live::LiveSession;

/// A sink that also takes session reports (the JSON and text writers).
pub trait ReportSink: EventSink {
    /// Called once per session, right after its `session_end` event (`ended`), with its report.
    fn report(&mut self, ended: &Event<'_>, report: &SessionReport);

    /// A live line (`stream_stats`, or a finding as it happens) about a session; only with
    /// live statistics on ([`Analyzer::with_live_stats`]).
    fn live(&mut self, header: &LiveHeader, line: Live<'_>) {
        let _ = (header, line);
    }
}

impl<S: ReportSink + ?Sized> ReportSink for Box<S> {
    fn report(&mut self, ended: &Event<'_>, report: &SessionReport) {
        (**self).report(ended, report);
    }

    fn live(&mut self, header: &LiveHeader, line: Live<'_>) {
        (**self).live(header, line);
    }
}

/// Builds session reports from events and passes events on to `inner`.
pub struct Analyzer<S> {
    inner: S,
    sessions: FastHashMap<u64, SessionAnalysis>,
    forward_all: bool,
    reports: bool,
    budget: MemoryBudget,
    health: HealthOptions,
    /// Live statistics every this many microseconds of capture time (0: off).
    stats_interval: i64,
    live: FastHashMap<u64, LiveSession>,
    /// When stalls are next looked for and statistics next due.
    next_check: Option<Timestamp>,
    next_stats: Option<Timestamp>,
    stats_from: Timestamp,
}

impl<S: ReportSink> Analyzer<S> {
    /// An analyzer in front of `inner`. With `forward_all` false, `inner` sees only the
    /// reports and capture notices (`--summary`).
    pub fn new(inner: S, forward_all: bool) -> Self {
        Analyzer::with_budget(inner, forward_all, MemoryBudget::unlimited())
    }

    /// An analyzer whose per-stream state is charged to `budget` (shared with the decoders,
    /// so `--memory-cap` covers both).
    pub fn with_budget(inner: S, forward_all: bool, budget: MemoryBudget) -> Self {
        Analyzer {
            inner,
            sessions: FastHashMap::default(),
            forward_all,
            reports: true,
            budget,
            health: HealthOptions::default(),
            stats_interval: 0,
            live: FastHashMap::default(),
            next_check: None,
            next_stats: None,
            stats_from: Timestamp::default(),
        }
    }

    /// Judges sessions with `options` (`--ingest`).
    pub fn with_health(mut self, options: HealthOptions) -> Self {
        self.health = options;
        self
    }

    /// Emits `stream_stats` for every active stream each `seconds` of capture time, and stall
    /// findings as they happen (0: off).
    pub fn with_live_stats(mut self, seconds: u64) -> Self {
        let micros = seconds.saturating_mul(1_000_000);
        self.stats_interval = i64::try_from(micros).unwrap_or(i64::MAX);
        self
    }

    /// Whether `inner` gets session reports (on by default; off for a live event stream that
    /// only wants the live lines added).
    pub fn with_reports(mut self, reports: bool) -> Self {
        self.reports = reports;
        self
    }

    /// The analysis of an open session, for live views.
    pub fn session(&self, id: u64) -> Option<&SessionAnalysis> {
        self.sessions.get(&id)
    }

    /// The sink behind this one.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// Live: stalls that ended with this event, then the clock.
    fn live_event(&mut self, event: &Event<'_>) {
        if let Some(live) = self.live.get_mut(&event.session) {
            live.header.frame = event.frame;
            live.header.time = event.time;
        }
        if let EventKind::Message(_) = &event.kind {
            if let (Some(session), Some(live)) = (
                self.sessions.get_mut(&event.session),
                self.live.get(&event.session),
            ) {
                let mut header = live.header;
                header.time = event.time;
                for finding in live::ended_stalls(session) {
                    self.inner.live(&header, Live::Finding(&finding));
                }
            }
        }
        self.clock(event.time);
    }

    /// Capture time is now `now`: announce stalls under way, and statistics when due.
    fn clock(&mut self, now: Timestamp) {
        if self.next_check.is_some_and(|next| now < next) {
            return;
        }
        self.next_check = Some(Timestamp(now.0.saturating_add(CHECK_INTERVAL_MICROS)));
        let mut ids: Vec<u64> = self.sessions.keys().copied().collect();
        ids.sort_unstable();
        for id in &ids {
            let (Some(session), Some(live)) = (self.sessions.get_mut(id), self.live.get(id)) else {
                continue;
            };
            let mut header = live.header;
            header.time = now;
            for finding in live::started_stalls(session, now) {
                self.inner.live(&header, Live::Finding(&finding));
            }
        }
        let next_stats = *self
            .next_stats
            .get_or_insert(Timestamp(now.0.saturating_add(self.stats_interval)));
        if now < next_stats {
            return;
        }
        let seconds = now.micros_since(self.stats_from) as f64 / 1e6;
        for id in &ids {
            let (Some(session), Some(live)) = (self.sessions.get_mut(id), self.live.get_mut(id))
            else {
                continue;
            };
            let retransmissions = session.network.map_or(0, |net| net.retransmissions);
            let delta = retransmissions.saturating_sub(live.retransmissions_at_start);
            live.retransmissions_at_start = retransmissions;
            let mut header = live.header;
            header.time = now;
            let span = seconds.min(now.micros_since(session.start_time()) as f64 / 1e6);
            for stats in live::interval_stats(session, span, delta) {
                self.inner.live(&header, Live::Stats(&stats));
            }
            for finding in live::new_findings(session, &self.health, &mut live.announced) {
                self.inner.live(&header, Live::Finding(&finding));
            }
        }
        self.stats_from = now;
        let mut next = next_stats;
        while next <= now {
            next = Timestamp(next.0.saturating_add(self.stats_interval.max(1)));
        }
        self.next_stats = Some(next);
    }
}

impl<S: ReportSink> EventSink for Analyzer<S> {
    fn event(&mut self, event: &Event<'_>) {
        if let EventKind::SessionStart(start) = &event.kind {
            self.sessions.insert(
                event.session,
                SessionAnalysis::with_budget(event.time, start, &self.budget),
            );
            if self.stats_interval > 0 {
                let header = LiveHeader {
                    frame: event.frame,
                    time: event.time,
                    session: event.session,
                    endpoints: event.endpoints,
                    variant: event.variant,
                };
                self.live.insert(
                    event.session,
                    LiveSession {
                        header,
                        retransmissions_at_start: 0,
                        announced: Vec::new(),
                    },
                );
                if self.next_stats.is_none() {
                    self.stats_from = event.time;
                }
            }
        }
        if let Some(analysis) = self.sessions.get_mut(&event.session) {
            analysis.event(event);
        }
        if self.stats_interval > 0 {
            self.live_event(event);
        }
        if self.forward_all {
            self.inner.event(event);
        }
        if matches!(event.kind, EventKind::SessionEnd(_)) {
            self.live.remove(&event.session);
            if let Some(analysis) = self.sessions.remove(&event.session) {
                if self.reports {
                    self.inner
                        .report(event, &analysis.report_with(&self.health));
                }
            }
        }
    }

    fn notice(&mut self, notice: &Notice) {
        self.inner.notice(notice);
    }

    fn tick(&mut self, now: Timestamp) {
        if self.stats_interval > 0 {
            self.clock(now);
        }
        self.inner.tick(now);
    }
}
