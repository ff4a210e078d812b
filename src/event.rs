//! The event model: what every stage after the RTMP decoder consumes.
//!
//! An [`Event`] is one thing that happened on one RTMP session (a TCP connection, or an RTMPT
//! tunnel): the session was found, the handshake finished, a message was decoded, bytes were
//! lost, something looked wrong, the session ended. Sinks (JSON, readable text, summary, TUI,
//! FLV export) all read the same events.
//!
//! JSON is an API: every event serialises to one flat JSON object whose first key is `"event"`.
//! Field names are `snake_case` and stable; see the README for the schema.

use std::fmt;
use std::net::SocketAddr;

use serde::{Serialize, Serializer};

use crate::rtmp::handshake::HandshakeSummary;
use crate::rtmp::message::Message;
use crate::rtmp::variant::{TlsInfo, TunnelInfo, Variant};

/// A capture timestamp: microseconds since the Unix epoch.
///
/// The pipeline's only clock is the packet timestamp, so replays are deterministic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Builds a timestamp from a `timeval`-style pair (seconds and microseconds).
    pub fn from_secs_micros(secs: i64, micros: i64) -> Self {
        Timestamp(secs.saturating_mul(1_000_000).saturating_add(micros))
    }

    /// Microseconds elapsed from `earlier` to `self` (negative if `earlier` is later).
    pub fn micros_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Seconds since the epoch as a float; exact to the microsecond for any real date.
    pub fn as_secs_f64(self) -> f64 {
        // Dividing the exact integer count gives the float nearest to `secs.micros`, which
        // JSON writers then print as exactly six (or fewer) decimals.
        self.0 as f64 / 1e6
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(1_000_000);
        let micros = self.0.rem_euclid(1_000_000);
        write!(f, "{secs}.{micros:06}")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_secs_f64())
    }
}

/// Where a packet sits in the capture: its 1-based frame number (as Wireshark counts) and time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketMeta {
    /// 1-based index of the packet in the capture.
    pub frame: u64,
    /// Capture time of the packet.
    pub time: Timestamp,
}

/// Which way bytes travel on a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// From the client (the side that opened the connection) to the server.
    ClientToServer,
    /// From the server to the client.
    ServerToClient,
}

impl Direction {
    /// Both directions, client to server first.
    pub const BOTH: [Direction; 2] = [Direction::ClientToServer, Direction::ServerToClient];

    /// The other direction.
    pub fn reverse(self) -> Direction {
        match self {
            Direction::ClientToServer => Direction::ServerToClient,
            Direction::ServerToClient => Direction::ClientToServer,
        }
    }

    /// `0` for client to server, `1` for server to client: an index into per-direction arrays.
    pub fn index(self) -> usize {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 1,
        }
    }

    /// This direction's element of a client/server pair (no indexing, so nothing can panic).
    pub fn of<T>(self, pair: &[T; 2]) -> &T {
        let [client, server] = pair;
        match self {
            Direction::ClientToServer => client,
            Direction::ServerToClient => server,
        }
    }

    /// This direction's element of a client/server pair, mutably.
    pub fn of_mut<T>(self, pair: &mut [T; 2]) -> &mut T {
        let [client, server] = pair;
        match self {
            Direction::ClientToServer => client,
            Direction::ServerToClient => server,
        }
    }

    /// The JSON spelling: `"c2s"` or `"s2c"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ClientToServer => "c2s",
            Direction::ServerToClient => "s2c",
        }
    }

    /// An arrow for readable output: `->` for client to server, `<-` for server to client.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::ClientToServer => "->",
            Direction::ServerToClient => "<-",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Direction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The two ends of a connection, with roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Endpoints {
    /// The side that opened the connection (sent the SYN), or the best guess without one.
    pub client: SocketAddr,
    /// The side that accepted it.
    pub server: SocketAddr,
}

