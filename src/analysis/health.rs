//! Was the session healthy? Findings a streaming engineer would act on, from the report.
//!
//! Every finding has a stable `code` (the README lists them); thresholds are the named
//! constants below, each with the reason for its value.

use super::ingest::{ingest_findings, Ingest};
use super::report::{Finding, SessionReport, StreamReport};
use crate::reassembly::CloseReason;
use crate::session::variant::Variant;

/// Mean keyframe interval above which players wait too long to start: ingest services ask
/// for 2 s and at most 4 s (YouTube, Facebook; see [`super::ingest`]), and a player joining a
/// live stream waits up to one interval for its first picture.
pub const KEYFRAME_INTERVAL_SECONDS: f64 = 4.0;
/// A player that waited longer than this from `play` to its first keyframe started slowly:
/// the same 4 s a keyframe interval may take at most.
pub const SLOW_START_SECONDS: f64 = 4.0;
/// Audio and video further apart than this are out of sync (lip sync is noticed from about
/// 100 ms; a second apart is an encoder or muxer fault, not jitter).
const DRIFT_LIMIT_MS: i64 = 1000;
/// A stream whose media arrived at less than this many media seconds per capture second
/// could not keep up (congestion or a slow encoder): its viewers buffer. 10 % below real time
/// is well outside the jitter of a healthy stream measured over [`REALTIME_MIN_WALL_SECONDS`].
const BEHIND_REALTIME_RATIO: f64 = 0.9;
/// The ratio is judged only over at least this much capture time (short streams end on a
/// burst or a pause that says nothing about the link).
const REALTIME_MIN_WALL_SECONDS: f64 = 10.0;
/// Retransmitted bytes above this share of the bytes carried: loss that limits TCP
/// throughput (it falls with the square root of the loss rate; at 2 % a 50 ms path carries
/// no more than about 2.5 Mbit/s).
const RETRANSMISSION_SHARE: f64 = 0.02;
/// ... and at least this many retransmitted segments (a handful on a short session is noise).
const RETRANSMISSION_MIN_SEGMENTS: u64 = 10;
/// Measured video bitrate above the declared one by more than this share (over at least
/// [`BITRATE_MIN_SECONDS`] of media): the encoder overshoots what the ingest planned for.
/// Encoders vary around their target by a few tens of percent; half as much again is not
/// variation.
const BITRATE_OVER_DECLARED: f64 = 0.5;
/// Media seconds needed before bitrates are compared.
const BITRATE_MIN_SECONDS: f64 = 10.0;

/// How findings are judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthOptions {
    /// Check publishes against this service's ingest recommendations.
    pub ingest: Option<Ingest>,
}

/// `failed` if any finding is an error, `degraded` if any is a warning, else `ok`.
pub fn verdict(findings: &[Finding]) -> &'static str {
    if findings.iter().any(|f| f.severity == "error") {
        "failed"
    } else if findings.is_empty() {
        "ok"
    } else {
        "degraded"
    }
}

/// The code of an error status: who refused what.
fn status_code(code: &str) -> &'static str {
    if code.starts_with("NetConnection.Connect") {
        "connect_rejected"
    } else if code.starts_with("NetStream.Publish") {
        "publish_rejected"
    } else if code.starts_with("NetStream.Play") {
        "play_failed"
    } else {
        "status_error"
    }
}

