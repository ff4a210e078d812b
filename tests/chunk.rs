//! The chunk demultiplexer against a test-only chunk encoder that writes headers the way real
//! senders do (formats 0 to 3, extended timestamps, interleaved chunk streams), fed whole, one
//! byte at a time and in random pieces.

use std::collections::{BTreeMap, VecDeque};

use proptest::prelude::*;

use rtmpscope::rtmp::chunk::{ChunkConfig, ChunkDemuxer, ChunkEvent};
use rtmpscope::rtmp::message::{MessageHeader, MessageTypeId};
use rtmpscope::testkit::{amf0_body, Amf};

/// A message to send: chunk stream, stream id, absolute timestamp, type, body.
#[derive(Debug, Clone, PartialEq)]
struct Msg {
    csid: u32,
    msid: u32,
    timestamp: u32,
    type_id: u8,
    payload: Vec<u8>,
}

/// What the encoder remembers per chunk stream to choose header formats.
#[derive(Default, Clone)]
struct SenderState {
    known: bool,
    msid: u32,
    length: u32,
    type_id: u8,
    timestamp: u32,
    delta: Option<u32>,
}

fn basic_header(out: &mut Vec<u8>, fmt: u8, csid: u32) {
    match csid {
        2..=63 => out.push((fmt << 6) | csid as u8),
        64..=319 => out.extend_from_slice(&[fmt << 6, (csid - 64) as u8]),
        _ => out.extend_from_slice(&[
            (fmt << 6) | 1,
            ((csid - 64) & 0xFF) as u8,
            ((csid - 64) >> 8) as u8,
        ]),
    }
}

fn u24(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_be_bytes()[1..]);
}

/// Splits messages into chunks of `chunk_size`, round-robin across chunk streams when
/// `interleave`, writing format 0/1/2/3 headers as a sender tracking its state would.
/// `repeat_extended` repeats an extended timestamp on continuation chunks (the specification);
/// otherwise it is omitted there (some encoders).
fn encode(messages: &[Msg], chunk_size: usize, interleave: bool, repeat_extended: bool) -> Vec<u8> {
    let mut queues: BTreeMap<u32, VecDeque<&Msg>> = BTreeMap::new();
    let mut order = Vec::new();
    for m in messages {
        queues.entry(m.csid).or_default().push_back(m);
        order.push(m.csid);
    }
    let mut states: BTreeMap<u32, SenderState> = BTreeMap::new();
    let mut out = Vec::new();
    // Chunks of the message in progress per chunk stream: (fmt-3 continuation chunks left).
    let mut in_progress: BTreeMap<u32, (VecDeque<Vec<u8>>, Option<u32>)> = BTreeMap::new();
    let mut turn = order.into_iter();
    loop {
        let active: Vec<u32> = in_progress.keys().copied().collect();
        let next_csid = if interleave && !active.is_empty() && active.len() >= 2 {
            active[out.len() % active.len()]
        } else if let Some(&csid) = active.first() {
            csid
        } else {
            match turn.next() {
                Some(csid) => csid,
                None => break,
            }
        };
        if let Some((chunks, extended)) = in_progress.get_mut(&next_csid) {
            let chunk = chunks.pop_front().unwrap();
            basic_header(&mut out, 3, next_csid);
            if let (Some(ext), true) = (extended, repeat_extended) {
                out.extend_from_slice(&ext.to_be_bytes());
            }
            out.extend_from_slice(&chunk);
            if chunks.is_empty() {
                in_progress.remove(&next_csid);
            }
            continue;
        }
        let message = queues.get_mut(&next_csid).unwrap().pop_front().unwrap();
        let state = states.entry(message.csid).or_default();
        let length = message.payload.len() as u32;
        let delta = message.timestamp.wrapping_sub(state.timestamp);
        let fmt = if !state.known || message.msid != state.msid {
            0
        } else if message.type_id != state.type_id || length != state.length {
            1
        } else if state.delta == Some(delta) {
            3
        } else {
            2
        };
        let field = if fmt == 0 { message.timestamp } else { delta };
        let extended = (field >= 0xFF_FFFF).then_some(field);
        basic_header(&mut out, fmt, message.csid);
        if fmt <= 2 {
            u24(&mut out, extended.map_or(field, |_| 0xFF_FFFF));
            if fmt <= 1 {
                u24(&mut out, length);
                out.push(message.type_id);
            }
            if fmt == 0 {
                out.extend_from_slice(&message.msid.to_le_bytes());
            }
            if let Some(ext) = extended {
                out.extend_from_slice(&ext.to_be_bytes());
            }
        }
        let continuation_extended = if fmt == 3 { None } else { extended };
        *state = SenderState {
            known: true,
            msid: message.msid,
            length,
            type_id: message.type_id,
            timestamp: message.timestamp,
            delta: if fmt == 0 { Some(0) } else { Some(delta) },
        };
        let mut chunks: VecDeque<Vec<u8>> = message
            .payload
            .chunks(chunk_size)
            .map(<[u8]>::to_vec)
            .collect();
        out.extend_from_slice(&chunks.pop_front().unwrap_or_default());
        if !chunks.is_empty() {
            in_progress.insert(message.csid, (chunks, continuation_extended));
        }
    }
    out
}

