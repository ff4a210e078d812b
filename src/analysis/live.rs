//! Live statistics: a `stream_stats` line per active stream every interval, and findings as
//! they happen (a stall when it passes the threshold and when it ends; every other finding of
//! the session's report the first time a statistics interval sees it).
//!
//! The clock is capture time: the events' times and, while a live capture is quiet, the
//! pipeline's ticks ([`crate::session::event::EventSink::tick`]). On a file there are no
//! ticks, so what is emitted depends only on the packets.

use serde::Serialize;

use super::health::HealthOptions;
use super::realtime::{round3, STALL_MICROS};
use super::report::Finding;
use super::session::SessionAnalysis;
use super::stream::{Interval, StreamAnalysis};
use crate::common::{Endpoints, Timestamp};
use crate::session::variant::Variant;

/// How often (capture time) open streams are looked at for a stall under way: a stall is
/// announced at most this long after it passes [`STALL_MICROS`].
pub const CHECK_INTERVAL_MICROS: i64 = 100_000;

/// The session fields every live line carries.
#[derive(Debug, Clone, Copy)]
pub struct LiveHeader {
    /// Frame number of the latest packet of the session.
    pub frame: u64,
    /// Capture time the line is about.
    pub time: Timestamp,
    /// Session id.
    pub session: u64,
    /// Client and server.
    pub endpoints: Endpoints,
    /// Which member of the RTMP family.
    pub variant: Variant,
}

/// One stream's statistics over the last interval: the `stream_stats` event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamStats {
    /// Message stream id.
    pub msid: u32,
    /// Stream name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// `publish` or `play`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    /// Seconds the interval covered.
    pub interval_s: f64,
    /// Video and audio body bits per second over the interval, in kbit/s.
    pub video_kbps: f64,
    /// Audio kbit/s.
    pub audio_kbps: f64,
    /// Video frames per second arrived.
    pub fps: f64,
    /// Keyframes arrived.
    pub keyframes: u64,
    /// Media seconds arrived per capture second in the interval.
    pub realtime_ratio: f64,
    /// How far the latest media lagged behind media time, seconds.
    pub lag_s: f64,
    /// Segments of the connection sent again in the interval.
    pub retransmissions: u64,
}

/// A finding as it happens: the `finding` event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveFinding {
    /// Message stream id (stalls; a `found` finding names its stream in its message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msid: Option<u32>,
    /// Stream name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// `started` (a stall passed the threshold), `ended` (media resumed) or `found` (another
    /// finding of the session's report, the first time it is seen).
    pub state: &'static str,
    /// How long a stall has lasted, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Severity, code and message.
    #[serde(flatten)]
    pub finding: Finding,
}

/// What a live line is.
#[derive(Debug, Clone, Copy)]
pub enum Live<'a> {
    /// A stream's interval statistics.
    Stats(&'a StreamStats),
    /// A finding as it happens.
    Finding(&'a LiveFinding),
}

impl Live<'_> {
    /// The JSON `event` name.
    pub fn name(&self) -> &'static str {
        match self {
            Live::Stats(_) => "stream_stats",
            Live::Finding(_) => "finding",
        }
    }
}

/// The live side of one session: its identity, where its interval started and the finding
/// codes already announced.
#[derive(Debug, Clone)]
pub(super) struct LiveSession {
    pub(super) header: LiveHeader,
    /// Retransmissions counted when the interval began.
    pub(super) retransmissions_at_start: u64,
    /// Codes announced as `found` (at most one line per code and session: a few dozen codes).
    pub(super) announced: Vec<&'static str>,
}

/// Codes not announced as `found`: stalls have their own lines, and the others can only be
/// judged once a session is over (a handshake, a publish or a GOP still under way would look
/// like a failure).
const JUDGED_AT_THE_END: [&str; 5] = [
    "stall",
    "handshake_failed",
    "no_media",
    "no_keyframe",
    "reset_before_connect",
];

