//! One RTMP connection's decoder: handshake, then one chunk demultiplexer per direction, then
//! typed messages, turned into [`Event`]s.
//!
//! The session also does the bookkeeping that needs both directions: it links `_result` and
//! `_error` to the command they answer (by transaction id) and measures ping round trips.

use crate::common::WarningCode;
use std::collections::VecDeque;

use crate::amf::AmfLimits;
use crate::common::budget::MemoryBudget;
use crate::common::{Direction, Endpoints, PacketMeta, Timestamp};
use crate::reassembly::{CloseReason, GapReason, NetworkFacts};
use crate::rtmp::chunk::{ChunkConfig, ChunkDemuxer, ChunkEvent};
use crate::rtmp::decode::decode_message;
use crate::rtmp::decode_error::DecodeError;
use crate::rtmp::handshake::HandshakeTracker;
use crate::rtmp::message::{Message, MessageBody};
use crate::session::event::{
    Event, EventKind, EventSink, GapEvent, MessageEvent, SessionEnd, SessionStart, WarningEvent,
};
use crate::session::variant::Variant;
use crate::transport::rtmpt::TunnelInfo;
use crate::transport::tls::{TlsEvent, TlsInfo, TlsTracker};

/// What the `rtmpe_encrypted` warning says.
const RTMPE_ENCRYPTED: &str = "RTMPE: after the handshake everything is encrypted (RC4) with keys from a Diffie-Hellman exchange that a passive observer cannot know (both public keys travel in the handshake, the private ones never do); bytes are counted, messages cannot be decoded";

/// How many unanswered commands per direction are remembered for `_result` linking.
const MAX_PENDING_TRANSACTIONS: usize = 64;
/// How many unanswered ping requests per direction are remembered for round-trip times.
const MAX_PENDING_PINGS: usize = 8;

/// Settings shared by every session decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionConfig {
    /// Chunk demultiplexer bounds and payload policy.
    pub chunk: ChunkConfig,
    /// AMF decoding bounds.
    pub amf: AmfLimits,
}

/// How a session starts decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartMode {
    /// From the first byte of the connection: a handshake comes first.
    Handshake,
    /// The handshake was not captured: search the chunk stream for a plausible header.
    MidStream,
    /// Inside TLS (RTMPS) without keys: the records are counted, the RTMP in them cannot be
    /// read.
    Opaque,
}

/// A command waiting for its `_result` or `_error`.
#[derive(Debug, Clone)]
struct PendingCall {
    transaction_id: f64,
    command: String,
    frame: u64,
}

/// Per-direction state.
#[derive(Debug)]
struct Side {
    demux: ChunkDemuxer,
    /// Commands this side sent that expect an answer from the other side.
    calls: VecDeque<PendingCall>,
    /// Ping requests this side sent: (ping timestamp, capture time).
    pings: VecDeque<(u32, Timestamp)>,
    bytes: u64,
}

impl Side {
    fn new(config: &SessionConfig, mode: StartMode, budget: &MemoryBudget) -> Self {
        let demux = match mode {
            StartMode::Handshake => ChunkDemuxer::new(config.chunk),
            StartMode::MidStream | StartMode::Opaque => ChunkDemuxer::mid_stream(config.chunk),
        }
        .with_budget(budget);
        Side {
            demux,
            calls: VecDeque::new(),
            pings: VecDeque::new(),
            bytes: 0,
        }
    }
}

/// What a chunk layer is given next.
#[derive(Debug, Clone, Copy)]
enum ChunkInput<'b> {
    /// Captured bytes.
    Bytes(&'b [u8]),
    /// A hole of this many bytes (0: unknown).
    Hole(u64),
    /// The input ended.
    End,
}

/// Counters reported at the end of a session.
#[derive(Debug, Clone, Copy, Default)]
struct Counters {
    messages: u64,
    gaps: u64,
    gap_bytes: u64,
    /// Of `gap_bytes`, those the snap length cut from packets.
    truncated_bytes: u64,
    warnings: u64,
}

/// Identity of a session, stamped on each of its events.
#[derive(Debug, Clone, Copy)]
struct Identity {
    session: u64,
    endpoints: Endpoints,
    variant: Variant,
    inner: Option<Variant>,
}

impl Identity {
    fn emit(&self, sink: &mut impl EventSink, meta: &PacketMeta, kind: EventKind<'_>) {
        sink.event(&Event {
            frame: meta.frame,
            time: meta.time,
            session: self.session,
            endpoints: self.endpoints,
            variant: self.variant,
            inner: self.inner,
            kind,
        });
    }
}

