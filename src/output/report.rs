//! The readable per-session report (`--summary`): a block of aligned lines per session.

use std::fmt::{self, Display, Formatter};

use crate::analysis::{
    AudioCodec, RealtimeReport, SessionReport, StreamReport, TrackReport, VideoCodec,
};
use crate::common::escape::{Escaped, EscapedDisplay};
use crate::common::{Direction, Endpoints, Timestamp};
use crate::output::describe::{ClientHelloFacts, RecordCounts, ServerChoice, TunnelFacts};
use crate::reassembly::NetworkFacts;

/// A session's report as text, with the session id and endpoints it belongs to.
pub struct ReportText<'a> {
    /// Session id.
    pub session: u64,
    /// Client and server.
    pub endpoints: &'a Endpoints,
    /// The report.
    pub report: &'a SessionReport,
}

impl Display for ReportText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let report = self.report;
        writeln!(
            f,
            "Session {}  {} -> {}  {}  {}  health: {}",
            self.session,
            self.endpoints.client,
            self.endpoints.server,
            report.variant.label(report.inner),
            report.role,
            report.health
        )?;
        write!(
            f,
            "  time      {} + {:.3} s",
            report.start, report.duration_s
        )?;
        if let Some(reason) = report.end_reason {
            write!(f, ", ended by {}", reason.as_str())?;
        }
        if report.mid_stream {
            f.write_str(" (capture started mid-connection)")?;
        }
        writeln!(f)?;
        let connect = &report.connect;
        let fields = [
            ("app", &connect.app),
            ("tcUrl", &connect.tc_url),
            ("flashVer", &connect.flash_ver),
            ("swfUrl", &connect.swf_url),
            ("pageUrl", &connect.page_url),
        ];
        let mut label = "connect";
        for (name, value) in fields {
            if let Some(value) = value {
                writeln!(f, "  {label:<9} {name}={}", Escaped(value))?;
                label = "";
            }
        }
        if !connect.fourcc_list.is_empty() {
            write!(f, "  {:<9} fourCcList=", "")?;
            for (index, fourcc) in connect.fourcc_list.iter().enumerate() {
                let comma = if index == 0 { "" } else { "," };
                write!(f, "{comma}{}", Escaped(fourcc))?;
            }
            writeln!(f)?;
        }
        if let Some(caps) = connect.caps_ex {
            writeln!(f, "  {:<9} capsEx={caps}", "")?;
        }
        if let Some(tunnel) = &report.tunnel {
            writeln!(f, "  tunnel    {}", TunnelFacts(tunnel))?;
        }
        if let Some(tls) = &report.tls {
            writeln!(
                f,
                "  tls       {}, {}",
                ClientHelloFacts(&tls.info),
                ServerChoice(&tls.info)
            )?;
            writeln!(f, "  {:<9} {}", "", RecordCounts(&tls.counts))?;
        }
        if let Some(version) = &report.server_version {
            writeln!(f, "  server    {}", Escaped(version))?;
        }
        write!(f, "  rtt       handshake ")?;
        optional_ms(f, report.handshake_rtt_ms)?;
        if let Some(ping) = report.ping_rtt {
            write!(
                f,
                ", ping {:.1}/{:.1}/{:.1} ms (min/avg/max of {})",
                ping.min_ms, ping.avg_ms, ping.max_ms, ping.count
            )?;
        }
        if let Some(network) = report.network.filter(|network| network.rtt_samples > 0) {
            write!(
                f,
                ", tcp {:.2}/{:.2}/{:.2} ms (min/median/max of {})",
                network.rtt_min_us as f64 / 1000.0,
                network.rtt_median_us as f64 / 1000.0,
                network.rtt_max_us as f64 / 1000.0,
                network.rtt_samples
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "  traffic   c2s {} B, s2c {} B, {} messages, {} gaps ({} B lost), {} warnings",
            report.bytes_c2s,
            report.bytes_s2c,
            report.messages,
            report.gaps,
            report.gap_bytes,
            report.warnings
        )?;
        if let Some(network) = &report.network {
            NetworkText(network).fmt(f)?;
        }
        if report.truncated_bytes > 0 {
            writeln!(
                f,
                "  capture   cut short by its snap length: {} B sent were not captured",
                report.truncated_bytes
            )?;
        }
        if report.joined {
            writeln!(
                f,
                "  joined    chunk streams picked up without their full header (mid-stream, or after a hole): their timestamps are relative, their message stream ids assumed"
            )?;
        }
        if !report.not_seen.is_empty() {
            let facts: Vec<&str> = report
                .not_seen
                .iter()
                .map(|what| match *what {
                    "handshake_checks" => "handshake digests and echoes",
                    "connect" => "connect's properties",
                    other => other,
                })
                .collect();
            writeln!(f, "  not seen  {}", facts.join(", "))?;
        }
        let mut label = "status";
        for status in &report.status {
            let arrow = match status.dir {
                Direction::ClientToServer => "->",
                Direction::ServerToClient => "<-",
            };
            let flag = if status.error { "ERROR " } else { "" };
            write!(f, "  {label:<9} {arrow} {flag}{}", Escaped(&status.code))?;
            if let Some(description) = &status.description {
                write!(f, ": {}", Escaped(description))?;
            }
            writeln!(f)?;
            label = "";
        }
        for stream in &report.streams {
            StreamText {
                stream,
                session_start: report.start,
            }
            .fmt(f)?;
        }
        if report.findings.is_empty() {
            writeln!(f, "  findings  none")?;
        }
        for finding in &report.findings {
            writeln!(
                f,
                "  {:<9} {} {}: {}",
                "finding",
                finding.severity,
                finding.code,
                Escaped(&finding.message)
            )?;
        }
        Ok(())
    }
}

