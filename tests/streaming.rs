//! Streaming property on real captures: the reassembled byte streams of every sample, fed to
//! the session decoder whole, one byte at a time, or in random pieces, give exactly the same
//! events (same JSON). Samples with a TLS key log next to them (NAME.keys) or inside (pcapng)
//! are decrypted while at it.

mod common;

use std::path::Path;

use proptest::prelude::*;

use rtmpscope::capture::secrets::load_tls_keys;
use rtmpscope::capture::{Next, Source};
use rtmpscope::common::{Endpoints, PacketMeta};
use rtmpscope::net::{decode_frame, Decoded};
use rtmpscope::reassembly::{FlowId, Reassembler, StreamEvent, StreamSink};
use rtmpscope::session::event::{Event, EventSink};
use rtmpscope::session::table::{DecoderConfig, SessionTable};

/// One recorded stream event, owning its bytes.
#[derive(Debug, Clone)]
enum Recorded {
    Open(bool),
    Data(rtmpscope::common::Direction, Vec<u8>),
    Gap(
        rtmpscope::common::Direction,
        u64,
        rtmpscope::reassembly::GapReason,
    ),
    Close(rtmpscope::reassembly::CloseReason),
}

#[derive(Default)]
struct Recorder(Vec<(PacketMeta, FlowId, Endpoints, Recorded)>);

impl StreamSink for Recorder {
    fn stream_event(
        &mut self,
        meta: &PacketMeta,
        flow: FlowId,
        endpoints: &Endpoints,
        event: StreamEvent<'_>,
    ) {
        let recorded = match event {
            StreamEvent::Open { mid_stream } => Recorded::Open(mid_stream),
            StreamEvent::Data { dir, bytes } => Recorded::Data(dir, bytes.to_vec()),
            StreamEvent::Gap { dir, bytes, reason } => Recorded::Gap(dir, bytes, reason),
            StreamEvent::Warning { .. } | StreamEvent::Network(_) => return,
            StreamEvent::Close { reason, .. } => Recorded::Close(reason),
        };
        self.0.push((*meta, flow, *endpoints, recorded));
    }
}

/// The stream events of a capture.
fn record(capture: &Path) -> Vec<(PacketMeta, FlowId, Endpoints, Recorded)> {
    let mut source = Source::open_file(capture, None).unwrap();
    let link = source.link_type();
    let mut reassembler = Reassembler::default();
    let mut recorder = Recorder::default();
    let mut meta = PacketMeta::default();
    while let Next::Packet(packet) = source.next_packet() {
        meta = PacketMeta {
            frame: meta.frame + 1,
            time: packet.time,
        };
        if let Decoded::Tcp(segment) = decode_frame(link, packet.data) {
            reassembler.process(&meta, &segment, &mut recorder);
        }
    }
    reassembler.finish(&meta, &mut recorder);
    recorder.0
}

#[derive(Default)]
struct JsonLines(Vec<String>);

impl EventSink for JsonLines {
    fn event(&mut self, event: &Event<'_>) {
        self.0.push(serde_json::to_string(event).unwrap());
    }
}

/// Replays recorded events into a fresh session table, cutting each data event into pieces
/// of the sizes given (cycled).
fn replay(
    recorded: &[(PacketMeta, FlowId, Endpoints, Recorded)],
    pieces: &[usize],
    config: &DecoderConfig,
) -> Vec<String> {
    let mut table = SessionTable::new(config.clone(), JsonLines::default());
    let mut sizes = pieces.iter().cycle();
    for (meta, flow, endpoints, event) in recorded {
        match event {
            Recorded::Open(mid_stream) => table.stream_event(
                meta,
                *flow,
                endpoints,
                StreamEvent::Open {
                    mid_stream: *mid_stream,
                },
            ),
            Recorded::Data(dir, bytes) => {
                let mut rest = bytes.as_slice();
                while !rest.is_empty() {
                    let size = (*sizes.next().unwrap()).clamp(1, rest.len());
                    let (piece, tail) = rest.split_at(size);
                    table.stream_event(
                        meta,
                        *flow,
                        endpoints,
                        StreamEvent::Data {
                            dir: *dir,
                            bytes: piece,
                        },
                    );
                    rest = tail;
                }
            }
            Recorded::Gap(dir, bytes, reason) => table.stream_event(
                meta,
                *flow,
                endpoints,
                StreamEvent::Gap {
                    dir: *dir,
                    bytes: *bytes,
                    reason: *reason,
                },
            ),
            Recorded::Close(reason) => table.stream_event(
                meta,
                *flow,
                endpoints,
                StreamEvent::Close {
                    reason: *reason,
                    network: Default::default(),
                },
            ),
        }
    }
    table.into_sink().0
}

#[test]
fn byte_at_a_time_equals_whole_on_every_sample() {
    for capture in common::samples()
        .into_iter()
        .chain(common::shared_captures())
    {
        let recorded = record(&capture);
        let config = config_for(&capture);
        let whole = replay(&recorded, &[usize::MAX], &config);
        let bytewise = replay(&recorded, &[1], &config);
        assert_same(&whole, &bytewise, &capture.display().to_string());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_pieces_equal_whole(pieces in prop::collection::vec(1usize..2000, 1..16)) {
        let capture = common::samples().into_iter().find(|p| p.ends_with("publish_play.pcap")).unwrap();
        let recorded = record(&capture);
        let config = DecoderConfig::default();
        let whole = replay(&recorded, &[usize::MAX], &config);
        let pieced = replay(&recorded, &pieces, &config);
        prop_assert!(whole == pieced, "first difference at event {:?}", first_difference(&whole, &pieced));
    }
}

/// The decoders' settings for a capture: its TLS key log (NAME.keys next to it) and its own
/// Decryption Secrets Blocks.
fn config_for(capture: &Path) -> DecoderConfig {
    let keys: Vec<_> = Some(capture.with_extension("keys"))
        .filter(|path| path.exists())
        .into_iter()
        .collect();
    DecoderConfig {
        tls_keys: std::sync::Arc::new(load_tls_keys(&keys, Some(capture)).unwrap()),
        ..DecoderConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn decrypted_rtmps_in_random_pieces_equals_whole(pieces in prop::collection::vec(1usize..3000, 1..16)) {
        let capture = common::samples_dir().join("rtmps_chacha.pcap");
        let recorded = record(&capture);
        let config = config_for(&capture);
        let whole = replay(&recorded, &[usize::MAX], &config);
        prop_assert!(whole.iter().filter(|e| e.contains("\"variant\":\"rtmps\"") && e.contains("\"event\":\"message\"")).count() > 100);
        let pieced = replay(&recorded, &pieces, &config);
        prop_assert!(whole == pieced, "first difference at event {:?}", first_difference(&whole, &pieced));
    }
}

fn first_difference(a: &[String], b: &[String]) -> Option<(usize, String, String)> {
    let index = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i))?;
    Some((
        index,
        a.get(index).cloned().unwrap_or_default(),
        b.get(index).cloned().unwrap_or_default(),
    ))
}

/// Asserts equality, showing only the first differing event.
fn assert_same(a: &[String], b: &[String], what: &str) {
    if let Some((index, left, right)) = first_difference(a, b) {
        panic!("{what}: event {index} differs:\n whole:    {left}\n in pieces: {right}");
    }
}
