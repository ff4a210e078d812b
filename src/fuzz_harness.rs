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
use crate::filter::Filter;
use crate::net::{decode_frame, Decoded, LinkType};
use crate::output::filtered::EventSubject;
use crate::reassembly::{CloseReason, FlowId, GapReason, Reassembler, StreamEvent, StreamSink};
use crate::redact::{self, Redactor};
use crate::rtmp::chunk::{ChunkConfig, ChunkDemuxer, ChunkEvent};
use crate::rtmp::codec;
use crate::rtmp::decode::decode_message;
use crate::rtmp::handshake::HandshakeTracker;
use crate::rtmp::media::{audio_header, video_header};
use crate::rtmp::message::{MessageHeader, MessageTypeId};
use crate::session::event::{Event, EventSink};
use crate::session::event::{EventKind, MessageEvent};
use crate::session::table::{DecoderConfig, SessionTable};
use crate::session::variant::Variant;
use crate::transport::http::HttpParser;
use crate::transport::tls::keylog::Secret;
use crate::transport::tls::keys::{
    suite_params, updated_key, RecordKey, SuiteParams, ONE_SUITE_EACH,
};
use crate::transport::tls::TlsCounts;
use crate::transport::tls::{
    client_random, parse_client_hello, ClientHello, KeyLog, TlsEvent, TlsInfo, TlsTracker,
};

/// A fuzz target: its name and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by name, for the regression replay.
pub const TARGETS: [Target; 14] = [
    ("amf0", amf0_values),
    ("amf3", amf3_values),
    ("amf3_refs", amf3_references),
    ("redact", redaction),
    ("handshake", handshake),
    ("chunk", chunk_stream),
    ("media", media),
    ("tls", tls),
    ("tls_decrypt", tls_decrypt),
    ("stream", stream),
    ("http", http),
    ("pipeline", pipeline),
    ("escape", escape),
    ("filter", filter),
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

/// One direction of a connection the decryption target builds: its sealing keys, the
/// sequence number, and the bytes and gaps to feed.
struct Sealer {
    key: Option<RecordKey>,
    seq: u64,
    secret: Option<Secret>,
    feed: Vec<(Vec<u8>, u64)>,
}

impl Sealer {
    fn record(&mut self, content_type: u8, plaintext: &[u8]) {
        if let Some(record) = self
            .key
            .as_ref()
            .and_then(|key| key.seal(self.seq, content_type, plaintext))
        {
            self.seq = self.seq.saturating_add(1);
            self.push(&record);
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        match self.feed.last_mut() {
            Some((pending, 0)) => pending.extend_from_slice(bytes),
            _ => self.feed.push((bytes.to_vec(), 0)),
        }
    }
}

/// TLS decryption: a real exchange for one of the six suites (the first byte chooses), whose
/// records the harness seals itself with a key log's secrets, driven by the rest of the input
/// as operations: application records of any size either way, gaps of any size (the bytes
/// dropped and reported), flipped bytes, raw junk, TLS 1.3 KeyUpdates, alerts; the whole fed
/// through a keyed [`TlsTracker`] in pieces. Whatever the input, it must not panic, and
/// plaintext only ever comes out of records that authenticate.
pub fn tls_decrypt(data: &[u8]) {
    let _ = decrypt_run(data);
}

/// The decryption target's run; the tracker's counts at the end.
fn decrypt_run(data: &[u8]) -> Option<TlsCounts> {
    let (&choice, mut ops) = data.split_first()?;
    let &(version, suite) = ONE_SUITE_EACH.get(usize::from(choice) % ONE_SUITE_EACH.len())?;
    let params = suite_params(version, suite, false).ok()?;
    let hello = fuzz_client_hello();
    let random = client_random(&hello)?;
    let ClientHello::Hello(info) = parse_client_hello(&hello) else {
        return None;
    };
    let server_random = [0x5A; 32];
    let secret = |byte: u8| Secret::new([byte; 48].get(..params.hash.output_len())?);
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let mut log = format!("CLIENT_RANDOM {} {}\n", hex(&random), hex(&[0x33; 48]));
    for (label, byte) in [
        ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", 1),
        ("SERVER_HANDSHAKE_TRAFFIC_SECRET", 2),
        ("CLIENT_TRAFFIC_SECRET_0", 3),
        ("SERVER_TRAFFIC_SECRET_0", 4),
    ] {
        let bytes = secret(byte).map(|s| hex(s.bytes())).unwrap_or_default();
        log.push_str(&format!("{label} {} {bytes}\n", hex(&random)));
    }
    let mut keys = KeyLog::new();
    keys.add(log.as_bytes(), "fuzz");
    let secrets = keys.find(&random).cloned()?;
    let mut sides = fuzz_handshake((params, suite), &hello, server_random, &random, &secret);
    while let Some((&op, rest)) = ops.split_first() {
        ops = rest;
        let dir = usize::from(op & 1);
        let arg = usize::from(op >> 4);
        let Some(side) = sides.get_mut(dir) else {
            break;
        };
        match (op >> 1) & 7 {
            0 | 1 => {
                let size = arg * 300 + usize::from(ops.first().copied().unwrap_or(0));
                ops = ops.get(1..).unwrap_or_default();
                let plaintext: Vec<u8> = (0..size.min(1 << 14)).map(|i| i as u8).collect();
                side.record(23, &plaintext);
            }
            2 => {
                // A gap: the next bytes are sealed, then lost.
                let before = side.feed.last().map_or(0, |(bytes, _)| bytes.len());
                side.record(23, &vec![7u8; arg * 97 + 1]);
                if let Some((bytes, gap)) = side.feed.last_mut() {
                    let lost = bytes.len().saturating_sub(before).min(arg * 53 + 3);
                    let keep = bytes.len().saturating_sub(lost);
                    bytes.truncate(keep);
                    *gap = lost as u64;
                }
            }
            3 => {
                if let Some(byte) = side.feed.last_mut().and_then(|(b, _)| b.last_mut()) {
                    *byte ^= 1 << (arg % 8);
                }
            }
            4 => {
                let take = arg.min(ops.len());
                let (raw, rest) = ops.split_at(take);
                side.push(raw);
                ops = rest;
            }
            5 if params.tls13 => {
                side.record(22, &[24, 0, 0, 1, (arg & 1) as u8]);
                (side.secret, side.key) = updated_key(params, side.secret);
                side.seq = 0;
            }
            _ => side.record(21, &[1, 0]),
        }
    }
    let mut tracker = TlsTracker::new(info).with_keys(random, secrets);
    let piece = usize::from(choice / 8) + 1;
    let [client, server] = sides;
    // The server first: its hello makes the keys the client's protected records need.
    let mut feeds = [
        (Direction::ServerToClient, server.feed.into_iter()),
        (Direction::ClientToServer, client.feed.into_iter()),
    ];
    let mut fed = true;
    while fed {
        fed = false;
        for (dir, feed) in feeds.iter_mut() {
            let dir = *dir;
            let Some((bytes, gap)) = feed.next() else {
                continue;
            };
            fed = true;
            for chunk in bytes.chunks(piece) {
                tracker.feed(dir, chunk, &mut |event| {
                    if let TlsEvent::Plaintext { bytes, .. } = event {
                        assert!(!bytes.is_empty());
                    }
                    let _ = event.warning();
                });
            }
            if gap > 0 {
                tracker.gap(dir, gap);
            }
        }
    }
    let _ = serde_json::to_string(&tracker.summary());
    Some(*tracker.counts())
}

/// A ClientHello for the decryption target.
fn fuzz_client_hello() -> Vec<u8> {
    let mut hello = vec![3, 3];
    hello.extend_from_slice(&[0x11; 32]);
    hello.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0, 0, 0]);
    let mut message = vec![1, 0, 0, hello.len() as u8];
    message.extend_from_slice(&hello);
    let mut record = vec![22, 3, 1, 0, message.len() as u8];
    record.extend_from_slice(&message);
    record
}