/// Feeds `bytes` in the given piece sizes (cycled) and collects messages and warnings.
fn demux(
    bytes: &[u8],
    pieces: &[usize],
    config: ChunkConfig,
    chunk_size: u32,
) -> (Vec<Msg>, Vec<String>) {
    let mut demuxer = ChunkDemuxer::new(config);
    let mut messages = Vec::new();
    let mut warnings = Vec::new();
    let mut on_event = |event: ChunkEvent<'_>| match event {
        ChunkEvent::Message {
            header, payload, ..
        } => messages.push(Msg {
            csid: header.csid,
            msid: header.msid,
            timestamp: header.timestamp,
            type_id: header.type_id.0,
            payload: payload.to_vec(),
        }),
        ChunkEvent::Warning { code, .. } => warnings.push(code.to_string()),
    };
    if chunk_size != 128 {
        // The peer announced its chunk size first.
        let mut set = vec![0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0];
        set.extend_from_slice(&chunk_size.to_be_bytes());
        demuxer.feed(&set, &mut on_event);
    }
    let mut rest = bytes;
    let mut sizes = pieces.iter().cycle();
    while !rest.is_empty() {
        let size = sizes
            .next()
            .copied()
            .unwrap_or(rest.len())
            .clamp(1, rest.len());
        let (piece, tail) = rest.split_at(size);
        demuxer.feed(piece, &mut on_event);
        rest = tail;
    }
    if chunk_size != 128 {
        messages.remove(0);
    }
    (messages, warnings)
}

fn keep_all() -> ChunkConfig {
    ChunkConfig {
        keep_media_payloads: true,
        ..ChunkConfig::default()
    }
}

fn msg(csid: u32, timestamp: u32, type_id: u8, len: usize) -> Msg {
    Msg {
        csid,
        msid: 1,
        timestamp,
        type_id,
        payload: (0..len).map(|i| (i * 31 + csid as usize) as u8).collect(),
    }
}

#[test]
fn single_format_0_message() {
    // fmt 0, csid 3 | timestamp 1000 | length 4 | type 20 | msid 0 (LE) | body
    let bytes = [
        0x03, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x04, 0x14, 0, 0, 0, 0, 0xAA, 0xBB, 0xCC, 0xDD,
    ];
    let (messages, warnings) = demux(&bytes, &[bytes.len()], keep_all(), 128);
    assert!(warnings.is_empty());
    assert_eq!(
        messages,
        [Msg {
            csid: 3,
            msid: 0,
            timestamp: 1000,
            type_id: 20,
            payload: vec![0xAA, 0xBB, 0xCC, 0xDD]
        }]
    );
}

#[test]
fn every_basic_header_form() {
    let messages = vec![
        msg(2, 0, 8, 10),
        msg(63, 5, 9, 10),
        msg(64, 7, 9, 10),
        msg(319, 9, 18, 10),
        msg(320, 11, 20, 300),
        msg(65599, 13, 8, 10),
    ];
    let bytes = encode(&messages, 128, false, true);
    for pieces in [vec![bytes.len()], vec![1], vec![3, 7, 1]] {
        assert_eq!(demux(&bytes, &pieces, keep_all(), 128).0, messages);
    }
}

