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

fn run(client: &[u8], server: &[u8], piece: usize) -> (TlsTracker, Vec<TlsEvent<'static>>) {
    let ClientHello::Hello(info) = parse_client_hello(client) else {
        panic!("no hello")
    };
    let mut tracker = TlsTracker::new(info);
    let mut events = Vec::new();
    for chunk in client.chunks(piece) {
        tracker.feed(Direction::ClientToServer, chunk, &mut |e| {
            events.push(e.detached())
        });
    }
    for chunk in server.chunks(piece) {
        tracker.feed(Direction::ServerToClient, chunk, &mut |e| {
            events.push(e.detached())
        });
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
        tracker.feed(Direction::ClientToServer, byte, &mut |e| {
            events.push(e.detached())
        });
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

mod decryption {
    //! Decryption through the tracker: RFC 8448's TLS 1.3 exchange with its key log, and
    //! TLS 1.2 streams sealed here, in any pieces, with gaps, wrong keys and suites not
    //! decrypted.

    use super::super::keys::{suite_params, RecordKey};
    use super::super::rfc8448::{self as rfc, hex};
    use super::*;

    /// What a tracker gave: plaintext each way, and the other events.
    #[derive(Debug, Default, PartialEq)]
    struct Out {
        plain: [Vec<u8>; 2],
        events: Vec<TlsEvent<'static>>,
    }

    fn collect(out: &mut Out) -> impl FnMut(TlsEvent<'_>) + '_ {
        |event| match event {
            TlsEvent::Plaintext { dir, bytes } => dir.of_mut(&mut out.plain).extend(bytes),
            other => out.events.push(other.detached()),
        }
    }

    fn keyed(client_hello: &[u8], log: &str) -> TlsTracker {
        let ClientHello::Hello(info) = parse_client_hello(client_hello) else {
            panic!("no hello")
        };
        let random = client_random(client_hello).expect("a random");
        let mut keys = KeyLog::new();
        keys.add(log.as_bytes(), "keys.txt");
        let secrets = keys.find(&random).expect("the secrets").clone();
        TlsTracker::new(info).with_keys(random, secrets)
    }

    /// RFC 8448's records, each way, as a capture would have them.
    fn rfc_streams() -> (Vec<u8>, Vec<u8>) {
        let mut client = rfc::handshake_record(&hex(rfc::CLIENT_HELLO));
        client.extend(hex(rfc::CLIENT_FINISHED_RECORD));
        client.extend(hex(rfc::CLIENT_DATA_RECORD));
        client.extend(hex(rfc::CLIENT_ALERT_RECORD));
        let mut server = rfc::handshake_record(&hex(rfc::SERVER_HELLO));
        server.extend(hex(rfc::SERVER_HANDSHAKE_RECORD));
        server.extend(hex(rfc::SERVER_TICKET_RECORD));
        server.extend(hex(rfc::SERVER_DATA_RECORD));
        server.extend(hex(rfc::SERVER_ALERT_RECORD));
        (client, server)
    }

    #[test]
    fn rfc8448_exchange_decrypts_in_any_pieces() {
        let (client, server) = rfc_streams();
        let fifty: Vec<u8> = (0..50).collect();
        for piece in [1, 3, 7, 100, 100_000] {
            let mut tracker = keyed(&client, &rfc::key_log());
            let mut out = Out::default();
            // The server's hello and handshake come before the client's Finished.
            for chunk in server.chunks(piece) {
                tracker.feed(Direction::ServerToClient, chunk, &mut collect(&mut out));
            }
            for chunk in client.chunks(piece) {
                tracker.feed(Direction::ClientToServer, chunk, &mut collect(&mut out));
            }
            assert_eq!(out.plain, [fifty.clone(), fifty.clone()], "piece {piece}");
            assert!(
                matches!(out.events.as_slice(), [TlsEvent::ServerHello(_)]),
                "{:?}",
                out.events
            );
            let counts = tracker.counts();
            assert_eq!(counts.records_decrypted, 7, "every protected record");
            assert_eq!(counts.records_lost, 0);
            assert_eq!(tracker.key_origin().unwrap().lines, [1, 2, 3, 4]);
        }
    }

    #[test]
    fn only_the_application_secrets_are_enough() {
        let (client, server) = rfc_streams();
        let log: String = rfc::key_log()
            .lines()
            .skip(2)
            .map(|l| format!("{l}\n"))
            .collect();
        let mut tracker = keyed(&client, &log);
        let mut out = Out::default();
        tracker.feed(Direction::ServerToClient, &server, &mut collect(&mut out));
        tracker.feed(Direction::ClientToServer, &client, &mut collect(&mut out));
        assert_eq!(out.plain[0].len(), 50);
        assert_eq!(out.plain[1].len(), 50);
        assert!(matches!(out.events.as_slice(), [TlsEvent::ServerHello(_)]));
    }

    #[test]
    fn a_wrong_key_is_a_warning_and_gives_nothing() {
        let (client, server) = rfc_streams();
        let wrong = rfc::key_log()
            .replace("b3eddb12", "b3eddb13")
            .replace("9e40646c", "9e40646d");
        let mut tracker = keyed(&client, &wrong);
        let mut out = Out::default();
        tracker.feed(Direction::ServerToClient, &server, &mut collect(&mut out));
        tracker.feed(Direction::ClientToServer, &client, &mut collect(&mut out));
        assert!(out.plain[0].is_empty(), "nothing invented");
        assert_eq!(out.plain[1].len(), 50, "the server's secrets were right");
        let failures: Vec<_> = out
            .events
            .iter()
            .filter(|e| matches!(e, TlsEvent::DecryptFailed { .. }))
            .collect();
        assert_eq!(failures.len(), 1, "one warning, then that direction stops");
        assert!(!tracker.decrypts(Direction::ClientToServer));
        assert!(tracker.decrypts(Direction::ServerToClient));
    }

    const MASTER: [u8; 48] = [0x42; 48];

    /// A TLS 1.2 exchange with `suite`: hellos, ChangeCipherSpec and Finished each way, then
    /// application records of `sizes` from the client (their plaintexts are returned too).
    fn tls12(suite: u16, sizes: &[usize]) -> (Vec<u8>, Vec<u8>, Vec<Vec<u8>>, String) {
        let client_hello = client_hello("live.example.com", &["rtmp"]);
        let random = client_random(&client_hello).unwrap();
        let server_random = [7u8; 32];
        let params = suite_params(0x0303, suite, false).unwrap();
        let master = super::super::keylog::Secret::new(&MASTER).unwrap();
        let (client_key, server_key) =
            RecordKey::tls12(params, &master, &random, &server_random).unwrap();
        let mut client = client_hello;
        client.extend(opaque_record(20, 1));
        client.extend(
            client_key
                .seal(
                    0,
                    22,
                    &[20, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
                )
                .unwrap(),
        );
        let mut plaintexts = Vec::new();
        for (n, size) in sizes.iter().enumerate() {
            let plaintext: Vec<u8> = (0..*size).map(|i| (i * 7 + n) as u8).collect();
            client.extend(client_key.seal(n as u64 + 1, 23, &plaintext).unwrap());
            plaintexts.push(plaintext);
        }
        let mut server = server_hello(suite, false, server_random);
        server.extend(opaque_record(20, 1));
        server.extend(
            server_key
                .seal(0, 22, &[20, 0, 0, 12, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9])
                .unwrap(),
        );
        let random_hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let master_hex: String = MASTER.iter().map(|b| format!("{b:02x}")).collect();
        let log = format!("CLIENT_RANDOM {random_hex} {master_hex}\n");
        (client, server, plaintexts, log)
    }

    #[test]
    fn tls12_gcm_and_chacha_decrypt() {
        for suite in [0xC02F, 0xC030, 0xCCA8] {
            let (client, server, plaintexts, log) = tls12(suite, &[1537, 1536, 4096, 10]);
            let mut tracker = keyed(&client, &log);
            let mut out = Out::default();
            tracker.feed(Direction::ServerToClient, &server, &mut collect(&mut out));
            for byte in client.chunks(1) {
                tracker.feed(Direction::ClientToServer, byte, &mut collect(&mut out));
            }
            assert_eq!(out.plain[0], plaintexts.concat(), "{suite:x}");
            assert_eq!(tracker.counts().records_decrypted, 6);
        }
    }

    /// Where each record of `stream` starts, from its 5-byte headers.
    fn record_starts(stream: &[u8]) -> Vec<usize> {
        let mut starts = Vec::new();
        let mut at = 0;
        while at + 5 <= stream.len() {
            starts.push(at);
            at += 5 + u16::from_be_bytes([stream[at + 3], stream[at + 4]]) as usize;
        }
        starts
    }

    /// Feeds `client` with `lost` bytes from `from` missing (reported as a gap).
    fn with_gap(suite: u16, from: usize, lost: usize) -> (Out, TlsTracker, Vec<Vec<u8>>) {
        let sizes = [300, 2000, 50, 700, 1537, 1536, 90, 90, 4000, 20];
        let (client, server, plaintexts, log) = tls12(suite, &sizes);
        let mut tracker = keyed(&client, &log);
        let mut out = Out::default();
        tracker.feed(Direction::ServerToClient, &server, &mut collect(&mut out));
        tracker.feed(
            Direction::ClientToServer,
            &client[..from],
            &mut collect(&mut out),
        );
        assert!(tracker.gap(Direction::ClientToServer, lost as u64));
        for piece in client[from + lost..].chunks(333) {
            tracker.feed(Direction::ClientToServer, piece, &mut collect(&mut out));
        }
        (out, tracker, plaintexts)
    }

    #[test]
    fn after_a_gap_the_records_are_found_again_and_the_lost_ones_counted() {
        for suite in [0xC02F, 0xCCA8] {
            let (client, ..) = tls12(suite, &[300, 2000, 50, 700, 1537, 1536, 90, 90, 4000, 20]);
            let starts = record_starts(&client);
            // starts: hello, CCS, Finished, then the ten application records (index 3..).
            let app = &starts[3..];
            // Inside one record: only that record is lost, no search.
            let (out, tracker, plaintexts) = with_gap(suite, app[1] + 100, 500);
            let mut expected = plaintexts.clone();
            expected.remove(1);
            assert_eq!(out.plain[0], expected.concat(), "{suite:x}");
            assert_eq!(tracker.counts().records_lost, 1);
            // From inside record 1 to inside record 4: records 1..=4 lost, found at 5.
            let (out, tracker, plaintexts) =
                with_gap(suite, app[1] + 10, app[4] + 20 - app[1] - 10);
            assert_eq!(
                out.plain[0],
                plaintexts[..1]
                    .concat()
                    .into_iter()
                    .chain(plaintexts[5..].concat())
                    .collect::<Vec<u8>>()
            );
            assert_eq!(tracker.counts().records_lost, 4);
            assert!(out.events.iter().any(|e| matches!(
                e,
                TlsEvent::Resynced {
                    records_lost: 3,
                    ..
                }
            )));
            // Exactly two whole records at a boundary.
            let (out, tracker, plaintexts) = with_gap(suite, app[6], app[8] - app[6]);
            let mut expected = plaintexts.clone();
            expected.drain(6..8);
            assert_eq!(out.plain[0], expected.concat());
            assert_eq!(tracker.counts().records_lost, 2);
            assert!(!out
                .events
                .iter()
                .any(|e| matches!(e, TlsEvent::DecryptFailed { .. })));
        }
    }

    #[test]
    fn cbc_suites_are_named_as_not_decrypted() {
        let (client, _, _, log) = tls12(0xC02F, &[10]);
        let mut tracker = keyed(&client, &log);
        let mut out = Out::default();
        let server = server_hello(0xC013, false, [7; 32]);
        tracker.feed(Direction::ServerToClient, &server, &mut collect(&mut out));
        tracker.feed(Direction::ClientToServer, &client, &mut collect(&mut out));
        assert!(out.plain[0].is_empty());
        let reason = out.events.iter().find_map(|e| match e {
            TlsEvent::DecryptUnavailable { reason } => Some(reason.clone()),
            _ => None,
        });
        let reason = reason.expect("a reason");
        assert!(
            reason.contains("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
            "{reason}"
        );
        assert!(reason.contains("CBC suites are not decrypted"));
        // The records are still counted as without a key.
        assert_eq!(tracker.counts().records_c2s, 4);
    }
}
