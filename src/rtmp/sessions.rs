//! The session table: decides which TCP flows carry RTMP and routes each flow's reassembled
//! bytes to its [`Session`].
//!
//! How a flow is recognised:
//! - it starts with an RTMP handshake (C0 = 3 and a plausible C1) on any port;
//! - it starts with C0 = 6 or 8: RTMPE, reported as encrypted;
//! - it starts with a TLS ClientHello on port 1935 or a `--port`, or naming RTMP in its SNI or
//!   ALPN: RTMPS, reported with the hello's facts, its bytes counted;
//! - its server port was forced with `--port`: decoded as RTMP whatever it starts with;
//! - the capture started mid-connection: on the RTMP port (1935) or a forced port it is decoded
//!   at once; on any other port it is *probed*: its bytes are held (up to
//!   [`MAX_PROBE_BYTES`]) while a trial decoder looks for a command or data message that decodes
//!   cleanly, and only then does the session start, replaying the held bytes. Flows that never
//!   confirm are ignored silently, so ordinary traffic produces no output.

use std::collections::HashMap;

use crate::budget::{Charge, MemoryBudget};
use crate::event::{Direction, Endpoints, EventSink, Notice, PacketMeta, SessionStart};
use crate::reassembly::{FlowId, StreamEvent, StreamSink};
use crate::rtmp::chunk::{ChunkDemuxer, ChunkEvent};
use crate::rtmp::decode::decode_message;
use crate::rtmp::message::MessageBody;
use crate::rtmp::rtmpt::{FlowContext, HttpFlow, Tunnels};
use crate::rtmp::session::{Session, SessionConfig, StartMode};
use crate::rtmp::variant::{
    classify_client_start, parse_client_hello, ClientHello, FirstBytes, TlsInfo, TunnelInfo,
    Variant, MAX_TLS_RECORD,
};

/// The IANA port of RTMP.
pub const RTMP_PORT: u16 = 1935;
/// Most bytes held while probing a mid-stream flow on an unusual port.
pub const MAX_PROBE_BYTES: usize = 256 << 10;
/// Most client bytes held while waiting to classify a connection's first bytes.
const MAX_CLASSIFY_BYTES: usize = 64;

/// Is a TLS connection RTMPS? On the RTMP port, or when its SNI or ALPN names RTMP (plain
/// HTTPS on 443 is not reported).
fn is_rtmps(endpoints: &Endpoints, info: &TlsInfo) -> bool {
    endpoints.server.port() == RTMP_PORT
        || info.alpn.iter().any(|p| p.contains("rtmp"))
        || info.sni.as_deref().is_some_and(|sni| sni.contains("rtmp"))
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
    /// Not RTMP.
    Ignored,
}

