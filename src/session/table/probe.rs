//! Probing flows whose nature is not yet known: bytes held while a trial decoder looks for
//! proof (a mid-stream flow on an unusual port), TLS connections followed by their record
//! tracker until their plaintext (with a key) or their records' sizes (without) show RTMP or
//! RTMPT, and HTTP caught mid-way.

use crate::amf::AmfLimits;
use crate::common::{DetectedBy, WarningCode};
use crate::session::event::{EventSink, SessionStart};

use super::{Context, FlowState, MAX_CLASSIFY_BYTES, RTMP_PORT};
use crate::common::budget::{Charge, MemoryBudget};
use crate::common::{Direction, Endpoints, PacketMeta};
use crate::reassembly::CloseReason;
use crate::rtmp::chunk::{ChunkDemuxer, ChunkEvent};
use crate::rtmp::decode::decode_message;
use crate::rtmp::message::MessageBody;
use crate::session::classify::{
    classify_client_start, http_request_start, http_response_start, FirstBytes,
};
use crate::session::decoder::{Session, StartMode};
use crate::session::tunnel::TlsLayer;
use crate::session::tunnel_flow::HttpFlow;
use crate::session::variant::Variant;
use crate::transport::tls::{TlsEvent, TlsInfo, TlsTracker};

/// Bytes held while a flow's nature is undecided, replayed in order once it is known.
#[derive(Debug)]
pub(super) struct HeldBytes {
    pub(super) pieces: Vec<(PacketMeta, Direction, Vec<u8>)>,
    /// Their bytes, charged to the decoders' memory budget.
    pub(super) charge: Charge,
}

impl HeldBytes {
    pub(super) fn new(budget: &MemoryBudget) -> Self {
        HeldBytes {
            pieces: Vec::new(),
            charge: budget.charge(),
        }
    }

    /// Holds a copy; false if that would pass [`MAX_PROBE_BYTES`] or the shared budget
    /// (nothing is held then). Each piece is charged with its bookkeeping
    /// ([`HELD_PIECE_OVERHEAD`]), so many tiny pieces cannot outgrow the charge.
    pub(super) fn hold(&mut self, meta: &PacketMeta, dir: Direction, bytes: &[u8]) -> bool {
        let cost = bytes.len().saturating_add(HELD_PIECE_OVERHEAD);
        if self.charge.bytes().saturating_add(cost) > MAX_PROBE_BYTES || !self.charge.try_grow(cost)
        {
            return false;
        }
        self.pieces.push((*meta, dir, bytes.to_vec()));
        true
    }
}

/// What holding one piece costs beyond its bytes: its entry in the list (meta, direction,
/// vector) and the allocator's header of its copy.
const HELD_PIECE_OVERHEAD: usize = std::mem::size_of::<(PacketMeta, Direction, Vec<u8>)>() + 16;

/// A trial decode of a mid-stream flow: both directions' demultiplexers, looking for proof.
#[derive(Debug)]
pub(super) struct Probe {
    pub(super) held: HeldBytes,
    pub(super) demux: [ChunkDemuxer; 2],
    /// The held bytes passed their cap: the flow will be ignored.
    pub(super) gave_up: bool,
    /// Audio and video messages with well-formed tag headers decoded after a lock-on.
    pub(super) media: u32,
}

/// A TLS connection not yet known to carry RTMP. With the connection's secrets from a key log
/// it is decrypted, and its plaintext (held meanwhile) says what it carries: RTMP (RTMPS) or
/// HTTP (perhaps RTMPTS). Without, on a port RTMP does not use and without an RTMP server name
/// or protocol, its records are followed (nothing is held) until their sizes show whether an
/// RTMP handshake travels inside.
#[derive(Debug)]
pub(super) struct TlsProbe {
    pub(super) tls: TlsTracker,
    /// What the ClientHello showed.
    pub(super) hello: TlsInfo,
    /// The packet that brought the connection's first byte.
    pub(super) first: PacketMeta,
    /// The ServerHello's packet and what the hellos agreed on.
    pub(super) server_hello: Option<(PacketMeta, TlsInfo)>,
    /// Bytes seen each way.
    pub(super) bytes: [u64; 2],
    /// With a key: the plaintext so far, until it shows what the connection carries.
    pub(super) plain: Option<HeldBytes>,
    /// Warnings of the TLS layer, held until a session can carry them.
    pub(super) warnings: Vec<HeldWarning>,
    /// The port, the server name, the ALPN or `--port` make it RTMPS whatever is inside.
    pub(super) rtmps: bool,
}

