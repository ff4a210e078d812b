//! The TUI on a live capture with real peers (nginx-rtmp, ffmpeg on `lo`, in tmux): what
//! happens after the last packet must show without waiting for another one.
//! Needs root, tmux, nginx and ffmpeg; skipped with a message otherwise.

#![cfg(feature = "tui")]

mod common;

use common::{require, require_root};

/// How soon the end of a session must show after its publisher exits (issue 17).
const END_SHOWN_WITHIN_MS: u64 = 2000;

#[test]
fn a_live_session_end_shows_within_two_seconds() {
    if !require("tmux") || !require_root() || !require("nginx") || !require("ffmpeg") {
        return;
    }
    let dir = common::run_lab("live_tui_end.sh", "tui-live-end");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let end_ms: u64 = read("end_ms").trim().parse().expect("end_ms");
    let ended = read("ended.txt");
    eprintln!("the session's end showed {end_ms} ms after the publisher exited");
    assert!(
        end_ms <= END_SHOWN_WITHIN_MS,
        "the end showed {end_ms} ms after the publisher exited:\n{ended}"
    );
    // The closing messages came with it: the publisher's FCUnpublish and deleteStream.
    assert!(ended.contains("deleteStream"), "{ended}");
    // Its FLV file is finished, not still being written.
    let exports = read("exports.txt");
    assert!(
        exports.contains("publish endtest (stream 1):") && !exports.contains("writing…"),
        "{exports}"
    );
    assert!(exports.contains("video,"), "{exports}");
    assert_eq!(read("status").trim(), "0");
    let _ = std::fs::remove_dir_all(&dir);
}