/// Everything worth flagging in a session's report.
pub fn findings(report: &SessionReport, options: &HealthOptions) -> Vec<Finding> {
    let mut found = Vec::new();
    for status in report.status.iter().filter(|status| status.error) {
        found.push(Finding {
            severity: "error",
            code: status_code(&status.code),
            message: match &status.description {
                Some(text) => format!("{} {}: {text}", status.command, status.code),
                None => format!("{} {}", status.command, status.code),
            },
        });
    }
    if !report.mid_stream && !report.handshake_complete && report.variant == Variant::Rtmp {
        found.push(Finding {
            severity: "error",
            code: "handshake_failed",
            message: "the handshake did not complete".into(),
        });
    }
    let mut warn = |code: &'static str, message: String| {
        found.push(Finding {
            severity: "warning",
            code,
            message,
        })
    };
    let lost = report.gap_bytes.saturating_sub(report.truncated_bytes);
    if lost > 0 {
        warn(
            "capture_gap",
            format!(
                "{} gap(s) in the capture: {} bytes never seen",
                report.gaps, report.gap_bytes
            ),
        );
    }
    if report.truncated_bytes > 0 {
        warn(
            "snap_length",
            format!(
                "the capture's snap length cut packets short: {} bytes sent were not captured \
                 (messages in them are counted from their headers; bodies are incomplete)",
                report.truncated_bytes
            ),
        );
    }
    // Servers and clients often reset a connection once they are done; a reset is worth a
    // word only when it came before the connection was accepted, and only a capture that saw
    // the whole connection can tell.
    let connected = report
        .status
        .iter()
        .any(|status| status.code == "NetConnection.Connect.Success");
    let saw_everything = !report.mid_stream && report.gaps == 0;
    // Inside RTMPS (without keys) and RTMPE the answer to connect cannot be seen.
    let visible = report
        .variant
        .messages_visible(report.inner, report.decrypted);
    if visible && saw_everything && report.end_reason == Some(CloseReason::Rst) && !connected {
        warn(
            "reset_before_connect",
            "the connection was reset (RST) before connect succeeded".into(),
        );
    }
    if let Some(network) = &report.network {
        let carried = report.bytes_c2s.saturating_add(report.bytes_s2c);
        if network.retransmissions >= RETRANSMISSION_MIN_SEGMENTS
            && network.retransmitted_bytes as f64 > carried as f64 * RETRANSMISSION_SHARE
        {
            warn(
                "retransmissions",
                format!(
                    "{} segments ({} bytes, {:.1}% of the bytes carried) were sent again: the \
                     network lost packets",
                    network.retransmissions,
                    network.retransmitted_bytes,
                    network.retransmitted_bytes as f64 * 100.0 / carried.max(1) as f64
                ),
            );
        }
    }
    for stream in &report.streams {
        stream_findings(stream, options, report.gaps > 0, &mut warn);
    }
    found
}

/// The name a finding gives a stream.
pub fn stream_label(stream: &StreamReport) -> String {
    match &stream.name {
        Some(name) => format!("stream {name}"),
        None => format!("message stream {}", stream.msid),
    }
}