/// A warning held until its session starts: packet, direction, code, sentence.
pub(super) type HeldWarning = (PacketMeta, Option<Direction>, WarningCode, String);

/// HTTP inside TLS, decrypted: perhaps an RTMPT tunnel (RTMPTS).
#[derive(Debug)]
pub(super) struct TlsTunnel {
    /// The record layer, decrypting.
    pub(super) tls: TlsTracker,
    /// The HTTP connection inside.
    pub(super) http: HttpFlow,
}

/// What the client's first decrypted bytes say the connection carries.
fn plaintext_start(plain: Option<&HeldBytes>) -> FirstBytes {
    let mut start = Vec::with_capacity(MAX_CLASSIFY_BYTES);
    for (_, dir, piece) in plain.iter().flat_map(|held| held.pieces.iter()) {
        if *dir == Direction::ClientToServer {
            let room = MAX_CLASSIFY_BYTES.saturating_sub(start.len());
            start.extend_from_slice(piece.get(..room.min(piece.len())).unwrap_or_default());
        }
    }
    classify_client_start(&start)
}

impl TlsTunnel {
    /// Followed while its HTTP may carry RTMPT; ordinary HTTPS is left alone.
    fn state(self: Box<Self>) -> FlowState {
        if self.http.is_rtmpt() {
            FlowState::TlsTunnel(self)
        } else {
            FlowState::Ignored
        }
    }
}

/// Audio and video messages that prove a flow caught mid-way is RTMP when no command or data
/// message comes (a monitor started on a busy server sees only media): each was found by a
/// confirmed lock-on and has a well-formed tag header of a known codec.
pub(super) const MEDIA_PROOF_MESSAGES: u32 = 24;

/// Most bytes held while probing a mid-stream flow on an unusual port.
pub const MAX_PROBE_BYTES: usize = 256 << 10;

/// Most application data a server may send on a TLS connection whose records do not yet show
/// RTMP: an RTMP server sends a few kilobytes (its TLS 1.3 handshake, S0 S1 S2) before C2.
pub(super) const MAX_TLS_PROBE_SERVER_DATA: u64 = 64 << 10;

/// Bytes that tell whether a connection caught mid-way carries HTTP.
pub(super) const HTTP_START_BYTES: usize = 8;

