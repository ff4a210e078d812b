//! The session table: decides which TCP flows carry RTMP and routes each flow's reassembled
//! bytes to its [`Session`].
//!
//! How a flow is recognised:
//! - it starts with an RTMP handshake (C0 = 3 and a plausible C1) on any port;
//! - it starts with C0 = 6 or 8: RTMPE, reported as encrypted;
//! - it starts with a TLS ClientHello on port 1935 or a `--port`, or naming RTMP in its SNI or
//!   ALPN: RTMPS, reported with the hellos' facts, its records counted; TLS elsewhere is
//!   followed (without holding its bytes) until its first records show whether their sizes
//!   are those of an RTMP handshake;
//! - it starts with HTTP requests to RTMPT paths, on any port: RTMPT, its tunnels followed
//!   across connections (see [`crate::rtmp::rtmpt`]);
//! - its server port was forced with `--port`: decoded as RTMP whatever it starts with (TLS
//!   there is RTMPS, HTTP RTMPT);
//! - the capture started mid-connection: on the RTMP port (1935) or a forced port it is decoded
//!   at once (HTTP caught mid-way, on any other port, is read as possible RTMPT); on any other
//!   port it is *probed*: its bytes are held (up to
//!   [`MAX_PROBE_BYTES`]) while a trial decoder looks for a command or data message that decodes
//!   cleanly, and only then does the session start, replaying the held bytes. Flows that never
//!   confirm are ignored silently, so ordinary traffic produces no output.

use crate::common::DetectedBy;
mod probe;

use crate::common::budget::MemoryBudget;
use crate::common::fasthash::FastHashMap;
use crate::common::{Direction, Endpoints, Notice, NoticeCode, PacketMeta};
use crate::reassembly::{FlowId, StreamEvent, StreamSink};
use crate::session::classify::{classify_client_start, FirstBytes};
use crate::session::decoder::{Session, SessionConfig, StartMode};
use crate::session::event::{EventSink, SessionStart};
use crate::session::tunnel::{self, Tunnels};
use crate::session::tunnel_flow::HttpFlow;
use crate::session::variant::Variant;
use crate::transport::tls::{
    client_random, parse_client_hello, ClientHello, KeyLog, TlsInfo, TlsTracker, MAX_TLS_RECORD,
};
use std::sync::Arc;

pub use probe::MAX_PROBE_BYTES;
use probe::{http_start, is_rtmps, shows_rtmpt, HeldBytes, Probe, TlsProbe, TlsTunnel};

/// The IANA port of RTMP.
pub const RTMP_PORT: u16 = 1935;
/// Most client bytes held while waiting to classify a connection's first bytes.
const MAX_CLASSIFY_BYTES: usize = 64;

/// Settings of the session table.
#[derive(Debug, Clone)]
pub struct DecoderConfig {
    /// Settings of every session decoder.
    pub session: SessionConfig,
    /// Server ports whose flows are decoded as RTMP whatever they start with (`--port`).
    pub forced_ports: Vec<u16>,
    /// Most bytes all sessions together may hold in buffers: partial messages, chunk-boundary
    /// searches, and bytes held while a flow's nature is undecided.
    pub memory_budget: usize,
    /// TLS secrets (`--tls-keylog`, a pcapng Decryption Secrets Block): RTMPS and RTMPTS
    /// connections whose client random they hold are decrypted.
    pub tls_keys: Arc<KeyLog>,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            session: SessionConfig::default(),
            forced_ports: Vec::new(),
            memory_budget: 128 << 20,
            tls_keys: Arc::new(KeyLog::new()),
        }
    }
}

/// What is known about one flow.
#[derive(Debug)]
enum FlowState {
    /// Waiting for the client's first bytes.
    Classifying { mid_stream: bool, held: HeldBytes },
    /// Mid-stream on an unusual port: not yet shown to be RTMP.
    Probing(Box<Probe>),
    /// An RTMP (or RTMPE) session.
    Decoding(Box<Session>),
    /// HTTP that may carry an RTMPT tunnel.
    Tunnel(Box<HttpFlow>),
    /// TLS not yet known to carry RTMP: with a key, until its plaintext shows what it carries;
    /// without, until its record sizes show an RTMP handshake (or cannot).
    TlsProbe(Box<TlsProbe>),
    /// HTTP inside TLS, decrypted, that may carry an RTMPT tunnel (RTMPTS).
    TlsTunnel(Box<TlsTunnel>),
    /// Not RTMP.
    Ignored,
}

