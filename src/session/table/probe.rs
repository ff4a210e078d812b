//! Probing flows whose nature is not yet known: bytes held while a trial decoder looks for
//! proof (a mid-stream flow on an unusual port), TLS connections followed by their record
//! tracker until their records show RTMP, and HTTP caught mid-way.

use crate::common::DetectedBy;
use crate::session::event::EventSink;

use super::{Context, FlowState, RTMP_PORT};
use crate::common::budget::{Charge, MemoryBudget};
use crate::common::{Direction, Endpoints, PacketMeta};
use crate::rtmp::chunk::{ChunkDemuxer, ChunkEvent};
use crate::rtmp::decode::decode_message;
use crate::rtmp::message::MessageBody;
use crate::session::classify::{http_request_start, http_response_start, FirstBytes};
use crate::session::decoder::StartMode;
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
}

/// A TLS connection on a port RTMP does not use and without an RTMP server name or
/// protocol: its records are followed (nothing is held) until their sizes show whether an RTMP
/// handshake travels inside.
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
}

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

/// Is a TLS connection RTMPS? On the RTMP port, or when its SNI or ALPN names RTMP (plain
/// HTTPS on 443 is not reported).
pub(super) fn is_rtmps(endpoints: &Endpoints, info: &TlsInfo) -> bool {
    endpoints.server.port() == RTMP_PORT
        || info.alpn.iter().any(|p| p.contains("rtmp"))
        || info.sni.as_deref().is_some_and(|sni| sni.contains("rtmp"))
}

impl<S: EventSink> Context<S> {
    /// Feeds a TLS probe; the flow becomes an RTMPS session once its records show an RTMP
    /// handshake, and is left alone once they cannot.
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
                    DetectedBy::TlsRecordSizes,
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