#[test]
fn format_1_2_3_and_delta_repeat() {
    // Same stream: 1st fmt 0, 2nd fmt 1 (new length), 3rd fmt 2 (new delta), 4th fmt 3 (same delta).
    let messages = vec![
        msg(4, 1000, 9, 50),
        msg(4, 1040, 9, 60),
        msg(4, 1100, 9, 60),
        msg(4, 1160, 9, 60),
    ];
    let bytes = encode(&messages, 128, false, true);
    assert_eq!(bytes[0] >> 6, 0);
    assert_eq!(demux(&bytes, &[1], keep_all(), 128).0, messages);
}

#[test]
fn extended_timestamps_both_conventions() {
    // The final message resolves the end-of-stream ambiguity of the omitting convention.
    let messages = vec![
        msg(4, 0x0100_0000, 9, 300),
        msg(4, 0x0100_0000 + 40, 9, 300),
        msg(5, 0xFFFF_FFF0, 8, 200),
        msg(6, 0, 20, 5),
    ];
    for repeat in [true, false] {
        let bytes = encode(&messages, 128, false, repeat);
        assert_eq!(
            demux(&bytes, &[1], keep_all(), 128).0,
            messages,
            "repeat on continuation: {repeat}"
        );
    }
}

#[test]
fn interleaved_chunk_streams() {
    let messages = vec![
        msg(4, 0, 9, 1000),
        msg(6, 0, 8, 700),
        msg(5, 0, 20, 300),
        msg(4, 40, 9, 900),
    ];
    let bytes = encode(&messages, 128, true, true);
    let (mut got, _) = demux(&bytes, &[5], keep_all(), 128);
    let mut expected = messages.clone();
    let key = |m: &Msg| (m.csid, m.timestamp);
    got.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(got, expected);
}

#[test]
fn set_chunk_size_takes_effect_for_later_chunks() {
    let big = msg(6, 0, 9, 10_000);
    let bytes = encode(std::slice::from_ref(&big), 4096, false, true);
    let (messages, _) = demux(&bytes, &[333], keep_all(), 4096);
    assert_eq!(messages, [big]);
}

#[test]
fn abort_discards_the_partial_message() {
    let mut bytes = Vec::new();
    // fmt 0 csid 6: a 300-byte video message, first chunk only (128 bytes).
    bytes.extend_from_slice(&[0x06, 0, 0, 0, 0x00, 0x01, 0x2C, 0x09, 1, 0, 0, 0]);
    bytes.extend_from_slice(&[7; 128]);
    // Abort Message (type 2) for csid 6 on csid 2.
    bytes.extend_from_slice(&[0x02, 0, 0, 0, 0, 0, 4, 0x02, 0, 0, 0, 0, 0, 0, 0, 6]);
    // A new 3-byte message on csid 6.
    bytes.extend_from_slice(&[0x06, 0, 0, 0, 0, 0, 3, 0x09, 1, 0, 0, 0, 1, 2, 3]);
    let (messages, _) = demux(&bytes, &[bytes.len()], keep_all(), 128);
    let kinds: Vec<(u32, u8, usize)> = messages
        .iter()
        .map(|m| (m.csid, m.type_id, m.payload.len()))
        .collect();
    assert_eq!(kinds, [(2, 2, 4), (6, 9, 3)]);
}

#[test]
fn media_payloads_are_cut_to_a_prefix_unless_asked() {
    let video = msg(6, 0, 9, 5000);
    let bytes = encode(std::slice::from_ref(&video), 128, false, true);
    let (messages, _) = demux(&bytes, &[bytes.len()], ChunkConfig::default(), 128);
    assert_eq!(messages[0].payload, video.payload[..64]);
}

#[test]
fn too_many_chunk_streams_stay_bounded() {
    // 65 599 chunk streams each announcing a 16 MiB message and sending one chunk of it.
    let mut bytes = Vec::new();
    for csid in 2..65_600u32 {
        basic_header(&mut bytes, 0, csid);
        bytes.extend_from_slice(&[0, 0, 0, 0xFF, 0xFF, 0xFF, 0x09, 1, 0, 0, 0]);
        bytes.extend_from_slice(&[0u8; 128]);
    }
    let config = ChunkConfig {
        max_chunk_streams: 1024,
        ..ChunkConfig::default()
    };
    let (messages, warnings) = demux(&bytes, &[4096], config, 128);
    assert!(messages.is_empty());
    assert_eq!(
        warnings
            .iter()
            .filter(|w| *w == "chunk_streams_limit")
            .count(),
        65_598 - 1024
    );
}

