//! One-line, human-readable descriptions of messages and events, as tshark's Info column gives
//! them: `connect app=live tcUrl=rtmp://…`, `Set Chunk Size 4096`, `Video AVC keyframe NALU`.
//!
//! Everything here is a [`Display`] wrapper: text is written straight into the output buffer.

use std::fmt::{self, Display, Formatter};

use crate::amf::AmfValue;
use crate::common::escape::{Escaped, EscapedDisplay};
use crate::common::DetectedBy;
use crate::rtmp::decode_error::DecodeError;
use crate::rtmp::media::{AudioSummary, VideoSummary};
use crate::rtmp::message::{Command, Data, Message, MessageBody, UserControl};
use crate::session::event::{Event, EventKind};
use crate::session::variant::Variant;
use crate::transport::rtmpt::TunnelInfo;
use crate::transport::tls::{KeyOrigin, TlsCounts, TlsInfo};

/// How many characters of a string argument a summary shows before eliding.
const MAX_SHOWN_STRING: usize = 120;

/// The one-line description of a message.
pub struct MessageSummary<'a>(pub &'a Message);

impl Display for MessageSummary<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let message = self.0;
        match &message.body {
            MessageBody::SetChunkSize { chunk_size } => write!(f, "Set Chunk Size {chunk_size}")?,
            MessageBody::Abort { abort_csid } => write!(f, "Abort Message csid={abort_csid}")?,
            MessageBody::Acknowledgement { sequence_number } => {
                write!(f, "Acknowledgement {sequence_number}")?
            }
            MessageBody::UserControl(control) => UserControlSummary(control).fmt(f)?,
            MessageBody::WindowAckSize { window_size } => {
                write!(f, "Window Acknowledgement Size {window_size}")?
            }
            MessageBody::SetPeerBandwidth {
                window_size, limit, ..
            } => write!(f, "Set Peer Bandwidth {window_size} {limit}")?,
            MessageBody::Audio(header) => write!(
                f,
                "Audio {} {} B",
                AudioSummary(header),
                message.header.length
            )?,
            MessageBody::Video(header) => write!(
                f,
                "Video {} {} B",
                VideoSummary(header),
                message.header.length
            )?,
            MessageBody::Command(command) => CommandSummary(command).fmt(f)?,
            MessageBody::Data(data) => DataSummary(data).fmt(f)?,
            MessageBody::SharedObject(object) => {
                write!(
                    f,
                    "Shared Object '{}' v{}",
                    Elided(&object.name),
                    object.version
                )?;
                for event in &object.events {
                    write!(f, " {}", event.event)?;
                }
            }
            MessageBody::Aggregate { messages } => {
                write!(f, "Aggregate {} messages", messages.len())?
            }
            MessageBody::Raw { .. } => write!(
                f,
                "Unknown message type {} ({} B)",
                message.header.type_id.0, message.header.length
            )?,
        }
        match &message.decode_error {
            Some(error @ DecodeError::NotCaptured { .. }) => {
                write!(f, " [incomplete: {}]", EscapedDisplay(error))?
            }
            Some(error) => write!(f, " [decode error: {}]", EscapedDisplay(error))?,
            None => {}
        }
        Ok(())
    }
}

struct UserControlSummary<'a>(&'a UserControl);

impl Display for UserControlSummary<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let control = self.0;
        let name = match control.control_event {
            "stream_begin" => "Stream Begin",
            "stream_eof" => "Stream EOF",
            "stream_dry" => "Stream Dry",
            "set_buffer_length" => "Set Buffer Length",
            "stream_is_recorded" => "Stream Is Recorded",
            "ping_request" => "Ping Request",
            "ping_response" => "Ping Response",
            "buffer_empty" => "Buffer Empty",
            "buffer_ready" => "Buffer Ready",
            _ => "User Control",
        };
        f.write_str(name)?;
        if name == "User Control" {
            write!(f, " event {}", control.event_type)?;
        }
        if let Some(stream) = control.stream_id {
            write!(f, " {stream}")?;
        }
        if let Some(ms) = control.buffer_length {
            write!(f, " {ms}ms")?;
        }
        if let Some(stamp) = control.ping_timestamp {
            write!(f, " ts={stamp}")?;
        }
        if let Some(rtt) = control.rtt_ms {
            write!(f, " rtt={rtt:.3}ms")?;
        }
        if let Some(raw) = &control.raw_hex {
            write!(f, " data={raw}")?;
        }
        Ok(())
    }
}

/// The command object properties worth showing for `connect`, in this order.
const CONNECT_KEYS: [&str; 6] = ["app", "tcUrl", "flashVer", "swfUrl", "pageUrl", "type"];

struct CommandSummary<'a>(&'a Command);

