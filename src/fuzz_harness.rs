//! The bodies of the fuzz targets (`fuzz/`), kept in the library so the regression test that
//! replays every input the fuzzers ever found (`tests/fuzz_regressions.rs`) runs the very same
//! code. Each takes arbitrary bytes and must return without panicking, within the decoders'
//! limits.

use crate::analysis::{Analyzer, ReportSink, SessionReport};
use crate::common::budget::MemoryBudget;
use std::net::SocketAddr;

use crate::amf::AmfLimits;
use crate::amf::{amf0, amf3};
use crate::common::{Direction, Endpoints, PacketMeta, Timestamp};
use crate::net::{decode_frame, Decoded, LinkType};
use crate::reassembly::{CloseReason, FlowId, GapReason, Reassembler, StreamEvent, StreamSink};
use crate::redact::Redactor;
use crate::rtmp::chunk::{ChunkConfig, ChunkDemuxer, ChunkEvent};
use crate::rtmp::codec;
use crate::rtmp::decode::decode_message;
use crate::rtmp::handshake::HandshakeTracker;
use crate::rtmp::media::{audio_header, video_header};
use crate::session::event::{Event, EventSink};
use crate::session::table::{DecoderConfig, SessionTable};
use crate::transport::http::HttpParser;
use crate::transport::tls::{parse_client_hello, ClientHello, TlsInfo, TlsTracker};

/// A fuzz target: its name and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by name, for the regression replay.
pub const TARGETS: [Target; 9] = [
    ("amf0", amf0_values),
    ("amf3", amf3_values),
    ("handshake", handshake),
    ("chunk", chunk_stream),
    ("media", media),
    ("tls", tls),
    ("stream", stream),
    ("http", http),
    ("pipeline", pipeline),
];

/// AMF0: any bytes decode to values (or an error) within the limits, and map to JSON.
pub fn amf0_values(data: &[u8]) {
    let (values, _error) = amf0::decode_values(data, &AmfLimits::default());
    let _ = serde_json::to_string(&values);
}

/// AMF3: the same for AMF3.
pub fn amf3_values(data: &[u8]) {
    let (values, _error) = amf3::decode_values(data, &AmfLimits::default());
    let _ = serde_json::to_string(&values);
}

/// The first byte splits the rest into a client part and a server part, given to `feed`
/// alternately in pieces of up to `piece` bytes.
fn two_sides(data: &[u8], piece: usize, mut feed: impl FnMut(Direction, &[u8])) {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let at = rest.len() * usize::from(split) / 255;
    let (client, server) = rest.split_at(at);
    let mut pieces = [client.chunks(piece), server.chunks(piece)];
    let mut fed = true;
    while fed {
        fed = false;
        for (dir, chunks) in Direction::BOTH.into_iter().zip(pieces.iter_mut()) {
            if let Some(bytes) = chunks.next() {
                feed(dir, bytes);
                fed = true;
            }
        }
    }
}

/// Handshake: client and server parts fed alternately in pieces of up to 251 bytes; the
/// summary is always producible.
pub fn handshake(data: &[u8]) {
    let mut tracker = HandshakeTracker::new();
    let mut meta = PacketMeta::default();
    two_sides(data, 251, |dir, piece| {
        meta.frame += 1;
        tracker.feed(dir, piece, &meta);
    });
    let _ = serde_json::to_string(&tracker.summary());
}

/// TLS: the client's part read as a ClientHello, then both parts through the record tracker
/// in pieces of up to 97 bytes; its facts always map to JSON.
pub fn tls(data: &[u8]) {
    let mut tracker: Option<TlsTracker> = None;
    two_sides(data, 97, |dir, piece| {
        let tracker = tracker.get_or_insert_with(|| {
            let info = match parse_client_hello(piece) {
                ClientHello::Hello(info) => info,
                ClientHello::NeedMore | ClientHello::Invalid => TlsInfo::default(),
            };
            TlsTracker::new(info)
        });
        tracker.feed(dir, piece, &mut |event| {
            let _ = format!("{event:?}");
        });
    });
    if let Some(tracker) = tracker {
        let _ = tracker.carries_rtmp();
        let _ = serde_json::to_string(&tracker.summary());
    }
}

