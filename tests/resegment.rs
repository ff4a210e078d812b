//! Faults on real captures, as property tests over every sample:
//! - any re-segmentation, reordering within a window and duplication of the TCP segments
//!   decodes to exactly the same messages (1000 cases, each covering every sample);
//! - a dropped segment gives a gap and a resumed decode, and never a message that was not
//!   sent (every message decoded is one of the original capture's);
//! - a capture cut at any packet decodes what follows, again inventing nothing.

mod common;

use std::collections::HashSet;
use std::path::Path;

use proptest::prelude::*;
use rtmpscope::common::{PacketMeta, Timestamp};
use rtmpscope::net::TcpSegment;
use rtmpscope::reassembly::Reassembler;
use rtmpscope::session::event::{Event, EventKind, EventSink};
use rtmpscope::session::table::{DecoderConfig, SessionTable};
use rtmpscope::testkit::Dice;

/// A TCP segment owning its payload.
type Segment = common::pcap::Segment;

/// The TCP segments of a sample, or None if any was cut by the snap length (those cannot be
/// re-cut faithfully).
fn segments(capture: &Path) -> Option<Vec<Segment>> {
    let segments = common::pcap::tcp_segments(capture);
    segments
        .iter()
        .all(|segment| segment.missing == 0)
        .then_some(segments)
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
                // What is assumed or missing, as the JSON output says it.
                if let serde_json::Value::Object(flags) =
                    serde_json::to_value(message.flags).expect("JSON")
                {
                    object.extend(flags);
                }
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
/// session ids shift, a recovered stream's timestamps may not be known, and a joined stream's
/// timestamps and message stream id are marked as relative and assumed.
fn content(message: &str) -> String {
    let json_start = message.find('{').unwrap_or(0);
    let dir = &message[..json_start];
    let dir = dir.split_whitespace().nth(1).unwrap_or("");
    let mut json: serde_json::Value = serde_json::from_str(&message[json_start..]).expect("JSON");
    if let Some(object) = json.as_object_mut() {
        object.remove("timestamp");
        object.remove("recovered");
        // A stream picked up without its full header: its timestamps count from the first
        // message seen and its message stream id is assumed, both marked.
        object.remove("joined");
        object.remove("timestamp_relative");
        if object.remove("msid_assumed").is_some() {
            object.insert("msid".into(), "assumed".into());
        }
    }
    format!("{dir} {json}")
}

/// The same content with its message stream id left open, for a message whose id was assumed.
fn without_msid(content: &str) -> String {
    let json_start = content.find('{').unwrap_or(0);
    let mut json: serde_json::Value = serde_json::from_str(&content[json_start..]).expect("JSON");
    if let Some(object) = json.as_object_mut() {
        object.insert("msid".into(), "assumed".into());
    }
    format!("{}{json}", &content[..json_start])
}

/// The header fields of a message: all that is claimed of one whose body the capture lacks
/// in part (`missing_bytes`): its body decodes only as far as the bytes captured.
fn header_of(content: &str) -> String {
    let json_start = content.find('{').unwrap_or(0);
    let json: serde_json::Value = serde_json::from_str(&content[json_start..]).expect("JSON");
    let field = |key: &str| json.get(key).map(|v| v.to_string()).unwrap_or_default();
    format!(
        "{} csid {} msid {} type {} length {}",
        &content[..json_start],
        field("csid"),
        field("msid"),
        field("type_id"),
        field("length")
    )
}

fn assert_nothing_invented(name: &str, original: &[String], decoded: &[String], what: &str) {
    let mut sent: HashSet<String> = original.iter().map(|m| content(m)).collect();
    let open_msid: Vec<String> = sent.iter().map(|m| without_msid(m)).collect();
    sent.extend(open_msid);
    let headers: HashSet<String> = sent.iter().map(|m| header_of(m)).collect();
    for message in decoded {
        let content = content(message);
        let known = if content.contains("\"missing_bytes\"") {
            headers.contains(&header_of(&content))
        } else {
            sent.contains(&content)
        };
        assert!(
            known,
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
