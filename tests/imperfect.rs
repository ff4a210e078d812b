//! Imperfect captures, on real ones: captures that start mid-stream (every sample cut before
//! every packet, the shared captures at a few points), captures whose packets lost bytes inside
//! message bodies, and captures whose snap length cut every packet short.
//!
//! A cut decode must invent nothing (every message it reports is one the uncut decode has: same
//! direction, type, length and body bytes) and find at least 90 % of the messages that start
//! more than a second after the cut. Holes inside bodies must be skipped exactly, with no
//! resynchronisation, and reported as the bytes each message misses.

mod common;

use std::collections::HashMap;
use std::path::Path;

use rtmpscope::common::{PacketMeta, Timestamp};
use rtmpscope::net::TcpSegment;
use rtmpscope::reassembly::Reassembler;
use rtmpscope::rtmp::chunk::{ChunkConfig, MessageFlags};
use rtmpscope::session::decoder::SessionConfig;
use rtmpscope::session::event::{Event, EventKind, EventSink};
use rtmpscope::session::table::{DecoderConfig, SessionTable};

/// One captured TCP segment, owning its payload.
type Packet = common::pcap::Segment;

/// The TCP segments of a capture, with their capture times.
fn packets(capture: &Path) -> Vec<Packet> {
    common::pcap::tcp_segments(capture)
}

/// The samples named, with their names.
fn samples_named(names: &[&str]) -> Vec<(String, std::path::PathBuf)> {
    common::samples()
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            names.contains(&name.as_str()).then_some((name, path))
        })
        .collect()
}

/// A decoded message: what must match between decodes, and what is only reported.
#[derive(Debug, Clone)]
struct Decoded2 {
    /// Direction, chunk stream, type id, length, body (whole: media payloads are kept).
    key: (String, u32, u8, u32, Vec<u8>),
    /// The capture time of the packet that completed it.
    time: Timestamp,
    csid: u32,
    msid: u32,
    timestamp: u32,
    flags: MessageFlags,
    /// Warnings of its session, by code (for the loss test).
    session: u64,
}

#[derive(Default)]
struct Collect {
    messages: Vec<Decoded2>,
    warnings: Vec<String>,
}

impl EventSink for Collect {
    fn event(&mut self, event: &Event<'_>) {
        match &event.kind {
            EventKind::Message(message) => {
                let header = message.message.header;
                self.messages.push(Decoded2 {
                    key: (
                        message.dir.as_str().to_owned(),
                        header.csid,
                        header.type_id.0,
                        header.length,
                        message.payload.to_vec(),
                    ),
                    time: event.time,
                    csid: header.csid,
                    msid: header.msid,
                    timestamp: header.timestamp,
                    flags: message.flags,
                    session: event.session,
                })
            }
            EventKind::Warning(warning) => self.warnings.push(warning.code.to_string()),
            _ => {}
        }
    }
}

/// Decodes packets in order, keeping whole media payloads, with one extra port decoded as RTMP.
fn decode(packets: &[Packet]) -> Collect {
    let config = DecoderConfig {
        session: SessionConfig {
            chunk: ChunkConfig {
                keep_media_payloads: true,
                ..ChunkConfig::default()
            },
            ..SessionConfig::default()
        },
        forced_ports: vec![6002],
        ..DecoderConfig::default()
    };
    let mut reassembler = Reassembler::default();
    let mut table = SessionTable::new(config, Collect::default());
    let mut meta = PacketMeta::default();
    for packet in packets {
        meta.frame += 1;
        meta.time = packet.time;
        let segment = TcpSegment {
            src: packet.src,
            dst: packet.dst,
            seq: packet.seq,
            ack: packet.ack,
            flags: packet.flags,
            window: packet.window,
            payload: &packet.payload,
            missing: packet.missing,
        };
        reassembler.process(&meta, &segment, &mut table);
    }
    reassembler.finish(&meta, &mut table);
    table.into_sink()
}

