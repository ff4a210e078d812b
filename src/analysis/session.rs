//! One RTMP session: who connected, to which application, what they published or played,
//! what the server answered, round-trip times and how it ended.

use std::collections::BTreeMap;

use super::health::{findings, HealthOptions};
use super::report::{ConnectFacts, RttReport, SessionReport, StatusEntry, StreamReport};
use super::series::StreamCharts;
use super::stream::StreamAnalysis;
use super::track::Timing;
use crate::amf::AmfValue;
use crate::common::budget::{Charge, MemoryBudget};
use crate::common::{Direction, Timestamp};
use crate::reassembly::NetworkFacts;
use crate::rtmp::codec::{in_band_avc_sps, VideoConfig};
use crate::rtmp::handshake::HandshakeSummary;
use crate::rtmp::media::VideoHeader;
use crate::rtmp::message::{Command, MessageBody};
use crate::session::event::{Event, EventKind, MessageEvent, SessionEnd, SessionStart};
use crate::session::variant::Variant;

/// Most message streams analysed per session; more are counted, not analysed.
const MAX_STREAMS: usize = 64;
/// Most status entries kept per session; more are counted.
const MAX_STATUS_ENTRIES: usize = 64;
/// What one message stream's analysis may come to, charged to the memory budget when it is
/// created: two rate series at their bound (buckets and peak window), codecs, metadata and
/// counters, measured with a margin.
pub const STREAM_ANALYSIS_BYTES: usize = 24 << 10;

/// What is known of one session so far.
#[derive(Debug)]
pub struct SessionAnalysis {
    start: Timestamp,
    last: Timestamp,
    variant: Variant,
    inner: Option<Variant>,
    /// RTMPS decrypted with a key log.
    decrypted: bool,
    mid_stream: bool,
    connect: ConnectFacts,
    server_version: Option<String>,
    handshake: Option<HandshakeSummary>,
    ping: RttStats,
    status: Vec<StatusEntry>,
    status_dropped: u64,
    streams: BTreeMap<u32, StreamAnalysis>,
    streams_dropped: u64,
    end: Option<SessionEnd>,
    /// Some messages were decoded from state adopted mid-stream.
    joined: bool,
    /// The latest network facts of the connection (live updates, then its end).
    pub(super) network: Option<NetworkFacts>,
    /// The streams' share of the memory budget.
    memory: Charge,
}

/// Round-trip times from ping request/response pairs.
#[derive(Debug, Clone, Copy, Default)]
struct RttStats {
    count: u64,
    sum_ms: f64,
    min_ms: f64,
    max_ms: f64,
}

impl SessionAnalysis {
    /// A session that started at `time`.
    pub fn new(time: Timestamp, start: &SessionStart) -> Self {
        SessionAnalysis::with_budget(time, start, &MemoryBudget::unlimited())
    }

    /// The analysis of a session, its streams charged to `budget`: a stream the budget has no
    /// room for is counted in `streams_dropped`, not analysed.
    pub fn with_budget(time: Timestamp, start: &SessionStart, budget: &MemoryBudget) -> Self {
        SessionAnalysis {
            start: time,
            last: time,
            variant: start.variant,
            inner: start.inner,
            decrypted: start.decrypted,
            mid_stream: start.mid_stream,
            connect: ConnectFacts::default(),
            server_version: None,
            handshake: None,
            ping: RttStats::default(),
            status: Vec::new(),
            status_dropped: 0,
            streams: BTreeMap::new(),
            streams_dropped: 0,
            end: None,
            joined: false,
            network: None,
            memory: budget.charge(),
        }
    }

    /// Takes in one event of this session.
    pub fn event(&mut self, event: &Event<'_>) {
        self.last = self.last.max(event.time);
        self.inner = event.inner.or(self.inner);
        match &event.kind {
            EventKind::Handshake(summary) => self.handshake = Some(summary.clone()),
            EventKind::Message(message) => self.message(event.time, message),
            EventKind::SessionEnd(end) => {
                self.network = end.network.or(self.network);
                self.end = Some(end.clone());
            }
            EventKind::Network(facts) => self.network = Some(*facts),
            _ => {}
        }
    }

