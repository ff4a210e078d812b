//! One ClickHouse row per event or session report: the typed columns of
//! `deploy/clickhouse/schema.sql`, then the whole event as its NDJSON line (`raw`).
//!
//! The typed columns are read from the event itself, not parsed back from the JSON; `raw` is
//! the very line `--json` prints.

use serde::Serialize;

use crate::analysis::{LiveFinding, LiveHeader, SessionReport, StreamReport, StreamStats};
use crate::common::Notice;
use crate::redact::STREAM_NAME_COMMANDS;
use crate::rtmp::message::MessageBody;
use crate::session::event::{Event, EventKind};

/// A row of `events`. Field order is column order; `batch_id` and `batch_row` come first so a
/// spooled line's place in its batch can be read without parsing the rest.
#[derive(Serialize, Default)]
pub struct EventRow<'a> {
    /// Filled in by the batch.
    pub batch_id: &'a str,
    /// Filled in by the batch.
    pub batch_row: u32,
    time_us: i64,
    sensor: &'a str,
    event: &'static str,
    frame: u64,
    session: u64,
    client: String,
    server: String,
    variant: &'static str,
    community_id: &'a str,
    dir: &'static str,
    csid: u32,
    msid: u32,
    timestamp: u32,
    type_id: u8,
    #[serde(rename = "type")]
    type_name: &'static str,
    length: u32,
    command: &'a str,
    stream: &'a str,
    code: String,
    app: &'a str,
    flash_ver: &'a str,
    client_version: &'a str,
    handshake_ok: u8,
    raw: &'a str,
}

/// The text of a value that serialises as a JSON string (codes, reasons).
fn json_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

/// The row of a session event; `raw` is its JSON line, `id` its Community ID text.
pub fn event_row<'a>(
    event: &'a Event<'_>,
    sensor: &'a str,
    community_id: &'a str,
    raw: &'a str,
) -> EventRow<'a> {
    let mut row = EventRow {
        time_us: event.time.0,
        sensor,
        event: event.kind.name(),
        frame: event.frame,
        session: event.session,
        client: event.endpoints.client.to_string(),
        server: event.endpoints.server.to_string(),
        variant: event.variant.as_str(),
        community_id,
        raw,
        ..EventRow::default()
    };
    match &event.kind {
        EventKind::Message(message) => {
            let header = &message.message.header;
            row.dir = message.dir.as_str();
            row.csid = header.csid;
            row.msid = header.msid;
            row.timestamp = header.timestamp;
            row.type_id = header.type_id.0;
            row.type_name = message.message.type_name;
            row.length = header.length;
            if let MessageBody::Command(command) = &message.message.body {
                row.command = &command.command;
                if STREAM_NAME_COMMANDS.contains(&command.command.as_str()) {
                    row.stream = command.first_string_arg().unwrap_or("");
                }
                if command.command == "connect" {
                    let text = |key| command.command_object.get(key).and_then(|v| v.as_str());
                    row.app = text("app").unwrap_or("");
                    row.flash_ver = text("flashVer").unwrap_or("");
                }
                if let Some(code) = command
                    .status_info()
                    .and_then(|info| info.get("code"))
                    .and_then(|code| code.as_str())
                {
                    row.code = code.to_string();
                }
            }
        }
        EventKind::Handshake(handshake) => {
            row.client_version = handshake.c1_version.as_deref().unwrap_or("");
            let failed_check = [handshake.c2_check, handshake.s2_check]
                .iter()
                .flatten()
                .any(|check| check.ends_with("mismatch"));
            row.handshake_ok = u8::from(handshake.complete && !failed_check);
        }
        EventKind::Gap(gap) => row.dir = gap.dir.as_str(),
        EventKind::Warning(warning) => {
            row.dir = warning.dir.map_or("", |dir| dir.as_str());
            row.code = json_text(&warning.code);
        }
        EventKind::SessionEnd(end) => row.code = json_text(&end.reason),
        EventKind::Export(export) => row.stream = export.stream.as_deref().unwrap_or(""),
        EventKind::SessionStart(_) | EventKind::TlsHandshake(_) | EventKind::Network(_) => {}
    }
    row
}

/// The row of a capture warning (no session): its time, or `now_us` when it has none.
pub fn notice_row<'a>(notice: &Notice, now_us: i64, sensor: &'a str, raw: &'a str) -> EventRow<'a> {
    EventRow {
        time_us: notice.time.map_or(now_us, |time| time.0),
        sensor,
        event: "capture_warning",
        frame: notice.frame.unwrap_or(0),
        code: json_text(&notice.code),
        raw,
        ..EventRow::default()
    }
}

