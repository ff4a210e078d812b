//! The bodies of the fuzz targets (`fuzz/`), kept in the library so the regression test that
//! replays every input the fuzzers ever found (`tests/fuzz_regressions.rs`) runs the very same
//! code. Each takes arbitrary bytes and must return without panicking, within the decoders'
//! limits.

use crate::analysis::Analyzer;
use crate::event::{Direction, Event, EventSink, PacketMeta, Timestamp};
use crate::net::{decode_frame, Decoded, LinkType};
use crate::reassembly::Reassembler;
use crate::redact::Redactor;
use crate::rtmp::amf::AmfLimits;
use crate::rtmp::chunk::{ChunkConfig, ChunkDemuxer, ChunkEvent};
use crate::rtmp::decode::decode_message;
use crate::rtmp::handshake::HandshakeTracker;
use crate::rtmp::http::HttpParser;
use crate::rtmp::media::{audio_header, video_header};
use crate::rtmp::sessions::{DecoderConfig, SessionTable};
use crate::rtmp::{amf0, amf3, codec};

/// A fuzz target: its name and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by name, for the regression replay.
pub const TARGETS: [Target; 7] = [
    ("amf0", amf0_values),
    ("amf3", amf3_values),
    ("handshake", handshake),
    ("chunk", chunk_stream),
    ("media", media),
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

/// Handshake: the first byte splits the rest into a client part and a server part, fed
/// alternately in pieces of up to 251 bytes; the summary is always producible.
pub fn handshake(data: &[u8]) {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let at = rest.len() * usize::from(split) / 255;
    let (client, server) = rest.split_at(at);
    let mut tracker = HandshakeTracker::new();
    let mut meta = PacketMeta::default();
    let mut pieces = [client.chunks(251), server.chunks(251)];
    let mut fed = true;
    while fed {
        fed = false;
        for (dir, chunks) in Direction::BOTH.into_iter().zip(pieces.iter_mut()) {
            if let Some(piece) = chunks.next() {
                meta.frame += 1;
                tracker.feed(dir, piece, &meta);
                fed = true;
            }
        }
    }
    let _ = serde_json::to_string(&tracker.summary());
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

/// The RTMPT HTTP layer: the first byte picks the piece size; the rest is parsed as a
/// request stream and as a response stream, with a gap in the middle of each.
pub fn http(data: &[u8]) {
    let Some((&piece, rest)) = data.split_first() else {
        return;
    };
    let mut parser = HttpParser::default();
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