    fn message(&mut self, time: Timestamp, event: &MessageEvent<'_>) {
        let header = &event.message.header;
        let timestamp = u64::from(header.timestamp);
        let flags = event.flags;
        let timing = Timing {
            epoch: flags.epoch,
            trusted: !flags.recovered && !flags.timestamp_relative,
        };
        self.joined |= flags.joined;
        if flags.joined && header.type_id.is_media() {
            if let Some(stream) = self.stream(header.msid) {
                stream.relative_timestamps |= flags.timestamp_relative;
                stream.msid_assumed |= flags.msid_assumed;
            }
        }
        match &event.message.body {
            MessageBody::Video(video) => {
                if let Some(stream) = self.stream(header.msid) {
                    stream.video(time, event.dir, timestamp, header.length, video, timing);
                    if stream.lacks_video_config() && video.frame_kind == "keyframe" {
                        if let Some(config) = in_band_config(video, event.payload) {
                            stream.in_band_video_config(config);
                        }
                    }
                }
            }
            MessageBody::Audio(audio) => {
                if let Some(stream) = self.stream(header.msid) {
                    stream.audio(time, event.dir, timestamp, header.length, audio, timing);
                }
            }
            MessageBody::Aggregate { messages } => {
                for part in messages {
                    let Some(stream) = self.stream(header.msid) else {
                        break;
                    };
                    let timestamp = u64::from(part.timestamp);
                    match &part.body {
                        MessageBody::Video(video) => {
                            stream.video(time, event.dir, timestamp, part.length, video, timing)
                        }
                        MessageBody::Audio(audio) => {
                            stream.audio(time, event.dir, timestamp, part.length, audio, timing)
                        }
                        _ => {}
                    }
                }
            }
            MessageBody::Data(data) => {
                if let Some(values) = metadata_values(data.name.as_deref(), &data.values) {
                    if let Some(stream) = self.stream(header.msid) {
                        stream.metadata(values);
                    }
                }
            }
            MessageBody::UserControl(control) => {
                if let Some(rtt) = control.rtt_ms {
                    self.ping.add(rtt);
                }
            }
            MessageBody::Command(command) => self.command(time, event.dir, header.msid, command),
            _ => {}
        }
    }

    fn command(&mut self, time: Timestamp, dir: Direction, msid: u32, command: &Command) {
        let first_string = || command.first_string_arg();
        match command.command.as_str() {
            "connect" => self.connect = connect_facts(&command.command_object),
            "publish" | "play" => {
                let role = if command.command == "publish" {
                    "publish"
                } else {
                    "play"
                };
                let name = first_string().map(str::to_owned);
                let publish_type = (role == "publish")
                    .then(|| command.args.iter().filter_map(AmfValue::as_str).nth(1))
                    .flatten()
                    .map(str::to_owned);
                if let Some(stream) = self.stream(msid) {
                    if role == "play" {
                        stream.play(time);
                    }
                    stream.name = name;
                    stream.role = Some(role);
                    stream.publish_type = publish_type;
                }
            }
            _ => {}
        }
        if command.reply_to.as_deref() == Some("connect") && command.command == "_result" {
            self.server_version = command
                .command_object
                .get("fmsVer")
                .and_then(AmfValue::as_str)
                .map(str::to_owned);
        }
        if let Some(entry) = status_entry(time, dir, command) {
            if self.status.len() < MAX_STATUS_ENTRIES {
                self.status.push(entry);
            } else {
                self.status_dropped += 1;
            }
        }
    }