/// One thing that happened on one session. `'a` borrows raw message bytes from the decoder.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// Frame number of the packet that completed this event (for a message: its last byte).
    pub frame: u64,
    /// Capture time of that packet.
    pub time: Timestamp,
    /// Session id: 1-based, in order of discovery; stable for a given capture.
    pub session: u64,
    /// Client and server of the session.
    pub endpoints: Endpoints,
    /// What happened.
    pub kind: EventKind<'a>,
}

/// What happened. Each variant's fields are flattened into the event's JSON object.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum EventKind<'a> {
    /// A new RTMP session was recognised.
    SessionStart(SessionStart),
    /// The handshake completed (or was cut short); what it showed.
    Handshake(HandshakeSummary),
    /// One complete RTMP message.
    Message(MessageEvent<'a>),
    /// Bytes that were never seen (lost, not captured, or cut by the snap length).
    Gap(GapEvent),
    /// Something looked wrong; decoding went on with what could be trusted.
    Warning(WarningEvent),
    /// The session ended (FIN, RST, idle timeout, or end of capture).
    SessionEnd(SessionEnd),
    /// A media stream was exported to an FLV file (`--export-flv`).
    Export(ExportEvent),
    /// The report of a session that ended (`--summary`).
    SessionSummary(Box<crate::analysis::SessionReport>),
}

impl EventKind<'_> {
    /// The value of the JSON `"event"` key.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::SessionStart(_) => "session_start",
            EventKind::Handshake(_) => "handshake",
            EventKind::Message(_) => "message",
            EventKind::Gap(_) => "gap",
            EventKind::Warning(_) => "warning",
            EventKind::SessionEnd(_) => "session_end",
            EventKind::Export(_) => "export",
            EventKind::SessionSummary(_) => "session_summary",
        }
    }
}

impl Serialize for Event<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The flat JSON object: common fields first, then the kind's own fields.
        #[derive(Serialize)]
        struct Flat<'e, 'a> {
            event: &'static str,
            frame: u64,
            time: Timestamp,
            session: u64,
            client: SocketAddr,
            server: SocketAddr,
            #[serde(flatten)]
            kind: &'e EventKind<'a>,
        }
        Flat {
            event: self.kind.name(),
            frame: self.frame,
            time: self.time,
            session: self.session,
            client: self.endpoints.client,
            server: self.endpoints.server,
            kind: &self.kind,
        }
        .serialize(serializer)
    }
}

/// A session was recognised.
#[derive(Debug, Clone, Serialize)]
pub struct SessionStart {
    /// Which member of the RTMP family carries it.
    pub variant: Variant,
    /// True when the capture holds no TCP SYN for the connection (it started mid-connection).
    pub mid_stream: bool,
    /// How the session was recognised (e.g. `"handshake"`, `"chunk_stream"`, `"forced_port"`).
    pub detected_by: &'static str,
    /// TLS facts from the hello messages, for RTMPS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsInfo>,
    /// HTTP tunnel facts, for RTMPT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<TunnelInfo>,
}

/// One decoded message, with the raw body bytes the decoder kept.
#[derive(Debug, Clone, Serialize)]
pub struct MessageEvent<'a> {
    /// Direction of the message.
    pub dir: Direction,
    /// The decoded message (header and typed body).
    #[serde(flatten)]
    pub message: Message,
    /// The body bytes the decoder kept: all of them for control, command and data messages;
    /// for audio and video only a prefix unless a sink asked for whole payloads (see
    /// [`crate::rtmp::chunk::ChunkConfig::keep_media_payloads`]). Not part of the JSON.
    #[serde(skip)]
    pub payload: &'a [u8],
    /// True when this message follows a gap on its direction and before the decoder found its
    /// footing again (the first messages after a resynchronisation).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub recovered: bool,
}

/// Bytes that were never seen on one direction of a session.
#[derive(Debug, Clone, Serialize)]
pub struct GapEvent {
    /// The direction that lost bytes.
    pub dir: Direction,
    /// How many bytes are missing.
    pub bytes: u64,
    /// Why the reassembler gave up waiting for them.
    pub reason: crate::reassembly::GapReason,
}