/// The hellos and the handshake's protected end each way, sealed; the application keys in
/// place for what follows.
fn fuzz_handshake(
    (params, suite): (SuiteParams, u16),
    hello: &[u8],
    server_random: [u8; 32],
    client_random: &[u8; 32],
    secret: &impl Fn(u8) -> Option<Secret>,
) -> [Sealer; 2] {
    let suite_bytes = suite.to_be_bytes();
    let mut server_hello = vec![3, 3];
    server_hello.extend_from_slice(&server_random);
    server_hello.push(0);
    server_hello.extend_from_slice(&suite_bytes);
    server_hello.push(0);
    let extensions: &[u8] = if params.tls13 {
        &[0, 6, 0, 43, 0, 2, 3, 4]
    } else {
        &[0, 0]
    };
    server_hello.extend_from_slice(extensions);
    let mut message = vec![2, 0, 0, server_hello.len() as u8];
    message.extend_from_slice(&server_hello);
    let mut server_record = vec![22, 3, 3, 0, message.len() as u8];
    server_record.extend_from_slice(&message);
    let finished = [20, 0, 0, 4, 1, 2, 3, 4];
    let sealer = |key: Option<RecordKey>, secret: Option<Secret>| Sealer {
        key,
        seq: 0,
        secret,
        feed: Vec::new(),
    };
    let (mut client, mut server) = if params.tls13 {
        let key = |byte| secret(byte).and_then(|s| RecordKey::tls13(params, &s));
        (sealer(key(1), None), sealer(key(2), None))
    } else {
        let master = Secret::new(&[0x33; 48]);
        let keys = master.and_then(|m| RecordKey::tls12(params, &m, client_random, &server_random));
        let (c, s) = keys.map_or((None, None), |(c, s)| (Some(c), Some(s)));
        (sealer(c, None), sealer(s, None))
    };
    client.push(hello);
    server.push(&server_record);
    for (side, app) in [(&mut server, 4u8), (&mut client, 3u8)] {
        side.push(&[20, 3, 3, 0, 1, 1]); // ChangeCipherSpec
        side.record(22, &finished);
        if params.tls13 {
            side.secret = secret(app);
            side.key = side.secret.and_then(|s| RecordKey::tls13(params, &s));
            side.seq = 0;
        }
    }
    [client, server]
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
/// Display filters: the bytes before the first zero are an expression (invalid UTF-8
/// replaced), the bytes after it the body of an AMF0 command or data message (the first of
/// them choosing which). Compiling never panics; an error's span lies on character
/// boundaries of the expression and its caret can be drawn; a filter that compiles runs on
/// the message without panicking, and `not` of it gives the opposite answer.
pub fn filter(data: &[u8]) {
    let (expression, body) = match data.iter().position(|&b| b == 0) {
        Some(at) => (
            data.get(..at).unwrap_or_default(),
            data.get(at + 1..).unwrap_or_default(),
        ),
        None => (data, &[][..]),
    };
    let expression = String::from_utf8_lossy(expression);
    let filter = match Filter::parse(&expression) {
        Ok(filter) => filter,
        Err(error) => {
            assert!(error.span.start <= error.span.end && error.span.end <= expression.len());
            assert!(expression.is_char_boundary(error.span.start));
            assert!(expression.is_char_boundary(error.span.end));
            let _ = error.caret(&expression).to_string();
            return;
        }
    };
    let type_id = match body.first() {
        Some(byte) if byte % 2 == 0 => MessageTypeId::DATA_AMF0,
        _ => MessageTypeId::COMMAND_AMF0,
    };
    let payload = body.get(1..).unwrap_or_default();
    let header = MessageHeader {
        csid: 3,
        msid: 1,
        timestamp: 0,
        type_id,
        length: u32::try_from(payload.len()).unwrap_or(u32::MAX),
    };
    let event = Event {
        frame: 1,
        time: Timestamp(0),
        session: 1,
        endpoints: Endpoints {
            client: SocketAddr::from(([127, 0, 0, 1], 50000)),
            server: SocketAddr::from(([127, 0, 0, 1], 1935)),
        },
        variant: Variant::Rtmp,
        inner: None,
        kind: EventKind::Message(MessageEvent {
            dir: Direction::ClientToServer,
            message: decode_message(header, payload, &AmfLimits::default()),
            payload,
            flags: crate::rtmp::chunk::MessageFlags::default(),
        }),
    };
    let mut text = String::new();
    let matched = filter.matches(&mut EventSubject::new(&event, &mut text));
    if let Ok(negated) = Filter::parse(&format!("not ({expression})")) {
        let opposite = negated.matches(&mut EventSubject::new(&event, &mut text));
        assert_ne!(matched, opposite, "not ({expression})");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_target_runs_expressions_on_an_amf_body() {
        // connect, transaction 1, {x: 1}
        let mut body = vec![1u8, 0x02, 0, 7];
        body.extend(b"connect");
        body.extend([0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
        body.extend([
            0x03, 0, 1, b'x', 0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0, 9,
        ]);
        for expression in [
            "amf.x == 1",
            "command == connect and not x",
            "(",
            "a ==",
            "",
        ] {
            let mut input = expression.as_bytes().to_vec();
            input.push(0);
            input.extend(&body);
            filter(&input);
        }
    }

    #[test]
    fn the_decryption_target_reaches_decryption_for_every_suite() {
        for suite in 0..6u8 {
            // Two records each way, a KeyUpdate, one more record.
            let script = [suite, 0x10, 9, 0x11, 9, 5 << 1, 0x00, 30];
            let counts = decrypt_run(&script).expect("a run");
            // Finished each way, two records, the KeyUpdate (TLS 1.3; an alert in TLS 1.2), and
            // the record after it, under the next secret.
            assert_eq!(counts.records_decrypted, 6, "suite {suite}");
            // A gap: the records after it are found again.
            let script = [suite, 0x10, 9, 2 << 1 | 0x30, 0x00, 30, 0x00, 1];
            let counts = decrypt_run(&script).expect("a run");
            assert!(counts.records_lost >= 1, "suite {suite}: {counts:?}");
            assert_eq!(counts.records_decrypted, 5, "suite {suite}: {counts:?}");
        }
    }
}