/// The row of a live `finding` line (a stall as it starts and ends, msid 0 for a finding of
/// the whole session as it is first found): in `events`, with its stream, code and, in `dir`,
/// its state.
pub fn finding_row<'a>(
    header: &LiveHeader,
    finding: &'a LiveFinding,
    sensor: &'a str,
    community_id: &'a str,
    raw: &'a str,
) -> EventRow<'a> {
    EventRow {
        time_us: header.time.0,
        sensor,
        event: "finding",
        frame: header.frame,
        session: header.session,
        client: header.endpoints.client.to_string(),
        server: header.endpoints.server.to_string(),
        variant: header.variant.as_str(),
        community_id,
        msid: finding.msid.unwrap_or(0),
        stream: finding.stream.as_deref().unwrap_or(""),
        code: finding.finding.code.to_string(),
        raw,
        ..EventRow::default()
    }
}

/// A row of `stream_stats`.
#[derive(Serialize)]
pub struct StatsRow<'a> {
    /// Filled in by the batch.
    pub batch_id: &'a str,
    /// Filled in by the batch.
    pub batch_row: u32,
    time_us: i64,
    sensor: &'a str,
    frame: u64,
    session: u64,
    client: String,
    server: String,
    variant: &'static str,
    community_id: &'a str,
    msid: u32,
    stream: &'a str,
    role: &'static str,
    interval_s: f64,
    video_kbps: f64,
    audio_kbps: f64,
    fps: f64,
    keyframes: u64,
    realtime_ratio: f64,
    lag_s: f64,
    retransmissions: u64,
    raw: &'a str,
}

/// The row of a live `stream_stats` line.
pub fn stats_row<'a>(
    header: &LiveHeader,
    stats: &'a StreamStats,
    sensor: &'a str,
    community_id: &'a str,
    raw: &'a str,
) -> StatsRow<'a> {
    StatsRow {
        batch_id: "",
        batch_row: 0,
        time_us: header.time.0,
        sensor,
        frame: header.frame,
        session: header.session,
        client: header.endpoints.client.to_string(),
        server: header.endpoints.server.to_string(),
        variant: header.variant.as_str(),
        community_id,
        msid: stats.msid,
        stream: stats.stream.as_deref().unwrap_or(""),
        role: stats.role.unwrap_or(""),
        interval_s: stats.interval_s,
        video_kbps: stats.video_kbps,
        audio_kbps: stats.audio_kbps,
        fps: stats.fps,
        keyframes: stats.keyframes,
        realtime_ratio: stats.realtime_ratio,
        lag_s: stats.lag_s,
        retransmissions: stats.retransmissions,
        raw,
    }
}

/// A row of `session_summaries`.
#[derive(Serialize)]
pub struct SummaryRow<'a> {
    /// Filled in by the batch.
    pub batch_id: &'a str,
    /// Filled in by the batch.
    pub batch_row: u32,
    time_us: i64,
    sensor: &'a str,
    session: u64,
    client: String,
    server: String,
    variant: &'static str,
    community_id: &'a str,
    role: &'static str,
    start_us: i64,
    duration_s: f64,
    end_reason: String,
    app: &'a str,
    tc_url: &'a str,
    flash_ver: &'a str,
    server_version: &'a str,
    handshake_complete: u8,
    bytes_c2s: u64,
    bytes_s2c: u64,
    messages: u64,
    gaps: u64,
    warnings: u64,
    errors: u64,
    error_codes: Vec<&'a str>,
    health: &'static str,
    finding_codes: Vec<&'static str>,
    finding_severities: Vec<&'static str>,
    retransmissions: u64,
    retransmitted_bytes: u64,
    zero_windows: u64,
    rtt_median_ms: f64,
    stream_names: Vec<&'a str>,
    stream_roles: Vec<&'static str>,
    stream_video_codecs: Vec<&'static str>,
    stream_video_kbps: Vec<f64>,
    stream_frame_rates: Vec<f64>,
    stream_keyframe_seconds: Vec<f64>,
    stream_audio_kbps: Vec<f64>,
    stream_media_s: Vec<f64>,
    stream_wall_s: Vec<f64>,
    stream_realtime_ratios: Vec<f64>,
    stream_max_lag_s: Vec<f64>,
    stream_stalls: Vec<u64>,
    stream_longest_stall_s: Vec<f64>,
    stream_first_frame_s: Vec<f64>,
    raw: &'a str,
}