    /// The analysis of message stream `msid`, created on first use (within the cap).
    fn stream(&mut self, msid: u32) -> Option<&mut StreamAnalysis> {
        if !self.streams.contains_key(&msid)
            && (self.streams.len() >= MAX_STREAMS || !self.memory.try_grow(STREAM_ANALYSIS_BYTES))
        {
            self.streams_dropped += 1;
            return None;
        }
        Some(self.streams.entry(msid).or_default())
    }

    /// A stream's charts: bytes per second of video and audio, and its lag.
    pub fn per_second(&self, msid: u32) -> Option<StreamCharts> {
        self.streams.get(&msid).map(StreamAnalysis::per_second)
    }

    /// What the capture did not show of a session it saw only in part.
    fn not_seen(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.mid_stream && self.handshake.is_none() {
            missing.push("handshake");
        }
        if self.handshake.as_ref().is_some_and(|h| h.missing_bytes > 0) {
            missing.push("handshake_checks");
        }
        if self.connect.app.is_none() {
            missing.push("connect");
        }
        missing
    }

    /// The session's report as it stands.
    pub fn report(&self) -> SessionReport {
        self.report_with(&HealthOptions::default())
    }

    /// When the session started.
    pub fn start_time(&self) -> Timestamp {
        self.start
    }

    /// The analysed streams, for live checks.
    pub(super) fn streams_mut(&mut self) -> impl Iterator<Item = (u32, &mut StreamAnalysis)> {
        self.streams
            .iter_mut()
            .map(|(&msid, stream)| (msid, stream))
    }

    /// The session's report as it stands, judged with `options`.
    pub fn report_with(&self, options: &HealthOptions) -> SessionReport {
        let end = self.end.as_ref();
        let gaps = end.map_or(0, |end| end.gaps);
        let partial = self.mid_stream || gaps > 0;
        let streams: Vec<StreamReport> = self
            .streams
            .iter()
            .filter(|(_, stream)| stream.role.is_some() || stream.media_dir.is_some())
            .map(|(&msid, stream)| stream.report(msid, partial))
            .collect();
        let visible = self.variant.messages_visible(self.inner, self.decrypted);
        let errors = self.status.iter().filter(|entry| entry.error).count() as u64;
        let mut report = SessionReport {
            variant: self.variant,
            inner: self.inner,
            decrypted: self.decrypted,
            mid_stream: self.mid_stream,
            role: role(&self.streams),
            start: self.start,
            end: self.last,
            duration_s: self.last.micros_since(self.start) as f64 / 1e6,
            end_reason: end.map(|end| end.reason),
            tunnel: end.and_then(|end| end.tunnel.clone()),
            tls: end.and_then(|end| end.tls.clone()),
            connect: self.connect.clone(),
            server_version: self.server_version.clone(),
            handshake_rtt_ms: self.handshake.as_ref().and_then(|h| h.rtt_ms),
            handshake_complete: self.handshake.as_ref().is_some_and(|h| h.complete),
            ping_rtt: self.ping.report(),
            network: self.network,
            bytes_c2s: end.map_or(0, |end| end.bytes_c2s),
            bytes_s2c: end.map_or(0, |end| end.bytes_s2c),
            messages: end.map_or(0, |end| end.messages),
            gaps,
            gap_bytes: end.map_or(0, |end| end.gap_bytes),
            truncated_bytes: end.map_or(0, |end| end.truncated_bytes),
            joined: self.joined,
            not_seen: if partial && visible {
                self.not_seen()
            } else {
                Vec::new()
            },
            warnings: end.map_or(0, |end| end.warnings),
            status: self.status.clone(),
            status_dropped: self.status_dropped,
            errors,
            streams,
            streams_dropped: self.streams_dropped,
            health: "ok",
            findings: Vec::new(),
        };
        report.findings = findings(&report, options);
        report.health = super::health::verdict(&report.findings);
        report
    }
}

