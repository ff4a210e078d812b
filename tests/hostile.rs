//! Hostile input, each a crafted capture run through the real binary: rtmpscope finishes,
//! stays under its memory cap (peak RSS measured by /usr/bin/time), and reports what it
//! dropped as warnings. The caps are documented in the README.

mod common;

use common::measure::run;
use common::pcap::{amf0_command, chunks, Connection, PcapWriter, ACK, SYN};
use serde_json::Value;

/// A capture of one RTMP connection: handshake, then `c2s` as the client's chunk stream.
fn one_session(c2s: &[u8]) -> Vec<u8> {
    let mut pcap = PcapWriter::new();
    let mut connection = Connection::open(&mut pcap, ([127, 0, 0, 1], 40000));
    connection.rtmp_handshake(&mut pcap);
    connection.send(&mut pcap, true, c2s);
    connection.close(&mut pcap);
    pcap.finish()
}

fn set_chunk_size(size: u32) -> Vec<u8> {
    chunks(2, 1, 0, 4, &size.to_be_bytes(), 128)
}

#[test]
fn chunk_size_2_31_and_a_16_mib_message_with_nothing_behind_it() {
    let mut stream = set_chunk_size(0x7FFF_FFFF);
    stream.extend(chunks(3, 20, 0, 0xFF_FFFF, &[7; 1000], 0x7FFF_FFFF));
    let run = run("chunk-size", one_session(&stream), &[]);
    assert!(run.events.iter().any(|e| e["chunk_size"] == 0x7FFF_FFFFu32));
    assert!(run.peak_rss_mib < 32.0, "{}", run.peak_rss_mib);
}

#[test]
fn thousands_of_chunk_streams_each_announcing_16_mib() {
    let mut stream = Vec::new();
    for csid in 64..5064 {
        stream.extend(chunks(csid, 20, 0, 0xFF_FFFF, &[7; 128], 128));
    }
    let run = run("16mib-streams", one_session(&stream), &[]);
    assert!(run.has_code("chunk_streams_limit"), "{:?}", run.codes());
    assert!(run.peak_rss_mib < 32.0, "{}", run.peak_rss_mib);
}

#[test]
fn all_65599_chunk_stream_ids() {
    let mut stream = Vec::new();
    for csid in 2..=65599 {
        stream.extend(chunks(csid, 5, 0, 4, &5000u32.to_be_bytes(), 128));
    }
    let run = run("65599-streams", one_session(&stream), &[]);
    assert_eq!(run.count("type", "window_ack_size"), 65598);
    assert!(run.peak_rss_mib < 32.0, "{}", run.peak_rss_mib);
}

#[test]
fn amf_nested_a_million_levels_deep() {
    let mut nested = Vec::new();
    for _ in 0..1_000_000 {
        nested.extend_from_slice(&[0x0A, 0, 0, 0, 1]); // a strict array of one element
    }
    let body = amf0_command("deep", &nested);
    let mut stream = set_chunk_size(65536);
    stream.extend(chunks(3, 20, 0, body.len() as u32, &body, 65536));
    let run = run("amf-depth", one_session(&stream), &[]);
    let deep = run
        .events
        .iter()
        .find(|e| e["command"] == "deep")
        .expect("the command decodes as far as the limit");
    assert!(deep["decode_error"].is_string(), "{deep}");
    assert!(run.peak_rss_mib < 64.0, "{}", run.peak_rss_mib);
}

#[test]
fn amf3_object_that_references_itself() {
    // Command (AMF3, type 17): a 0x00 format byte, AMF0 name and id, then an AMF3 object
    // (switch marker 0x11) with a dynamic member "self" that is a reference to itself.
    let mut body = vec![0];
    body.extend(amf0_command(
        "cycle",
        &[
            0x11, 0x0A, 0x0B, 0x01, 0x09, b's', b'e', b'l', b'f', 0x0A, 0x00, 0x01,
        ],
    ));
    let stream = chunks(3, 17, 0, body.len() as u32, &body, 128);
    let run = run("amf3-cycle", one_session(&stream), &[]);
    let cycle = run
        .events
        .iter()
        .find(|e| e["command"] == "cycle")
        .expect("the command decodes");
    assert_eq!(
        cycle["command_object"]["self"]["$type"], "reference",
        "{cycle}"
    );
}