#[test]
fn partial_bytes_budget_skips_oversized_messages() {
    let big = msg(5, 0, 18, 70_000);
    let small = msg(3, 0, 20, 10);
    let bytes = encode(&[big, small.clone()], 60_000, false, true);
    let config = ChunkConfig {
        max_partial_bytes: 65_536,
        ..keep_all()
    };
    let (messages, warnings) = demux(&bytes, &[1000], config, 60_000);
    assert_eq!(messages, [small]);
    assert_eq!(warnings, ["chunk_partial_bytes_limit"]);
}

#[test]
fn a_hole_inside_a_body_is_skipped_exactly_and_decoding_stays_in_sync() {
    let command = padded_command;
    let messages = vec![
        command(0, 100),
        msg(6, 0, 9, 1000),
        command(10, 90),
        command(20, 80),
    ];
    let bytes = encode(&messages, 128, false, true);
    // The video message's 12-byte header starts at 112; its chunks are 128 bytes each with a
    // one-byte continuation header between them. Lose 50 bytes inside its third chunk, and
    // separately 150 bytes that span a continuation header (149 body bytes + 1 header byte).
    for (cut_at, lost, missing) in [
        (112 + 12 + 129 * 2 + 10, 50, 50),
        (112 + 12 + 100, 150, 149),
    ] {
        let mut demuxer = ChunkDemuxer::new(keep_all());
        let mut got = Vec::new();
        let mut warnings = Vec::new();
        let mut on_event = |event: ChunkEvent<'_>| match event {
            ChunkEvent::Message {
                header,
                payload,
                flags,
            } => got.push((header.csid, header.length, payload.len(), flags)),
            ChunkEvent::Warning { code, .. } => warnings.push(code.to_string()),
        };
        demuxer.feed(&bytes[..cut_at], &mut on_event);
        demuxer.gap(lost as u64, &mut on_event);
        demuxer.feed(&bytes[cut_at + lost..], &mut on_event);
        assert!(warnings.is_empty(), "no resync: {warnings:?}");
        assert_eq!(got.len(), 4, "{got:?}");
        let (csid, length, kept, flags) = got[1];
        assert_eq!((csid, length), (6, 1000));
        assert_eq!(flags.missing_bytes, missing, "exactly the body bytes lost");
        // The body kept stops at the hole: nothing after it is joined to what came before.
        assert_eq!(kept, cut_at - 112 - 12 - (cut_at - 112 - 12) / 129);
        assert!(!flags.recovered && !flags.joined);
        // The next messages decode without a search, timestamps intact.
        assert_eq!(got[3].3, Default::default());
    }
}

#[test]
fn a_hole_over_a_message_start_loses_the_position_and_finds_it_again() {
    let command = padded_command;
    let mut messages = vec![command(0, 100), msg(6, 0, 9, 1000)];
    for i in 0..8 {
        messages.push(command(10 + i, 90 - i as usize));
    }
    let bytes = encode(&messages, 128, false, true);
    // Lose the end of the video message and the start of the first command after it.
    let video_end = 112 + 12 + 1000 + 7;
    let (cut_at, lost) = (video_end - 20, 40);
    let mut demuxer = ChunkDemuxer::new(keep_all());
    let mut got = Vec::new();
    let mut on_event = |event: ChunkEvent<'_>| {
        if let ChunkEvent::Message {
            header,
            payload,
            flags,
        } = event
        {
            got.push((header.csid, payload.to_vec(), flags));
        }
    };
    demuxer.feed(&bytes[..cut_at], &mut on_event);
    demuxer.gap(lost, &mut on_event);
    demuxer.feed(&bytes[cut_at + lost as usize..], &mut on_event);
    // The video message's extent was known: reported with the 20 bytes it misses.
    assert_eq!(got[1].0, 6);
    assert_eq!(got[1].2.missing_bytes, 20);
    // Whatever follows is real, and decoding resumed.
    for (_, body, _) in &got {
        assert!(
            messages.iter().any(|m| m.payload.starts_with(body)),
            "a message was made up"
        );
    }
    assert!(got.len() >= 6, "decoding resumed: {}", got.len());
}