/// One number per stream: `value` of its real-time report, or `absent` without one.
fn realtime_column(
    streams: &[StreamReport],
    absent: f64,
    value: impl Fn(&crate::analysis::RealtimeReport) -> f64,
) -> Vec<f64> {
    streams
        .iter()
        .map(|s| s.realtime.as_ref().map_or(absent, &value))
        .collect()
}

/// The row of a session's report; `ended` is its `session_end` event.
pub fn summary_row<'a>(
    ended: &'a Event<'_>,
    report: &'a SessionReport,
    sensor: &'a str,
    community_id: &'a str,
    raw: &'a str,
) -> SummaryRow<'a> {
    let text = |value: &'a Option<String>| value.as_deref().unwrap_or("");
    let streams = &report.streams;
    SummaryRow {
        batch_id: "",
        batch_row: 0,
        time_us: ended.time.0,
        sensor,
        session: ended.session,
        client: ended.endpoints.client.to_string(),
        server: ended.endpoints.server.to_string(),
        variant: ended.variant.as_str(),
        community_id,
        role: report.role,
        start_us: report.start.0,
        duration_s: report.duration_s,
        end_reason: report
            .end_reason
            .as_ref()
            .map(json_text)
            .unwrap_or_default(),
        app: text(&report.connect.app),
        tc_url: text(&report.connect.tc_url),
        flash_ver: text(&report.connect.flash_ver),
        server_version: text(&report.server_version),
        handshake_complete: u8::from(report.handshake_complete),
        bytes_c2s: report.bytes_c2s,
        bytes_s2c: report.bytes_s2c,
        messages: report.messages,
        gaps: report.gaps,
        warnings: report.warnings,
        errors: report.errors,
        error_codes: report
            .status
            .iter()
            .filter(|status| status.error)
            .map(|status| status.code.as_str())
            .collect(),
        health: report.health,
        finding_codes: report.findings.iter().map(|f| f.code).collect(),
        finding_severities: report.findings.iter().map(|f| f.severity).collect(),
        retransmissions: report.network.as_ref().map_or(0, |n| n.retransmissions),
        retransmitted_bytes: report.network.as_ref().map_or(0, |n| n.retransmitted_bytes),
        zero_windows: report.network.as_ref().map_or(0, |n| n.zero_windows),
        rtt_median_ms: report
            .network
            .as_ref()
            .map_or(0.0, |n| n.rtt_median_us as f64 / 1000.0),
        stream_names: streams.iter().map(|s| text(&s.name)).collect(),
        stream_roles: streams.iter().map(|s| s.role.unwrap_or("")).collect(),
        stream_video_codecs: streams
            .iter()
            .map(|s| s.video_codec.as_ref().map_or("", |codec| codec.codec))
            .collect(),
        stream_video_kbps: streams
            .iter()
            .map(|s| s.video.as_ref().map_or(0.0, |v| v.bitrates.average_kbps))
            .collect(),
        stream_frame_rates: streams
            .iter()
            .map(|s| s.video.as_ref().and_then(|v| v.frame_rate).unwrap_or(0.0))
            .collect(),
        stream_keyframe_seconds: streams
            .iter()
            .map(|s| s.gop.as_ref().and_then(|g| g.seconds).unwrap_or(0.0))
            .collect(),
        stream_audio_kbps: streams
            .iter()
            .map(|s| s.audio.as_ref().map_or(0.0, |a| a.bitrates.average_kbps))
            .collect(),
        stream_media_s: realtime_column(streams, 0.0, |r| r.media_s),
        stream_wall_s: realtime_column(streams, 0.0, |r| r.wall_s),
        stream_realtime_ratios: realtime_column(streams, -1.0, |r| r.ratio.unwrap_or(-1.0)),
        stream_max_lag_s: realtime_column(streams, 0.0, |r| r.max_lag_s),
        stream_stalls: streams
            .iter()
            .map(|s| {
                s.realtime.as_ref().map_or(0, |r| {
                    u64::try_from(r.stalls.len())
                        .unwrap_or(u64::MAX)
                        .saturating_add(r.stalls_dropped)
                })
            })
            .collect(),
        stream_longest_stall_s: realtime_column(streams, 0.0, |r| {
            r.stalls.iter().map(|s| s.seconds).fold(0.0, f64::max)
        }),
        stream_first_frame_s: streams
            .iter()
            .map(|s| s.first_frame_s.unwrap_or(-1.0))
            .collect(),
        raw,
    }
}