/// The decoder of one RTMP session (a connection, or an RTMPT tunnel; RTMPE and RTMPS are
/// followed as far as their encryption allows).
#[derive(Debug)]
pub struct Session {
    identity: Identity,
    variant: Variant,
    config: SessionConfig,
    /// RTMPS: the TLS record layer (and its decryption, with a key).
    tls: Option<Box<TlsTracker>>,
    /// The client's first RTMP byte was looked at (RTMPE nested in a tunnel or in TLS shows
    /// there).
    c0_seen: bool,
    /// `None` once both directions' handshakes are done and reported (or never captured).
    handshake: Option<HandshakeTracker>,
    sides: [Side; 2],
    counters: Counters,
    first_time: Timestamp,
    last_time: Timestamp,
    /// What the connection's TCP packets said about the network, once it closed.
    network: Option<NetworkFacts>,
}

impl Session {
    /// Starts a session and emits its `session_start` event.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        session: u64,
        endpoints: Endpoints,
        variant: Variant,
        mode: StartMode,
        start: SessionStart,
        config: SessionConfig,
        budget: &MemoryBudget,
        meta: &PacketMeta,
        sink: &mut impl EventSink,
    ) -> Self {
        let identity = Identity {
            session,
            endpoints,
            variant,
            inner: start.inner,
        };
        let tls = (mode == StartMode::Opaque)
            .then(|| Box::new(TlsTracker::new(start.tls.clone().unwrap_or_default())));
        identity.emit(sink, meta, EventKind::SessionStart(start));
        if variant == Variant::Rtmpe {
            emit_warning(
                &identity,
                sink,
                meta,
                None,
                WarningCode::RtmpeEncrypted,
                RTMPE_ENCRYPTED.into(),
            );
        }
        Session {
            identity,
            variant,
            config,
            tls,
            c0_seen: false,
            handshake: (mode == StartMode::Handshake).then(HandshakeTracker::new),
            sides: [
                Side::new(&config, mode, budget),
                Side::new(&config, mode, budget),
            ],
            counters: Counters {
                warnings: u64::from(variant == Variant::Rtmpe),
                ..Counters::default()
            },
            first_time: meta.time,
            last_time: meta.time,
            network: None,
        }
    }

    /// The session id.
    pub fn id(&self) -> u64 {
        self.identity.session
    }

    /// Feeds the next in-order bytes of one direction.
    pub fn data(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        bytes: &[u8],
        sink: &mut impl EventSink,
    ) {
        self.last_time = meta.time;
        let side_bytes = &mut dir.of_mut(&mut self.sides).bytes;
        *side_bytes = side_bytes.saturating_add(bytes.len() as u64);
        if let Some(mut tls) = self.tls.take() {
            tls.feed(dir, bytes, &mut |event| self.on_tls(meta, event, sink));
            self.tls = Some(tls);
            return;
        }
        self.rtmp_data(meta, dir, bytes, sink);
    }

    /// Feeds RTMP bytes that came out of TLS before the session started (decrypted while the
    /// connection's nature was being decided), in order.
    pub fn plaintext(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        bytes: &[u8],
        sink: &mut impl EventSink,
    ) {
        self.last_time = meta.time;
        self.rtmp_data(meta, dir, bytes, sink);
    }

    /// The RTMP layer: handshake, then chunks (unless the RTMP is Adobe-encrypted).
    fn rtmp_data(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        bytes: &[u8],
        sink: &mut impl EventSink,
    ) {
        if !self.c0_seen && dir == Direction::ClientToServer && !bytes.is_empty() {
            self.c0_seen = true;
            self.nested_rtmpe(meta, bytes, sink);
        }
        let rest = self.handshake_data(meta, dir, bytes, sink);
        if rest.is_empty() || self.is_rtmpe() {
            // RTMPE content after the handshake is encrypted: counted, never parsed.
            return;
        }
        self.chunk_data(meta, dir, ChunkInput::Bytes(rest), sink);
    }

    /// Is the RTMP Adobe-encrypted (RTMPE, on its own or nested)?
    fn is_rtmpe(&self) -> bool {
        self.variant == Variant::Rtmpe || self.identity.inner == Some(Variant::Rtmpe)
    }

    /// A tunnel's or a TLS connection's first client bytes start an RTMPE handshake (C0 = 6
    /// or 8): the session carries RTMPE, explained as plain RTMPE is.
    fn nested_rtmpe(&mut self, meta: &PacketMeta, bytes: &[u8], sink: &mut impl EventSink) {
        let starts_rtmpe = matches!(bytes.first(), Some(6 | 8));
        if !starts_rtmpe || self.handshake.is_none() || self.variant == Variant::Rtmpe {
            return;
        }
        self.identity.inner = Some(Variant::Rtmpe);
        self.counters.warnings = self.counters.warnings.saturating_add(1);
        emit_warning(
            &self.identity,
            sink,
            meta,
            None,
            WarningCode::RtmpeEncrypted,
            RTMPE_ENCRYPTED.into(),
        );
    }

    /// Reports what the TLS record layer showed; decrypted application data goes on to RTMP.
    fn on_tls(&mut self, meta: &PacketMeta, event: TlsEvent<'_>, sink: &mut impl EventSink) {
        if let TlsEvent::Plaintext { dir, bytes } = event {
            self.rtmp_data(meta, dir, bytes, sink);
            return;
        }
        tls_event(&self.identity, &mut self.counters, meta, event, sink);
    }

    /// Goes on from a TLS tracker that already read the connection's first bytes (`bytes`
    /// each way, the last in packet `meta`) before the connection was known to be RTMPS, and
    /// reports the ServerHello it saw.
    pub fn resume_tls(
        &mut self,
        tracker: TlsTracker,
        bytes: [u64; 2],
        server_hello: Option<(PacketMeta, TlsInfo)>,
        meta: &PacketMeta,
        sink: &mut impl EventSink,
    ) {
        self.tls = Some(Box::new(tracker));
        for dir in Direction::BOTH {
            dir.of_mut(&mut self.sides).bytes = *dir.of(&bytes);
        }
        self.last_time = meta.time;
        if let Some((at, info)) = server_hello {
            self.identity.emit(sink, &at, EventKind::TlsHandshake(info));
        }
    }

    /// Gives the handshake its bytes; returns the bytes that belong to the chunk stream.
    fn handshake_data<'b>(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        bytes: &'b [u8],
        sink: &mut impl EventSink,
    ) -> &'b [u8] {
        let Some(handshake) = self.handshake.as_mut() else {
            return bytes;
        };
        let rest = if handshake.is_done(dir) {
            bytes
        } else {
            let consumed = handshake.feed(dir, bytes, meta).min(bytes.len());
            bytes.get(consumed..).unwrap_or_default()
        };
        self.report_handshake_when_settled(meta, sink);
        rest
    }

    /// Reports the handshake once both directions have finished it.
    fn report_handshake_when_settled(&mut self, meta: &PacketMeta, sink: &mut impl EventSink) {
        let settled = self
            .handshake
            .as_ref()
            .is_some_and(|handshake| Direction::BOTH.iter().all(|&d| handshake.is_done(d)));
        if settled {
            self.finish_handshake(meta, sink);
        }
    }

    /// Reports the handshake (complete or not) once, and stops tracking it.
    fn finish_handshake(&mut self, meta: &PacketMeta, sink: &mut impl EventSink) {
        if let Some(handshake) = self.handshake.take() {
            self.identity
                .emit(sink, meta, EventKind::Handshake(handshake.summary()));
        }
    }

    /// Gives one direction's chunk layer its next bytes, or a hole of known length.
    fn chunk_data(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        input: ChunkInput<'_>,
        sink: &mut impl EventSink,
    ) {
        let Session {
            identity,
            config,
            sides,
            counters,
            ..
        } = self;
        let [client, server] = sides;
        let (this, other) = match dir {
            Direction::ClientToServer => (client, server),
            Direction::ServerToClient => (server, client),
        };
        let mut context = MessageContext {
            identity,
            amf: &config.amf,
            counters,
            this_calls: &mut this.calls,
            this_pings: &mut this.pings,
            other,
            meta,
            dir,
            sink,
        };
        let on_event = &mut |event: ChunkEvent<'_>| context.chunk_event(event);
        match input {
            ChunkInput::Bytes(bytes) => this.demux.feed(bytes, on_event),
            ChunkInput::Hole(length) => this.demux.gap(length, on_event),
            ChunkInput::End => this.demux.finish(on_event),
        }
    }

    /// Bytes of one direction were lost (`bytes` 0: an unknown number).
    pub fn gap(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        bytes: u64,
        reason: GapReason,
        sink: &mut impl EventSink,
    ) {
        self.lost(meta, dir, (bytes, bytes), reason, sink);
    }

    /// `bytes` of a connection carrying this session inside HTTP (RTMPT) were lost: how many
    /// of them belonged to the RTMP stream, among HTTP heads and bodies, is unknown.
    pub fn gap_in_tunnel(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        bytes: u64,
        reason: GapReason,
        sink: &mut impl EventSink,
    ) {
        self.lost(meta, dir, (bytes, 0), reason, sink);
    }

    /// Reports `reported` bytes lost; `placed` of them are the RTMP stream's (0: unknown).
    fn lost(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        (reported, placed): (u64, u64),
        reason: GapReason,
        sink: &mut impl EventSink,
    ) {
        let bytes = reported;
        self.last_time = meta.time;
        self.counters.gaps = self.counters.gaps.saturating_add(1);
        self.counters.gap_bytes = self.counters.gap_bytes.saturating_add(bytes);
        if reason == GapReason::Truncated {
            self.counters.truncated_bytes = self.counters.truncated_bytes.saturating_add(bytes);
        }
        self.identity
            .emit(sink, meta, EventKind::Gap(GapEvent { dir, bytes, reason }));
        if let Some(tls) = self.tls.as_mut() {
            if !tls.gap(dir, bytes) {
                return;
            }
            // Decrypting: the records are found again after the gap; the RTMP inside lost
            // bytes as plain RTMP would.
        }
        // A hole in the handshake: its length is known, so where the chunk stream starts still
        // is; what the handshake's missing bytes would have shown stays unknown.
        let bytes = placed;
        let in_handshake = self
            .handshake
            .as_mut()
            .map_or(0, |handshake| handshake.gap(dir, bytes, meta));
        let unknown = bytes == 0;
        if in_handshake > 0 || unknown {
            self.report_handshake_when_settled(meta, sink);
        }
        let bytes = bytes.saturating_sub(in_handshake);
        if (bytes == 0 && !unknown) || self.variant == Variant::Rtmpe {
            return;
        }
        // The chunk layer skips what it can place exactly (a message then reports the bytes it
        // misses, and may complete right here) and searches for the rest.
        self.chunk_data(meta, dir, ChunkInput::Hole(bytes), sink);
    }

    /// A TCP-level anomaly on this session's connection.
    pub fn warning(
        &mut self,
        meta: &PacketMeta,
        dir: Option<Direction>,
        code: WarningCode,
        message: String,
        sink: &mut impl EventSink,
    ) {
        self.counters.warnings = self.counters.warnings.saturating_add(1);
        emit_warning(&self.identity, sink, meta, dir, code, message);
    }

    /// The connection's network facts, for its `session_end` (before [`Session::end`]).
    pub fn set_network(&mut self, network: NetworkFacts) {
        self.network = Some(network);
    }

    /// A live update of the connection's network facts: a `tcp_stats` event.
    pub fn network(&self, meta: &PacketMeta, facts: NetworkFacts, sink: &mut impl EventSink) {
        self.identity.emit(sink, meta, EventKind::Network(facts));
    }

    /// The connection ended: report an unfinished handshake, then `session_end`.
    pub fn end(&mut self, meta: &PacketMeta, reason: CloseReason, sink: &mut impl EventSink) {
        self.end_with(meta, reason, None, sink);
    }

    /// Ends an RTMPT session, reporting its tunnel's facts.
    pub fn end_tunnel(
        &mut self,
        meta: &PacketMeta,
        reason: CloseReason,
        tunnel: TunnelInfo,
        sink: &mut impl EventSink,
    ) {
        self.end_with(meta, reason, Some(tunnel), sink);
    }

    fn end_with(
        &mut self,
        meta: &PacketMeta,
        reason: CloseReason,
        tunnel: Option<TunnelInfo>,
        sink: &mut impl EventSink,
    ) {
        self.finish_handshake(meta, sink);
        if self.tls.is_none() && self.variant != Variant::Rtmpe {
            for dir in Direction::BOTH {
                self.chunk_data(meta, dir, ChunkInput::End, sink);
            }
        }
        let end = SessionEnd {
            reason,
            bytes_c2s: self.sides[0].bytes,
            bytes_s2c: self.sides[1].bytes,
            messages: self.counters.messages,
            gaps: self.counters.gaps,
            gap_bytes: self.counters.gap_bytes,
            truncated_bytes: self.counters.truncated_bytes,
            warnings: self.counters.warnings,
            duration: self.last_time.micros_since(self.first_time) as f64 / 1e6,
            tunnel,
            tls: self.tls.as_ref().map(|tls| tls.summary()),
            network: self.network,
        };
        self.identity.emit(sink, meta, EventKind::SessionEnd(end));
    }
}