/// How one cut decode compares with the uncut one.
#[derive(Debug, Default, Clone, Copy)]
struct CutScore {
    decoded: usize,
    invented: usize,
    /// Uncut messages completed more than a second after the cut, and how many were found.
    eligible: usize,
    found: usize,
}

fn compare(uncut: &[Decoded2], cut: &[Decoded2], cut_time: Timestamp) -> CutScore {
    let mut available: HashMap<&(String, u32, u8, u32, Vec<u8>), usize> = HashMap::new();
    for message in uncut {
        *available.entry(&message.key).or_default() += 1;
    }
    let mut score = CutScore {
        decoded: cut.len(),
        ..CutScore::default()
    };
    let mut seen: HashMap<&(String, u32, u8, u32, Vec<u8>), usize> = HashMap::new();
    for message in cut {
        match available.get_mut(&message.key) {
            Some(count) if *count > 0 => {
                *count -= 1;
                *seen.entry(&message.key).or_default() += 1;
            }
            _ => {
                score.invented += 1;
                let (dir, _, type_id, length, body) = &message.key;
                eprintln!(
                    "invented: {dir} type {type_id} length {length} csid {} flags {:?} body {:02x?}",
                    message.csid,
                    message.flags,
                    &body[..body.len().min(24)]
                );
            }
        }
    }
    let horizon = Timestamp(cut_time.0 + 1_000_000);
    for message in uncut.iter().filter(|m| m.time >= horizon) {
        score.eligible += 1;
        if let Some(count) = seen.get_mut(&message.key).filter(|c| **c > 0) {
            *count -= 1;
            score.found += 1;
        }
    }
    score
}

/// Cuts `packets` before each packet in `cuts` and compares each decode with the uncut one;
/// returns the totals and the lowest share found among cuts with enough eligible messages.
fn cut_property(name: &str, packets: &[Packet], cuts: &[usize]) -> (CutScore, f64) {
    let uncut = decode(packets).messages;
    let mut total = CutScore::default();
    let mut worst = 1.0f64;
    for &cut in cuts {
        let Some(first) = packets.get(cut) else {
            continue;
        };
        let decoded = decode(&packets[cut..]).messages;
        let score = compare(&uncut, &decoded, first.time);
        assert_eq!(
            score.invented, 0,
            "{name} cut before packet {cut}: {} message(s) the uncut decode does not have",
            score.invented
        );
        if score.eligible >= 20 {
            worst = worst.min(score.found as f64 / score.eligible as f64);
        }
        if std::env::var_os("IMPERFECT_VERBOSE").is_some() && score.found * 10 < score.eligible * 9
        {
            eprintln!(
                "{name} cut before packet {cut}: {}/{} found",
                score.found, score.eligible
            );
        }
        total.decoded += score.decoded;
        total.eligible += score.eligible;
        total.found += score.found;
    }
    (total, worst)
}

fn report(name: &str, cuts: usize, total: CutScore, worst: f64) {
    eprintln!(
        "{name}: {cuts} cuts, {} messages decoded after them, 0 invented; {}/{} ({:.1} %) of those starting a second after the cut found, worst cut {:.1} %",
        total.decoded,
        total.found,
        total.eligible,
        100.0 * total.found as f64 / total.eligible.max(1) as f64,
        100.0 * worst
    );
}

#[test]
fn every_sample_cut_before_every_packet_invents_nothing_and_finds_what_follows() {
    let mut all = CutScore::default();
    for path in common::samples() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let packets = packets(&path);
        if packets.iter().any(|p| p.missing > 0) {
            continue; // snaplen96: cut by its snap length, see the snap-length test
        }
        let cuts: Vec<usize> = (1..packets.len()).collect();
        let (total, worst) = cut_property(&name, &packets, &cuts);
        report(&name, cuts.len(), total, worst);
        if total.eligible > 0 {
            assert!(
                total.found * 10 >= total.eligible * 9,
                "{name}: only {}/{} found",
                total.found,
                total.eligible
            );
        }
        all.decoded += total.decoded;
        all.eligible += total.eligible;
        all.found += total.found;
    }
    report("all samples", 0, all, 1.0);
}

