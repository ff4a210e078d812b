//! The event model: what every stage after the RTMP decoder consumes.
//!
//! An [`Event`] is one thing that happened on one RTMP session (a TCP connection, or an RTMPT
//! tunnel): the session was found, the handshake finished, a message was decoded, bytes were
//! lost, something looked wrong, the session ended. Sinks (JSON, readable text, summary, TUI,
//! FLV export) all read the same events.
//!
//! JSON is an API: every event serialises to one flat JSON object whose first key is `"event"`.
//! Field names are `snake_case` and stable; see the README for the schema.

use crate::common::{DetectedBy, WarningCode};
use std::net::SocketAddr;

use serde::{Serialize, Serializer};

use super::variant::Variant;
use crate::common::{CommunityId, Direction, Endpoints, Notice, Timestamp};
use crate::reassembly::{CloseReason, GapReason, NetworkFacts};
use crate::rtmp::chunk::MessageFlags;
use crate::rtmp::handshake::HandshakeSummary;
use crate::rtmp::message::Message;
use crate::transport::rtmpt::TunnelInfo;
use crate::transport::tls::{KeyOrigin, TlsInfo, TlsSummary};

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
    /// Which member of the RTMP family the session is (on every event of the session): the
    /// outermost one when they nest.
    pub variant: Variant,
    /// The member carried inside `variant`, when they nest: RTMPT inside TLS (`rtmps` with
    /// `rtmpt`), RTMPE inside RTMPT (`rtmpt` with `rtmpe`). On every event from the moment it
    /// is known (RTMPE in a tunnel shows with its first handshake byte).
    pub inner: Option<Variant>,
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
    /// RTMPS: the server's hello was read; what the two hellos agreed on.
    TlsHandshake(TlsInfo),
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
    /// Live only: the connection's retransmissions, zero windows and round trips so far,
    /// sent when they change (at most once a second).
    Network(NetworkFacts),
}

impl EventKind<'_> {
    /// The value of the JSON `"event"` key.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::SessionStart(_) => "session_start",
            EventKind::Handshake(_) => "handshake",
            EventKind::TlsHandshake(_) => "tls_handshake",
            EventKind::Message(_) => "message",
            EventKind::Gap(_) => "gap",
            EventKind::Warning(_) => "warning",
            EventKind::SessionEnd(_) => "session_end",
            EventKind::Export(_) => "export",
            EventKind::Network(_) => "tcp_stats",
        }
    }
}

impl Event<'_> {
    /// This event's common fields (frame, time, session, endpoints, variant) with another body:
    /// how a sink that derives something from an event (a session's report, say) writes it as
    /// an event of its own, named `name`, in the same flat JSON shape.
    pub fn with_body<'e, B: Serialize>(&'e self, name: &'static str, body: &'e B) -> Flat<'e, B> {
        Flat {
            inner: self.inner,
            ..Flat::new(
                name,
                (self.frame, self.time),
                self.session,
                self.endpoints,
                self.variant,
                body,
            )
        }
    }
}

impl<'e, B: Serialize> Flat<'e, B> {
    /// An event named `name` of session `session` with `body`, for lines a sink derives
    /// without an event at hand (live statistics).
    pub fn new(
        name: &'static str,
        at: (u64, Timestamp),
        session: u64,
        endpoints: Endpoints,
        variant: Variant,
        body: &'e B,
    ) -> Self {
        Flat {
            common: CommonFields::new(name, at, session, endpoints, variant),
            inner: None,
            community_id: CommunityId::of(&endpoints),
            body,
        }
    }
}

/// The keys every event's JSON object starts with: its name, the frame and time that
/// completed it, and its session's number, endpoints and variant.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CommonFields {
    event: &'static str,
    frame: u64,
    time: Timestamp,
    session: u64,
    client: SocketAddr,
    server: SocketAddr,
    variant: Variant,
}

impl CommonFields {
    /// An event named `name` of session `session` (between `endpoints`, a `variant`
    /// session), completed by the frame and at the time in `(frame, time)`.
    pub fn new(
        name: &'static str,
        (frame, time): (u64, Timestamp),
        session: u64,
        endpoints: Endpoints,
        variant: Variant,
    ) -> Self {
        CommonFields {
            event: name,
            frame,
            time,
            session,
            client: endpoints.client,
            server: endpoints.server,
            variant,
        }
    }
}

