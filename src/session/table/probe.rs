//! Probing flows whose nature is not yet known: bytes held while a trial decoder looks for
//! proof (a mid-stream flow on an unusual port), TLS connections followed by their record
//! tracker until their records show RTMP, and HTTP caught mid-way.

use crate::amf::AmfLimits;
use crate::common::DetectedBy;
use crate::session::event::EventSink;

use super::{Context, FlowState, RTMP_PORT};
use crate::common::budget::Charge;
use crate::common::{Direction, Endpoints, PacketMeta};
use crate::reassembly::CloseReason;
use crate::rtmp::chunk::{ChunkDemuxer, ChunkEvent};
use crate::rtmp::decode::decode_message;
use crate::rtmp::message::MessageBody;
use crate::session::classify::{http_request_start, http_response_start, FirstBytes};
use crate::session::decoder::StartMode;
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