#[test]
fn mid_stream_start_finds_the_next_message() {
    let mut messages = Vec::new();
    for i in 0..20u32 {
        // Alternating stream ids give each command a format-0 header, a boundary to find.
        messages.push(Msg {
            csid: 3,
            msid: i % 2,
            timestamp: i * 10,
            type_id: 20,
            payload: command_body(i),
        });
        messages.push(avc_frame(6, i * 10, 400 + i as usize));
    }
    let bytes = encode(&messages, 128, false, true);
    for start in [1, 17, 100, 333, 1000, 2000] {
        let mut demuxer = ChunkDemuxer::mid_stream(keep_all());
        let mut got = Vec::new();
        demuxer.feed(&bytes[start..], &mut |event| {
            if let ChunkEvent::Message {
                header, payload, ..
            } = event
            {
                got.push((header.type_id, payload.to_vec()));
            }
        });
        let commands: Vec<_> = got
            .iter()
            .filter(|(t, _)| *t == MessageTypeId::COMMAND_AMF0)
            .collect();
        assert!(
            commands.len() >= 10,
            "start {start}: only {} commands found",
            commands.len()
        );
        for (_, body) in commands {
            assert!(
                messages.iter().any(|m| &m.payload == body),
                "start {start}: a command was fabricated"
            );
        }
    }
}

/// A video message with a real AVC frame's tag header: an inter frame whose one NAL unit
/// fills the body (the lock-on checks these bytes as a sender's would be).
fn avc_frame(csid: u32, timestamp: u32, len: usize) -> Msg {
    let mut payload = vec![0x27, 0x01, 0, 0, 0];
    payload.extend_from_slice(&(len as u32 - 9).to_be_bytes());
    payload.push(0x41);
    payload.extend((10..len).map(|i| (i * 31) as u8));
    Msg {
        csid,
        msid: 1,
        timestamp,
        type_id: 9,
        payload,
    }
}

/// A command on chunk stream 3 whose "ping" body is padded with AMF0 nulls (further
/// arguments) to `len` bytes.
fn padded_command(timestamp: u32, len: usize) -> Msg {
    let mut payload = command_body(timestamp);
    payload.resize(len, 0x05);
    Msg {
        csid: 3,
        msid: 1,
        timestamp,
        type_id: 20,
        payload,
    }
}

/// An AMF0 command body: string "ping", number i, null.
fn command_body(i: u32) -> Vec<u8> {
    amf0_body(&[Amf::Text(b"ping"), Amf::Number(f64::from(i)), Amf::Null])
}

#[test]
fn header_fields_accumulate_timestamps() {
    let header = MessageHeader {
        csid: 3,
        msid: 1,
        timestamp: 5,
        type_id: MessageTypeId(9),
        length: 2,
    };
    assert_eq!(header.type_id.name(), "video");
}

