//! What an analysis reports: the data of a session's and its streams' reports, kept apart from
//! the code that builds them ([`super::session`], [`super::stream`]) and judges them
//! ([`super::health`]). These are the `session_summary` JSON objects.

use serde::Serialize;

use super::realtime::RealtimeReport;
use super::track::TrackReport;
use crate::common::{Direction, Timestamp};
use crate::reassembly::NetworkFacts;
use crate::rtmp::codec::{AudioConfig, VideoConfig};
use crate::session::variant::Variant;

/// The connect command's properties.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConnectFacts {
    /// Application name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The URL the client connected to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tc_url: Option<String>,
    /// Client software (`FMLE/3.0`, `LNX 9,0,124,2`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flash_ver: Option<String>,
    /// SWF URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swf_url: Option<String>,
    /// Page URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    /// AMF encoding asked for (0 or 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_encoding: Option<f64>,
    /// Enhanced RTMP: the codecs the client supports (`fourCcList`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fourcc_list: Vec<String>,
    /// Enhanced RTMP: capabilities per video codec (`videoFourCcInfoMap`), as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_fourcc_info_map: Option<serde_json::Value>,
    /// Enhanced RTMP: capabilities per audio codec (`audioFourCcInfoMap`), as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_fourcc_info_map: Option<serde_json::Value>,
    /// Enhanced RTMP: extended capability flags (`capsEx`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caps_ex: Option<f64>,
}

/// One onStatus, `_error` or `_result` status the peer sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusEntry {
    /// Capture time.
    pub time: Timestamp,
    /// Who sent it.
    pub dir: Direction,
    /// The command that carried it (`onStatus`, `_result`, `_error`).
    pub command: String,
    /// The status code (`NetStream.Publish.Start`, …).
    pub code: String,
    /// `status`, `warning` or `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// The text the peer gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// True for `_error` and level `error`.
    pub error: bool,
}

/// Round-trip time statistics, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RttReport {
    /// Pairs measured.
    pub count: u64,
    /// Smallest, mean and largest, in ms.
    pub min_ms: f64,
    /// Mean round trip.
    pub avg_ms: f64,
    /// Largest round trip.
    pub max_ms: f64,
}

/// The report of one session: the `session_summary` event's fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionReport {
    /// Which member of the RTMP family (in JSON, the event's common `variant`).
    #[serde(skip)]
    pub variant: Variant,
    /// The member nested inside it (in JSON, the event's common `inner`).
    #[serde(skip)]
    pub inner: Option<Variant>,
    /// RTMPS decrypted with a key log: the messages inside were read.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decrypted: bool,
    /// The capture started after the connection did.
    pub mid_stream: bool,
    /// `publisher`, `player`, `publisher+player` or `unknown`.
    pub role: &'static str,
    /// First packet of the session.
    pub start: Timestamp,
    /// Last packet of the session.
    pub end: Timestamp,
    /// Seconds between them.
    pub duration_s: f64,
    /// Why the session ended (absent while it is still open).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<crate::reassembly::CloseReason>,
    /// For RTMPT: the tunnel's facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<crate::transport::rtmpt::TunnelInfo>,
    /// For RTMPS: the TLS hellos' facts and record counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<crate::transport::tls::TlsSummary>,
    /// connect's properties.
    #[serde(flatten)]
    pub connect: ConnectFacts,
    /// The server's version string (connect `_result`'s fmsVer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// Handshake round trip (C1 sent to S1 seen), ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_rtt_ms: Option<f64>,
    /// Whether the handshake completed.
    pub handshake_complete: bool,
    /// Ping round trips (user control ping request/response).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ping_rtt: Option<RttReport>,
    /// What the connection's TCP packets said about the network (absent for RTMPT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkFacts>,
    /// Client to server payload bytes.
    pub bytes_c2s: u64,
    /// Server to client payload bytes.
    pub bytes_s2c: u64,
    /// Messages decoded.
    pub messages: u64,
    /// Gaps and the bytes lost in them.
    pub gaps: u64,
    /// Bytes lost in gaps.
    pub gap_bytes: u64,
    /// Of them, bytes the capture's snap length cut from packets.
    #[serde(skip_serializing_if = "is_zero")]
    pub truncated_bytes: u64,
    /// Some messages were decoded from state adopted mid-stream (see `joined` on messages).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub joined: bool,
    /// What the capture did not show of the session, when it saw it only in part:
    /// `handshake`, `handshake_checks` (digests and echoes in bytes not captured), `connect`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_seen: Vec<&'static str>,
    /// Warnings raised.
    pub warnings: u64,
    /// Every status the peers sent, in order (at most 64; `status_dropped` counts the rest).
    pub status: Vec<StatusEntry>,
    /// Status entries not kept.
    #[serde(skip_serializing_if = "is_zero")]
    pub status_dropped: u64,
    /// Error statuses.
    pub errors: u64,
    /// Each message stream that carried media or was published/played.
    pub streams: Vec<StreamReport>,
    /// Message streams not analysed (past the cap).
    #[serde(skip_serializing_if = "is_zero")]
    pub streams_dropped: u64,
    /// `ok`, `degraded` (a warning) or `failed` (an error).
    pub health: &'static str,
    /// Why, one sentence each.
    pub findings: Vec<Finding>,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// The video codec as the stream's headers describe it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoCodec {
    /// Codec name (`avc`, `hevc`, `av1`, `vp9`, `vp6`, …).
    pub codec: &'static str,
    /// The latest decoder configuration record.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub config: Option<VideoConfig>,
    /// Where the configuration came from when no sequence header gave it: `in_band` (a
    /// parameter set an encoder repeated in a keyframe).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_source: Option<&'static str>,
}