/// Warnings about one stream's media; `gaps` when the capture lost bytes of the session (a
/// frame missing from it may have been in them).
fn stream_findings(
    stream: &StreamReport,
    options: &HealthOptions,
    gaps: bool,
    warn: &mut impl FnMut(&'static str, String),
) {
    let label = stream_label(stream);
    if stream.role == Some("publish") && stream.video.is_none() && stream.audio.is_none() {
        warn(
            "no_media",
            format!("{label} was published but carried no media"),
        );
    }
    for (kind, track) in [("video", &stream.video), ("audio", &stream.audio)] {
        let Some(track) = track else { continue };
        if track.timestamps_backwards > 0 {
            warn(
                "timestamps_backwards",
                format!(
                    "{label}: {kind} timestamps went backwards {} time(s)",
                    track.timestamps_backwards
                ),
            );
        }
        if track.timestamp_jumps > 0 {
            warn(
                "timestamp_jump",
                format!(
                    "{label}: {kind} timestamps jumped forward {} time(s), by up to {} ms",
                    track.timestamp_jumps, track.largest_jump_ms
                ),
            );
        }
    }
    if let (Some(gop), Some(video)) = (&stream.gop, &stream.video) {
        if gop.keyframes == 0 && video.frames > 0 && !gaps {
            warn(
                "no_keyframe",
                format!("{label}: no keyframe in {} video frames", video.frames),
            );
        }
        if let Some(seconds) = gop.seconds.filter(|&s| s > KEYFRAME_INTERVAL_SECONDS) {
            warn(
                "keyframe_interval",
                format!(
                    "{label}: keyframes every {seconds:.1} s (more than \
                     {KEYFRAME_INTERVAL_SECONDS} s); players may wait that long to start"
                ),
            );
        }
    }
    if let Some(drift) = stream.av_drift_max_ms.filter(|d| d.abs() > DRIFT_LIMIT_MS) {
        warn(
            "av_drift",
            format!("{label}: audio and video timestamps drifted {drift} ms apart"),
        );
    }
    realtime_findings(stream, &label, warn);
    metadata_findings(stream, &label, warn);
    if let Some(ingest) = options.ingest {
        ingest_findings(ingest, stream, &label, warn);
    }
}

/// Stalls, falling behind real time, and a slow first picture.
fn realtime_findings(
    stream: &StreamReport,
    label: &str,
    warn: &mut impl FnMut(&'static str, String),
) {
    if let Some(realtime) = &stream.realtime {
        if let Some(longest) = realtime
            .stalls
            .iter()
            .map(|stall| stall.seconds)
            .reduce(f64::max)
        {
            let count = realtime.stalls.len() as u64 + realtime.stalls_dropped;
            warn(
                "stall",
                format!(
                    "{label}: no media arrived for {longest:.1} s ({count} stall(s)); viewers \
                     froze"
                ),
            );
        }
        if let Some(ratio) = realtime
            .ratio
            .filter(|&r| r < BEHIND_REALTIME_RATIO && realtime.wall_s >= REALTIME_MIN_WALL_SECONDS)
        {
            warn(
                "behind_realtime",
                format!(
                    "{label}: {:.1} s of media took {:.1} s to arrive ({:.0}% of real time), \
                     falling up to {:.1} s behind",
                    realtime.media_s,
                    realtime.wall_s,
                    ratio * 100.0,
                    realtime.max_lag_s
                ),
            );
        }
    }
    if let Some(seconds) = stream.first_frame_s.filter(|&s| s > SLOW_START_SECONDS) {
        warn(
            "slow_start",
            format!("{label}: the player waited {seconds:.1} s from play to its first picture"),
        );
    }
}

/// onMetaData's structural fields that disagree with the stream, and a bitrate well above
/// the declared one.
fn metadata_findings(
    stream: &StreamReport,
    label: &str,
    warn: &mut impl FnMut(&'static str, String),
) {
    // Declared data rates are encoder targets, so only structural fields are mismatches.
    let structural = [
        "width",
        "height",
        "framerate",
        "audiosamplerate",
        "audiochannels",
    ];
    for comparison in stream
        .metadata
        .iter()
        .filter(|c| !c.agrees && structural.contains(&c.field))
    {
        if let Some(measured) = comparison.measured {
            warn(
                "metadata_mismatch",
                format!(
                    "{label}: onMetaData declares {} {}, measured {measured:.1}",
                    comparison.field, comparison.declared
                ),
            );
        }
    }
    let long_enough = stream
        .video
        .as_ref()
        .is_some_and(|video| video.duration_s >= BITRATE_MIN_SECONDS);
    let over = stream.metadata.iter().find(|c| {
        c.field == "videodatarate"
            && c.declared.as_f64().is_some_and(|declared| {
                declared > 0.0
                    && c.measured
                        .is_some_and(|measured| measured > declared * (1.0 + BITRATE_OVER_DECLARED))
            })
    });
    if let (Some(over), true) = (over, long_enough) {
        if let Some(measured) = over.measured {
            warn(
                "bitrate_over_declared",
                format!(
                    "{label}: video averaged {measured:.0} kbit/s, onMetaData declared {}",
                    over.declared
                ),
            );
        }
    }
}