/// Something that looked wrong.
#[derive(Debug, Clone, Serialize)]
pub struct WarningEvent {
    /// The direction it concerns, when it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<Direction>,
    /// A stable machine-readable code, e.g. `"amf_depth_limit"` or `"tcp_overlap_mismatch"`.
    pub code: &'static str,
    /// A sentence for a person.
    pub message: String,
}

/// A session ended.
#[derive(Debug, Clone, Serialize)]
pub struct SessionEnd {
    /// Why it ended.
    pub reason: crate::reassembly::CloseReason,
    /// Bytes the client sent (payload bytes seen by the decoder, gaps excluded).
    pub bytes_c2s: u64,
    /// Bytes the server sent.
    pub bytes_s2c: u64,
    /// Messages decoded, both directions.
    pub messages: u64,
    /// Gap events, both directions.
    pub gaps: u64,
    /// Bytes lost in gaps, both directions.
    pub gap_bytes: u64,
    /// Warning events.
    pub warnings: u64,
    /// Seconds from the session's first to its last packet.
    pub duration: f64,
    /// For RTMPT: the tunnel's facts (session id, connections, requests, polling).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<TunnelInfo>,
    /// For RTMPS: what the TLS records showed (version, cipher suite, record counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<crate::rtmp::tls::TlsSummary>,
}

/// An FLV file written for one message stream of a session.
#[derive(Debug, Clone, Serialize)]
pub struct ExportEvent {
    /// `started` when the file is created, `finished` when it is complete.
    pub state: &'static str,
    /// The file.
    pub path: String,
    /// The message stream exported.
    pub msid: u32,
    /// `publish` (media from the client) or `play` (media from the server).
    pub role: &'static str,
    /// The stream name from publish/play, when seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// Audio, video and script tags written (on `finished`).
    pub audio_tags: u64,
    /// Video tags written.
    pub video_tags: u64,
    /// Script (metadata) tags written.
    pub script_tags: u64,
    /// Audio and video frames skipped at the start because no decoder configuration (or, for
    /// codecs without one, keyframe) had been seen yet: a capture that starts mid-stream.
    pub skipped_frames: u64,
    /// Gaps the stream went through (their frames are missing from the file).
    pub gaps: u64,
    /// Timestamp of the last tag, ms from the first.
    pub duration_ms: u32,
}

/// Something about the capture itself rather than a session: an unsupported link type, a frame
/// too short for its headers, packets the kernel dropped. JSON: `"event":"capture_warning"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// The frame it concerns, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u64>,
    /// Capture time of that frame, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// Stable machine-readable code, e.g. `"unsupported_link_type"`, `"malformed_frame"`.
    pub code: &'static str,
    /// A sentence for a person.
    pub message: String,
}

/// Anything that consumes events: JSON writer, text printer, summary, TUI model, FLV exporter.
pub trait EventSink {
    /// Called once per event, in order.
    fn event(&mut self, event: &Event<'_>);

    /// Called for problems with the capture itself (not tied to a session).
    fn notice(&mut self, notice: &Notice) {
        let _ = notice;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_prints_six_decimals() {
        let t = Timestamp::from_secs_micros(1_196_541_506, 793_783);
        assert_eq!(t.to_string(), "1196541506.793783");
        assert_eq!(serde_json::to_string(&t).unwrap(), "1196541506.793783");
        let t = Timestamp::from_secs_micros(1_196_541_506, 4_000);
        assert_eq!(t.to_string(), "1196541506.004000");
        assert_eq!(serde_json::to_string(&t).unwrap(), "1196541506.004");
    }

    #[test]
    fn direction_helpers() {
        assert_eq!(
            Direction::ClientToServer.reverse(),
            Direction::ServerToClient
        );
        assert_eq!(Direction::ServerToClient.index(), 1);
        assert_eq!(
            serde_json::to_string(&Direction::ClientToServer).unwrap(),
            "\"c2s\""
        );
    }
}