#[test]
fn shared_captures_cut_at_a_few_points_invent_nothing_and_find_what_follows() {
    for path in common::shared_captures() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let packets = packets(&path);
        let n = packets.len();
        let cuts: Vec<usize> = [n / 10, n / 4, n / 3, n / 2, 2 * n / 3, 3 * n / 4]
            .into_iter()
            .filter(|&c| c > 0)
            .collect();
        let (total, worst) = cut_property(&name, &packets, &cuts);
        report(&name, cuts.len(), total, worst);
        if total.eligible >= 20 {
            assert!(
                total.found * 10 >= total.eligible * 9,
                "{name}: only {}/{} found",
                total.found,
                total.eligible
            );
        }
    }
}

/// One chunk of a clean capture's direction: where its header and payload lie in the stream.
#[derive(Debug, Clone, Copy)]
struct ChunkSpan {
    header: usize,
    payload: usize,
    end: usize,
    /// The chunk continues a message (format-3 header after the first chunk).
    continuation: bool,
}

/// The chunks of a direction that starts with a 3073-byte handshake, by a plain reading of the
/// specification (a test oracle for clean captures: no extended timestamps expected).
fn chunk_spans(stream: &[u8]) -> Vec<ChunkSpan> {
    let mut spans = Vec::new();
    let mut chunk_size = 128usize;
    // csid -> (length, type, remaining, body so far)
    let mut streams: HashMap<u32, (usize, u8, usize, Vec<u8>)> = HashMap::new();
    let mut at = 3073;
    while at < stream.len() {
        let start = at;
        let first = stream[at];
        let fmt = first >> 6;
        let (csid, basic) = match first & 0x3F {
            0 => (64 + u32::from(*stream.get(at + 1).unwrap_or(&0)), 2),
            1 => return spans, // not used by these senders
            id => (u32::from(id), 1),
        };
        at += basic;
        let entry = streams.entry(csid).or_insert((0, 0, 0, Vec::new()));
        let continuation = entry.2 > 0;
        let fields = [11, 7, 3, 0][usize::from(fmt)];
        let Some(header) = stream.get(at..at + fields) else {
            return spans;
        };
        assert!(
            fmt == 0 || fields == 0 || header[..3] != [0xFF, 0xFF, 0xFF],
            "the oracle does not read extended timestamps"
        );
        if fmt <= 1 {
            entry.0 =
                usize::from(header[3]) << 16 | usize::from(header[4]) << 8 | usize::from(header[5]);
            entry.1 = header[6];
        }
        at += fields;
        if !continuation {
            entry.2 = entry.0;
            entry.3.clear();
        }
        let take = entry.2.min(chunk_size);
        let end = (at + take).min(stream.len());
        entry.3.extend_from_slice(&stream[at..end]);
        spans.push(ChunkSpan {
            header: start,
            payload: at,
            end,
            continuation,
        });
        entry.2 -= take;
        if entry.2 == 0 && entry.1 == 1 && entry.3.len() >= 4 {
            chunk_size = u32::from_be_bytes(entry.3[..4].try_into().unwrap()) as usize;
        }
        at = end;
    }
    spans
}

/// The packets of a clean capture with stream bytes `[from, to)` of one direction removed (the
/// packets holding them are split around the hole, keeping their flags).
fn without_bytes(
    packets: &[Packet],
    src: std::net::SocketAddr,
    base: u32,
    from: usize,
    to: usize,
) -> Vec<Packet> {
    let mut out = Vec::new();
    for packet in packets {
        let offset = packet.seq.wrapping_sub(base) as usize;
        let end = offset + packet.payload.len();
        if packet.src != src || packet.payload.is_empty() || end <= from || offset >= to {
            out.push(packet.clone());
            continue;
        }
        if offset < from {
            let mut before = packet.clone();
            before.payload = packet.payload[..from - offset].to_vec();
            out.push(before);
        }
        if end > to {
            let mut after = packet.clone();
            after.seq = base.wrapping_add(to as u32);
            after.payload = packet.payload[to - offset..].to_vec();
            out.push(after);
        }
    }
    out
}