/// The audio codec as the stream's headers describe it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudioCodec {
    /// Codec name (`aac`, `mp3`, `opus`, …).
    pub codec: &'static str,
    /// Sample rate, channels and sample size from the legacy header (AAC always says 44100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_rate: Option<u32>,
    /// Channels from the legacy header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_channels: Option<u8>,
    /// The latest decoder configuration.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub config: Option<AudioConfig>,
}

/// The keyframe interval, as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GopReport {
    /// Keyframes seen.
    pub keyframes: u64,
    /// Mean frames from one keyframe to the next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<f64>,
    /// Shortest and longest interval in frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames_min: Option<u64>,
    /// Longest interval in frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames_max: Option<u64>,
    /// Mean seconds from one keyframe to the next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
}

/// One stream's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamReport {
    /// Message stream id.
    pub msid: u32,
    /// Stream name (masked with `--redact`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `publish` or `play`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    /// publish's type argument.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish_type: Option<String>,
    /// Video codec and parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_codec: Option<VideoCodec>,
    /// Video counters and timing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video: Option<TrackReport>,
    /// Keyframe interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gop: Option<GopReport>,
    /// Audio codec and parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_codec: Option<AudioCodec>,
    /// Audio counters and timing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<TrackReport>,
    /// Video's latest timestamp minus audio's at the end, in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub av_drift_ms: Option<i64>,
    /// The largest such difference seen, in ms (signed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub av_drift_max_ms: Option<i64>,
    /// onMetaData's values, declared against measured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Comparison>,
    /// When no publish or play was seen (a session caught mid-way): `publish` if its media
    /// went from client to server, `play` otherwise. Inferred, so not in `role`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inferred_role: Option<&'static str>,
    /// What the capture did not show of this stream, for a session it saw only in part:
    /// `publish_or_play`, `video_config`, `audio_config` (sent before the capture began),
    /// `absolute_timestamps`, `message_stream_id`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_seen: Vec<&'static str>,
    /// Media time against capture time: ratio, lag, stalls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realtime: Option<RealtimeReport>,
    /// For a player: seconds from `play` to the first video keyframe (to the first audio frame
    /// when the stream has no video).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_frame_s: Option<f64>,
}

/// One thing found wrong (or worth knowing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `error` (the session failed at something) or `warning`.
    pub severity: &'static str,
    /// A stable machine-readable code (`stall`, `keyframe_interval`, …; see the README).
    pub code: &'static str,
    /// A sentence for a person.
    pub message: String,
}

/// One onMetaData field next to the measured value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The onMetaData key.
    pub field: &'static str,
    /// The declared value (a number or a string, as sent).
    pub declared: serde_json::Value,
    /// The measured value, when there is one to compare with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<f64>,
    /// False when both exist and differ beyond the tolerance for that field.
    pub agrees: bool,
}
