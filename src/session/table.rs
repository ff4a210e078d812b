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

use crate::common::fasthash::FastHashMap;

use crate::common::budget::{Charge, MemoryBudget};
use crate::common::{Direction, Endpoints, Notice, PacketMeta};
use crate::reassembly::{FlowId, StreamEvent, StreamSink};
use crate::rtmp::chunk::{ChunkDemuxer, ChunkEvent};
use crate::rtmp::decode::decode_message;
use crate::rtmp::message::MessageBody;
use crate::session::decoder::{Session, SessionConfig, StartMode};
use crate::session::event::{EventSink, SessionStart};
use crate::session::tunnel::{self, Tunnels};
use crate::session::tunnel_flow::HttpFlow;
use crate::session::variant::{
    classify_client_start, http_request_start, http_response_start, FirstBytes, Variant,
};
use crate::transport::tls::{
    parse_client_hello, ClientHello, TlsEvent, TlsInfo, TlsTracker, MAX_TLS_RECORD,
};

/// The IANA port of RTMP.
pub const RTMP_PORT: u16 = 1935;
/// Most bytes held while probing a mid-stream flow on an unusual port.
pub const MAX_PROBE_BYTES: usize = 256 << 10;
/// Most application data a server may send on a TLS connection whose records do not yet show
/// RTMP: an RTMP server sends a few kilobytes (its TLS 1.3 handshake, S0 S1 S2) before C2.
const MAX_TLS_PROBE_SERVER_DATA: u64 = 64 << 10;
/// Most client bytes held while waiting to classify a connection's first bytes.
const MAX_CLASSIFY_BYTES: usize = 64;

/// Is a TLS connection RTMPS? On the RTMP port, or when its SNI or ALPN names RTMP (plain
/// HTTPS on 443 is not reported).
fn is_rtmps(endpoints: &Endpoints, info: &TlsInfo) -> bool {
    endpoints.server.port() == RTMP_PORT
        || info.alpn.iter().any(|p| p.contains("rtmp"))
        || info.sni.as_deref().is_some_and(|sni| sni.contains("rtmp"))
}

/// Bytes that tell whether a connection caught mid-way carries HTTP.
const HTTP_START_BYTES: usize = 8;

/// Does a connection caught mid-way start, in either direction, with an HTTP request or
/// status line (`Http`), might it still (`NeedMore`), or not?
fn http_start(held: &HeldBytes) -> FirstBytes {
    let first = |dir: Direction| {
        let mut bytes = [0u8; HTTP_START_BYTES];
        let mut len = 0;
        let mut all = held
            .pieces
            .iter()
            .filter(|(_, d, _)| *d == dir)
            .flat_map(|(_, _, piece)| piece.iter());
        for slot in bytes.iter_mut() {
            let Some(byte) = all.next() else { break };
            *slot = *byte;
            len += 1;
        }
        (bytes, len)
    };
    let (client, client_len) = first(Direction::ClientToServer);
    let (server, server_len) = first(Direction::ServerToClient);
    let client = client.get(..client_len).unwrap_or_default();
    let server = server.get(..server_len).unwrap_or_default();
    let says = [
        if client.is_empty() {
            FirstBytes::Other
        } else {
            http_request_start(client)
        },
        if server.is_empty() {
            FirstBytes::Other
        } else {
            http_response_start(server)
        },
    ];
    if says.contains(&FirstBytes::Http) {
        FirstBytes::Http
    } else if says.contains(&FirstBytes::NeedMore) {
        FirstBytes::NeedMore
    } else {
        FirstBytes::Other
    }
}

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
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            session: SessionConfig::default(),
            forced_ports: Vec::new(),
            memory_budget: 128 << 20,
        }
    }
}

/// Bytes held while a flow's nature is undecided, replayed in order once it is known.
#[derive(Debug)]
struct HeldBytes {
    pieces: Vec<(PacketMeta, Direction, Vec<u8>)>,
    /// Their bytes, charged to the decoders' memory budget.
    charge: Charge,
}

impl HeldBytes {
    fn new(budget: &MemoryBudget) -> Self {
        HeldBytes {
            pieces: Vec::new(),
            charge: budget.charge(),
        }
    }