impl Display for CommandSummary<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let command = self.0;
        write!(f, "{}", Elided(&command.command))?;
        if command.command == "connect" {
            for key in CONNECT_KEYS {
                if let Some(value) = command.command_object.get(key).and_then(AmfValue::as_str) {
                    write!(f, " {key}={}", Elided(value))?;
                }
            }
        }
        if let Some(reply_to) = &command.reply_to {
            write!(f, " (to {}", Elided(reply_to))?;
            if let Some(frame) = command.reply_to_frame {
                write!(f, " in frame {frame}")?;
            }
            f.write_str(")")?;
        }
        for arg in &command.args {
            match arg {
                AmfValue::String(s) => write!(f, " '{}'", Elided(s))?,
                AmfValue::Number(n) => write!(f, " {n}")?,
                AmfValue::Boolean(b) => write!(f, " {b}")?,
                other => {
                    // Status objects: show code, level and description.
                    for key in ["level", "code", "description"] {
                        if let Some(text) = other.get(key).and_then(AmfValue::as_str) {
                            write!(f, " {}", Elided(text))?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

struct DataSummary<'a>(&'a Data);

impl Display for DataSummary<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let data = self.0;
        match &data.name {
            Some(name) => write!(f, "{}", Elided(name))?,
            None => f.write_str("Data")?,
        }
        for value in &data.values {
            match value {
                AmfValue::String(s) => write!(f, " {}", Elided(s))?,
                other => {
                    if let Some(properties) = other.properties() {
                        write!(f, " {{{} properties}}", properties.len())?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A string cut to [`MAX_SHOWN_STRING`] characters, escaped as [`Escaped`] does (so one
/// message stays on one line and cannot drive the terminal).
pub struct Elided<'a>(pub &'a str);

impl Display for Elided<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if Escaped(self.0).write_cut(f, MAX_SHOWN_STRING)? {
            f.write_str("…")?;
        }
        Ok(())
    }
}

/// The one-line description of any event (without frame, time and endpoints).
pub struct EventSummary<'a, 'e>(pub &'a Event<'e>);

impl Display for EventSummary<'_, '_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.0.kind {
            EventKind::SessionStart(start) => {
                f.write_str("Session start: ")?;
                match (start.variant, &start.tls_keys) {
                    (Variant::Rtmps, _) if start.detected_by == DetectedBy::TlsRecordSizesHttp => {
                        f.write_str("TLS (HTTPS or RTMPTS: encrypted)")?
                    }
                    (Variant::Rtmps, Some(keys)) if start.decrypted => write!(
                        f,
                        "{} ({} inside TLS: decrypted with {})",
                        start.variant.label(start.inner),
                        start.inner.unwrap_or(Variant::Rtmp).as_str().to_uppercase(),
                        KeyLines(keys)
                    )?,
                    (variant, _) => {
                        f.write_str(variant.label(start.inner))?;
                        match variant {
                            Variant::Rtmp => {}
                            Variant::Rtmpt => f.write_str(" (RTMP tunnelled in HTTP)")?,
                            Variant::Rtmps => f.write_str(" (RTMP inside TLS: encrypted)")?,
                            Variant::Rtmpe => f.write_str(" (Adobe-encrypted RTMP)")?,
                        }
                    }
                }
                if start.mid_stream {
                    f.write_str(" (capture started mid-connection)")?;
                }
                write!(f, " detected by {}", start.detected_by)?;
                if let Some(tunnel) = &start.tunnel {
                    write!(f, ", {}", TunnelFacts(tunnel))?;
                }
                if let Some(tls) = &start.tls {
                    write!(f, ", {}", ClientHelloFacts(tls))?;
                }
                Ok(())
            }
            EventKind::Handshake(summary) => write!(f, "Handshake {summary}"),
            EventKind::TlsHandshake(tls) => write!(f, "TLS handshake: {}", ServerChoice(tls)),
            EventKind::Message(message) => MessageSummary(&message.message).fmt(f),
            EventKind::Gap(gap) => write!(f, "GAP: {} bytes lost ({:?})", gap.bytes, gap.reason),
            EventKind::Warning(warning) => {
                write!(f, "WARNING {}: {}", warning.code, Escaped(&warning.message))
            }
            EventKind::SessionEnd(end) => {
                write!(
                    f,
                    "Session end ({:?}): {} messages, {} B c2s, {} B s2c, {} gaps, {:.3} s",
                    end.reason, end.messages, end.bytes_c2s, end.bytes_s2c, end.gaps, end.duration
                )?;
                if let Some(tunnel) = &end.tunnel {
                    write!(f, "; {}", TunnelFacts(tunnel))?;
                }
                if let Some(tls) = &end.tls {
                    write!(
                        f,
                        "; {}; {}",
                        ServerChoice(&tls.info),
                        RecordCounts(&tls.counts)
                    )?;
                }
                Ok(())
            }
            EventKind::Network(net) => write!(
                f,
                "TCP: {} retransmissions ({} B), {} zero windows, round trip {:.1} ms median",
                net.retransmissions,
                net.retransmitted_bytes,
                net.zero_windows,
                net.rtt_median_us as f64 / 1000.0
            ),
            EventKind::Export(export) if export.path.is_empty() => write!(
                f,
                "Export {} {}: message stream {} not written",
                export.state, export.role, export.msid
            ),
            EventKind::Export(export) => write!(
                f,
                "Export {} {}: {} ({} video, {} audio, {} script tags, {} ms)",
                export.state,
                export.role,
                Escaped(&export.path),
                export.video_tags,
                export.audio_tags,
                export.script_tags,
                export.duration_ms
            ),
        }
    }
}

/// Which key log lines decrypted a connection: `keys.txt line 3` or `keys.txt lines 3, 4, 5`.
pub struct KeyLines<'a>(pub &'a KeyOrigin);

impl Display for KeyLines<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let lines = &self.0.lines;
        write!(f, "{} line", self.0.source)?;
        if lines.len() > 1 {
            f.write_str("s")?;
        }
        for (index, line) in lines.iter().enumerate() {
            let separator = if index == 0 { " " } else { ", " };
            write!(f, "{separator}{line}")?;
        }
        Ok(())
    }
}

/// An RTMPT tunnel's facts: `tunnel ID: 23 requests (5 idle polls) over 1 connection(s), …`.
pub struct TunnelFacts<'a>(pub &'a TunnelInfo);