/// Decodes every RTMP session in the reassembled flows and sends events to a sink.
#[derive(Debug)]
pub struct SessionTable<S> {
    flows: FastHashMap<FlowId, FlowState>,
    context: Context<S>,
}

/// Everything but the flow map, so a flow's state can be updated in place while the rest is
/// borrowed.
#[derive(Debug)]
struct Context<S> {
    config: DecoderConfig,
    /// Shared by every session's and probe's buffers.
    budget: MemoryBudget,
    /// RTMPT tunnels, by session id.
    tunnels: Tunnels,
    next_session: u64,
    sink: S,
}

impl<S: EventSink> SessionTable<S> {
    /// An empty table sending events to `sink`, with a budget of `config.memory_budget`.
    pub fn new(config: DecoderConfig, sink: S) -> Self {
        let budget = MemoryBudget::new(config.memory_budget);
        SessionTable::with_budget(config, budget, sink)
    }

    /// An empty table charging its buffers to `budget`, which the sinks behind it (the
    /// analysis) may share, so one `--memory-cap` share covers both.
    pub fn with_budget(config: DecoderConfig, budget: MemoryBudget, mut sink: S) -> Self {
        let keys = &config.tls_keys;
        if keys.unusable() > 0 {
            sink.notice(&Notice {
                frame: None,
                time: None,
                code: NoticeCode::TlsKeylogUnusable,
                message: format!(
                    "{} line(s) of the TLS key log ({}) could not be used (not NSS key log lines: LABEL CLIENT_RANDOM SECRET in hex); {} secret(s) for {} connection(s) were read",
                    keys.unusable(),
                    keys.sources().join(", "),
                    keys.secrets(),
                    keys.connections()
                ),
            });
        }
        SessionTable {
            flows: FastHashMap::default(),
            context: Context {
                tunnels: Tunnels::new(config.session, budget.clone()),
                budget,
                config,
                next_session: 1,
                sink,
            },
        }
    }

    /// The sink, for sinks that are read during the run.
    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.context.sink
    }

    /// Ends the table, giving back the sink.
    pub fn into_sink(self) -> S {
        self.context.sink
    }
}

impl<S: EventSink> Context<S> {
    fn is_forced(&self, endpoints: &Endpoints) -> bool {
        self.config.forced_ports.contains(&endpoints.server.port())
    }

    /// Starts a session and replays the held bytes into it.
    fn start_session(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        held: HeldBytes,
        how: (Variant, StartMode, DetectedBy, bool),
    ) -> FlowState {
        let (variant, mode, detected_by, mid_stream) = how;
        let start = SessionStart {
            variant,
            inner: None,
            mid_stream,
            detected_by,
            encrypted: variant == Variant::Rtmpe,
            decrypted: false,
            tls_keys: None,
            tls: None,
            tunnel: None,
        };
        self.open_session(meta, endpoints, held, start, mode)
    }

    /// Creates the session, emits `session_start`, and replays the held bytes into it.
    fn open_session(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        held: HeldBytes,
        start: SessionStart,
        mode: StartMode,
    ) -> FlowState {
        let variant = start.variant;
        let id = self.next_session;
        self.next_session = self.next_session.saturating_add(1);
        let first_meta = held.pieces.first().map_or(*meta, |(m, _, _)| *m);
        let mut session = Session::start(
            id,
            *endpoints,
            variant,
            mode,
            start,
            self.config.session,
            &self.budget,
            &first_meta,
            &mut self.sink,
        );
        for (piece_meta, dir, bytes) in &held.pieces {
            session.data(piece_meta, *dir, bytes, &mut self.sink);
        }
        FlowState::Decoding(Box::new(session))
    }

