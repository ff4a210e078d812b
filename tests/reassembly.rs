//! The reassembler on hand-made flows: packets built with etherparse's PacketBuilder, decoded
//! by rtmpscope's own link/IP/TCP layer, reassembled, and checked against the bytes sent.

use etherparse::PacketBuilder;
use proptest::prelude::*;

use rtmpscope::common::{Direction, Endpoints, PacketMeta, Timestamp};
use rtmpscope::net::{decode_frame, Decoded, LinkType};
use rtmpscope::reassembly::{
    FlowId, GapReason, Reassembler, ReassemblyConfig, StreamEvent, StreamSink,
};

const CLIENT: ([u8; 4], u16) = ([10, 0, 0, 1], 50000);
const SERVER: ([u8; 4], u16) = ([10, 0, 0, 2], 1935);

/// Everything a flow told the sink, flattened.
#[derive(Debug, Default)]
struct Recorder {
    events: Vec<(FlowId, String)>,
    data: [Vec<u8>; 2],
    gaps: Vec<(Direction, u64, GapReason)>,
    endpoints: Option<Endpoints>,
}

impl StreamSink for Recorder {
    fn stream_event(
        &mut self,
        _meta: &PacketMeta,
        flow: FlowId,
        endpoints: &Endpoints,
        event: StreamEvent<'_>,
    ) {
        self.endpoints = Some(*endpoints);
        let label = match event {
            StreamEvent::Open { mid_stream } => format!("open mid_stream={mid_stream}"),
            StreamEvent::Data { dir, bytes } => {
                self.data[dir.index()].extend_from_slice(bytes);
                return;
            }
            StreamEvent::Gap { dir, bytes, reason } => {
                self.gaps.push((dir, bytes, reason));
                format!("gap {dir} {bytes} {reason:?}")
            }
            StreamEvent::Warning { code, .. } => format!("warning {code}"),
            StreamEvent::Network(_) => return,
            StreamEvent::Close { reason, .. } => format!("close {reason:?}"),
        };
        self.events.push((flow, label));
    }
}

/// A TCP segment as an Ethernet frame.
fn frame(from_client: bool, seq: u32, ack: Option<u32>, flags: &str, payload: &[u8]) -> Vec<u8> {
    let (src, dst) = if from_client {
        (CLIENT, SERVER)
    } else {
        (SERVER, CLIENT)
    };
    let mut builder = PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4(src.0, dst.0, 64)
        .tcp(src.1, dst.1, seq, 65535);
    if let Some(ack) = ack {
        builder = builder.ack(ack);
    }
    for flag in flags.chars() {
        builder = match flag {
            'S' => builder.syn(),
            'F' => builder.fin(),
            'R' => builder.rst(),
            'P' => builder.psh(),
            _ => builder,
        };
    }
    let mut out = Vec::new();
    builder.write(&mut out, payload).unwrap();
    out
}

/// Runs frames through decoding and reassembly (frame numbers and times from the order).
fn run(frames: &[Vec<u8>], config: ReassemblyConfig) -> Recorder {
    let mut reassembler = Reassembler::new(config);
    let mut recorder = Recorder::default();
    let mut meta = PacketMeta::default();
    for (index, bytes) in frames.iter().enumerate() {
        meta = PacketMeta {
            frame: index as u64 + 1,
            time: Timestamp(index as i64 * 1000),
        };
        if let Decoded::Tcp(segment) = decode_frame(LinkType::ETHERNET, bytes) {
            reassembler.process(&meta, &segment, &mut recorder);
        }
    }
    reassembler.finish(&meta, &mut recorder);
    recorder
}

const ISN_C: u32 = 1000;
const ISN_S: u32 = 5000;

/// SYN, SYN-ACK, ACK with the given initial sequence numbers.
fn handshake(isn_c: u32, isn_s: u32) -> Vec<Vec<u8>> {
    vec![
        frame(true, isn_c, None, "S", &[]),
        frame(false, isn_s, Some(isn_c.wrapping_add(1)), "S", &[]),
        frame(
            true,
            isn_c.wrapping_add(1),
            Some(isn_s.wrapping_add(1)),
            "",
            &[],
        ),
    ]
}

/// Client data segments `(offset, bytes)` of `message`, relative to the first data byte.
fn client_segments(isn: u32, message: &[u8], cuts: &[(usize, usize)]) -> Vec<Vec<u8>> {
    cuts.iter()
        .map(|&(start, end)| {
            frame(
                true,
                isn.wrapping_add(1).wrapping_add(start as u32),
                Some(ISN_S + 1),
                "P",
                &message[start..end],
            )
        })
        .collect()
}