/// The flat JSON object of an event: common fields first, then the body's own fields.
#[derive(Serialize)]
pub struct Flat<'e, B> {
    #[serde(flatten)]
    common: CommonFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    inner: Option<Variant>,
    /// The connection's Community ID v1, to join with Zeek's and Suricata's records.
    community_id: CommunityId,
    #[serde(flatten)]
    body: &'e B,
}

impl Serialize for Event<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.with_body(self.kind.name(), &self.kind)
            .serialize(serializer)
    }
}

/// A session was recognised.
#[derive(Debug, Clone, Serialize)]
pub struct SessionStart {
    /// Which member of the RTMP family carries it (in JSON, the event's common `variant`).
    #[serde(skip)]
    pub variant: Variant,
    /// The member nested inside it, when known at the start (in JSON, the common `inner`).
    #[serde(skip)]
    pub inner: Option<Variant>,
    /// True when the capture holds no TCP SYN for the connection (it started mid-connection).
    pub mid_stream: bool,
    /// How the session was recognised (e.g. `"handshake"`, `DetectedBy::ChunkStream`, `DetectedBy::ForcedPort`).
    pub detected_by: DetectedBy,
    /// The RTMP inside is encrypted (RTMPS, RTMPE): without keys, messages cannot be decoded.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub encrypted: bool,
    /// RTMPS decrypted with a key log's secrets: the messages inside are decoded.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decrypted: bool,
    /// Which key log and which of its lines decrypted it (the secrets themselves never show).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_keys: Option<KeyOrigin>,
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
    /// What is assumed or missing: `recovered` (follows a gap, before the decoder found its
    /// footing again), `joined`, `timestamp_relative` and `msid_assumed` (decoded from state
    /// adopted mid-stream), `missing_bytes` (body bytes the capture lacks). Each only when set.
    #[serde(flatten)]
    pub flags: MessageFlags,
}

/// Bytes that were never seen on one direction of a session.
#[derive(Debug, Clone, Serialize)]
pub struct GapEvent {
    /// The direction that lost bytes.
    pub dir: Direction,
    /// How many bytes are missing.
    pub bytes: u64,
    /// Why the reassembler gave up waiting for them.
    pub reason: GapReason,
}

/// Something that looked wrong.
#[derive(Debug, Clone, Serialize)]
pub struct WarningEvent {
    /// The direction it concerns, when it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<Direction>,
    /// A stable machine-readable code, e.g. `"amf_depth_limit"` or `WarningCode::TcpOverlapMismatch`.
    pub code: WarningCode,
    /// A sentence for a person.
    pub message: String,
}

/// A session ended.
#[derive(Debug, Clone, Serialize)]
pub struct SessionEnd {
    /// Why it ended.
    pub reason: CloseReason,
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
    /// Of `gap_bytes`, those the capture's snap length cut from packets (the capture, not the
    /// network, lost them). Absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub truncated_bytes: u64,
    /// Warning events.
    pub warnings: u64,
    /// Seconds from the session's first to its last packet.
    pub duration: f64,
    /// For RTMPT: the tunnel's facts (session id, connections, requests, polling).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<TunnelInfo>,
    /// For RTMPS: the hellos' facts and the TLS records counted each way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsSummary>,
    /// What the connection's TCP packets said about the network (absent for RTMPT, whose
    /// session spans several connections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkFacts>,
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
    /// Messages left out because the capture lacks some of their bytes (`missing_bytes`).
    #[serde(skip_serializing_if = "is_zero")]
    pub incomplete_frames: u64,
    /// Gaps the stream went through (their frames are missing from the file).
    pub gaps: u64,
    /// Timestamp of the last tag, ms from the first.
    pub duration_ms: u32,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// Anything that consumes events: JSON writer, text printer, summary, TUI model, FLV exporter.
pub trait EventSink {
    /// Called once per event, in order.
    fn event(&mut self, event: &Event<'_>);

    /// Called for problems with the capture itself (not tied to a session).
    fn notice(&mut self, notice: &Notice) {
        let _ = notice;
    }

    /// Capture time has reached `now` with no packet: a live capture is quiet. Sinks that
    /// act on time (live statistics) use it; the pipeline never ticks on a file.
    fn tick(&mut self, now: Timestamp) {
        let _ = now;
    }
}

impl<S: EventSink + ?Sized> EventSink for Box<S> {
    fn event(&mut self, event: &Event<'_>) {
        (**self).event(event);
    }

    fn notice(&mut self, notice: &Notice) {
        (**self).notice(notice);
    }
}