/// Findings of `session`'s report as it stands, judged with `options`, whose code was not
/// announced yet: one `found` line per code and session, the first time it is seen (the
/// summary at the end has the final numbers).
pub(super) fn new_findings(
    session: &SessionAnalysis,
    options: &HealthOptions,
    announced: &mut Vec<&'static str>,
) -> Vec<LiveFinding> {
    let report = session.report_with(options);
    let mut found = Vec::new();
    for finding in report.findings {
        if JUDGED_AT_THE_END.contains(&finding.code) || announced.contains(&finding.code) {
            continue;
        }
        announced.push(finding.code);
        found.push(LiveFinding {
            msid: None,
            stream: None,
            state: "found",
            seconds: None,
            finding,
        });
    }
    found
}

/// A stall finding for `stream`: `started` when it passes the threshold, `ended` with its
/// length.
fn stall_finding(
    msid: u32,
    stream: &StreamAnalysis,
    state: &'static str,
    seconds: f64,
) -> LiveFinding {
    let label = match &stream.name {
        Some(name) => format!("stream {name}"),
        None => format!("message stream {msid}"),
    };
    let message = match state {
        "started" => format!("{label}: no media for {seconds:.1} s"),
        _ => format!("{label}: media resumed after {seconds:.1} s without"),
    };
    LiveFinding {
        msid: Some(msid),
        stream: stream.name.clone(),
        state,
        seconds: Some(round3(seconds)),
        finding: Finding {
            severity: "warning",
            code: "stall",
            message,
        },
    }
}

/// Stalls of `session` that ended (announced once each).
pub(super) fn ended_stalls(session: &mut SessionAnalysis) -> Vec<LiveFinding> {
    let mut found = Vec::new();
    for (msid, stream) in session.streams_mut() {
        if let Some(stall) = stream.ended_stall.take() {
            found.push(stall_finding(msid, stream, "ended", stall.seconds));
        }
    }
    found
}

/// Stalls of `session` under way at `now` and not announced yet.
pub(super) fn started_stalls(session: &mut SessionAnalysis, now: Timestamp) -> Vec<LiveFinding> {
    let mut found = Vec::new();
    for (msid, stream) in session.streams_mut() {
        let Some(last) = stream.realtime.last_arrival() else {
            continue;
        };
        let quiet = now.micros_since(last);
        if quiet > STALL_MICROS && !stream.realtime.stall_announced {
            stream.realtime.stall_announced = true;
            found.push(stall_finding(msid, stream, "started", quiet as f64 / 1e6));
        }
    }
    found
}

/// Every stream's statistics over the interval of `seconds` ending now, its counters reset.
pub(super) fn interval_stats(
    session: &mut SessionAnalysis,
    seconds: f64,
    retransmissions: u64,
) -> Vec<StreamStats> {
    let mut stats = Vec::new();
    for (msid, stream) in session.streams_mut() {
        if stream.role.is_none() && stream.media_dir.is_none() {
            continue;
        }
        let interval = stream.interval;
        let media_ms = stream.realtime.media_ms();
        let per_second = |value: f64| if seconds > 0.0 { value / seconds } else { 0.0 };
        let kbps = |bytes: u64| round3(per_second(bytes as f64 * 8.0 / 1000.0));
        stats.push(StreamStats {
            msid,
            stream: stream.name.clone(),
            role: stream.role,
            interval_s: round3(seconds),
            video_kbps: kbps(interval.video_bytes),
            audio_kbps: kbps(interval.audio_bytes),
            fps: round3(per_second(interval.video_frames as f64)),
            keyframes: interval.keyframes,
            realtime_ratio: round3(per_second(
                media_ms.saturating_sub(interval.media_ms_at_start) as f64 / 1000.0,
            )),
            lag_s: round3(stream.realtime.lag_s()),
            retransmissions,
        });
        stream.interval = Interval {
            media_ms_at_start: media_ms,
            ..Interval::default()
        };
    }
    stats
}
