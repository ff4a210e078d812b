//! Tests of the session table: recognition of every variant, probing, forced ports.

use super::*;
use crate::common::Timestamp;
use crate::reassembly::CloseReason;
use crate::session::event::Event;
use crate::transport::tls::test_support::{client_hello, opaque_record, server_hello};
use serde_json::Value;

#[derive(Default)]
struct Events(Vec<Value>);

impl EventSink for Events {
    fn event(&mut self, event: &Event<'_>) {
        self.0.push(serde_json::to_value(event).unwrap());
    }
}

fn endpoints(server_port: u16) -> Endpoints {
    Endpoints {
        client: "10.0.0.1:50000".parse().unwrap(),
        server: format!("10.0.0.2:{server_port}").parse().unwrap(),
    }
}

/// Feeds (milliseconds, direction, bytes) to one flow and returns the events.
fn run(
    server_port: u16,
    mid_stream: bool,
    data: &[(i64, Direction, Vec<u8>)],
    config: DecoderConfig,
) -> Vec<Value> {
    let mut table = SessionTable::new(config, Events::default());
    let flow = FlowId(1);
    let ends = endpoints(server_port);
    let meta = |ms: i64| PacketMeta {
        frame: ms as u64,
        time: Timestamp(ms * 1000),
    };
    table.stream_event(&meta(0), flow, &ends, StreamEvent::Open { mid_stream });
    for (ms, dir, bytes) in data {
        table.stream_event(
            &meta(*ms),
            flow,
            &ends,
            StreamEvent::Data { dir: *dir, bytes },
        );
    }
    table.stream_event(
        &meta(1000),
        flow,
        &ends,
        StreamEvent::Close {
            reason: CloseReason::Fin,
            network: Default::default(),
        },
    );
    table.into_sink().0
}

/// C0/S0 with version `v` and zeroed 1536-byte blocks (a simple handshake).
fn handshake(v: u8) -> Vec<u8> {
    let mut bytes = vec![v];
    bytes.resize(1 + 2 * 1536, 0);
    bytes
}

/// A user control message (type 4) on chunk stream 2: event, then a u32.
fn user_control(event: u16, value: u32) -> Vec<u8> {
    let mut bytes = vec![0x02, 0, 0, 0, 0, 0, 6, 0x04, 0, 0, 0, 0];
    bytes.extend_from_slice(&event.to_be_bytes());
    bytes.extend_from_slice(&value.to_be_bytes());
    bytes
}

#[test]
fn rtmps_is_reported_with_its_sni_and_counted() {
    let hello = client_hello("live.example.com", &[]);
    let mut server = server_hello(0x1301, true, [3; 32]);
    server.extend(opaque_record(23, 100));
    let events = run(
        1935,
        false,
        &[
            (1, Direction::ClientToServer, hello.clone()),
            (2, Direction::ServerToClient, server.clone()),
        ],
        DecoderConfig::default(),
    );
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["session_start", "tls_handshake", "session_end"]);
    assert!(events.iter().all(|e| e["variant"] == "rtmps"));
    assert_eq!(events[0]["tls"]["sni"], "live.example.com");
    assert_eq!(events[0]["encrypted"], true);
    assert_eq!(events[1]["version"], "TLS 1.3");
    assert_eq!(events[1]["cipher_suite"], "TLS_AES_128_GCM_SHA256");
    let end = &events[2];
    assert_eq!(end["bytes_c2s"], hello.len());
    assert_eq!(end["bytes_s2c"], server.len());
    assert_eq!(end["tls"]["records_c2s"], 1);
    assert_eq!(end["tls"]["records_s2c"], 2);
    assert_eq!(end["tls"]["application_bytes_s2c"], 100);
}

#[test]
fn tls_elsewhere_is_rtmps_when_its_records_carry_an_rtmp_handshake() {
    let mut client = client_hello("www.example.com", &[]);
    client.extend(opaque_record(23, 1561)); // C0+C1 in a TLS 1.2 GCM record
    let mut c2 = opaque_record(23, 1560);
    c2.extend(opaque_record(23, 300));
    let events = run(
        443,
        false,
        &[
            (1, Direction::ClientToServer, client),
            (
                2,
                Direction::ServerToClient,
                server_hello(0xC02F, false, [4; 32]),
            ),
            (3, Direction::ClientToServer, c2),
        ],
        // Too small a budget to hold these records: following TLS holds none of them.
        DecoderConfig {
            memory_budget: 2048,
            ..DecoderConfig::default()
        },
    );
    assert_eq!(events[0]["detected_by"], "tls_record_sizes");
    assert_eq!(
        events[0]["frame"], 1,
        "the session starts where the connection did"
    );
    assert_eq!(events[1]["version"], "TLS 1.2");
    assert_eq!(events[2]["tls"]["records_c2s"], 4);
    // The same ClientHello followed by web-sized records is left alone.
    let mut web = client_hello("www.example.com", &[]);
    for length in [517, 16384, 16384, 16384, 90, 1600, 33, 4000] {
        web.extend(opaque_record(23, length));
    }
    assert!(run(
        443,
        false,
        &[(1, Direction::ClientToServer, web)],
        DecoderConfig::default()
    )
    .is_empty());
}