fn arb_messages() -> impl Strategy<Value = Vec<Msg>> {
    let one = (
        2u32..400,
        0u32..3,
        0u32..0x0200_0000,
        prop::sample::select(vec![8u8, 9, 15, 17, 18, 20, 22, 3, 5]),
        0usize..700,
    );
    prop::collection::vec(one, 1..25).prop_map(|raw| {
        let mut clocks: BTreeMap<u32, u32> = BTreeMap::new();
        raw.into_iter()
            .map(|(csid, msid, step, type_id, len)| {
                let clock = clocks.entry(csid).or_insert(0);
                *clock = clock.wrapping_add(step % 3 * (step / 3));
                Msg {
                    csid,
                    msid,
                    timestamp: *clock,
                    type_id,
                    payload: (0..len).map(|i| (i ^ csid as usize) as u8).collect(),
                }
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the chunk size, interleaving and extended-timestamp convention, and however the
    /// bytes are split, the demultiplexer gives back exactly the messages sent.
    #[test]
    fn round_trip_any_split(
        messages in arb_messages(),
        chunk_size in prop::sample::select(vec![128usize, 1, 7, 100, 4096, 60000]),
        interleave in any::<bool>(),
        repeat in any::<bool>(),
        pieces in prop::collection::vec(1usize..300, 1..10),
    ) {
        // Without repeated extended timestamps, a stream that ends right after a continuation
        // chunk is ambiguous (4 payload bytes or a timestamp?); a final message resolves it, as
        // the next chunk does in a live stream.
        let mut messages = messages;
        // One byte on chunk stream 1000 (never generated): a single chunk, whatever the chunk size.
        messages.push(msg(1000, 0, 20, 1));
        let bytes = encode(&messages, chunk_size, interleave, repeat);
        let (whole, _) = demux(&bytes, &[bytes.len()], keep_all(), chunk_size as u32);
        let (bytewise, _) = demux(&bytes, &[1], keep_all(), chunk_size as u32);
        let (pieced, _) = demux(&bytes, &pieces, keep_all(), chunk_size as u32);
        let mut sorted = whole.clone();
        let mut expected = messages.clone();
        let key = |m: &Msg| (m.csid, m.timestamp, m.payload.len(), m.type_id);
        sorted.sort_by_key(key);
        expected.sort_by_key(key);
        prop_assert_eq!(sorted, expected);
        prop_assert_eq!(&bytewise, &whole);
        prop_assert_eq!(&pieced, &whole);
    }

    /// Arbitrary bytes never panic, fed whole or in pieces, from the start or mid-stream.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..3000), piece in 1usize..64) {
        let _ = demux(&bytes, &[piece], ChunkConfig::default(), 128);
        let mut demuxer = ChunkDemuxer::mid_stream(ChunkConfig::default());
        demuxer.feed(&bytes, &mut |_| {});
        demuxer.gap(10, &mut |_| {});
        demuxer.feed(&bytes, &mut |_| {});
    }
}

/// Every event of a mid-stream demultiplexer fed `bytes` from `start` in pieces of `piece`
/// bytes, with a hole of `hole` bytes (not fed, reported as a gap) at `hole_at`.
fn mid_stream_events(
    bytes: &[u8],
    start: usize,
    piece: usize,
    hole: (usize, usize),
) -> Vec<String> {
    let (hole_at, hole_len) = hole;
    let mut demuxer = ChunkDemuxer::mid_stream(keep_all());
    let mut events = Vec::new();
    let mut on_event = |event: ChunkEvent<'_>| {
        events.push(match event {
            ChunkEvent::Message {
                header,
                payload,
                flags,
            } => format!("{header:?} {payload:?} {flags:?}"),
            ChunkEvent::Warning { code, message } => format!("{code} {message}"),
        })
    };
    let mut at = start;
    while at < bytes.len() {
        if at == hole_at {
            demuxer.gap(hole_len as u64, &mut on_event);
            at += hole_len;
            continue;
        }
        let end = at.saturating_add(piece).min(bytes.len());
        let end = if at < hole_at && end > hole_at {
            hole_at
        } else {
            end
        };
        demuxer.feed(&bytes[at..end], &mut on_event);
        at = end;
    }
    demuxer.finish(&mut on_event);
    events
}

#[test]
fn lock_on_and_holes_do_not_depend_on_how_the_bytes_arrive() {
    let mut messages = Vec::new();
    for i in 0..40u32 {
        messages.push(avc_frame(6, i * 66, 300 + (i as usize * 97) % 5000));
        messages.push(Msg {
            csid: 4,
            msid: 1,
            timestamp: i * 23,
            type_id: 8,
            payload: [&[0xAF, 0x01][..], &vec![0x21; 100 + i as usize % 50]].concat(),
        });
    }
    let bytes = encode(&messages, 4096, false, true);
    for start in [0, 5, 1000, 7777] {
        for hole in [(start + 20_000, 300), (start + 31_000, 5)] {
            let whole = mid_stream_events(&bytes, start, usize::MAX, hole);
            assert!(whole.len() > 40, "start {start}: {} events", whole.len());
            for piece in [1, 7, 1448] {
                assert_eq!(
                    mid_stream_events(&bytes, start, piece, hole),
                    whole,
                    "start {start}, pieces of {piece}"
                );
            }
        }
    }
}