impl Display for TunnelFacts<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let tunnel = self.0;
        match &tunnel.session_id {
            Some(id) => write!(f, "tunnel {}", Elided(id))?,
            None => f.write_str("tunnel (no session id seen)")?,
        }
        if tunnel.requests == 0 {
            return Ok(());
        }
        write!(
            f,
            ": {} requests ({} idle polls) over {} connection(s)",
            tunnel.requests, tunnel.idle_polls, tunnel.connections
        )?;
        if let (Some(min), Some(max)) = (tunnel.polling_interval_min, tunnel.polling_interval_max) {
            write!(f, ", polling interval {min}..{max}")?;
        }
        Ok(())
    }
}

/// What a ClientHello offered: `ClientHello TLS 1.2, offers TLS 1.3, SNI …, ALPN …, 29 suites`.
pub struct ClientHelloFacts<'a>(pub &'a TlsInfo);

impl Display for ClientHelloFacts<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let tls = self.0;
        write!(f, "ClientHello {}", tls.client_version)?;
        if tls.offers_tls13 {
            f.write_str(", offers TLS 1.3")?;
        }
        if let Some(sni) = &tls.sni {
            write!(f, ", SNI {}", Elided(sni))?;
        }
        if !tls.alpn.is_empty() {
            f.write_str(", ALPN")?;
            for protocol in &tls.alpn {
                write!(f, " {}", Elided(protocol))?;
            }
        }
        write!(f, ", {} cipher suites", tls.cipher_suites_offered)
    }
}

/// What the server chose: `TLS 1.3 TLS_AES_256_GCM_SHA384`.
pub struct ServerChoice<'a>(pub &'a TlsInfo);

impl Display for ServerChoice<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let tls = self.0;
        match (&tls.version, &tls.cipher_suite) {
            (Some(version), Some(suite)) => write!(f, "{version} {suite}")?,
            _ => f.write_str("no ServerHello seen")?,
        }
        if let Some(protocol) = &tls.server_alpn {
            write!(f, ", ALPN {}", Elided(protocol))?;
        }
        if tls.hello_retry_request {
            f.write_str(", after a HelloRetryRequest")?;
        }
        Ok(())
    }
}

/// The record layer's counts.
pub struct RecordCounts<'a>(pub &'a TlsCounts);

impl Display for RecordCounts<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let counts = self.0;
        write!(
            f,
            "{} TLS records c2s ({} B application data), {} s2c ({} B), {} alerts",
            counts.records_c2s,
            counts.application_bytes_c2s,
            counts.records_s2c,
            counts.application_bytes_s2c,
            counts.alerts
        )?;
        if counts.records_decrypted > 0 {
            write!(f, ", {} decrypted", counts.records_decrypted)?;
        }
        if counts.records_lost > 0 {
            write!(f, ", {} lost in gaps", counts.records_lost)?;
        }
        if counts.incomplete && counts.records_decrypted == 0 {
            f.write_str(" (counting stopped: record boundaries lost)")?;
        } else if counts.incomplete {
            f.write_str(" (records lost in gaps are not counted)")?;
        }
        Ok(())
    }
}