/// Does a connection caught mid-way start, in either direction, with an HTTP request or
/// status line (`Http`), might it still (`NeedMore`), or not?
pub(super) fn http_start(held: &HeldBytes) -> FirstBytes {
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

/// Does a piece of a flow caught mid-way show an RTMPT tunnel (its requests, or the content
/// type of its bodies)? The flow may have been caught inside an HTTP body, where an RTMP chunk
/// stream travels too: the tunnel, not a chunk stream probe, must read it.
pub(super) fn shows_rtmpt(bytes: &[u8]) -> bool {
    const MARKERS: [&[u8]; 3] = [b"application/x-fcs", b"POST /send/", b"POST /idle/"];
    MARKERS
        .iter()
        .any(|marker| bytes.windows(marker.len()).any(|window| window == *marker))
}

/// Does this chunk event prove a flow is RTMP: a command or data message that decodes cleanly,
/// or the last of [`MEDIA_PROOF_MESSAGES`] well-formed audio and video messages (`media`
/// counts them)?
fn proves_rtmp(event: &ChunkEvent<'_>, amf: &AmfLimits, media: &mut u32) -> bool {
    let ChunkEvent::Message {
        header, payload, ..
    } = event
    else {
        return false;
    };
    let message = decode_message(*header, payload, amf);
    let well_formed_media = match &message.body {
        MessageBody::Video(video) => {
            video.codec != "unknown"
                && matches!(
                    video.frame_kind,
                    "keyframe" | "inter" | "disposable_inter" | "generated_keyframe"
                )
        }
        MessageBody::Audio(audio) => !matches!(audio.codec, "reserved" | "none" | "unknown"),
        _ => false,
    };
    if well_formed_media && message.decode_error.is_none() {
        *media = media.saturating_add(1);
        return *media >= MEDIA_PROOF_MESSAGES;
    }
    let proves = match &message.body {
        MessageBody::Command(command) => !command.command.is_empty(),
        MessageBody::Data(data) => data.name.is_some(),
        _ => false,
    };
    proves && message.decode_error.is_none()
}

/// Is a TLS connection RTMPS? On the RTMP port, or when its SNI or ALPN names RTMP (plain
/// HTTPS on 443 is not reported).
pub(super) fn is_rtmps(endpoints: &Endpoints, info: &TlsInfo) -> bool {
    endpoints.server.port() == RTMP_PORT
        || info.alpn.iter().any(|p| p.contains("rtmp"))
        || info.sni.as_deref().is_some_and(|sni| sni.contains("rtmp"))
}

impl<S: EventSink> Context<S> {
    /// Feeds a TLS probe. With a key, the flow becomes an RTMPS session once its plaintext
    /// starts with RTMP, an RTMPTS connection once it starts with HTTP; without (or when the
    /// key fails), an RTMPS session once its records' sizes show an RTMP handshake (or, in
    /// HTTP requests, "HTTPS or RTMPTS"), and is left alone once they cannot.
    pub(super) fn tls_probe_data(
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
            plain,
            warnings,
            rtmps,
            ..
        } = &mut *probe;
        let rtmps = *rtmps;
        let count = dir.of_mut(counts);
        *count = count.saturating_add(bytes.len() as u64);
        let mut overflow = false;
        tls.feed(dir, bytes, &mut |event| match event {
            TlsEvent::ServerHello(info) => *server_hello = Some((*meta, info)),
            TlsEvent::Plaintext { dir, bytes } => {
                if let Some(plain) = plain.as_mut() {
                    overflow |= !plain.hold(meta, dir, bytes);
                }
            }
            other => {
                if let Some((dir, code, message)) = other.warning() {
                    warnings.push((*meta, dir, code, message));
                }
            }
        });
        let server_data = tls.counts().application_bytes_s2c;
        if plain.is_some() && tls.decrypts(Direction::ClientToServer) && !overflow {
            return match plaintext_start(plain.as_ref()) {
                FirstBytes::NeedMore if server_data <= MAX_TLS_PROBE_SERVER_DATA => {
                    FlowState::TlsProbe(probe)
                }
                FirstBytes::NeedMore => self.tls_fallback(meta, endpoints, *probe),
                FirstBytes::Http => self.tls_tunnel(endpoints, *probe),
                FirstBytes::Rtmp | FirstBytes::Rtmpe(_) => {
                    self.decrypted_session(meta, endpoints, *probe, StartMode::Handshake)
                }
                FirstBytes::Tls | FirstBytes::Other if rtmps => {
                    self.decrypted_session(meta, endpoints, *probe, StartMode::MidStream)
                }
                FirstBytes::Tls | FirstBytes::Other => FlowState::Ignored,
            };
        }
        if plain.is_some() || rtmps {
            // The key failed (or cannot be used): as without one.
            return self.tls_fallback(meta, endpoints, *probe);
        }
        let detected_by = match tls.carries_rtmp() {
            Some(true) => DetectedBy::TlsRecordSizes,
            Some(false) if tls.carries_rtmpt() => DetectedBy::TlsRecordSizesHttp,
            Some(false) => return FlowState::Ignored,
            None if server_data > MAX_TLS_PROBE_SERVER_DATA => return FlowState::Ignored,
            None => return FlowState::TlsProbe(probe),
        };
        self.opaque_session(meta, endpoints, *probe, detected_by)
    }

    /// A TLS probe whose key cannot be used: on a connection known to be RTMPS, the session
    /// starts as without a key; elsewhere its records' sizes decide, as without a key.
    fn tls_fallback(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        mut probe: TlsProbe,
    ) -> FlowState {
        probe.plain = None;
        probe.tls.stop_decrypting();
        if probe.rtmps {
            return self.opaque_session(meta, endpoints, probe, DetectedBy::TlsClientHello);
        }
        match probe.tls.carries_rtmp() {
            Some(true) => self.opaque_session(meta, endpoints, probe, DetectedBy::TlsRecordSizes),
            Some(false) if probe.tls.carries_rtmpt() => {
                self.opaque_session(meta, endpoints, probe, DetectedBy::TlsRecordSizesHttp)
            }
            Some(false) => FlowState::Ignored,
            None => FlowState::TlsProbe(Box::new(probe)),
        }
    }

    /// The connection ended (or lost bytes) while probed: an RTMPS connection still shows,
    /// as it would have without a key.
    pub(super) fn tls_probe_end(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        probe: TlsProbe,
        reason: CloseReason,
    ) {
        if !probe.rtmps {
            return;
        }
        if let FlowState::Decoding(mut session) =
            self.opaque_session(meta, endpoints, probe, DetectedBy::TlsClientHello)
        {
            session.end(meta, reason, &mut self.sink);
        }
    }

    /// Starts an RTMPS session that is not decrypted: the TLS facts on `session_start`, the
    /// records counted from where the probe is.
    pub(super) fn opaque_session(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        probe: TlsProbe,
        detected_by: DetectedBy,
    ) -> FlowState {
        let TlsProbe {
            mut tls,
            hello,
            first,
            server_hello,
            bytes,
            warnings,
            ..
        } = probe;
        tls.stop_decrypting();
        let state = self.start_tls_session(
            &first,
            endpoints,
            HeldBytes::new(&self.budget),
            hello,
            detected_by,
        );
        let FlowState::Decoding(mut session) = state else {
            return state;
        };
        session.resume_tls(tls, bytes, server_hello, meta, &mut self.sink);
        for (at, dir, code, message) in warnings {
            session.warning(&at, dir, code, message, &mut self.sink);
        }
        FlowState::Decoding(session)
    }

    /// Starts an RTMPS session decrypted with a key log's secrets: the RTMP inside is decoded
    /// from the plaintext held so far on.
    fn decrypted_session(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        probe: TlsProbe,
        mode: StartMode,
    ) -> FlowState {
        let TlsProbe {
            tls,
            hello,
            first,
            server_hello,
            bytes,
            plain,
            warnings,
            rtmps,
        } = probe;
        let start = SessionStart {
            variant: Variant::Rtmps,
            inner: None,
            mid_stream: false,
            detected_by: if rtmps {
                DetectedBy::TlsClientHello
            } else {
                DetectedBy::TlsDecrypted
            },
            encrypted: true,
            decrypted: true,
            tls_keys: tls.key_origin().cloned(),
            tls: Some(hello),
            tunnel: None,
        };
        let id = self.next_session;
        self.next_session = self.next_session.saturating_add(1);
        let mut session = Session::start(
            id,
            *endpoints,
            Variant::Rtmps,
            mode,
            start,
            self.config.session,
            &self.budget,
            &first,
            &mut self.sink,
        );
        session.resume_tls(tls, bytes, server_hello, meta, &mut self.sink);
        for (at, dir, code, message) in warnings {
            session.warning(&at, dir, code, message, &mut self.sink);
        }
        for (at, dir, piece) in plain.iter().flat_map(|held| held.pieces.iter()) {
            session.plaintext(at, *dir, piece, &mut self.sink);
        }
        FlowState::Decoding(Box::new(session))
    }

    /// Decrypted HTTP: the connection is read as a possible RTMPT tunnel inside TLS.
    fn tls_tunnel(&mut self, endpoints: &Endpoints, probe: TlsProbe) -> FlowState {
        let layer = TlsLayer {
            info: probe.tls.info().clone(),
            keys: probe.tls.key_origin().cloned(),
        };
        let mut tunnel = Box::new(TlsTunnel {
            tls: probe.tls,
            http: HttpFlow::new(&self.budget, false).inside_tls(layer),
        });
        for (at, dir, piece) in probe.plain.iter().flat_map(|held| held.pieces.iter()) {
            let (tunnels, mut cx) = self.tunnels(at, endpoints);
            tunnel.http.data(*dir, piece, tunnels, &mut cx);
        }
        tunnel.state()
    }

    /// Feeds a decrypted HTTP connection: its plaintext to the HTTP reader, the TLS layer's
    /// warnings to its tunnels.
    pub(super) fn tls_tunnel_data(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        mut tunnel: Box<TlsTunnel>,
        dir: Direction,
        bytes: &[u8],
    ) -> FlowState {
        let (tunnels, mut cx) = self.tunnels(meta, endpoints);
        let TlsTunnel { tls, http } = &mut *tunnel;
        tls.feed(dir, bytes, &mut |event| {
            if let TlsEvent::Plaintext { dir, bytes } = event {
                http.data(dir, bytes, tunnels, &mut cx);
            } else if let Some((dir, code, message)) = event.warning() {
                http.warning(dir, code, &message, tunnels, &mut cx);
            }
        });
        tunnel.state()
    }

    /// A flow whose start was not captured.
    pub(super) fn mid_stream_state(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        held: HeldBytes,
        forced: bool,
    ) -> FlowState {
        if forced || endpoints.server.port() == RTMP_PORT {
            let detected_by = if forced {
                DetectedBy::ForcedPort
            } else {
                DetectedBy::Port
            };
            return self.start_session(
                meta,
                endpoints,
                held,
                (Variant::Rtmp, StartMode::MidStream, detected_by, true),
            );
        }
        if held.pieces.iter().any(|(_, _, bytes)| shows_rtmpt(bytes)) {
            let http = HttpFlow::new(&self.budget, true);
            return self.replay(endpoints, FlowState::Tunnel(Box::new(http)), held);
        }
        let chunk = self.config.session.chunk;
        let mut probe = Probe {
            held: HeldBytes::new(&self.budget),
            demux: [
                ChunkDemuxer::mid_stream(chunk).with_budget(&self.budget),
                ChunkDemuxer::mid_stream(chunk).with_budget(&self.budget),
            ],
            gave_up: false,
            media: 0,
        };
        let mut confirmed = false;
        for (piece_meta, dir, bytes) in held.pieces {
            confirmed |= self.probe_data(&mut probe, &piece_meta, dir, &bytes);
        }
        self.probe_outcome(meta, endpoints, probe, confirmed)
    }

    /// Feeds a probe; true once it has seen a message that proves the flow is RTMP.
    pub(super) fn probe_data(
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
        let Probe { demux, media, .. } = probe;
        let mut confirmed = false;
        dir.of_mut(demux).feed(bytes, &mut |event| {
            confirmed |= proves_rtmp(&event, &amf, media);
        });
        confirmed
    }

    /// The flow ended while probing: if what its demultiplexers held, decoded to its end,
    /// proves RTMP, the session is decoded from the held bytes and ended.
    pub(super) fn close_probe(
        &mut self,
        meta: &PacketMeta,
        endpoints: &Endpoints,
        mut probe: Probe,
        reason: CloseReason,
    ) {
        let amf = self.config.session.amf;
        let Probe { demux, media, .. } = &mut probe;
        let mut confirmed = false;
        for demux in demux {
            demux.finish(&mut |event| confirmed |= proves_rtmp(&event, &amf, media));
        }
        if !confirmed {
            return;
        }
        if let FlowState::Decoding(mut session) = self.probe_outcome(meta, endpoints, probe, true) {
            session.end(meta, reason, &mut self.sink);
        }
    }

    pub(super) fn probe_outcome(
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
                (
                    Variant::Rtmp,
                    StartMode::MidStream,
                    DetectedBy::ChunkStream,
                    true,
                ),
            )
        } else if probe.gave_up {
            FlowState::Ignored
        } else {
            FlowState::Probing(Box::new(probe))
        }
    }
}
