//! Known answers for the key schedule and the record protection: the TLS 1.2 PRF vectors
//! published on the IETF TLS list (P_SHA256 and P_SHA384), RFC 8448's TLS 1.3 keys and records,
//! and round trips for every suite.

use super::*;
use crate::transport::tls::rfc8448::{self as rfc, hex};

fn secret(text: &str) -> Secret {
    Secret::new(&hex(text)).unwrap()
}

#[test]
fn tls12_prf_known_answers() {
    let mut out = [0u8; 100];
    prf(
        HashAlg::Sha256,
        &hex("9bbe436ba940f017b17652849a71db35"),
        b"test label",
        &[&hex("a0ba9f936cda311827a6f796ffd5198c")],
        &mut out,
    );
    assert_eq!(
        out.to_vec(),
        hex(
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a\
             6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab\
             4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701\
             87347b66"
        )
    );
    let mut out = [0u8; 148];
    // The seed given in two pieces, as key expansion gives its two randoms.
    let seed = hex("cd665cf6a8447dd6ff8b27555edb7465");
    prf(
        HashAlg::Sha384,
        &hex("b80b733d6ceefcdc71566ea48e5567df"),
        b"test label",
        &[&seed[..5], &seed[5..]],
        &mut out,
    );
    assert_eq!(
        out.to_vec(),
        hex(
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd\
             e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd\
             8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425\
             9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6\
             91c8f3a26854308d5eaa3be85e0990703d73e56f"
        )
    );
}

#[test]
fn rfc8448_vectors_are_consistent() {
    // The hellos carry the randoms at offset 6 (type, length, version).
    assert_eq!(hex(rfc::CLIENT_HELLO)[6..38], hex(rfc::CLIENT_RANDOM)[..]);
    assert_eq!(hex(rfc::SERVER_HELLO)[6..38], hex(rfc::SERVER_RANDOM)[..]);
}

#[test]
fn rfc8448_traffic_keys() {
    for (secret_hex, key, iv) in rfc::TRAFFIC_KEYS {
        let mut out_key = [0u8; 16];
        let mut out_iv = [0u8; 12];
        hkdf_expand_label(HashAlg::Sha256, &hex(secret_hex), b"key", b"", &mut out_key).unwrap();
        hkdf_expand_label(HashAlg::Sha256, &hex(secret_hex), b"iv", b"", &mut out_iv).unwrap();
        assert_eq!(out_key.to_vec(), hex(key));
        assert_eq!(out_iv.to_vec(), hex(iv));
    }
}

/// Opens a complete record (header and body) as `seq`.
fn open(key: &RecordKey, seq: u64, record: &str) -> Option<(u8, Vec<u8>)> {
    let mut record = hex(record);
    let header: [u8; 5] = record[..5].try_into().unwrap();
    let body = &mut record[5..];
    let opened = key.open(seq, header, body)?;
    Some((opened.content_type, body[opened.plaintext].to_vec()))
}