/// A decoder configuration from a parameter set an encoder repeated in a keyframe (H.264
/// repeats its SPS when asked to), for a stream whose sequence header was not seen.
fn in_band_config(video: &VideoHeader, payload: &[u8]) -> Option<VideoConfig> {
    const AVC_TAG_HEADER: usize = 5;
    if video.codec != "avc" || video.avc_packet_type != Some(1) {
        return None;
    }
    in_band_avc_sps(payload.get(AVC_TAG_HEADER..)?)
}

/// The session's role from the roles of its streams (or the direction of its media).
fn role(streams: &BTreeMap<u32, StreamAnalysis>) -> &'static str {
    let mut publishes = false;
    let mut plays = false;
    for stream in streams.values() {
        match (stream.role, stream.media_dir) {
            (Some("publish"), _) | (None, Some(Direction::ClientToServer)) => publishes = true,
            (Some(_), _) | (None, Some(Direction::ServerToClient)) => plays = true,
            (None, None) => {}
        }
    }
    match (publishes, plays) {
        (true, true) => "publisher+player",
        (true, false) => "publisher",
        (false, true) => "player",
        (false, false) => "unknown",
    }
}

/// onMetaData's object, sent either as `onMetaData` or as `@setDataFrame("onMetaData", …)`.
fn metadata_values<'a>(name: Option<&str>, values: &'a [AmfValue]) -> Option<&'a AmfValue> {
    match name {
        Some("onMetaData") => values.first(),
        Some("@setDataFrame")
            if values.first().and_then(AmfValue::as_str) == Some("onMetaData") =>
        {
            values.get(1)
        }
        _ => None,
    }
}

/// The connect command object's properties.
fn connect_facts(object: &AmfValue) -> ConnectFacts {
    let text = |key: &str| {
        object
            .get(key)
            .and_then(AmfValue::as_str)
            .map(str::to_owned)
    };
    let json = |key: &str| {
        object
            .get(key)
            .map(|value| serde_json::to_value(value).unwrap_or_default())
    };
    let fourcc_list = match object.get("fourCcList") {
        Some(AmfValue::StrictArray(items)) => items
            .iter()
            .filter_map(AmfValue::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    ConnectFacts {
        app: text("app"),
        tc_url: text("tcUrl"),
        flash_ver: text("flashVer"),
        swf_url: text("swfUrl"),
        page_url: text("pageUrl"),
        object_encoding: object.get("objectEncoding").and_then(AmfValue::as_f64),
        fourcc_list,
        video_fourcc_info_map: json("videoFourCcInfoMap"),
        audio_fourcc_info_map: json("audioFourCcInfoMap"),
        caps_ex: object.get("capsEx").and_then(AmfValue::as_f64),
    }
}

/// A status entry from onStatus, `_result` or `_error`, when its info object has a code.
fn status_entry(time: Timestamp, dir: Direction, command: &Command) -> Option<StatusEntry> {
    let info = command.status_info()?;
    let text = |key: &str| info.get(key).and_then(AmfValue::as_str).map(str::to_owned);
    let level = text("level");
    Some(StatusEntry {
        time,
        dir,
        command: command.command.clone(),
        code: text("code")?,
        error: command.command == "_error" || level.as_deref() == Some("error"),
        level,
        description: text("description"),
    })
}

impl RttStats {
    fn add(&mut self, rtt_ms: f64) {
        if self.count == 0 {
            self.min_ms = rtt_ms;
            self.max_ms = rtt_ms;
        }
        self.count += 1;
        self.sum_ms += rtt_ms;
        self.min_ms = self.min_ms.min(rtt_ms);
        self.max_ms = self.max_ms.max(rtt_ms);
    }

    fn report(&self) -> Option<RttReport> {
        (self.count > 0).then(|| RttReport {
            count: self.count,
            min_ms: self.min_ms,
            avg_ms: self.sum_ms / self.count as f64,
            max_ms: self.max_ms,
        })
    }
}