/// Decodes every RTMP session in the reassembled flows and sends events to a sink.
#[derive(Debug)]
pub struct SessionTable<S> {
    flows: HashMap<FlowId, FlowState>,
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
        SessionTable {
            flows: HashMap::new(),
            context: Context {
                budget: MemoryBudget::new(config.memory_budget),
                tunnels: Tunnels::default(),
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

    /// Feeds an HTTP connection's bytes; a tunnel it opens (or continues) gets an RTMPT
    /// session.
    fn tunnel_data(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        http: &mut HttpFlow,
        dir: Direction,
        bytes: &[u8],
    ) {
        let Context {
            config,
            budget,
            tunnels,
            next_session,
            sink,
        } = self;
        let mut start = |meta: &PacketMeta, id: &str, mid_stream: bool, sink: &mut S| {
            let session_id = *next_session;
            *next_session = next_session.saturating_add(1);
            let start = SessionStart {
                variant: Variant::Rtmpt,
                mid_stream,
                detected_by: if mid_stream {
                    "rtmpt_request"
                } else {
                    "rtmpt_open"
                },
                tls: None,
                tunnel: Some(TunnelInfo {
                    session_id: id.to_owned(),
                    connections: 1,
                    ..TunnelInfo::default()
                }),
            };
            let mode = if mid_stream {
                StartMode::MidStream
            } else {
                StartMode::Handshake
            };
            Session::start(
                session_id,
                *endpoints,
                Variant::Rtmpt,
                mode,
                start,
                config.session,
                budget,
                meta,
                sink,
            )
        };
        let mut context = FlowContext {
            tunnels,
            sink,
            start: &mut start,
            meta,
        };
        http.data(dir, bytes, &mut context);
    }

    /// Starts an RTMPS session: the TLS facts go on `session_start`; the bytes are counted.
    fn start_tls_session(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        held: HeldBytes,
        info: TlsInfo,
    ) -> FlowState {
        let start = SessionStart {
            variant: Variant::Rtmps,
            mid_stream: false,
            detected_by: "tls_client_hello",
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
            return self.mid_stream_state(meta, endpoints, held, forced);
        }
        let client_bytes: Vec<u8> = held
            .pieces
            .iter()
            .filter(|(_, dir, _)| *dir == Direction::ClientToServer)
            .flat_map(|(_, _, bytes)| bytes.iter().copied())
            .take(MAX_TLS_RECORD)
            .collect();
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
                    self.start_tls_session(meta, endpoints, held, info)
                }
                ClientHello::Hello(_) | ClientHello::Invalid => FlowState::Ignored,
            },
            FirstBytes::Http | FirstBytes::Other if forced => self.start_session(
                meta,
                endpoints,
                held,
                (Variant::Rtmp, StartMode::MidStream, "forced_port", false),
            ),
            FirstBytes::Http => {
                let mut flow = FlowState::Tunnel(Box::new(HttpFlow::new()));
                for (piece_meta, dir, bytes) in held.pieces.iter() {
                    flow = self.data(piece_meta, endpoints, flow, *dir, bytes);
                }
                flow
            }
            FirstBytes::Other => FlowState::Ignored,
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
                self.tunnel_data(meta, endpoints, &mut http, dir, bytes);
                if http.is_rtmpt {
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
                Some(FlowState::Tunnel(mut http)) => http.close(&mut self.context.tunnels),
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
                    http.gap(meta, dir, bytes, reason, &mut self.tunnels, &mut self.sink);
                    FlowState::Tunnel(http)
                }
                // A gap before the flow was classified: its start is lost, as if mid-stream.
                FlowState::Classifying { held, .. } => {
                    let forced = self.is_forced(endpoints);
                    self.mid_stream_state(meta, endpoints, held, forced)
                }
                FlowState::Probing(_) | FlowState::Ignored => FlowState::Ignored,
            },
            StreamEvent::Warning { dir, code, message } => match state {
                FlowState::Decoding(mut session) => {
                    session.warning(meta, dir, code, message.to_owned(), &mut self.sink);
                    FlowState::Decoding(session)
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
    use crate::event::{Event, Timestamp};
    use crate::reassembly::CloseReason;
    use crate::rtmp::variant::test_support::client_hello;
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
        let events = run(
            1935,
            false,
            &[
                (1, Direction::ClientToServer, hello.clone()),
                (2, Direction::ServerToClient, vec![0x16; 100]),
            ],
            DecoderConfig::default(),
        );
        assert_eq!(events[0]["event"], "session_start");
        assert_eq!(events[0]["variant"], "rtmps");
        assert_eq!(events[0]["tls"]["sni"], "live.example.com");
        assert_eq!(events[1]["event"], "session_end");
        assert_eq!(events[1]["bytes_c2s"], hello.len());
        assert_eq!(events[1]["bytes_s2c"], 100);
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
            &[(
                1,
                Direction::ClientToServer,
                b"GET / HTTP/1.1\r\n\r\n".to_vec(),
            )],
            config,
        );
        assert_eq!(events[0]["detected_by"], "forced_port");
    }
}