#[test]
fn rfc8448_records_open_with_the_logged_secrets() {
    let params = suite_params(0x0304, 0x1301, false).unwrap();
    let key = |s: &str| RecordKey::tls13(params, &secret(s)).unwrap();
    let (server_hs, client_hs) = (key(rfc::SERVER_HS_SECRET), key(rfc::CLIENT_HS_SECRET));
    let (server_ap, client_ap) = (key(rfc::SERVER_AP_SECRET), key(rfc::CLIENT_AP_SECRET));
    let fifty: Vec<u8> = (0..50).collect();
    assert_eq!(
        open(&server_hs, 0, rfc::SERVER_HANDSHAKE_RECORD),
        Some((22, hex(rfc::SERVER_HANDSHAKE_PLAINTEXT)))
    );
    assert_eq!(
        open(&client_hs, 0, rfc::CLIENT_FINISHED_RECORD),
        Some((22, hex(rfc::CLIENT_FINISHED)))
    );
    assert_eq!(
        open(&server_ap, 0, rfc::SERVER_TICKET_RECORD).unwrap().0,
        22
    );
    assert_eq!(
        open(&client_ap, 0, rfc::CLIENT_DATA_RECORD),
        Some((23, fifty.clone()))
    );
    assert_eq!(
        open(&server_ap, 1, rfc::SERVER_DATA_RECORD),
        Some((23, fifty))
    );
    assert_eq!(
        open(&client_ap, 1, rfc::CLIENT_ALERT_RECORD),
        Some((21, vec![1, 0]))
    );
    assert_eq!(
        open(&server_ap, 2, rfc::SERVER_ALERT_RECORD),
        Some((21, vec![1, 0]))
    );
    // Every tag is checked: the wrong sequence number, key or byte fails.
    assert_eq!(open(&client_ap, 1, rfc::CLIENT_DATA_RECORD), None);
    assert_eq!(open(&server_ap, 0, rfc::CLIENT_DATA_RECORD), None);
    let mut flipped = hex(rfc::CLIENT_DATA_RECORD);
    flipped[20] ^= 1;
    let original = flipped.clone();
    let header: [u8; 5] = flipped[..5].try_into().unwrap();
    assert_eq!(client_ap.open(0, header, &mut flipped[5..]), None);
    assert_eq!(flipped, original, "a record that fails is left as it was");
}

#[test]
fn every_suite_round_trips_and_checks_its_tag() {
    let client_random = [1u8; 32];
    let server_random = [2u8; 32];
    let master = Secret::new(&[3u8; 48]).unwrap();
    let traffic = Secret::new(&[4u8; 48]).unwrap();
    for (version, suite) in ONE_SUITE_EACH {
        let params = suite_params(version, suite, false).unwrap();
        let (client, server) = if params.tls13 {
            let secret = Secret::new(&traffic.bytes()[..params.hash.output_len()]).unwrap();
            let key = RecordKey::tls13(params, &secret).unwrap();
            (key.clone(), key)
        } else {
            RecordKey::tls12(params, &master, &client_random, &server_random).unwrap()
        };
        for (seq, size) in [(0u64, 0usize), (1, 1), (7, 1536), (300, 16384)] {
            let plaintext: Vec<u8> = (0..size).map(|i| i as u8).collect();
            let mut record = client.seal(seq, 23, &plaintext).unwrap();
            let header: [u8; 5] = record[..5].try_into().unwrap();
            let opened = client.open(seq, header, &mut record[5..]).unwrap();
            assert_eq!(opened.content_type, 23);
            assert_eq!(&record[5..][opened.plaintext], &plaintext[..], "{suite:x}");
            let mut record = client.seal(seq, 23, &plaintext).unwrap();
            assert_eq!(client.open(seq + 1, header, &mut record[5..]), None);
            if !params.tls13 {
                // Each direction has its own key.
                assert_eq!(server.open(seq, header, &mut record[5..]), None);
                assert_eq!(
                    client.explicit_sequence(&record[5..]).is_some(),
                    suite != 0xCCA8
                );
            }
        }
    }
}

#[test]
fn suites_not_decrypted_say_why() {
    assert_eq!(suite_params(0x0303, 0xC013, true), Err(Unsupported::Cbc));
    assert_eq!(suite_params(0x0303, 0x1304, false), Err(Unsupported::Suite));
    assert_eq!(
        suite_params(0x0302, 0xC02F, false),
        Err(Unsupported::Version)
    );
    assert_eq!(suite_params(0x0304, 0x1305, false), Err(Unsupported::Suite));
}

#[test]
fn key_update_moves_to_the_next_secret() {
    let first = secret(rfc::CLIENT_AP_SECRET);
    let next = next_traffic_secret(HashAlg::Sha256, &first).unwrap();
    let mut expected = [0u8; 32];
    hkdf_expand_label(
        HashAlg::Sha256,
        first.bytes(),
        b"traffic upd",
        b"",
        &mut expected,
    )
    .unwrap();
    assert_eq!(next.bytes(), expected);
    assert_ne!(next.bytes(), first.bytes());
}