#[test]
fn plain_https_is_not_rtmps() {
    let hello = client_hello("www.example.com", &["h2", "http/1.1"]);
    assert!(run(
        443,
        false,
        &[(1, Direction::ClientToServer, hello)],
        DecoderConfig::default()
    )
    .is_empty());
    let rtmp_alpn = client_hello("ingest.example.com", &["rtmp"]);
    assert_eq!(
        run(
            443,
            false,
            &[(1, Direction::ClientToServer, rtmp_alpn)],
            DecoderConfig::default()
        )[0]["variant"],
        "rtmps"
    );
}

#[test]
fn rtmpe_is_recognised_and_not_decoded() {
    let mut client = handshake(6);
    client.extend_from_slice(&[0x03; 200]); // encrypted chunk stream
    let events = run(
        1935,
        false,
        &[
            (1, Direction::ClientToServer, client),
            (3, Direction::ServerToClient, handshake(6)),
        ],
        DecoderConfig::default(),
    );
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["session_start", "warning", "handshake", "session_end"]
    );
    assert_eq!(events[0]["variant"], "rtmpe");
    assert_eq!(events[1]["code"], "rtmpe_encrypted");
    assert_eq!(events[2]["encrypted"], true);
    assert_eq!(events[3]["messages"], 0);
}

#[test]
fn ping_round_trip_is_measured() {
    let mut server = handshake(3);
    server.extend_from_slice(&user_control(6, 4242)); // ping request
    let mut client = handshake(3);
    client.extend_from_slice(&user_control(7, 4242)); // ping response, 25 ms later
    let events = run(
        1935,
        false,
        &[
            (1, Direction::ClientToServer, handshake(3)),
            (10, Direction::ServerToClient, server),
            (35, Direction::ClientToServer, client[3073..].to_vec()),
        ],
        DecoderConfig::default(),
    );
    let response = events
        .iter()
        .find(|e| e["control_event"] == "ping_response")
        .unwrap();
    assert_eq!(response["rtt_ms"], 25.0);
}

#[test]
fn mid_stream_on_an_unusual_port_needs_proof() {
    // Garbage, then a complete connect command on csid 3: the probe confirms RTMP.
    let mut body = vec![0x02, 0, 7];
    body.extend_from_slice(b"connect");
    body.push(0x00);
    body.extend_from_slice(&1f64.to_be_bytes());
    body.push(0x05);
    let mut bytes = vec![0xAB; 40];
    bytes.extend_from_slice(&[0x03, 0, 0, 0, 0, 0, body.len() as u8, 0x14, 0, 0, 0, 0]);
    bytes.extend_from_slice(&body);
    bytes.extend_from_slice(&user_control(0, 1));
    let events = run(
        8935,
        true,
        &[(1, Direction::ClientToServer, bytes)],
        DecoderConfig::default(),
    );
    assert_eq!(events[0]["detected_by"], "chunk_stream");
    assert!(events.iter().any(|e| e["command"] == "connect"));
    // Text that never decodes as RTMP gives no events at all.
    let http = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec();
    assert!(run(
        8080,
        true,
        &[(1, Direction::ServerToClient, http)],
        DecoderConfig::default()
    )
    .is_empty());
}

#[test]
fn a_forced_port_decodes_whatever_it_starts_with() {
    let config = DecoderConfig {
        forced_ports: vec![8935],
        ..DecoderConfig::default()
    };
    let events = run(
        8935,
        false,
        &[(1, Direction::ClientToServer, b"\x00\x17garbage".to_vec())],
        config.clone(),
    );
    assert_eq!(events[0]["detected_by"], "forced_port");
    // ... except the rest of the RTMP family: HTTP there is RTMPT.
    let open = b"POST /open/1 HTTP/1.1\r\nContent-Length: 1\r\n\r\n\0".to_vec();
    let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nID\n".to_vec();
    let events = run(
        8935,
        false,
        &[
            (1, Direction::ClientToServer, open),
            (2, Direction::ServerToClient, answer),
        ],
        config,
    );
    assert_eq!(events[0]["variant"], "rtmpt");
    assert_eq!(events[0]["tunnel"]["session_id"], "ID");
}