#[test]
fn lengths_of_4_gib_with_no_bytes_behind_them() {
    let mut stream = Vec::new();
    for (name, value) in [
        ("long_string", vec![0x0C, 0xFF, 0xFF, 0xFF, 0xFF, b'a']),
        ("strict_array", vec![0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]),
        ("ecma_array", vec![0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]),
        (
            "amf3_string",
            vec![0x11, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, b'a'],
        ),
        ("amf3_array", vec![0x11, 0x09, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ] {
        let body = amf0_command(name, &value);
        stream.extend(chunks(3, 20, 0, body.len() as u32, &body, 128));
    }
    let run = run("huge-lengths", one_session(&stream), &[]);
    for name in [
        "long_string",
        "strict_array",
        "ecma_array",
        "amf3_string",
        "amf3_array",
    ] {
        let event = run
            .events
            .iter()
            .find(|e| e["command"] == name)
            .unwrap_or_else(|| panic!("{name} decodes as a command"));
        assert!(event["decode_error"].is_string(), "{event}");
    }
    assert!(run.peak_rss_mib < 32.0, "{}", run.peak_rss_mib);
}

#[test]
fn a_million_tiny_out_of_order_segments() {
    let mut pcap = PcapWriter::new();
    let mut connection = Connection::open(&mut pcap, ([127, 0, 0, 1], 40000));
    connection.rtmp_handshake(&mut pcap);
    let base = connection.next[0];
    // One byte each, last first; the first byte never arrives, so all of it waits.
    for offset in (1..1_000_000u32).rev() {
        pcap.segment(
            connection.client,
            connection.server,
            base.wrapping_add(offset),
            connection.next[1],
            ACK,
            &[0x42],
        );
    }
    let run = run("tiny-segments", pcap.finish(), &[]);
    let gaps: Vec<&Value> = run.events.iter().filter(|e| e["event"] == "gap").collect();
    assert!(
        gaps.iter().any(|g| g["reason"] == "buffer_full"),
        "the per-direction cap drops held bytes as gaps: {gaps:?}"
    );
    assert!(run.peak_rss_mib < 64.0, "{}", run.peak_rss_mib);
}

#[test]
fn a_million_concurrent_flows() {
    let mut pcap = PcapWriter::new();
    let server = ([10, 0, 0, 1], 1935);
    for index in 0..1_000_000u32 {
        let [_, a, b, c] = index.to_be_bytes();
        let client = ([10, a, b, c], 40000 + (index % 20000) as u16);
        pcap.segment(client, server, index, 0, SYN, &[]);
    }
    let run = run("syn-flood", pcap.finish(), &[]);
    assert!(run.has_code("flow_table_full"), "{:?}", run.codes());
    assert!(run.peak_rss_mib < 256.0, "{}", run.peak_rss_mib);
}

/// Many sessions, each holding a large partial message: the decoders' shared budget (half of
/// --memory-cap) bounds them all together.
#[test]
fn the_memory_cap_bounds_partial_messages_across_sessions() {
    let mut pcap = PcapWriter::new();
    for session in 0..100u16 {
        let mut connection = Connection::open(&mut pcap, ([127, 0, 0, 2], 30000 + session));
        connection.rtmp_handshake(&mut pcap);
        let mut stream = set_chunk_size(0x00FF_FFFF);
        // 400 KB of a 16 MiB message: never completed, so all of it stays buffered.
        stream.extend(chunks(3, 20, 0, 0xFF_FFFF, &vec![7; 400_000], 0x00FF_FFFF));
        connection.send(&mut pcap, true, &stream);
    }
    let capture = pcap.finish();
    let roomy = run("budget-roomy", capture.clone(), &[]);
    assert!(
        !roomy.has_code("chunk_partial_bytes_limit"),
        "{:?}",
        roomy.codes()
    );
    let tight = run("budget-tight", capture, &["--memory-cap", "16"]);
    assert!(
        tight.has_code("chunk_partial_bytes_limit"),
        "{:?}",
        tight.codes()
    );
    assert!(
        tight.peak_rss_mib + 20.0 < roomy.peak_rss_mib,
        "{} vs {}",
        tight.peak_rss_mib,
        roomy.peak_rss_mib
    );
}