/// Reports what the TLS record layer showed (but decrypted bytes).
fn tls_event(
    identity: &Identity,
    counters: &mut Counters,
    meta: &PacketMeta,
    event: TlsEvent<'_>,
    sink: &mut impl EventSink,
) {
    if let TlsEvent::ServerHello(info) = event {
        identity.emit(sink, meta, EventKind::TlsHandshake(info));
        return;
    }
    if let Some((dir, code, message)) = event.warning() {
        counters.warnings = counters.warnings.saturating_add(1);
        emit_warning(identity, sink, meta, dir, code, message);
    }
}

fn emit_warning(
    identity: &Identity,
    sink: &mut impl EventSink,
    meta: &PacketMeta,
    dir: Option<Direction>,
    code: WarningCode,
    message: String,
) {
    identity.emit(
        sink,
        meta,
        EventKind::Warning(WarningEvent { dir, code, message }),
    );
}

/// Everything one direction's chunk events need, borrowed apart from its demultiplexer.
struct MessageContext<'s, S> {
    identity: &'s Identity,
    amf: &'s AmfLimits,
    counters: &'s mut Counters,
    this_calls: &'s mut VecDeque<PendingCall>,
    this_pings: &'s mut VecDeque<(u32, Timestamp)>,
    other: &'s mut Side,
    meta: &'s PacketMeta,
    dir: Direction,
    sink: &'s mut S,
}

