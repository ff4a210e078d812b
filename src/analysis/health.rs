//! Was the session healthy? Findings a streaming engineer would act on, from the report.

use super::report::{Finding, SessionReport, StreamReport};
use crate::reassembly::CloseReason;
use crate::session::variant::Variant;

/// A keyframe interval longer than this makes players wait too long to start.
const LONG_GOP_SECONDS: f64 = 10.0;
/// Audio and video further apart than this are out of sync.
const DRIFT_LIMIT_MS: i64 = 1000;

/// `failed` if any finding is an error, `warning` if any is a warning, else `ok`.
pub fn verdict(findings: &[Finding]) -> &'static str {
    if findings.iter().any(|f| f.severity == "error") {
        "failed"
    } else if findings.is_empty() {
        "ok"
    } else {
        "warning"
    }
}

/// Everything worth flagging in a session's report.
pub fn findings(report: &SessionReport) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut error = |message: String| {
        found.push(Finding {
            severity: "error",
            message,
        })
    };
    for status in report.status.iter().filter(|status| status.error) {
        error(match &status.description {
            Some(text) => format!("{} {}: {text}", status.command, status.code),
            None => format!("{} {}", status.command, status.code),
        });
    }
    if !report.mid_stream && !report.handshake_complete && report.variant == Variant::Rtmp {
        error("the handshake did not complete".into());
    }
    let mut warn = |message: String| {
        found.push(Finding {
            severity: "warning",
            message,
        })
    };
    if report.gaps > 0 {
        warn(format!(
            "{} gap(s) in the capture: {} bytes never seen",
            report.gaps, report.gap_bytes
        ));
    }
    // Servers and clients often reset a connection once they are done; a reset is worth a
    // word only when it came before the connection was accepted.
    let connected = report
        .status
        .iter()
        .any(|status| status.code == "NetConnection.Connect.Success");
    // Inside RTMPS (without keys) and RTMPE the answer to connect cannot be seen.
    let visible = match (report.variant, report.inner) {
        (_, Some(Variant::Rtmpe)) | (Variant::Rtmpe, _) => false,
        (Variant::Rtmps, _) => report.decrypted,
        (Variant::Rtmp | Variant::Rtmpt, _) => true,
    };
    if visible && report.end_reason == Some(CloseReason::Rst) && !connected {
        warn("the connection was reset (RST) before connect succeeded".into());
    }
    for stream in &report.streams {
        stream_findings(stream, &mut warn);
    }
    found
}

/// Warnings about one stream's media.
fn stream_findings(stream: &StreamReport, warn: &mut impl FnMut(String)) {
    let label = match &stream.name {
        Some(name) => format!("stream {name}"),
        None => format!("message stream {}", stream.msid),
    };
    if stream.role == Some("publish") && stream.video.is_none() && stream.audio.is_none() {
        warn(format!("{label} was published but carried no media"));
    }
    for (kind, track) in [("video", &stream.video), ("audio", &stream.audio)] {
        let Some(track) = track else { continue };
        if track.timestamps_backwards > 0 {
            warn(format!(
                "{label}: {kind} timestamps went backwards {} time(s)",
                track.timestamps_backwards
            ));
        }
        if track.timestamp_jumps > 0 {
            warn(format!(
                "{label}: {kind} timestamps jumped forward {} time(s), by up to {} ms",
                track.timestamp_jumps, track.largest_jump_ms
            ));
        }
    }
    if let (Some(gop), Some(video)) = (&stream.gop, &stream.video) {
        if gop.keyframes == 0 && video.frames > 0 {
            warn(format!(
                "{label}: no keyframe in {} video frames",
                video.frames
            ));
        }
        if let Some(seconds) = gop.seconds.filter(|&s| s > LONG_GOP_SECONDS) {
            warn(format!(
                "{label}: keyframes every {seconds:.1} s; players may wait that long to start"
            ));
        }
    }
    if let Some(drift) = stream.av_drift_max_ms.filter(|d| d.abs() > DRIFT_LIMIT_MS) {
        warn(format!(
            "{label}: audio and video timestamps drifted {drift} ms apart"
        ));
    }
    // Declared data rates are encoder targets, so only structural fields are findings.
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
            warn(format!(
                "{label}: onMetaData declares {} {}, measured {measured:.1}",
                comparison.field, comparison.declared
            ));
        }
    }
}
