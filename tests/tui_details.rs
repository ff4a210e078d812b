//! Every field the details tree shows for the messages of the samples marks its bytes in the
//! hex pane, or says why it has none: a field renamed in the decoder without its bytes being
//! found again fails here.

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
            Update::Row(row) if row.is_message() => Some(row),
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
