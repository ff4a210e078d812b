//! Tests of the TLS reader: hellos, records, alerts, RTMP recognised by record sizes.

use super::hello::HELLO_RETRY_RANDOM;
use super::test_support::{client_hello, opaque_record, server_hello};
use super::*;
use crate::common::Direction;

#[test]
fn reads_the_client_hello() {
    let record = client_hello("live.example.com", &["rtmp"]);
    let ClientHello::Hello(info) = parse_client_hello(&record) else {
        panic!()
    };
    assert_eq!(info.sni.as_deref(), Some("live.example.com"));
    assert_eq!(info.alpn, ["rtmp"]);
    assert_eq!(info.client_version.to_string(), "TLS 1.2"); // the hello's field, not the record's 3.1
    assert!(info.offers_tls13);
    assert_eq!(info.cipher_suites_offered, 2);
    for cut in 0..record.len() {
        assert_eq!(
            parse_client_hello(&record[..cut]),
            ClientHello::NeedMore,
            "cut at {cut}"
        );
    }
    assert_eq!(parse_client_hello(b"GET / HTTP/1.1"), ClientHello::Invalid);
}

/// A TLS 1.3-shaped exchange: hellos, compatibility change_cipher_spec, encrypted records.
fn exchange(suite: u16, tls13: bool) -> (Vec<u8>, Vec<u8>) {
    let mut client = client_hello("localhost", &[]);
    client.extend(opaque_record(20, 1));
    client.extend(opaque_record(23, 1561));
    client.extend(opaque_record(23, 100));
    let mut server = server_hello(suite, tls13, [7; 32]);
    server.extend(opaque_record(20, 1));
    server.extend(opaque_record(23, 3000));
    server.extend(opaque_record(21, 26)); // an encrypted close_notify
    (client, server)
}

fn run(client: &[u8], server: &[u8], piece: usize) -> (TlsTracker, Vec<TlsEvent>) {
    let ClientHello::Hello(info) = parse_client_hello(client) else {
        panic!("no hello")
    };
    let mut tracker = TlsTracker::new(info);
    let mut events = Vec::new();
    for chunk in client.chunks(piece) {
        tracker.feed(Direction::ClientToServer, chunk, &mut |e| events.push(e));
    }
    for chunk in server.chunks(piece) {
        tracker.feed(Direction::ServerToClient, chunk, &mut |e| events.push(e));
    }
    (tracker, events)
}

#[test]
fn reads_the_server_hello_and_counts_records_in_any_pieces() {
    let (client, server) = exchange(0x1302, true);
    for piece in [1, 2, 5, 7, 100, 100_000] {
        let (tracker, events) = run(&client, &server, piece);
        assert!(
            matches!(events.as_slice(), [TlsEvent::ServerHello(_)]),
            "piece {piece}"
        );
        let summary = tracker.summary();
        assert_eq!(
            summary.info.version.map(|v| v.to_string()).as_deref(),
            Some("TLS 1.3")
        );
        assert_eq!(
            summary.info.cipher_suite.map(|c| c.to_string()).as_deref(),
            Some("TLS_AES_256_GCM_SHA384")
        );
        assert_eq!(
            summary
                .info
                .cipher_suite_id
                .map(|c| c.to_string())
                .as_deref(),
            Some("0x1302")
        );
        assert_eq!(summary.counts.records_c2s, 4);
        assert_eq!(summary.counts.records_s2c, 4);
        assert_eq!(summary.counts.application_bytes_c2s, 1661);
        assert_eq!(summary.counts.application_bytes_s2c, 3000);
        assert_eq!(summary.counts.alerts, 1);
        assert!(!summary.counts.incomplete);
    }
}

#[test]
fn rtmp_inside_is_recognised_by_its_record_sizes() {
    let (client, server) = exchange(0x1302, true);
    let (tracker, _) = run(&client, &server, 1000);
    assert_eq!(tracker.carries_rtmp(), None, "C2 not seen yet");
    let shapes: [(&[usize], Option<bool>); 5] = [
        (&[53, 1554, 1553], Some(true)),  // TLS 1.3: Finished, C0+C1, C2
        (&[1561, 1560, 200], Some(true)), // TLS 1.2 GCM: C0+C1, C2, connect
        (&[17, 1553, 1553], Some(true)),  // C0 alone, then C1 and C2
        (&[900, 1600, 40, 1600, 16384, 300, 5000, 77], Some(false)), // HTTPS
        (&[1554, 400], None),
    ];
    for (lengths, expected) in shapes {
        let mut client = client_hello("www.example.com", &[]);
        for &length in lengths {
            client.extend(opaque_record(23, length));
        }
        let (tracker, _) = run(&client, &[], 100_000);
        assert_eq!(tracker.carries_rtmp(), expected, "{lengths:?}");
    }
}

#[test]
fn tls12_keeps_the_legacy_version_and_names_unknown_suites() {
    let (client, server) = exchange(0xC030, false);
    let (tracker, _) = run(&client, &server, 3);
    assert_eq!(
        tracker.info().version.map(|v| v.to_string()).as_deref(),
        Some("TLS 1.2")
    );
    assert_eq!(
        tracker
            .info()
            .cipher_suite
            .map(|c| c.to_string())
            .as_deref(),
        Some("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
    );
    assert_eq!(CipherSuite(0xABCD).to_string(), "0xabcd");
}

#[test]
fn a_hello_retry_request_is_noted_and_the_real_hello_read() {
    let client = client_hello("localhost", &[]);
    let mut server = server_hello(0x1301, true, HELLO_RETRY_RANDOM);
    server.extend(server_hello(0x1303, true, [9; 32]));
    let (tracker, events) = run(&client, &server, 11);
    assert!(matches!(events.as_slice(), [TlsEvent::ServerHello(_)]));
    assert!(tracker.info().hello_retry_request);
    assert_eq!(
        tracker
            .info()
            .cipher_suite
            .map(|c| c.to_string())
            .as_deref(),
        Some("TLS_CHACHA20_POLY1305_SHA256")
    );
}

#[test]
fn alerts_in_the_clear_are_reported() {
    let client = client_hello("localhost", &[]);
    let mut alert = opaque_record(21, 2);
    alert[5..].copy_from_slice(&[2, 48]);
    let mut events = Vec::new();
    let ClientHello::Hello(info) = parse_client_hello(&client) else {
        panic!()
    };
    let mut tracker = TlsTracker::new(info);
    for byte in alert.chunks(1) {
        tracker.feed(Direction::ClientToServer, byte, &mut |e| events.push(e));
    }
    assert_eq!(
        events,
        [TlsEvent::Alert {
            dir: Direction::ClientToServer,
            level: "fatal",
            description: "unknown_ca".into()
        }]
    );
}

#[test]
fn bytes_that_are_not_records_stop_the_count() {
    let client = client_hello("localhost", &[]);
    let mut server = server_hello(0x1301, true, [1; 32]);
    server.extend_from_slice(b"HTTP/1.1 400 Bad Request\r\n");
    server.extend(opaque_record(23, 10));
    let (tracker, events) = run(&client, &server, 4);
    assert!(matches!(
        events.as_slice(),
        [
            TlsEvent::ServerHello(_),
            TlsEvent::Invalid {
                dir: Direction::ServerToClient,
                ..
            }
        ]
    ));
    assert_eq!(tracker.summary().counts.records_s2c, 1);
    assert!(tracker.summary().counts.incomplete);
}
