//! Every field the details tree shows for the messages, handshakes, TLS hellos, warnings and
//! gaps of the samples marks its bytes in the hex pane, or says why it has none: a field
//! renamed in the decoder without its bytes being found again fails here.

#![cfg(feature = "tui")]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use rtmpscope::capture::Source;
use rtmpscope::pipeline::RunOptions;
use rtmpscope::tui::details::{fields, without_bytes, Field};
use rtmpscope::tui::feed::{self, Decoding};
use rtmpscope::tui::model::{MessageRow, Update};

/// Every message row the sample decodes to.
fn rows(name: &str) -> Vec<MessageRow> {
    all_rows(name)
        .into_iter()
        .filter(MessageRow::is_message)
        .collect()
}

/// Every row the sample decodes to: messages, handshakes, TLS hellos, warnings and gaps.
fn all_rows(name: &str) -> Vec<MessageRow> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    let source = Source::open_file(&path, None).expect("open the sample");
    let options = RunOptions {
        counters: Some(Arc::default()),
        ..RunOptions::default()
    };
    let decoder = feed::spawn(source, Decoding::default(), options).expect("decoder");
    let rows = decoder
        .updates
        .iter()
        .flatten()
        .filter_map(|update| match update {
            Update::Row(row) => Some(row),
            _ => None,
        })
        .collect();
    decoder.thread.join().expect("the decoder ends");
    rows
}

/// Checks `field` and its parts; notes each leaf's path (indices as `N`) under its type.
fn check(field: &Field, body_len: usize, kind: &str, seen: &mut BTreeSet<String>) {
    if let Some(bytes) = &field.bytes {
        assert!(
            bytes.start < bytes.end && bytes.end <= body_len,
            "{kind} {}: {bytes:?} outside the {body_len} bytes kept",
            field.path
        );
    }
    if field.children.is_empty() {
        assert!(
            field.bytes.is_some() || without_bytes(&field.path).is_some(),
            "{kind}: {} ({}) has no bytes and no reason for it",
            field.path,
            field.label
        );
        let generic: Vec<&str> = field
            .path
            .split('.')
            .map(|part| {
                if part.parse::<usize>().is_ok() {
                    "N"
                } else {
                    part
                }
            })
            .collect();
        seen.insert(format!("{kind} {}", generic.join(".")));
    }
    for child in &field.children {
        check(child, body_len, kind, seen);
    }
}

#[test]
fn every_field_of_every_message_kind_has_its_bytes_or_a_reason() {
    let mut seen = BTreeSet::new();
    for name in [
        "publish_play.pcap",
        "erpt_av1_vp9.pcap",
        "erpt_hevc_opus.pcap",
    ] {
        let rows = rows(name);
        assert!(rows.len() > 50, "{name}: {} messages", rows.len());
        for row in &rows {
            for field in fields(row) {
                check(&field, row.body().len(), row.type_name(), &mut seen);
            }
        }
    }
    // The samples hold every kind the check is meant for, codec records included.
    for leaf in [
        "set_chunk_size chunk_size",
        "window_ack_size window_size",
        "set_peer_bandwidth limit",
        "user_control stream_id",
        "user_control buffer_length",
        "command_amf0 command_object.app",
        "data_amf0 values.N.width",
        "video composition_time",
        "video fourcc",
        "video config.profile",
        "video config.width",
        "video config.sps_count",
        "video config.tier",
        "audio config.sample_rate",
        "audio config.bits_per_sample",
        "audio aac_packet_type",
    ] {
        assert!(seen.contains(leaf), "{leaf} not among {seen:#?}");
    }
}

/// The leaf at `path` among `fields`, with its bytes.
fn leaf<'a>(fields: &'a [Field], path: &str) -> Option<&'a Field> {
    rtmpscope::tui::details::find(fields, path)
}

#[test]
fn handshake_tls_warning_and_gap_rows_have_a_tree_and_bytes() {
    let mut seen = BTreeSet::new();
    let mut handshakes_with_bytes = 0;
    for name in [
        "publish_play.pcap",
        "rtmpe.pcap",
        "rtmpe_session.pcap",
        "rtmps.pcap",
        "snaplen96.pcap",
    ] {
        for row in all_rows(name).iter().filter(|row| !row.is_message()) {
            let tree = fields(row);
            assert!(tree.len() > 1, "{name}: {} has no tree", row.summary());
            for field in &tree {
                check(field, row.body().len(), row.type_name(), &mut seen);
            }
            if row.body().is_empty() {
                continue;
            }
            handshakes_with_bytes += 1;
            // C0 is the first byte, S0 the first after C1; C1's and S1's fields are in them.
            let bytes = |path: &str| {
                let field = leaf(&tree, path).unwrap_or_else(|| panic!("{name}: no {path}"));
                let range = field
                    .bytes
                    .clone()
                    .unwrap_or_else(|| panic!("{name}: {path} has no bytes"));
                (range.clone(), &row.body()[range])
            };
            assert_eq!(bytes("handshake.c0_version").0, 0..1);
            assert_eq!(bytes("handshake.c1_time").0, 1..5);
            // S0 and S1 follow when the server's were seen whole.
            if row.body().len() == 2 * 1537 {
                assert_eq!(bytes("handshake.s0_version").0, 1537..1538);
                assert_eq!(bytes("handshake.s1_version").0, 1542..1546);
            }
            let version = leaf(&tree, "handshake.c1_version").and_then(|f| f.value.clone());
            let shown: Vec<String> = bytes("handshake.c1_version")
                .1
                .iter()
                .map(u8::to_string)
                .collect();
            assert_eq!(version, Some(format!("\"{}\"", shown.join("."))));
            let (digest, _) = bytes("handshake.client_scheme");
            let scheme = leaf(&tree, "handshake.client_scheme").and_then(|f| f.value.clone());
            if scheme.as_deref() != Some("\"simple\"") {
                assert_eq!(digest.len(), 32, "{name}");
                assert!(digest.start > 1 && digest.end <= 1537, "{name}: {digest:?}");
            }
            // RTMPE: each public key's first bytes are the ones its `head` shows.
            for who in ["client", "server"] {
                let path = format!("handshake.{who}_dh_key.head");
                if let Some(head) = leaf(&tree, &path).and_then(|f| f.value.clone()) {
                    let (_, marked) = bytes(&path);
                    let hex: String = marked.iter().map(|b| format!("{b:02x}")).collect();
                    assert_eq!(format!("\"{hex}\""), head, "{name} {path}");
                    assert_eq!(bytes(&format!("handshake.{who}_dh_key")).1.len(), 128);
                }
            }
        }
    }
    assert!(handshakes_with_bytes >= 4, "{handshakes_with_bytes}");
    for kind in [
        "handshake handshake.rtt_ms",
        "handshake handshake.c2_check",
        "handshake handshake.client_dh_key.offset",
        "handshake tls_handshake.sni",
        "handshake tls_handshake.cipher_suites_offered",
        "warning warning.code",
        "gap gap.bytes",
    ] {
        assert!(seen.contains(kind), "{kind} not among {seen:#?}");
    }
}