/// One connection to port 80 as the session table sees it after reassembly (RTMPT, TLS
/// probing, HTTP caught mid-way, any first bytes): the first byte's low bit says whether the
/// capture began mid-connection; then records of a header byte (top bit: server to client;
/// the rest: the piece's length, 127 standing for a gap of 100 bytes) and that many bytes.
/// Every event is written as JSON.
pub fn stream(data: &[u8]) {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let mut table = SessionTable::new(DecoderConfig::default(), JsonSink(Vec::new()));
    let flow = FlowId(1);
    let endpoints = Endpoints {
        client: SocketAddr::from(([10, 0, 0, 1], 40000)),
        server: SocketAddr::from(([10, 0, 0, 2], 80)),
    };
    let mut meta = PacketMeta::default();
    let mid_stream = flags & 1 == 1;
    table.stream_event(&meta, flow, &endpoints, StreamEvent::Open { mid_stream });
    while let Some((&header, tail)) = rest.split_first() {
        let dir = if header & 0x80 == 0 {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        let length = usize::from(header & 0x7F);
        meta.frame += 1;
        meta.time = Timestamp(i64::try_from(meta.frame).unwrap_or(i64::MAX) * 1000);
        let event = if length == 0x7F {
            rest = tail;
            StreamEvent::Gap {
                dir,
                bytes: 100,
                reason: GapReason::Acked,
            }
        } else {
            let (bytes, next) = tail.split_at(length.min(tail.len()));
            rest = next;
            StreamEvent::Data { dir, bytes }
        };
        table.stream_event(&meta, flow, &endpoints, event);
    }
    let reason = CloseReason::Fin;
    table.stream_event(
        &meta,
        flow,
        &endpoints,
        StreamEvent::Close {
            reason,
            network: Default::default(),
        },
    );
    table.finish(&meta);
}

/// Chunk stream with message assembly and decoding: the first byte picks the piece size the
/// bytes arrive in (so splits land everywhere); every message is decoded and mapped to JSON.
pub fn chunk_stream(data: &[u8]) {
    let Some((&piece, rest)) = data.split_first() else {
        return;
    };
    let limits = AmfLimits::default();
    let mut demuxer = ChunkDemuxer::new(ChunkConfig::default());
    for bytes in rest.chunks(usize::from(piece) + 1) {
        demuxer.feed(bytes, &mut |event| {
            if let ChunkEvent::Message {
                header, payload, ..
            } = event
            {
                let _ = serde_json::to_string(&decode_message(header, payload, &limits));
            }
        });
    }
}

/// Audio/video tag headers and every codec configuration record parser.
pub fn media(data: &[u8]) {
    let _ = serde_json::to_string(&audio_header(data));
    let _ = serde_json::to_string(&video_header(data));
    let _ = codec::parse_avc_config(data);
    let _ = codec::parse_hevc_config(data);
    let _ = codec::parse_av1_config(data);
    let _ = codec::parse_vp9_config(data);
    let _ = codec::parse_aac_config(data);
    let _ = codec::parse_opus_config(data);
    let _ = codec::parse_flac_config(data);
}

/// The RTMPT HTTP layer: the first byte picks the piece size (its top bit: the reader starts
/// mid-stream); the rest is read as one direction's messages, with a gap after the third
/// piece.
pub fn http(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let piece = first & 0x7F;
    let mut parser = HttpParser::new(&MemoryBudget::unlimited(), first & 0x80 != 0);
    let mut events = 0usize;
    for (index, bytes) in rest.chunks(usize::from(piece) + 1).enumerate() {
        if index == 3 {
            parser.gap();
        }
        parser.feed(bytes, &mut |_| events += 1);
    }
}

/// Writes every event as JSON into a reused buffer.
struct JsonSink(Vec<u8>);

impl EventSink for JsonSink {
    fn event(&mut self, event: &Event<'_>) {
        self.0.clear();
        let _ = serde_json::to_writer(&mut self.0, event);
    }
}

impl ReportSink for JsonSink {
    fn report(&mut self, ended: &Event<'_>, report: &SessionReport) {
        self.0.clear();
        let _ = serde_json::to_writer(&mut self.0, &ended.with_body("session_summary", report));
    }
}

/// DLT_EN10MB.
const ETHERNET: LinkType = LinkType(1);

/// The whole pipeline after libpcap: Ethernet frames (each a 2-byte big-endian length and its
/// bytes) through link/IP/TCP decoding, reassembly, session detection, the RTMP decoders,
/// `--redact` and the session analysis, with every event written as JSON.
pub fn pipeline(data: &[u8]) {
    let sink = Redactor::new(Analyzer::new(JsonSink(Vec::new()), true), true);
    let mut table = SessionTable::new(DecoderConfig::default(), sink);
    let mut reassembler = Reassembler::default();
    let mut meta = PacketMeta::default();
    let mut rest = data;
    while let [high, low, tail @ ..] = rest {
        let length = usize::from(u16::from_be_bytes([*high, *low])).min(tail.len());
        let (frame, next) = tail.split_at(length);
        rest = next;
        meta.frame += 1;
        meta.time = Timestamp(i64::try_from(meta.frame).unwrap_or(i64::MAX) * 1000);
        if let Decoded::Tcp(segment) = decode_frame(ETHERNET, frame) {
            reassembler.process(&meta, &segment, &mut table);
        }
    }
    reassembler.finish(&meta, &mut table);
}