/// The connection's TCP facts on one line: what was sent again, zero windows and the busiest
/// second each way (its round trips are on the `rtt` line).
struct NetworkText<'a>(&'a NetworkFacts);

impl Display for NetworkText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let network = self.0;
        writeln!(
            f,
            "  network   {} segments sent again ({} B), {} zero windows, peak {:.1} kbps c2s, {:.1} s2c",
            network.retransmissions,
            network.retransmitted_bytes,
            network.zero_windows,
            network.peak_bytes_per_s_c2s as f64 * 8.0 / 1000.0,
            network.peak_bytes_per_s_s2c as f64 * 8.0 / 1000.0
        )
    }
}

/// One stream's lines; stall times are given from the session's start.
struct StreamText<'a> {
    stream: &'a StreamReport,
    session_start: Timestamp,
}

impl Display for StreamText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let stream = self.stream;
        match (stream.role, stream.inferred_role) {
            (Some(role), _) => write!(f, "  stream {:<2} {role}", stream.msid)?,
            (None, Some(role)) => write!(
                f,
                "  stream {:<2} {role} (inferred from the media's direction)",
                stream.msid
            )?,
            (None, None) => write!(f, "  stream {:<2} media", stream.msid)?,
        }
        if let Some(name) = &stream.name {
            write!(f, " \"{}\"", Escaped(name))?;
        }
        if let Some(kind) = &stream.publish_type {
            write!(f, " ({})", Escaped(kind))?;
        }
        writeln!(f)?;
        let not_seen = |what: &str| stream.not_seen.contains(&what);
        if let (Some(codec), Some(track)) = (&stream.video_codec, &stream.video) {
            write!(f, "    video   ")?;
            video_codec(f, codec)?;
            if codec.config_source == Some("in_band") {
                f.write_str(" (from an SPS repeated in a keyframe)")?;
            } else if not_seen("video_config") {
                f.write_str(" (configuration not seen)")?;
            }
            track_numbers(f, track)?;
            if let Some(gop) = stream.gop.as_ref().and_then(|g| g.frames.zip(g.seconds)) {
                write!(f, "; GOP {:.1} frames ({:.2} s)", gop.0, gop.1)?;
            }
            writeln!(f)?;
        }
        if let (Some(codec), Some(track)) = (&stream.audio_codec, &stream.audio) {
            write!(f, "    audio   ")?;
            audio_codec(f, codec)?;
            if not_seen("audio_config") {
                f.write_str(" (configuration not seen)")?;
            }
            track_numbers(f, track)?;
            writeln!(f)?;
        }
        if let (Some(drift), Some(max)) = (stream.av_drift_ms, stream.av_drift_max_ms) {
            writeln!(
                f,
                "    sync    video - audio {drift} ms at the end, {max} ms at most"
            )?;
        }
        if let Some(realtime) = &stream.realtime {
            self.realtime(f, realtime)?;
        }
        if let Some(seconds) = stream.first_frame_s {
            writeln!(f, "    start   first frame {seconds:.2} s after play")?;
        }
        let unknown: Vec<&str> = stream
            .not_seen
            .iter()
            .filter_map(|what| match *what {
                "absolute_timestamps" => Some("absolute timestamps (relative ones measured)"),
                "message_stream_id" => Some("message stream id (assumed)"),
                "publish_or_play" => Some("publish or play"),
                _ => None,
            })
            .collect();
        if !unknown.is_empty() {
            writeln!(f, "    not seen {}", unknown.join(", "))?;
        }
        for comparison in &stream.metadata {
            write!(f, "    {:<7} {} declared ", "meta", comparison.field)?;
            json_value(f, &comparison.declared)?;
            if let Some(measured) = comparison.measured {
                let verdict = if comparison.agrees {
                    ""
                } else {
                    "  (disagrees)"
                };
                write!(f, ", measured {measured:.1}{verdict}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

impl StreamText<'_> {
    /// Media time against capture time, and the stalls (at most five named, from the session's
    /// start; the JSON has them all).
    fn realtime(&self, f: &mut Formatter<'_>, realtime: &RealtimeReport) -> fmt::Result {
        const STALLS_SHOWN: usize = 5;
        write!(
            f,
            "    realtime {:.2} s of media in {:.2} s",
            realtime.media_s, realtime.wall_s
        )?;
        if let Some(ratio) = realtime.ratio {
            write!(f, " (ratio {ratio:.2})")?;
        }
        write!(f, ", lag {:.2} s at most", realtime.max_lag_s)?;
        let stalls = realtime.stalls.len() as u64 + realtime.stalls_dropped;
        if stalls > 0 {
            write!(f, "; {stalls} stall(s):")?;
            for stall in realtime.stalls.iter().take(STALLS_SHOWN) {
                let at = stall.at.micros_since(self.session_start) as f64 / 1e6;
                write!(f, " {:.2} s at +{at:.2} s", stall.seconds)?;
            }
            if stalls > STALLS_SHOWN as u64 {
                f.write_str(" …")?;
            }
        }
        writeln!(f)
    }
}

fn video_codec(f: &mut Formatter<'_>, codec: &VideoCodec) -> fmt::Result {
    f.write_str(codec.codec)?;
    if let Some(config) = &codec.config {
        for part in [&config.profile, &config.level].into_iter().flatten() {
            write!(f, " {part}")?;
        }
        if let (Some(width), Some(height)) = (config.width, config.height) {
            write!(f, " {width}x{height}")?;
        }
        if let Some(chroma) = config.chroma_format {
            write!(f, " {chroma}")?;
        }
        if let Some(depth) = config.bit_depth {
            write!(f, " {depth}-bit")?;
        }
    }
    Ok(())
}

fn audio_codec(f: &mut Formatter<'_>, codec: &AudioCodec) -> fmt::Result {
    f.write_str(codec.codec)?;
    let config = codec.config.as_ref();
    if let Some(profile) = config.and_then(|c| c.profile.as_deref()) {
        write!(f, " {profile}")?;
    }
    if let Some(rate) = config.and_then(|c| c.sample_rate).or(codec.header_rate) {
        write!(f, " {rate} Hz")?;
    }
    if let Some(channels) = config.and_then(|c| c.channels).or(codec.header_channels) {
        write!(f, " {channels} ch")?;
    }
    Ok(())
}

fn track_numbers(f: &mut Formatter<'_>, track: &TrackReport) -> fmt::Result {
    write!(f, "; {} frames", track.frames)?;
    if let Some(rate) = track.frame_rate {
        write!(f, " {rate:.2}/s")?;
    }
    write!(
        f,
        "; {:.1} kbps avg, {:.1} peak; {:.2} s",
        track.bitrates.average_kbps, track.bitrates.peak_kbps, track.duration_s
    )
}

fn optional_ms(f: &mut Formatter<'_>, value: Option<f64>) -> fmt::Result {
    match value {
        Some(ms) => write!(f, "{ms:.2} ms"),
        None => f.write_str("-"),
    }
}

/// A declared value: whole numbers without a fraction, strings as they are (escaped).
fn json_value(f: &mut Formatter<'_>, value: &serde_json::Value) -> fmt::Result {
    match value {
        serde_json::Value::Number(number) => match number.as_f64() {
            Some(whole) if whole.fract() == 0.0 && whole.abs() < 1e15 => write!(f, "{whole:.0}"),
            _ => write!(f, "{number}"),
        },
        serde_json::Value::String(text) => Escaped(text).fmt(f),
        other => EscapedDisplay(other).fmt(f),
    }
}