fn message(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

#[test]
fn in_order_flow_with_fin() {
    let data = message(3000);
    let mut frames = handshake(ISN_C, ISN_S);
    frames.extend(client_segments(
        ISN_C,
        &data,
        &[(0, 1000), (1000, 2000), (2000, 3000)],
    ));
    frames.push(frame(false, ISN_S + 1, Some(ISN_C + 3001), "P", b"reply"));
    frames.push(frame(true, ISN_C + 3001, Some(ISN_S + 6), "F", &[]));
    frames.push(frame(false, ISN_S + 6, Some(ISN_C + 3002), "F", &[]));
    let recorder = run(&frames, ReassemblyConfig::default());
    assert_eq!(recorder.data[0], data);
    assert_eq!(recorder.data[1], b"reply");
    assert!(recorder.gaps.is_empty());
    let labels: Vec<&str> = recorder.events.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(labels, ["open mid_stream=false", "close Fin"]);
    let endpoints = recorder.endpoints.unwrap();
    assert_eq!(endpoints.server.port(), 1935);
}

#[test]
fn out_of_order_duplicated_overlapping_and_one_byte_segments() {
    let data = message(40);
    let mut frames = handshake(ISN_C, ISN_S);
    let cuts = [
        (10, 20),
        (0, 5),
        (5, 10),
        (0, 10),
        (15, 25),
        (25, 26),
        (26, 27),
        (27, 40),
        (30, 35),
    ];
    frames.extend(client_segments(ISN_C, &data, &cuts));
    let recorder = run(&frames, ReassemblyConfig::default());
    assert_eq!(recorder.data[0], data);
    assert!(recorder.gaps.is_empty());
}

#[test]
fn overlap_with_different_bytes_is_a_warning_and_first_copy_wins() {
    let data = message(30);
    let mut frames = handshake(ISN_C, ISN_S);
    frames.extend(client_segments(ISN_C, &data, &[(10, 30)]));
    let mut altered = data.clone();
    altered[15] ^= 0xFF;
    frames.extend(client_segments(ISN_C, &altered, &[(0, 20)]));
    let recorder = run(&frames, ReassemblyConfig::default());
    assert_eq!(
        recorder.data[0], data,
        "the first copy of bytes 10..20 wins"
    );
    assert!(recorder
        .events
        .iter()
        .any(|(_, l)| l == "warning tcp_overlap_mismatch"));
}

#[test]
fn dropped_segment_becomes_an_acked_gap_and_delivery_goes_on() {
    let data = message(3000);
    let mut frames = handshake(ISN_C, ISN_S);
    frames.extend(client_segments(ISN_C, &data, &[(0, 1000), (2000, 3000)]));
    // The server acknowledges everything, so the missing 1000 bytes will never come.
    for _ in 0..20 {
        frames.push(frame(false, ISN_S + 1, Some(ISN_C + 3001), "", &[]));
    }
    frames.extend(client_segments(ISN_C, &message(3100)[3000..], &[]));
    let recorder = run(&frames, ReassemblyConfig::default());
    assert_eq!(
        recorder.gaps,
        [(Direction::ClientToServer, 1000, GapReason::Acked)]
    );
    let mut expected = data[..1000].to_vec();
    expected.extend_from_slice(&data[2000..]);
    assert_eq!(recorder.data[0], expected);
}

#[test]
fn sequence_numbers_wrap_around() {
    let isn = 0xFFFF_FF00;
    let data = message(1000);
    let mut frames = handshake(isn, ISN_S);
    frames.extend(client_segments(
        isn,
        &data,
        &[(0, 100), (300, 1000), (100, 300)],
    ));
    let recorder = run(&frames, ReassemblyConfig::default());
    assert_eq!(recorder.data[0], data);
    assert!(recorder.gaps.is_empty());
}

#[test]
fn mid_stream_start_guesses_roles_from_ports() {
    let data = message(500);
    // No handshake: the first packet seen is server data, then client data.
    let frames = vec![
        frame(false, 9000, Some(ISN_C + 1), "P", b"server first"),
        frame(true, ISN_C + 1, Some(9012), "P", &data),
    ];
    let recorder = run(&frames, ReassemblyConfig::default());
    assert_eq!(recorder.events[0].1, "open mid_stream=true");
    let endpoints = recorder.endpoints.unwrap();
    assert_eq!(endpoints.server.port(), 1935, "1935 is taken as the server");
    assert_eq!(recorder.data[0], data);
    assert_eq!(recorder.data[1], b"server first");
}

#[test]
fn rst_closes_and_reports_holes() {
    let data = message(300);
    let mut frames = handshake(ISN_C, ISN_S);
    frames.extend(client_segments(ISN_C, &data, &[(0, 100), (200, 300)]));
    frames.push(frame(false, ISN_S + 1, None, "R", &[]));
    frames.extend(client_segments(ISN_C, &data, &[(100, 200)]));
    let recorder = run(&frames, ReassemblyConfig::default());
    assert_eq!(
        recorder.gaps,
        [(Direction::ClientToServer, 100, GapReason::Closed)]
    );
    let labels: Vec<&str> = recorder.events.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(labels.last(), Some(&"close Rst"));
    assert_eq!(
        labels.iter().filter(|l| l.starts_with("open")).count(),
        1,
        "late data opens no ghost flow"
    );
}

#[test]
fn truncated_packets_deliver_what_was_captured_and_a_gap() {
    let data = message(1000);
    let mut frames = handshake(ISN_C, ISN_S);
    let mut cut = client_segments(ISN_C, &data, &[(0, 1000)]).remove(0);
    cut.truncate(14 + 20 + 20 + 30); // Ethernet + IPv4 + TCP + 30 payload bytes
    frames.push(cut);
    frames.extend(client_segments(ISN_C, &message(1010), &[(1000, 1010)]));
    let recorder = run(&frames, ReassemblyConfig::default());
    assert_eq!(
        recorder.gaps,
        [(Direction::ClientToServer, 970, GapReason::Truncated)]
    );
    assert_eq!(recorder.data[0].len(), 40);
}

#[test]
fn per_direction_cap_forces_a_gap() {
    let data = message(10_000);
    let mut frames = handshake(ISN_C, ISN_S);
    let cuts: Vec<(usize, usize)> = (1..10).map(|i| (i * 1000, i * 1000 + 1000)).collect();
    frames.extend(client_segments(ISN_C, &data, &cuts));
    let config = ReassemblyConfig {
        max_buffered_per_direction: 4000,
        ..ReassemblyConfig::default()
    };
    let recorder = run(&frames, config);
    assert_eq!(
        recorder.gaps[0],
        (Direction::ClientToServer, 1000, GapReason::BufferFull)
    );
    assert_eq!(recorder.data[0], data[1000..]);
}

#[test]
fn the_global_memory_cap_bounds_held_bytes() {
    // Ten flows each holding 3000 out-of-order bytes, with a 10 000-byte global cap.
    let mut reassembler = Reassembler::new(ReassemblyConfig {
        memcap: 10_000,
        ..ReassemblyConfig::default()
    });
    let mut recorder = Recorder::default();
    for flow in 0..10u16 {
        let mut out = Vec::new();
        PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4(CLIENT.0, SERVER.0, 64)
            .tcp(40000 + flow, SERVER.1, 1_000_000, 1024)
            .write(&mut out, &[1; 10])
            .unwrap();
        let mut later = Vec::new();
        PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4(CLIENT.0, SERVER.0, 64)
            .tcp(40000 + flow, SERVER.1, 1_000_100, 1024)
            .write(&mut later, &[2; 3000])
            .unwrap();
        for bytes in [out, later] {
            if let Decoded::Tcp(segment) = decode_frame(LinkType::ETHERNET, &bytes) {
                reassembler.process(
                    &PacketMeta {
                        frame: 1,
                        time: Timestamp(0),
                    },
                    &segment,
                    &mut recorder,
                );
            }
            assert!(reassembler.held_bytes() <= 10_000 + 3000);
        }
    }
    assert!(recorder.gaps.iter().any(|g| g.2 == GapReason::MemoryCap));
}

#[test]
fn idle_flows_time_out() {
    let mut frames = handshake(ISN_C, ISN_S);
    frames.extend(client_segments(ISN_C, b"hello", &[(0, 5)]));
    let mut reassembler = Reassembler::new(ReassemblyConfig {
        idle_timeout_micros: 5_000_000,
        ..ReassemblyConfig::default()
    });
    let mut recorder = Recorder::default();
    for (i, bytes) in frames.iter().enumerate() {
        let meta = PacketMeta {
            frame: i as u64 + 1,
            time: Timestamp(0),
        };
        if let Decoded::Tcp(segment) = decode_frame(LinkType::ETHERNET, bytes) {
            reassembler.process(&meta, &segment, &mut recorder);
        }
    }
    // Other connections, 10 s and 40 s later, trigger the idle checks: past one timeout the
    // flow goes dormant (it may still resume), past six it is closed.
    for (port_bit, seconds) in [(1, 10), (2, 40)] {
        let mut later = frame(true, 1, None, "S", &[]);
        later[37] ^= port_bit; // change the client port: a different flow
        if let Decoded::Tcp(segment) = decode_frame(LinkType::ETHERNET, &later) {
            reassembler.process(
                &PacketMeta {
                    frame: 8 + port_bit as u64,
                    time: Timestamp(seconds * 1_000_000),
                },
                &segment,
                &mut recorder,
            );
        }
        let closed = recorder
            .events
            .iter()
            .any(|(id, l)| id.0 == 1 && l == "close Timeout");
        assert_eq!(
            closed,
            seconds > 30,
            "at {seconds} s: {:?}",
            recorder.events
        );
    }
    assert!(
        recorder
            .events
            .iter()
            .any(|(id, l)| id.0 == 1 && l == "close Timeout"),
        "{:?}",
        recorder.events
    );
}

#[test]
fn syn_flood_stays_within_max_flows() {
    let mut reassembler = Reassembler::new(ReassemblyConfig {
        max_flows: 10_000,
        ..ReassemblyConfig::default()
    });
    let mut recorder = Recorder::default();
    for i in 0..200_000u32 {
        let src = ([10, (i >> 16) as u8, (i >> 8) as u8, i as u8], 40000);
        let mut out = Vec::new();
        PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4(src.0, SERVER.0, 64)
            .tcp(src.1, SERVER.1, i, 1024)
            .syn()
            .write(&mut out, &[])
            .unwrap();
        if let Decoded::Tcp(segment) = decode_frame(LinkType::ETHERNET, &out) {
            reassembler.process(
                &PacketMeta {
                    frame: u64::from(i),
                    time: Timestamp(0),
                },
                &segment,
                &mut recorder,
            );
        }
        assert!(reassembler.flow_count() <= 10_000);
    }
    assert_eq!(reassembler.stats().evictions, 190_000);
    let evicted = recorder
        .events
        .iter()
        .filter(|(_, l)| l == "close Evicted")
        .count();
    assert_eq!(evicted, 190_000);
}

/// Cuts `len` bytes into segments at the given cut points (sorted, deduplicated).
fn cut_points(len: usize, mut points: Vec<usize>) -> Vec<(usize, usize)> {
    points.retain(|&p| p > 0 && p < len);
    points.sort_unstable();
    points.dedup();
    let mut bounds = vec![0];
    bounds.extend(points);
    bounds.push(len);
    bounds.windows(2).map(|w| (w[0], w[1])).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Any segmentation, shuffled within a window, with duplicates and overlapping re-cuts,
    /// reassembles to exactly the original bytes with no gap.
    #[test]
    fn any_segmentation_reassembles_exactly(
        len in 1usize..4000,
        points in proptest::collection::vec(0usize..4000, 0..40),
        swaps in proptest::collection::vec((0usize..64, 1usize..6), 0..30),
        duplicates in proptest::collection::vec((0usize..4000, 1usize..300), 0..10),
        isn in any::<u32>(),
    ) {
        let data = message(len);
        let mut cuts = cut_points(len, points);
        for (start, size) in duplicates {
            let start = start % len;
            cuts.push((start, (start + size).min(len)));
        }
        for (index, distance) in swaps {
            if cuts.len() > 1 {
                let a = index % cuts.len();
                let b = (a + distance).min(cuts.len() - 1);
                cuts.swap(a, b);
            }
        }
        let mut frames = handshake(isn, ISN_S);
        frames.extend(client_segments(isn, &data, &cuts));
        let recorder = run(&frames, ReassemblyConfig::default());
        prop_assert!(recorder.gaps.is_empty());
        prop_assert_eq!(recorder.data[0].clone(), data);
    }

    /// Dropping one segment gives exactly one gap of its size, and every other byte in order.
    #[test]
    fn one_dropped_segment_is_one_gap(
        len in 2usize..3000,
        points in proptest::collection::vec(1usize..3000, 1..20),
        drop in any::<prop::sample::Index>(),
    ) {
        let data = message(len);
        let mut cuts = cut_points(len, points);
        prop_assume!(cuts.len() >= 2);
        let dropped = cuts.remove(drop.index(cuts.len()));
        let mut frames = handshake(ISN_C, ISN_S);
        frames.extend(client_segments(ISN_C, &data, &cuts));
        // A FIN marks the end, so a lost last segment is a hole too.
        frames.push(frame(true, ISN_C + 1 + len as u32, Some(ISN_S + 1), "F", &[]));
        let recorder = run(&frames, ReassemblyConfig::default());
        let size = (dropped.1 - dropped.0) as u64;
        let mut expected = data[..dropped.0].to_vec();
        expected.extend_from_slice(&data[dropped.1..]);
        prop_assert_eq!(recorder.data[0].clone(), expected);
        prop_assert_eq!(recorder.gaps.len(), 1);
        prop_assert_eq!(recorder.gaps[0].1, size);
    }
}
