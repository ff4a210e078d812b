//! A second opinion: for every sample and shared capture, the messages rtmpscope decodes (frame,
//! source, destination, chunk stream, type id, body size, command name) equal what tshark's RTMP
//! dissector reports, line for line.
//!
//! Known tshark faults to keep in mind (none of them changes these fields on these captures):
//! it labels some continuation chunks "Unknown (0x0)" in its Info column, and does not decode
//! RTMP on port 6002 unless told (`--port 6002` is passed to both tools here).

mod common;

use std::path::Path;

use common::{json_events, require, samples, shared_captures};

/// tshark's messages as TSV lines, via scripts/tshark_messages.py.
fn tshark_lines(capture: &Path) -> Vec<String> {
    common::tshark_message_lines(capture)
}

/// Our messages in the same TSV form.
fn our_lines(capture: &Path) -> Vec<String> {
    json_events(capture, &["--port", "6002"])
        .iter()
        .filter(|e| e["event"] == "message")
        .map(|e| {
            let (src, dst) = if e["dir"] == "c2s" {
                (&e["client"], &e["server"])
            } else {
                (&e["server"], &e["client"])
            };
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                e["frame"],
                src.as_str().unwrap_or_default(),
                dst.as_str().unwrap_or_default(),
                e["csid"],
                e["type_id"],
                e["length"],
                e["command"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn messages_agree_with_tshark() {
    if !require("tshark") || !require("python3") {
        return;
    }
    let captures: Vec<_> = samples().into_iter().chain(shared_captures()).collect();
    assert!(captures.len() >= 4, "the samples are missing");
    let mut compared = 0;
    for capture in captures {
        let name = capture
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.contains("snaplen96") {
            // tshark cannot reassemble truncated segments; we decode around the gaps.
            continue;
        }
        if name.contains("rtmps") {
            // tshark reads the TLS records on port 1935 as RTMP chunks; tests/rtmps.rs checks
            // RTMPS against tshark's TLS dissector instead.
            continue;
        }
        if name.contains("rtmpe") || name.contains("rtmpte") {
            // tshark reads RTMPE's encrypted handshake as plain RTMP and finds a message in
            // C1 (inside RTMPT too, and messages in the encrypted bytes after it); nothing
            // after an RTMPE handshake can be decoded (tests/rtmpe.rs, tests/rtmps_keys.rs).
            continue;
        }
        let theirs = tshark_lines(&capture);
        let ours = our_lines(&capture);
        if name == "rtmpt.pcap" {
            // tshark follows RTMPT over HTTP only part of the way: after a few exchanges it
            // reads chunk headers in the wrong place (types like 124, empty types). Up to
            // there, every message it decodes must be ours too, in the same order
            // (tests/rtmpt.rs compares every message, on the tunnels joined from tshark's HTTP).
            let known_type = |line: &&String| {
                let type_id: u8 = line
                    .split('\t')
                    .nth(4)
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0);
                matches!(type_id, 1..=6 | 8 | 9 | 15..=20 | 22)
            };
            let trusted: Vec<&String> = theirs.iter().take_while(known_type).collect();
            assert!(trusted.len() >= 5, "{}", capture.display());
            let mut rest = ours.iter();
            for line in &trusted {
                assert!(
                    rest.any(|ours| ours == *line),
                    "tshark's {line} is not among ours on {}",
                    capture.display()
                );
            }
            compared += trusted.len();
            continue;
        }
        assert_eq!(
            ours.len(),
            theirs.len(),
            "message count differs on {}",
            capture.display()
        );
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(a, b, "first difference on {}", capture.display());
        }
        compared += ours.len();
    }
    eprintln!("{compared} messages agree with tshark");
    assert!(compared > 1000);
}