    /// The RTMPT tunnels, and what they need to report while a packet is processed.
    fn tunnels<'a>(
        &'a mut self,
        meta: &'a PacketMeta,
        endpoints: &'a Endpoints,
    ) -> (&'a mut Tunnels, tunnel::Context<'a, S>) {
        (
            &mut self.tunnels,
            tunnel::Context {
                sink: &mut self.sink,
                meta,
                endpoints,
                next_session: &mut self.next_session,
            },
        )
    }

    /// Starts an RTMPS session: the TLS facts go on `session_start`; the bytes are counted.
    fn start_tls_session(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        held: HeldBytes,
        info: TlsInfo,
        detected_by: DetectedBy,
    ) -> FlowState {
        let start = SessionStart {
            variant: Variant::Rtmps,
            inner: None,
            mid_stream: false,
            detected_by,
            encrypted: true,
            decrypted: false,
            tls_keys: None,
            tls: Some(info),
            tunnel: None,
        };
        self.open_session(meta, endpoints, held, start, StartMode::Opaque)
    }

    /// Decides what a flow is from its first client bytes (or a gap/server bytes before them).
    fn classify(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        mid_stream: bool,
        held: HeldBytes,
        first_is_client: bool,
    ) -> FlowState {
        let forced = self.is_forced(endpoints);
        if mid_stream || !first_is_client {
            if endpoints.server.port() != RTMP_PORT {
                match http_start(&held) {
                    FirstBytes::NeedMore => return FlowState::Classifying { mid_stream, held },
                    FirstBytes::Http => {
                        // HTTP caught mid-connection: perhaps an RTMPT tunnel.
                        let http = HttpFlow::new(&self.budget, true);
                        return self.replay(endpoints, FlowState::Tunnel(Box::new(http)), held);
                    }
                    _ => {}
                }
            }
            return self.mid_stream_state(meta, endpoints, held, forced);
        }
        let mut client_bytes = Vec::new();
        for (_, dir, bytes) in &held.pieces {
            if *dir == Direction::ClientToServer {
                let room = MAX_TLS_RECORD.saturating_sub(client_bytes.len());
                client_bytes.extend_from_slice(bytes.get(..room).unwrap_or(bytes));
            }
        }
        let start = client_bytes
            .get(..MAX_CLASSIFY_BYTES)
            .unwrap_or(&client_bytes);
        match classify_client_start(start) {
            FirstBytes::NeedMore => FlowState::Classifying { mid_stream, held },
            FirstBytes::Rtmp => self.start_session(
                meta,
                endpoints,
                held,
                (
                    Variant::Rtmp,
                    StartMode::Handshake,
                    DetectedBy::Handshake,
                    false,
                ),
            ),
            FirstBytes::Rtmpe(_) => self.start_session(
                meta,
                endpoints,
                held,
                (
                    Variant::Rtmpe,
                    StartMode::Handshake,
                    DetectedBy::Handshake,
                    false,
                ),
            ),
            FirstBytes::Tls => match parse_client_hello(&client_bytes) {
                ClientHello::NeedMore => FlowState::Classifying { mid_stream, held },
                ClientHello::Hello(info) => {
                    let rtmps = forced || is_rtmps(endpoints, &info);
                    let keys = client_random(&client_bytes).and_then(|random| {
                        let secrets = self.config.tls_keys.find(&random)?;
                        Some((random, secrets.clone()))
                    });
                    if keys.is_none() && rtmps {
                        return self.start_tls_session(
                            meta,
                            endpoints,
                            held,
                            info,
                            DetectedBy::TlsClientHello,
                        );
                    }
                    let mut tls = TlsTracker::new(info.clone());
                    let plain = keys.map(|(random, secrets)| {
                        tls = TlsTracker::new(info.clone()).with_keys(random, secrets);
                        HeldBytes::new(&self.budget)
                    });
                    let probe = TlsProbe {
                        tls,
                        hello: info,
                        first: held.pieces.first().map_or(*meta, |(first, _, _)| *first),
                        server_hello: None,
                        bytes: [0; 2],
                        plain,
                        warnings: Vec::new(),
                        rtmps,
                    };
                    self.replay(endpoints, FlowState::TlsProbe(Box::new(probe)), held)
                }
                ClientHello::Invalid => FlowState::Ignored,
            },
            FirstBytes::Other if forced => self.start_session(
                meta,
                endpoints,
                held,
                (
                    Variant::Rtmp,
                    StartMode::MidStream,
                    DetectedBy::ForcedPort,
                    false,
                ),
            ),
            FirstBytes::Http => {
                let http = HttpFlow::new(&self.budget, false);
                self.replay(endpoints, FlowState::Tunnel(Box::new(http)), held)
            }
            FirstBytes::Other => FlowState::Ignored,
        }
    }

    /// Feeds the bytes held while classifying to the flow's new state.
    fn replay(&mut self, endpoints: &Endpoints, state: FlowState, held: HeldBytes) -> FlowState {
        let mut state = state;
        for (piece_meta, dir, bytes) in &held.pieces {
            state = self.data(piece_meta, endpoints, state, *dir, bytes);
        }
        state
    }

    fn data(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        state: FlowState,
        dir: Direction,
        bytes: &[u8],
    ) -> FlowState {
        match state {
            FlowState::Decoding(mut session) => {
                session.data(meta, dir, bytes, &mut self.sink);
                FlowState::Decoding(session)
            }
            FlowState::Tunnel(mut http) => {
                let (tunnels, mut cx) = self.tunnels(meta, endpoints);
                http.data(dir, bytes, tunnels, &mut cx);
                if http.is_rtmpt() {
                    FlowState::Tunnel(http)
                } else {
                    FlowState::Ignored
                }
            }
            FlowState::Classifying {
                mid_stream,
                mut held,
            } => {
                let first_is_client = held
                    .pieces
                    .first()
                    .map_or(dir, |(_, first_dir, _)| *first_dir)
                    == Direction::ClientToServer;
                if !held.hold(meta, dir, bytes) {
                    return FlowState::Ignored;
                }
                self.classify(meta, endpoints, mid_stream, held, first_is_client)
            }
            FlowState::TlsProbe(probe) => self.tls_probe_data(meta, endpoints, probe, dir, bytes),
            FlowState::Probing(mut probe) if shows_rtmpt(bytes) => {
                // HTTP after all: an RTMPT tunnel caught inside a body.
                if !probe.held.hold(meta, dir, bytes) {
                    return FlowState::Ignored;
                }
                let http = HttpFlow::new(&self.budget, true);
                self.replay(endpoints, FlowState::Tunnel(Box::new(http)), probe.held)
            }
            FlowState::TlsTunnel(tunnel) => {
                self.tls_tunnel_data(meta, endpoints, tunnel, dir, bytes)
            }
            FlowState::Probing(mut probe) => {
                let confirmed = self.probe_data(&mut probe, meta, dir, bytes);
                self.probe_outcome(meta, endpoints, *probe, confirmed)
            }
            FlowState::Ignored => FlowState::Ignored,
        }
    }
}

