//! The bodies of the fuzz targets (`fuzz/`), kept in the library so the regression test that
//! replays every input the fuzzers ever found (`tests/fuzz_regressions.rs`) runs the very same
//! code. Each takes arbitrary bytes and must return without panicking, within the decoders'
//! limits.

use crate::analysis::{Analyzer, ReportSink, SessionReport};
use crate::common::budget::MemoryBudget;
use crate::common::escape::{is_escaped, unescape, Escaped, EscapedDisplay};
use std::fmt;
use std::net::SocketAddr;

use crate::amf::{amf0, amf3};
use crate::amf::{AmfLimits, AmfValue};
use crate::common::{Direction, Endpoints, PacketMeta, Timestamp};
use crate::net::{decode_frame, Decoded, LinkType};
use crate::reassembly::{CloseReason, FlowId, GapReason, Reassembler, StreamEvent, StreamSink};
use crate::redact::{self, Redactor};
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
pub const TARGETS: [Target; 12] = [
    ("amf0", amf0_values),
    ("amf3", amf3_values),
    ("amf3_refs", amf3_references),
    ("redact", redaction),
    ("handshake", handshake),
    ("chunk", chunk_stream),
    ("media", media),
    ("tls", tls),
    ("stream", stream),
    ("http", http),
    ("pipeline", pipeline),
    ("escape", escape),
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

/// AMF3 with references, under a reference budget of 64 times the first byte: what the
/// values hold (strings, names, byte arrays) never passes three times the input (invalid
/// UTF-8 becomes U+FFFD) plus that budget, however references repeat earlier strings and
/// traits.
pub fn amf3_references(data: &[u8]) {
    let Some((&budget, rest)) = data.split_first() else {
        return;
    };
    let limits = AmfLimits {
        max_reference_bytes: usize::from(budget) * 64,
        ..AmfLimits::default()
    };
    let (values, _error) = amf3::decode_values(rest, &limits);
    let held: usize = values.iter().map(held_bytes).sum();
    let most = rest.len() * 3 + limits.max_reference_bytes;
    assert!(
        held <= most,
        "{held} bytes decoded from {} > {most}",
        rest.len()
    );
    let _ = serde_json::to_string(&values);
}

/// The bytes of text and data a value holds, names included.
fn held_bytes(value: &AmfValue) -> usize {
    let properties = |list: &[(String, AmfValue)]| -> usize {
        list.iter()
            .map(|(name, value)| name.len() + held_bytes(value))
            .sum()
    };
    let items = |list: &[AmfValue]| -> usize { list.iter().map(held_bytes).sum() };
    match value {
        AmfValue::String(text) | AmfValue::XmlDocument(text) | AmfValue::Xml(text) => text.len(),
        AmfValue::Externalizable { class } => class.len(),
        AmfValue::ByteArray(bytes) => bytes.len(),
        AmfValue::Object(list) | AmfValue::EcmaArray(list) => properties(list),
        AmfValue::TypedObject {
            class,
            properties: list,
        } => class.len() + properties(list),
        AmfValue::StrictArray(list) => items(list),
        AmfValue::MixedArray { dense, assoc } => items(dense) + properties(assoc),
        AmfValue::Vector {
            class, items: list, ..
        } => class.as_ref().map_or(0, String::len) + items(list),
        AmfValue::Dictionary { entries, .. } => entries
            .iter()
            .map(|(key, value)| held_bytes(key) + held_bytes(value))
            .sum(),
        _ => 0,
    }
}

/// `--redact`'s masking: up to 8 secrets (a count byte, then each as a length byte of up to
/// 16 and its bytes), then a body. Bytes and text are masked exactly as the byte-by-byte
/// search did, and no secret searches any byte of the body twice.
pub fn redaction(data: &[u8]) {
    let Some((&count, mut rest)) = data.split_first() else {
        return;
    };
    let mut learned = Vec::new();
    for _ in 0..=count % 8 {
        let Some((&length, tail)) = rest.split_first() else {
            return;
        };
        let (secret, tail) = tail.split_at(usize::from(length % 16 + 1).min(tail.len()));
        learned.push(String::from_utf8_lossy(secret).into_owned());
        rest = tail;
    }
    let mut secrets = Vec::new();
    redact::add_secrets(&mut secrets, learned.iter().cloned());
    // The oracle's secrets in the order the redactor applies them.
    let mut oracle: Vec<String> = Vec::new();
    for secret in learned {
        if !oracle.contains(&secret) {
            oracle.push(secret);
        }
    }
    oracle.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    let bound = secrets.len() * rest.len();
    let mut bytes = rest.to_vec();
    let work = redact::mask_bytes(&mut bytes, &secrets);
    assert!(work.bytes <= bound, "{work:?} for {} bytes", rest.len());
    let mut expected = rest.to_vec();
    redact::reference::mask_bytes(&mut expected, &oracle);
    assert_eq!(
        bytes, expected,
        "masked bytes differ from the byte-by-byte search"
    );
    let mut text = String::from_utf8_lossy(rest).into_owned();
    let mut expected = text.clone();
    let bound = secrets.len() * text.len();
    let work = redact::redact_text(&mut text, &secrets);
    assert!(work.bytes <= bound, "{work:?} for {} bytes", expected.len());
    redact::reference::redact_text(&mut expected, &oracle);
    assert_eq!(
        text, expected,
        "masked text differs from the byte-by-byte search"
    );
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

/// Text written a few characters at a time, so the escaping writer sees it in pieces.
struct Pieces<'a>(&'a str, usize);

impl fmt::Display for Pieces<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while !rest.is_empty() {
            let at = rest
                .char_indices()
                .nth(self.1)
                .map_or(rest.len(), |(at, _)| at);
            let (piece, next) = rest.split_at(at);
            f.write_str(piece)?;
            rest = next;
        }
        Ok(())
    }
}

/// The terminal escaping: the bytes read as text (invalid UTF-8 replaced, as the decoders
/// do), the first byte also choosing the pieces the escaping writer gets. The escaped text
/// holds no character that drives a terminal, reads back exactly (so no two texts look the
/// same), is the text itself when nothing needed escaping, and is the same written whole or
/// in pieces.
pub fn escape(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let shown = Escaped(&text).to_string();
    assert!(
        !shown.chars().any(is_escaped),
        "raw control in {shown:?} from {text:?}"
    );
    assert_eq!(
        unescape(&shown).as_deref(),
        Some(&*text),
        "{shown:?} does not read back"
    );
    assert_eq!(Escaped(&text).is_clean(), shown == text, "{text:?}");
    let piece = usize::from(data.first().copied().unwrap_or(0) % 8) + 1;
    assert_eq!(
        EscapedDisplay(Pieces(&text, piece)).to_string(),
        shown,
        "{text:?} in pieces of {piece}"
    );
}
