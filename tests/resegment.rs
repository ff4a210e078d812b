//! Faults on real captures, as property tests over every sample:
//! - any re-segmentation, reordering within a window and duplication of the TCP segments
//!   decodes to exactly the same messages (1000 cases, each covering every sample);
//! - a dropped segment gives a gap and a resumed decode, and never a message that was not
//!   sent (every message decoded is one of the original capture's);
//! - a capture cut at any packet decodes what follows, again inventing nothing.

mod common;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;

use proptest::prelude::*;
use rtmpscope::capture::{Next, Source};
use rtmpscope::common::{PacketMeta, Timestamp};
use rtmpscope::net::{decode_frame, Decoded, TcpFlags, TcpSegment};
use rtmpscope::reassembly::Reassembler;
use rtmpscope::session::event::{Event, EventKind, EventSink};
use rtmpscope::session::table::{DecoderConfig, SessionTable};
use rtmpscope::testkit::Dice;

/// A TCP segment owning its payload.
#[derive(Debug, Clone)]
struct Segment {
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
    ack: u32,
    flags: TcpFlags,
    payload: Vec<u8>,
}

/// The TCP segments of a sample, or None if any was cut by the snap length (those cannot be
/// re-cut faithfully).
fn segments(capture: &Path) -> Option<Vec<Segment>> {
    let mut source = Source::open_file(capture, None).expect("open the sample");
    let link = source.link_type();
    let mut out = Vec::new();
    while let Next::Packet(packet) = source.next_packet() {
        if let Decoded::Tcp(s) = decode_frame(link, packet.data) {
            if s.missing > 0 {
                return None;
            }
            out.push(Segment {
                src: s.src,
                dst: s.dst,
                seq: s.seq,
                ack: s.ack,
                flags: s.flags,
                payload: s.payload.to_vec(),
            });
        }
    }
    Some(out)
}

/// Collects each message as direction + the message's JSON, without what depends on packet
/// boundaries or arrival order across directions (frame, time, the reply links).
#[derive(Default)]
struct Messages(Vec<String>);

impl EventSink for Messages {
    fn event(&mut self, event: &Event<'_>) {
        if let EventKind::Message(message) = &event.kind {
            let mut json = serde_json::to_value(&message.message).expect("JSON");
            if let Some(object) = json.as_object_mut() {
                object.remove("reply_to");
                object.remove("reply_to_frame");
            }
            self.0
                .push(format!("#{} {} {json}", event.session, message.dir));
        }
    }
}

/// Decodes segments in the given order; the messages grouped by session and direction (in
/// order within each), since which direction's bytes arrive first is up to the capture.
fn decode(segments: &[Segment]) -> Vec<String> {
    let mut reassembler = Reassembler::default();
    let mut table = SessionTable::new(DecoderConfig::default(), Messages::default());
    let mut meta = PacketMeta::default();
    for segment in segments {
        meta.frame += 1;
        meta.time = Timestamp(1_700_000_000_000_000 + meta.frame as i64 * 100);
        let tcp = TcpSegment {
            src: segment.src,
            dst: segment.dst,
            seq: segment.seq,
            ack: segment.ack,
            flags: segment.flags,
            payload: &segment.payload,
            missing: 0,
            window: 65535,
        };
        reassembler.process(&meta, &tcp, &mut table);
    }
    reassembler.finish(&meta, &mut table);
    let mut messages = table.into_sink().0;
    messages.sort_by_cached_key(|m| m.split(' ').take(2).collect::<Vec<_>>().join(" "));
    messages
}