impl<S: EventSink> StreamSink for SessionTable<S> {
    fn stream_event(
        &mut self,
        meta: &PacketMeta,
        flow: FlowId,
        endpoints: &Endpoints,
        event: StreamEvent<'_>,
    ) {
        match event {
            StreamEvent::Open { mid_stream } => {
                let state = FlowState::Classifying {
                    mid_stream,
                    held: HeldBytes::new(&self.context.budget),
                };
                self.flows.insert(flow, state);
            }
            StreamEvent::Close { reason, network } => match self.flows.remove(&flow) {
                Some(FlowState::Decoding(mut session)) => {
                    session.set_network(network);
                    session.end(meta, reason, &mut self.context.sink);
                }
                Some(FlowState::Tunnel(mut http)) => {
                    let (tunnels, mut cx) = self.context.tunnels(meta, endpoints);
                    http.close(reason, tunnels, &mut cx);
                }
                Some(FlowState::Probing(probe)) => {
                    self.context.close_probe(meta, endpoints, *probe, reason);
                }
                Some(FlowState::TlsTunnel(mut tunnel)) => {
                    let (tunnels, mut cx) = self.context.tunnels(meta, endpoints);
                    tunnel.http.close(reason, tunnels, &mut cx);
                }
                Some(FlowState::TlsProbe(probe)) => {
                    self.context.tls_probe_end(meta, endpoints, *probe, reason);
                }
                _ => {}
            },
            _ => {
                if let Some(slot) = self.flows.get_mut(&flow) {
                    let state = std::mem::replace(slot, FlowState::Ignored);
                    *slot = self.context.next_state(meta, endpoints, state, event);
                }
            }
        }
    }