impl<S: EventSink> MessageContext<'_, S> {
    fn chunk_event(&mut self, event: ChunkEvent<'_>) {
        match event {
            ChunkEvent::Message {
                header,
                payload,
                flags,
            } => {
                let mut message = decode_message(header, payload, self.amf);
                if flags.missing_bytes > 0 {
                    // Decoded as far as the captured bytes go; what stopped it is the hole.
                    message.decode_error = Some(DecodeError::NotCaptured {
                        kept: payload.len(),
                        missing: flags.missing_bytes,
                    });
                }
                self.link(&mut message);
                self.counters.messages = self.counters.messages.saturating_add(1);
                // A body the capture cut short is no warning: `missing_bytes` says why.
                let cut_short = flags.missing_bytes > 0;
                if let Some(error) = message.decode_error.as_ref().filter(|_| !cut_short) {
                    self.counters.warnings = self.counters.warnings.saturating_add(1);
                    let text = format!(
                        "{} message on csid {} did not decode fully: {error}",
                        message.type_name, header.csid
                    );
                    emit_warning(
                        self.identity,
                        self.sink,
                        self.meta,
                        Some(self.dir),
                        WarningCode::MessageDecodeError,
                        text,
                    );
                }
                let event = MessageEvent {
                    dir: self.dir,
                    message,
                    payload,
                    flags,
                };
                self.identity
                    .emit(self.sink, self.meta, EventKind::Message(event));
            }
            ChunkEvent::Warning { code, message } => {
                self.counters.warnings = self.counters.warnings.saturating_add(1);
                emit_warning(
                    self.identity,
                    self.sink,
                    self.meta,
                    Some(self.dir),
                    code,
                    message,
                );
            }
        }
    }

    /// Links answers to calls and pings to pings, across the two directions.
    fn link(&mut self, message: &mut Message) {
        match &mut message.body {
            MessageBody::Command(command) => {
                let is_answer = command.command == "_result" || command.command == "_error";
                if is_answer {
                    let calls = &mut self.other.calls;
                    if let Some(index) = calls
                        .iter()
                        .position(|call| call.transaction_id == command.transaction_id)
                    {
                        if let Some(call) = calls.remove(index) {
                            command.reply_to = Some(call.command);
                            command.reply_to_frame = Some(call.frame);
                        }
                    }
                } else if command.transaction_id != 0.0 {
                    if self.this_calls.len() >= MAX_PENDING_TRANSACTIONS {
                        self.this_calls.pop_front();
                    }
                    self.this_calls.push_back(PendingCall {
                        transaction_id: command.transaction_id,
                        command: command.command.clone(),
                        frame: self.meta.frame,
                    });
                }
            }
            MessageBody::UserControl(control) => {
                match (control.control_event, control.ping_timestamp) {
                    ("ping_request", Some(stamp)) => {
                        if self.this_pings.len() >= MAX_PENDING_PINGS {
                            self.this_pings.pop_front();
                        }
                        self.this_pings.push_back((stamp, self.meta.time));
                    }
                    ("ping_response", Some(stamp)) => {
                        let pings = &mut self.other.pings;
                        if let Some(index) = pings.iter().position(|&(s, _)| s == stamp) {
                            if let Some((_, sent)) = pings.remove(index) {
                                control.rtt_ms =
                                    Some(self.meta.time.micros_since(sent) as f64 / 1e3);
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}