/// A direction of a connection: its sender, the sequence number of its first stream byte, and
/// its stream bytes in order.
fn directions(packets: &[Packet]) -> Vec<(std::net::SocketAddr, u32, Vec<u8>)> {
    let mut out: Vec<(std::net::SocketAddr, u32, Vec<u8>)> = Vec::new();
    for packet in packets {
        if packet.flags.syn {
            out.push((packet.src, packet.seq.wrapping_add(1), Vec::new()));
            continue;
        }
        if let Some((_, base, bytes)) = out.iter_mut().rev().find(|(src, _, _)| *src == packet.src)
        {
            let offset = packet.seq.wrapping_sub(*base) as usize;
            if offset == bytes.len() {
                bytes.extend_from_slice(&packet.payload);
            }
        }
    }
    out
}

/// Holes of known length inside message bodies: skipped exactly, without a search, each
/// message reported with exactly the bytes it misses; every other message as in the uncut decode.
#[test]
fn holes_inside_bodies_keep_sync_and_count_the_missing_bytes() {
    let mut cases = 0;
    let mut missing_total = 0u64;
    let names = [
        "publish_play.pcap",
        "ipv6.pcap",
        "stream_key.pcap",
        "erpt_hevc_opus.pcap",
    ];
    for (name, path) in samples_named(&names) {
        let packets = packets(&path);
        let uncut = decode(&packets).messages;
        for (src, base, stream) in directions(&packets) {
            let spans = chunk_spans(&stream);
            let long: Vec<ChunkSpan> = spans
                .iter()
                .copied()
                .filter(|s| s.end - s.payload >= 400)
                .collect();
            if long.is_empty() {
                continue;
            }
            // Single holes at a few places, a burst of three adjacent holes (one hole of their
            // total), and a hole over a continuation header (one byte of header).
            let pick = |i: usize| long[i * (long.len() - 1) / 4];
            let mut holes: Vec<(usize, usize, u64)> = Vec::new();
            for i in 0..5 {
                let span = pick(i);
                let from = span.payload + 7 + i * 13;
                let len = [1, 50, 200, 333, 97][i];
                holes.push((from, from + len, len as u64));
            }
            let span = pick(2);
            holes.push((span.payload + 10, span.payload + 10 + 3 * 120, 360));
            let over_header = spans.windows(2).find(|pair| {
                let (before, next) = (pair[0], pair[1]);
                next.continuation
                    && next.payload - next.header == 1
                    && before.end == next.header
                    && before.end - before.payload >= 40
                    && next.end - next.payload >= 60
            });
            if let Some(pair) = over_header {
                let next = pair[1];
                holes.push((next.header - 30, next.header + 40, 69));
            }
            for (from, to, missing) in holes {
                let damaged = without_bytes(&packets, src, base, from, to);
                let decoded = decode(&damaged);
                let chunk_warnings: Vec<&String> = decoded
                    .warnings
                    .iter()
                    .filter(|code| code.starts_with("chunk_"))
                    .collect();
                assert!(
                    chunk_warnings.is_empty(),
                    "{name}: a hole of {} bytes at {from} made the decoder search: {chunk_warnings:?}",
                    to - from
                );
                let incomplete: Vec<&Decoded2> = decoded
                    .messages
                    .iter()
                    .filter(|m| m.flags.missing_bytes > 0)
                    .collect();
                assert_eq!(incomplete.len(), 1, "{name}: one message misses bytes");
                assert_eq!(
                    u64::from(incomplete[0].flags.missing_bytes),
                    missing,
                    "{name}: hole of {} bytes at {from}",
                    to - from
                );
                assert_eq!(decoded.messages.len(), uncut.len(), "{name}: every message");
                // In order within each session and direction (a hole delays its direction's
                // messages until it is declared, so the directions interleave differently).
                let by_stream = |messages: &[Decoded2]| {
                    let mut sorted = messages.to_vec();
                    sorted.sort_by_key(|m| (m.session, m.key.0.clone()));
                    sorted
                };
                for (a, b) in by_stream(&decoded.messages).iter().zip(&by_stream(&uncut)) {
                    assert_eq!(
                        (&a.key.0, a.csid, a.msid, a.timestamp, a.key.2, a.key.3),
                        (&b.key.0, b.csid, b.msid, b.timestamp, b.key.2, b.key.3),
                        "{name}: the same headers"
                    );
                    if a.flags.missing_bytes == 0 {
                        assert_eq!(a.key.4, b.key.4, "{name}: the same bodies");
                    } else {
                        assert!(b.key.4.starts_with(&a.key.4), "{name}: a prefix");
                    }
                }
                cases += 1;
                missing_total += missing;
            }
        }
    }
    eprintln!("{cases} holes inside bodies, {missing_total} bytes: all skipped exactly, no search");
    assert!(cases >= 20);
}