    fn notice(&mut self, notice: &Notice) {
        self.context.sink.notice(notice);
    }

    fn finish(&mut self, meta: &PacketMeta) {
        let context = &mut self.context;
        context.tunnels.end_all(meta, &mut context.sink);
    }

    fn tick(&mut self, now: crate::common::Timestamp) {
        self.context.sink.tick(now);
    }
}

impl<S: EventSink> Context<S> {
    /// The state of a flow after one data, gap or warning event.
    fn next_state(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        state: FlowState,
        event: StreamEvent<'_>,
    ) -> FlowState {
        match event {
            StreamEvent::Data { dir, bytes } => self.data(meta, endpoints, state, dir, bytes),
            StreamEvent::Gap { dir, bytes, reason } => match state {
                FlowState::Decoding(mut session) => {
                    session.gap(meta, dir, bytes, reason, &mut self.sink);
                    FlowState::Decoding(session)
                }
                FlowState::Tunnel(mut http) => {
                    let (tunnels, mut cx) = self.tunnels(meta, endpoints);
                    http.gap(dir, bytes, reason, tunnels, &mut cx);
                    FlowState::Tunnel(http)
                }
                FlowState::TlsTunnel(mut tunnel) => {
                    let (tunnels, mut cx) = self.tunnels(meta, endpoints);
                    tunnel.tls.gap(dir, bytes);
                    tunnel.http.gap(dir, bytes, reason, tunnels, &mut cx);
                    FlowState::TlsTunnel(tunnel)
                }
                // A gap before the flow was classified: its start is lost, as if mid-stream.
                FlowState::Classifying { held, .. } => {
                    let forced = self.is_forced(endpoints);
                    self.mid_stream_state(meta, endpoints, held, forced)
                }
                // An RTMPS connection still being decrypted: it shows as without a key.
                FlowState::TlsProbe(probe) if probe.rtmps => {
                    match self.opaque_session(meta, endpoints, *probe, DetectedBy::TlsClientHello) {
                        FlowState::Decoding(mut session) => {
                            session.gap(meta, dir, bytes, reason, &mut self.sink);
                            FlowState::Decoding(session)
                        }
                        other => other,
                    }
                }
                FlowState::Probing(_) | FlowState::TlsProbe(_) | FlowState::Ignored => {
                    FlowState::Ignored
                }
            },
            StreamEvent::Warning { dir, code, message } => match state {
                FlowState::Decoding(mut session) => {
                    session.warning(meta, dir, code, message.to_owned(), &mut self.sink);
                    FlowState::Decoding(session)
                }
                FlowState::Tunnel(mut http) => {
                    let (tunnels, mut cx) = self.tunnels(meta, endpoints);
                    http.warning(dir, code, message, tunnels, &mut cx);
                    FlowState::Tunnel(http)
                }
                FlowState::TlsTunnel(mut tunnel) => {
                    let (tunnels, mut cx) = self.tunnels(meta, endpoints);
                    tunnel.http.warning(dir, code, message, tunnels, &mut cx);
                    FlowState::TlsTunnel(tunnel)
                }
                other => other,
            },
            StreamEvent::Network(facts) => {
                if let FlowState::Decoding(session) = &state {
                    session.network(meta, facts, &mut self.sink);
                }
                state
            }
            // Open and Close are handled by the table itself.
            StreamEvent::Open { .. } | StreamEvent::Close { .. } => state,
        }
    }
}

#[cfg(test)]
mod tests;