    /// Holds a copy; false if that would pass [`MAX_PROBE_BYTES`] or the shared budget
    /// (nothing is held then).
    fn hold(&mut self, meta: &PacketMeta, dir: Direction, bytes: &[u8]) -> bool {
        if self.charge.bytes().saturating_add(bytes.len()) > MAX_PROBE_BYTES
            || !self.charge.try_grow(bytes.len())
        {
            return false;
        }
        self.pieces.push((*meta, dir, bytes.to_vec()));
        true
    }
}

/// A trial decode of a mid-stream flow: both directions' demultiplexers, looking for proof.
#[derive(Debug)]
struct Probe {
    held: HeldBytes,
    demux: [ChunkDemuxer; 2],
    /// The held bytes passed their cap: the flow will be ignored.
    gave_up: bool,
}

/// A TLS connection on a port RTMP does not use and without an RTMP server name or
/// protocol: its records are followed (nothing is held) until their sizes show whether an RTMP
/// handshake travels inside.
#[derive(Debug)]
struct TlsProbe {
    tls: TlsTracker,
    /// What the ClientHello showed.
    hello: TlsInfo,
    /// The packet that brought the connection's first byte.
    first: PacketMeta,
    /// The ServerHello's packet and what the hellos agreed on.
    server_hello: Option<(PacketMeta, TlsInfo)>,
    /// Bytes seen each way.
    bytes: [u64; 2],
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
    /// TLS with nothing naming RTMP: its record sizes may still show an RTMP handshake.
    TlsProbe(Box<TlsProbe>),
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
    /// An empty table sending events to `sink`.
    pub fn new(config: DecoderConfig, sink: S) -> Self {
        let budget = MemoryBudget::new(config.memory_budget);
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
        how: (Variant, StartMode, &'static str, bool),
    ) -> FlowState {
        let (variant, mode, detected_by, mid_stream) = how;
        let start = SessionStart {
            variant,
            mid_stream,
            detected_by,
            encrypted: variant == Variant::Rtmpe,
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
        detected_by: &'static str,
    ) -> FlowState {
        let start = SessionStart {
            variant: Variant::Rtmps,
            mid_stream: false,
            detected_by,
            encrypted: true,
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
                (Variant::Rtmp, StartMode::Handshake, "handshake", false),
            ),
            FirstBytes::Rtmpe(_) => self.start_session(
                meta,
                endpoints,
                held,
                (Variant::Rtmpe, StartMode::Handshake, "handshake", false),
            ),
            FirstBytes::Tls => match parse_client_hello(&client_bytes) {
                ClientHello::NeedMore => FlowState::Classifying { mid_stream, held },
                ClientHello::Hello(info) if forced || is_rtmps(endpoints, &info) => {
                    self.start_tls_session(meta, endpoints, held, info, "tls_client_hello")
                }
                ClientHello::Hello(info) => {
                    let probe = TlsProbe {
                        tls: TlsTracker::new(info.clone()),
                        hello: info,
                        first: held.pieces.first().map_or(*meta, |(first, _, _)| *first),
                        server_hello: None,
                        bytes: [0; 2],
                    };
                    self.replay(endpoints, FlowState::TlsProbe(Box::new(probe)), held)
                }
                ClientHello::Invalid => FlowState::Ignored,
            },
            FirstBytes::Other if forced => self.start_session(
                meta,
                endpoints,
                held,
                (Variant::Rtmp, StartMode::MidStream, "forced_port", false),
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

    /// Feeds a TLS probe; the flow becomes an RTMPS session once its records show an RTMP
    /// handshake, and is left alone once they cannot.
    fn tls_probe_data(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        mut probe: Box<TlsProbe>,
        dir: Direction,
        bytes: &[u8],
    ) -> FlowState {
        let TlsProbe {
            tls,
            server_hello,
            bytes: counts,
            ..
        } = &mut *probe;
        let count = dir.of_mut(counts);
        *count = count.saturating_add(bytes.len() as u64);
        tls.feed(dir, bytes, &mut |event| {
            if let TlsEvent::ServerHello(info) = event {
                *server_hello = Some((*meta, info));
            }
        });
        let server_data = tls.counts().application_bytes_s2c;
        match tls.carries_rtmp() {
            Some(true) => {
                let TlsProbe {
                    tls,
                    hello,
                    first,
                    server_hello,
                    bytes,
                } = *probe;
                let state = self.start_tls_session(
                    &first,
                    endpoints,
                    HeldBytes::new(&self.budget),
                    hello,
                    "tls_record_sizes",
                );
                if let FlowState::Decoding(mut session) = state {
                    session.resume_tls(tls, bytes, server_hello, meta, &mut self.sink);
                    return FlowState::Decoding(session);
                }
                state
            }
            Some(false) => FlowState::Ignored,
            None if server_data > MAX_TLS_PROBE_SERVER_DATA => FlowState::Ignored,
            None => FlowState::TlsProbe(probe),
        }
    }

    /// A flow whose start was not captured.
    fn mid_stream_state(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        held: HeldBytes,
        forced: bool,
    ) -> FlowState {
        if forced || endpoints.server.port() == RTMP_PORT {
            let detected_by = if forced { "forced_port" } else { "port" };
            return self.start_session(
                meta,
                endpoints,
                held,
                (Variant::Rtmp, StartMode::MidStream, detected_by, true),
            );
        }
        let chunk = self.config.session.chunk;
        let mut probe = Probe {
            held: HeldBytes::new(&self.budget),
            demux: [
                ChunkDemuxer::mid_stream(chunk).with_budget(&self.budget),
                ChunkDemuxer::mid_stream(chunk).with_budget(&self.budget),
            ],
            gave_up: false,
        };
        let mut confirmed = false;
        for (piece_meta, dir, bytes) in held.pieces {
            confirmed |= self.probe_data(&mut probe, &piece_meta, dir, &bytes);
        }
        self.probe_outcome(meta, endpoints, probe, confirmed)
    }

    /// Feeds a probe; true once it has seen a message that proves the flow is RTMP.
    fn probe_data(
        &self,
        probe: &mut Probe,
        meta: &PacketMeta,
        dir: Direction,
        bytes: &[u8],
    ) -> bool {
        if !probe.held.hold(meta, dir, bytes) {
            probe.gave_up = true;
            return false;
        }
        let amf = self.config.session.amf;
        let mut confirmed = false;
        dir.of_mut(&mut probe.demux).feed(bytes, &mut |event| {
            if let ChunkEvent::Message {
                header, payload, ..
            } = event
            {
                let message = decode_message(header, payload, &amf);
                let proves = match &message.body {
                    MessageBody::Command(command) => !command.command.is_empty(),
                    MessageBody::Data(data) => data.name.is_some(),
                    _ => false,
                };
                confirmed |= proves && message.decode_error.is_none();
            }
        });
        confirmed
    }

    fn probe_outcome(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        probe: Probe,
        confirmed: bool,
    ) -> FlowState {
        if confirmed {
            self.start_session(
                meta,
                endpoints,
                probe.held,
                (Variant::Rtmp, StartMode::MidStream, "chunk_stream", true),
            )
        } else if probe.gave_up {
            FlowState::Ignored
        } else {
            FlowState::Probing(Box::new(probe))
        }
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
            StreamEvent::Close { reason } => match self.flows.remove(&flow) {
                Some(FlowState::Decoding(mut session)) => {
                    session.end(meta, reason, &mut self.context.sink);
                }
                Some(FlowState::Tunnel(mut http)) => {
                    let (tunnels, mut cx) = self.context.tunnels(meta, endpoints);
                    http.close(reason, tunnels, &mut cx);
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
                // A gap before the flow was classified: its start is lost, as if mid-stream.
                FlowState::Classifying { held, .. } => {
                    let forced = self.is_forced(endpoints);
                    self.mid_stream_state(meta, endpoints, held, forced)
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
                other => other,
            },
            // Open and Close are handled by the table itself.
            StreamEvent::Open { .. } | StreamEvent::Close { .. } => state,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::Timestamp;
    use crate::reassembly::CloseReason;
    use crate::session::event::Event;
    use crate::transport::tls::test_support::{client_hello, opaque_record, server_hello};
    use serde_json::Value;

    #[derive(Default)]
    struct Events(Vec<Value>);

    impl EventSink for Events {
        fn event(&mut self, event: &Event<'_>) {
            self.0.push(serde_json::to_value(event).unwrap());
        }
    }

    fn endpoints(server_port: u16) -> Endpoints {
        Endpoints {
            client: "10.0.0.1:50000".parse().unwrap(),
            server: format!("10.0.0.2:{server_port}").parse().unwrap(),
        }
    }

    /// Feeds (milliseconds, direction, bytes) to one flow and returns the events.
    fn run(
        server_port: u16,
        mid_stream: bool,
        data: &[(i64, Direction, Vec<u8>)],
        config: DecoderConfig,
    ) -> Vec<Value> {
        let mut table = SessionTable::new(config, Events::default());
        let flow = FlowId(1);
        let ends = endpoints(server_port);
        let meta = |ms: i64| PacketMeta {
            frame: ms as u64,
            time: Timestamp(ms * 1000),
        };
        table.stream_event(&meta(0), flow, &ends, StreamEvent::Open { mid_stream });
        for (ms, dir, bytes) in data {
            table.stream_event(
                &meta(*ms),
                flow,
                &ends,
                StreamEvent::Data { dir: *dir, bytes },
            );
        }
        table.stream_event(
            &meta(1000),
            flow,
            &ends,
            StreamEvent::Close {
                reason: CloseReason::Fin,
            },
        );
        table.into_sink().0
    }

    /// C0/S0 with version `v` and zeroed 1536-byte blocks (a simple handshake).
    fn handshake(v: u8) -> Vec<u8> {
        let mut bytes = vec![v];
        bytes.resize(1 + 2 * 1536, 0);
        bytes
    }

    /// A user control message (type 4) on chunk stream 2: event, then a u32.
    fn user_control(event: u16, value: u32) -> Vec<u8> {
        let mut bytes = vec![0x02, 0, 0, 0, 0, 0, 6, 0x04, 0, 0, 0, 0];
        bytes.extend_from_slice(&event.to_be_bytes());
        bytes.extend_from_slice(&value.to_be_bytes());
        bytes
    }

    #[test]
    fn rtmps_is_reported_with_its_sni_and_counted() {
        let hello = client_hello("live.example.com", &[]);
        let mut server = server_hello(0x1301, true, [3; 32]);
        server.extend(opaque_record(23, 100));
        let events = run(
            1935,
            false,
            &[
                (1, Direction::ClientToServer, hello.clone()),
                (2, Direction::ServerToClient, server.clone()),
            ],
            DecoderConfig::default(),
        );
        let kinds: Vec<&str> = events
            .iter()
            .map(|e| e["event"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["session_start", "tls_handshake", "session_end"]);
        assert!(events.iter().all(|e| e["variant"] == "rtmps"));
        assert_eq!(events[0]["tls"]["sni"], "live.example.com");
        assert_eq!(events[0]["encrypted"], true);
        assert_eq!(events[1]["version"], "TLS 1.3");
        assert_eq!(events[1]["cipher_suite"], "TLS_AES_128_GCM_SHA256");
        let end = &events[2];
        assert_eq!(end["bytes_c2s"], hello.len());
        assert_eq!(end["bytes_s2c"], server.len());
        assert_eq!(end["tls"]["records_c2s"], 1);
        assert_eq!(end["tls"]["records_s2c"], 2);
        assert_eq!(end["tls"]["application_bytes_s2c"], 100);
    }

    #[test]
    fn tls_elsewhere_is_rtmps_when_its_records_carry_an_rtmp_handshake() {
        let mut client = client_hello("www.example.com", &[]);
        client.extend(opaque_record(23, 1561)); // C0+C1 in a TLS 1.2 GCM record
        let mut c2 = opaque_record(23, 1560);
        c2.extend(opaque_record(23, 300));
        let events = run(
            443,
            false,
            &[
                (1, Direction::ClientToServer, client),
                (
                    2,
                    Direction::ServerToClient,
                    server_hello(0xC02F, false, [4; 32]),
                ),
                (3, Direction::ClientToServer, c2),
            ],
            // Too small a budget to hold these records: following TLS holds none of them.
            DecoderConfig {
                memory_budget: 2048,
                ..DecoderConfig::default()
            },
        );
        assert_eq!(events[0]["detected_by"], "tls_record_sizes");
        assert_eq!(
            events[0]["frame"], 1,
            "the session starts where the connection did"
        );
        assert_eq!(events[1]["version"], "TLS 1.2");
        assert_eq!(events[2]["tls"]["records_c2s"], 4);
        // The same ClientHello followed by web-sized records is left alone.
        let mut web = client_hello("www.example.com", &[]);
        for length in [517, 16384, 16384, 16384, 90, 1600, 33, 4000] {
            web.extend(opaque_record(23, length));
        }
        assert!(run(
            443,
            false,
            &[(1, Direction::ClientToServer, web)],
            DecoderConfig::default()
        )
        .is_empty());
    }

    #[test]
    fn plain_https_is_not_rtmps() {
        let hello = client_hello("www.example.com", &["h2", "http/1.1"]);
        assert!(run(
            443,
            false,
            &[(1, Direction::ClientToServer, hello)],
            DecoderConfig::default()
        )
        .is_empty());
        let rtmp_alpn = client_hello("ingest.example.com", &["rtmp"]);
        assert_eq!(
            run(
                443,
                false,
                &[(1, Direction::ClientToServer, rtmp_alpn)],
                DecoderConfig::default()
            )[0]["variant"],
            "rtmps"
        );
    }

    #[test]
    fn rtmpe_is_recognised_and_not_decoded() {
        let mut client = handshake(6);
        client.extend_from_slice(&[0x03; 200]); // encrypted chunk stream
        let events = run(
            1935,
            false,
            &[
                (1, Direction::ClientToServer, client),
                (3, Direction::ServerToClient, handshake(6)),
            ],
            DecoderConfig::default(),
        );
        let kinds: Vec<&str> = events
            .iter()
            .map(|e| e["event"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["session_start", "warning", "handshake", "session_end"]
        );
        assert_eq!(events[0]["variant"], "rtmpe");
        assert_eq!(events[1]["code"], "rtmpe_encrypted");
        assert_eq!(events[2]["encrypted"], true);
        assert_eq!(events[3]["messages"], 0);
    }

    #[test]
    fn ping_round_trip_is_measured() {
        let mut server = handshake(3);
        server.extend_from_slice(&user_control(6, 4242)); // ping request
        let mut client = handshake(3);
        client.extend_from_slice(&user_control(7, 4242)); // ping response, 25 ms later
        let events = run(
            1935,
            false,
            &[
                (1, Direction::ClientToServer, handshake(3)),
                (10, Direction::ServerToClient, server),
                (35, Direction::ClientToServer, client[3073..].to_vec()),
            ],
            DecoderConfig::default(),
        );
        let response = events
            .iter()
            .find(|e| e["control_event"] == "ping_response")
            .unwrap();
        assert_eq!(response["rtt_ms"], 25.0);
    }

    #[test]
    fn mid_stream_on_an_unusual_port_needs_proof() {
        // Garbage, then a complete connect command on csid 3: the probe confirms RTMP.
        let mut body = vec![0x02, 0, 7];
        body.extend_from_slice(b"connect");
        body.push(0x00);
        body.extend_from_slice(&1f64.to_be_bytes());
        body.push(0x05);
        let mut bytes = vec![0xAB; 40];
        bytes.extend_from_slice(&[0x03, 0, 0, 0, 0, 0, body.len() as u8, 0x14, 0, 0, 0, 0]);
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(&user_control(0, 1));
        let events = run(
            8935,
            true,
            &[(1, Direction::ClientToServer, bytes)],
            DecoderConfig::default(),
        );
        assert_eq!(events[0]["detected_by"], "chunk_stream");
        assert!(events.iter().any(|e| e["command"] == "connect"));
        // Text that never decodes as RTMP gives no events at all.
        let http = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec();
        assert!(run(
            8080,
            true,
            &[(1, Direction::ServerToClient, http)],
            DecoderConfig::default()
        )
        .is_empty());
    }

    #[test]
    fn a_forced_port_decodes_whatever_it_starts_with() {
        let config = DecoderConfig {
            forced_ports: vec![8935],
            ..DecoderConfig::default()
        };
        let events = run(
            8935,
            false,
            &[(1, Direction::ClientToServer, b"\x00\x17garbage".to_vec())],
            config.clone(),
        );
        assert_eq!(events[0]["detected_by"], "forced_port");
        // ... except the rest of the RTMP family: HTTP there is RTMPT.
        let open = b"POST /open/1 HTTP/1.1\r\nContent-Length: 1\r\n\r\n\0".to_vec();
        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nID\n".to_vec();
        let events = run(
            8935,
            false,
            &[
                (1, Direction::ClientToServer, open),
                (2, Direction::ServerToClient, answer),
            ],
            config,
        );
        assert_eq!(events[0]["variant"], "rtmpt");
        assert_eq!(events[0]["tunnel"]["session_id"], "ID");
    }
}