/// tshark's messages as (frame, source, destination, csid, type id, length) via
/// scripts/tshark_messages.py (see tests/tshark.rs).
fn tshark_messages(capture: &Path) -> Vec<(u64, String, String, String, String, String)> {
    common::tshark_message_lines(capture)
        .iter()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            Some((
                f.first()?.parse().ok()?,
                (*f.get(1)?).to_owned(),
                (*f.get(2)?).to_owned(),
                (*f.get(3)?).to_owned(),
                (*f.get(4)?).to_owned(),
                (*f.get(5)?).to_owned(),
            ))
        })
        .collect()
}

/// Source and destination of a message event.
fn ends(event: &serde_json::Value) -> (String, String) {
    let text = |key: &str| event[key].as_str().unwrap_or_default().to_owned();
    if event["dir"] == "c2s" {
        (text("client"), text("server"))
    } else {
        (text("server"), text("client"))
    }
}

/// Samples rewritten with `editcap -s 96` and `-s 128`: every message tshark's dissector finds
/// in the same file (one the uncut file also has, for it reads garbage after cut packets) is
/// found, every header decoded equals the uncut decode's (a timestamp or message stream id
/// only where it is not marked as relative, carried across a gap, or assumed), the truncation
/// is named once and in every summary, and no summary fails for what the capture did not keep.
#[test]
fn snap_length_truncation_decodes_every_header_the_capture_kept() {
    if !common::require("editcap") || !common::require("tshark") || !common::require("python3") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("rtmpscope-snaplen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut totals = (0usize, 0usize, 0usize, 0usize);
    let names = [
        "publish_play.pcap",
        "ipv6.pcap",
        "stream_key.pcap",
        "any_sll2.pcapng",
        "erpt_hevc_opus.pcap",
        "erpt_av1_vp9.pcap",
    ];
    for (name, path) in samples_named(&names) {
        let uncut: Vec<serde_json::Value> = common::json_events(&path, &["--port", "6002"])
            .into_iter()
            .filter(|e| e["event"] == "message")
            .collect();
        let tshark_uncut: std::collections::HashSet<_> =
            tshark_messages(&path).into_iter().collect();
        for snaplen in [96, 128] {
            let cut = dir.join(format!("{snaplen}-{name}"));
            let status = std::process::Command::new("editcap")
                .args(["-s", &snaplen.to_string()])
                .arg(&path)
                .arg(&cut)
                .status()
                .expect("run editcap");
            assert!(status.success());
            let events = common::json_events(&cut, &["--port", "6002"]);
            let notices = events
                .iter()
                .filter(|e| e["code"] == "snap_length_truncated")
                .count();
            assert_eq!(
                notices, 1,
                "{name} -s {snaplen}: the truncation is named once"
            );
            let ours: Vec<&serde_json::Value> =
                events.iter().filter(|e| e["event"] == "message").collect();
            // tshark's messages that are real: the uncut file has them too.
            let tshark_lines = tshark_messages(&cut);
            let real: Vec<_> = tshark_lines
                .iter()
                .filter(|m| tshark_uncut.contains(*m))
                .collect();
            let mut pool: HashMap<(String, String, String, String, String), Vec<u64>> =
                HashMap::new();
            for event in &ours {
                let (src, dst) = ends(event);
                let key = (
                    src,
                    dst,
                    event["csid"].to_string(),
                    event["type_id"].to_string(),
                    event["length"].to_string(),
                );
                pool.entry(key)
                    .or_default()
                    .push(event["frame"].as_u64().unwrap());
            }
            for (frame, src, dst, csid, type_id, length) in &real {
                let key = (
                    src.clone(),
                    dst.clone(),
                    csid.clone(),
                    type_id.clone(),
                    length.clone(),
                );
                let frames = pool.get_mut(&key);
                // Ours completes at that frame, or later when it had to be confirmed first.
                let found = frames.and_then(|f| {
                    let index = f.iter().position(|ours| ours >= frame)?;
                    Some(f.remove(index))
                });
                assert!(
                    found.is_some(),
                    "{name} -s {snaplen}: tshark's message in frame {frame} ({src} -> {dst}, csid {csid}, type {type_id}, {length} B) is missing"
                );
            }
            // Every header ours decoded is the uncut decode's, in order per chunk stream.
            let mut by_stream: HashMap<(String, String, String), Vec<&serde_json::Value>> =
                HashMap::new();
            for event in &uncut {
                let (src, dst) = ends(event);
                by_stream
                    .entry((src, dst, event["csid"].to_string()))
                    .or_default()
                    .push(event);
            }
            let mut next: HashMap<(String, String, String), usize> = HashMap::new();
            let mut exact = 0;
            for event in &ours {
                let (src, dst) = ends(event);
                let key = (src, dst, event["csid"].to_string());
                let list = by_stream.get(&key).map(Vec::as_slice).unwrap_or_default();
                let start = next.get(&key).copied().unwrap_or(0);
                let same = |u: &&serde_json::Value| {
                    u["type_id"] == event["type_id"] && u["length"] == event["length"]
                };
                let position = list[start.min(list.len())..].iter().position(same);
                let Some(position) = position else {
                    panic!("{name} -s {snaplen}: a header the uncut decode does not have: {event}");
                };
                let original = list[start + position];
                next.insert(key, start + position + 1);
                if event.get("msid_assumed").is_none() {
                    assert_eq!(
                        original["msid"], event["msid"],
                        "{name} -s {snaplen}: {event}"
                    );
                }
                let doubtful =
                    event.get("recovered").is_some() || event.get("timestamp_relative").is_some();
                if !doubtful {
                    assert_eq!(
                        original["timestamp"], event["timestamp"],
                        "{name} -s {snaplen}: {event}"
                    );
                    exact += 1;
                }
            }
            // The summary names the truncation and fails for nothing unseen.
            let summaries: Vec<serde_json::Value> =
                common::json_events(&cut, &["--summary", "--port", "6002"])
                    .into_iter()
                    .filter(|e| e["event"] == "session_summary")
                    .collect();
            for summary in &summaries {
                if summary["variant"] != "rtmp" {
                    continue;
                }
                assert!(
                    summary["truncated_bytes"].as_u64().unwrap_or(0) > 0,
                    "{name} -s {snaplen}: {summary}"
                );
                assert_ne!(
                    summary["health"], "failed",
                    "{name} -s {snaplen}: {summary}"
                );
            }
            eprintln!(
                "{name} -s {snaplen}: {} messages decoded (uncut {}), tshark {} ({} real), all found; headers equal the uncut decode's, {exact} with their exact timestamps",
                ours.len(),
                uncut.len(),
                tshark_lines.len(),
                real.len()
            );
            totals.0 += ours.len();
            totals.1 += uncut.len();
            totals.2 += tshark_lines.len();
            totals.3 += real.len();
        }
    }
    eprintln!(
        "in all: {} messages decoded of {} uncut; tshark {} lines, {} real",
        totals.0, totals.1, totals.2, totals.3
    );
    std::fs::remove_dir_all(&dir).ok();
}
