//! One-line, human-readable descriptions of messages and events, as tshark's Info column gives
//! them: `connect app=live tcUrl=rtmp://…`, `Set Chunk Size 4096`, `Video AVC keyframe NALU`.
//!
//! Everything here is a [`Display`] wrapper: text is written straight into the output buffer.

use std::fmt::{self, Display, Formatter};

use crate::event::{Event, EventKind};
use crate::rtmp::amf::AmfValue;
use crate::rtmp::media::{AudioSummary, VideoSummary};
use crate::rtmp::message::{Command, Data, Message, MessageBody, UserControl};

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
        if let Some(error) = &message.decode_error {
            write!(f, " [decode error: {error}]")?;
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

/// A string cut to [`MAX_SHOWN_STRING`] characters, with control characters escaped so one
/// message stays on one line.
pub struct Elided<'a>(pub &'a str);

impl Display for Elided<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (count, c) in self.0.chars().enumerate() {
            if count == MAX_SHOWN_STRING {
                return f.write_str("…");
            }
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
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
                write!(
                    f,
                    "Session start: {}",
                    start.variant.as_str().to_uppercase()
                )?;
                if start.mid_stream {
                    f.write_str(" (capture started mid-connection)")?;
                }
                write!(f, " detected by {}", start.detected_by)
            }
            EventKind::Handshake(summary) => write!(f, "Handshake {summary}"),
            EventKind::Message(message) => MessageSummary(&message.message).fmt(f),
            EventKind::Gap(gap) => write!(f, "GAP: {} bytes lost ({:?})", gap.bytes, gap.reason),
            EventKind::Warning(warning) => {
                write!(f, "WARNING {}: {}", warning.code, warning.message)
            }
            EventKind::SessionEnd(end) => write!(
                f,
                "Session end ({:?}): {} messages, {} B c2s, {} B s2c, {} gaps, {:.3} s",
                end.reason, end.messages, end.bytes_c2s, end.bytes_s2c, end.gaps, end.duration
            ),
            EventKind::Export(export) => write!(
                f,
                "Export {} {}: {} ({} video, {} audio, {} script tags, {} ms)",
                export.state,
                export.role,
                export.path,
                export.video_tags,
                export.audio_tags,
                export.script_tags,
                export.duration_ms
            ),
            EventKind::SessionSummary(report) => write!(
                f,
                "Session summary: {} {}, {} streams, health {}",
                report.variant.as_str().to_uppercase(),
                report.role,
                report.streams.len(),
                report.health
            ),
        }
    }
}