/// Re-cuts every data segment into 1 to 4 pieces, moves pieces up to `window` places later
/// among the data of the same flow (never past a SYN, FIN or RST), and duplicates some.
/// Pieces carry no ACK, so the reassembler's acknowledged-gap rule stays out of it.
fn resegment(segments: &[Segment], rng: &mut Dice, window: usize) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for segment in segments {
        if segment.payload.is_empty() {
            out.push(segment.clone());
            continue;
        }
        let mut cuts: Vec<usize> = (0..rng.below(4))
            .map(|_| rng.below(segment.payload.len()))
            .collect();
        cuts.push(0);
        cuts.push(segment.payload.len());
        cuts.sort_unstable();
        cuts.dedup();
        for pair in cuts.windows(2) {
            let mut piece = segment.clone();
            piece.seq = segment.seq.wrapping_add(pair[0] as u32);
            piece.payload = segment.payload[pair[0]..pair[1]].to_vec();
            piece.flags.ack = false;
            out.push(piece.clone());
            if rng.chance(5) {
                out.push(piece);
            }
        }
    }
    // Local reordering: bubble a data piece a few places later among the data going the same
    // way. Walked from the end, so no piece is moved twice (each travels at most `window`
    // places).
    let same_direction = |a: &Segment, b: &Segment| a.src == b.src && a.dst == b.dst;
    for index in (0..out.len()).rev() {
        if out[index].payload.is_empty() || !rng.chance(30) {
            continue;
        }
        let places = rng.below(window) + 1;
        for at in index..index + places {
            let Some(next) = out.get(at + 1) else { break };
            let is_control = next.flags.syn || next.flags.fin || next.flags.rst;
            // Reordering stays within one direction of one connection: the order between
            // connections is the application's (an RTMPT tunnel spans several), and an HTTP
            // answer follows its request.
            if !same_direction(next, &out[at]) || is_control {
                break;
            }
            out.swap(at, at + 1);
        }
    }
    out
}

/// Every sample that can be re-cut, with its segments and its messages decoded as captured.
fn originals() -> Vec<(String, Vec<Segment>, Vec<String>)> {
    let originals: Vec<_> = common::samples()
        .iter()
        .filter_map(|path| {
            let segments = segments(path)?;
            let messages = decode(&segments);
            Some((path.display().to_string(), segments, messages))
        })
        .collect();
    assert!(!originals.is_empty(), "no sample can be re-cut");
    originals
}

/// The message without its session and timestamp: what "was sent" means after a cut, where
/// session ids shift and a recovered stream's timestamps may not be known.
fn content(message: &str) -> String {
    let json_start = message.find('{').unwrap_or(0);
    let dir = &message[..json_start];
    let dir = dir.split_whitespace().nth(1).unwrap_or("");
    let mut json: serde_json::Value = serde_json::from_str(&message[json_start..]).expect("JSON");
    if let Some(object) = json.as_object_mut() {
        object.remove("timestamp");
        object.remove("recovered");
    }
    format!("{dir} {json}")
}

fn assert_nothing_invented(name: &str, original: &[String], decoded: &[String], what: &str) {
    let sent: HashSet<String> = original.iter().map(|m| content(m)).collect();
    for message in decoded {
        assert!(
            sent.contains(&content(message)),
            "{name}, {what}: decoded a message that was never sent: {message}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_resegmentation_reordering_and_duplication_decodes_the_same(seed in any::<u64>()) {
        let samples = originals();
        prop_assert!(!samples.is_empty());
        let mut rng = Dice::new(seed);
        for (name, segments, messages) in &samples {
            let shuffled = resegment(segments, &mut rng, 6);
            let decoded = decode(&shuffled);
            let first_difference = decoded.iter().zip(messages.iter()).position(|(a, b)| a != b);
            prop_assert!(
                decoded == *messages,
                "{}: {} messages vs {}; first difference at {:?}: {:?} vs {:?}",
                name,
                decoded.len(),
                messages.len(),
                first_difference,
                first_difference.and_then(|i| decoded.get(i)),
                first_difference.and_then(|i| messages.get(i))
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_dropped_segment_never_makes_up_a_message(pick in any::<prop::sample::Index>()) {
        for (name, segments, messages) in originals() {
            let data: Vec<usize> = (0..segments.len()).filter(|&i| !segments[i].payload.is_empty()).collect();
            let dropped = pick.get(&data);
            let mut cut = segments.clone();
            cut.remove(*dropped);
            let decoded = decode(&cut);
            assert_nothing_invented(&name, &messages, &decoded, &format!("segment {dropped} dropped"));
        }
    }
}

#[test]
fn a_capture_cut_at_any_packet_decodes_what_follows_and_invents_nothing() {
    for (name, segments, messages) in originals() {
        if messages.is_empty() {
            continue; // RTMPE: nothing decodes, before or after a cut
        }
        let mut resumed = 0;
        for start in (1..segments.len()).step_by(3) {
            let decoded = decode(&segments[start..]);
            assert_nothing_invented(
                &name,
                &messages,
                &decoded,
                &format!("cut before segment {start}"),
            );
            resumed += usize::from(!decoded.is_empty());
        }
        assert!(resumed > 0, "{name}: nothing decoded after any cut");
        eprintln!(
            "{name}: {} cuts, {resumed} decoded messages after the cut",
            segments.len().div_ceil(3)
        );
    }
}
