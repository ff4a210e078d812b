//! Capture timestamps are data, not a clock to trust: a packet stamped far in the future must
//! not close flows or make the packets after it "late", a long pause followed by data that
//! continues the connection is the same session, and bytes that are dropped are said to be.

mod common;

use common::crafted::{self, connect_and_publish};
use common::pcap::{chunks, Connection, PcapWriter};
use serde_json::Value;

/// Video messages the publisher sends.
const VIDEO_MESSAGES: usize = 3001;

/// A publisher: handshake, connect to app `live`, publish `key`, then [`VIDEO_MESSAGES`] small
/// video messages (a keyframe every 30), then FIN both ways.
fn publisher() -> Vec<u8> {
    let mut pcap = PcapWriter::new();
    let mut connection = Connection::open(&mut pcap, ([127, 0, 0, 1], 40000));
    connection.rtmp_handshake(&mut pcap);
    connection.send(&mut pcap, true, &connect_and_publish("key"));
    for frame in 0..VIDEO_MESSAGES {
        // AVC NALU: frame type/codec, packet type 1, composition time 0, then 40 bytes.
        let mut body = vec![if frame % 30 == 0 { 0x17 } else { 0x27 }, 1, 0, 0, 0];
        body.extend_from_slice(&[0xAB; 40]);
        connection.send(
            &mut pcap,
            true,
            &chunks(6, 9, 1, body.len() as u32, &body, 128),
        );
    }
    connection.close(&mut pcap);
    pcap.finish()
}

/// The packet records of a classic little-endian pcap: (offset of the record header, length).
fn records(pcap: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push((at, caplen));
        at += 16 + caplen;
    }
    out
}

/// Adds `seconds` to the timestamp of the packets whose 0-based indexes are in `which`.
fn shift(pcap: &mut [u8], which: impl Fn(usize) -> bool, seconds: u32) {
    for (index, (at, _)) in records(pcap).into_iter().enumerate() {
        if which(index) {
            let secs = u32::from_le_bytes(pcap[at..at + 4].try_into().unwrap());
            pcap[at..at + 4].copy_from_slice(&(secs + seconds).to_le_bytes());
        }
    }
}

fn run(name: &str, pcap: &[u8], args: &[&str]) -> Vec<Value> {
    let mut args = args.to_vec();
    args.push("--json");
    let (stdout, _) = crafted::run(name, pcap, &args);
    String::from_utf8(stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn videos(events: &[Value]) -> usize {
    events
        .iter()
        .filter(|e| e["event"] == "message" && e["type"] == "video")
        .count()
}

fn of(events: &[Value], event: &str) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["event"] == event)
        .cloned()
        .collect()
}

#[test]
fn one_packet_stamped_710_s_ahead_loses_nothing() {
    let mut pcap = publisher();
    let middle = records(&pcap).len() / 2;
    shift(&mut pcap, |i| i == middle, 710);
    let events = run("outlier", &pcap, &[]);
    assert_eq!(videos(&events), VIDEO_MESSAGES);
    let ends = of(&events, "session_end");
    assert_eq!(ends.len(), 1, "one session, not closed by the outlier");
    assert_eq!(ends[0]["reason"], "fin");
    assert_eq!(ends[0]["gaps"], 0);
    let notices = of(&events, "capture_warning");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["code"], "clock_jump");
    assert_eq!(notices[0]["frame"], middle as u64 + 1);
}

#[test]
fn an_eleven_minute_pause_then_more_of_the_same_connection_is_the_same_session() {
    let mut pcap = publisher();
    let middle = records(&pcap).len() / 2;
    shift(&mut pcap, |i| i >= middle, 660);
    let events = run("pause", &pcap, &["--summary"]);
    let summaries = of(&events, "session_summary");
    assert_eq!(summaries.len(), 1, "one session across the pause");
    let summary = &summaries[0];
    assert_eq!(summary["app"], "live");
    assert_eq!(summary["end_reason"], "fin");
    let stream = &summary["streams"][0];
    assert_eq!(stream["name"], "key");
    assert_eq!(stream["video"]["messages"], VIDEO_MESSAGES as u64);
    let notices = of(&events, "capture_warning");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["code"], "clock_jump");
}

#[test]
fn bytes_after_the_connection_closed_are_reported_not_dropped_silently() {
    let mut pcap = PcapWriter::new();
    let mut connection = Connection::open(&mut pcap, ([127, 0, 0, 1], 40000));
    connection.rtmp_handshake(&mut pcap);
    connection.close(&mut pcap);
    connection.next[0] += 1;
    connection.send(&mut pcap, true, &[0x55; 700]);
    let events = run("late", &pcap.finish(), &[]);
    let notices = of(&events, "capture_warning");
    assert!(!notices.is_empty());
    assert!(notices.iter().all(|n| n["code"] == "late_data"));
    assert!(
        notices
            .iter()
            .any(|n| n["message"].as_str().unwrap().contains("700 bytes")),
        "{notices:?}"
    );
}
