//! The benchmark capture generator: deterministic for a seed, and what it writes decodes to
//! the source's sessions, many times over, with no gaps or warnings despite the reordering and
//! retransmissions it adds.

mod common;

use std::process::Command;

use common::json_events;

fn generate(name: &str, seed: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "rtmpscope-gencap-{}-{name}.pcap",
        std::process::id()
    ));
    let status = Command::new(env!("CARGO_BIN_EXE_rtmpscope-gencap"))
        .arg(&path)
        .args(["2", "samples/publish_play.pcap", seed, "4"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run the generator");
    assert!(status.success());
    path
}

#[test]
fn deterministic_and_decodes_cleanly() {
    let first = generate("a", "7");
    let again = generate("b", "7");
    let other = generate("c", "8");
    let bytes = std::fs::read(&first).expect("generated");
    assert_eq!(bytes, std::fs::read(&again).expect("generated"));
    assert_ne!(bytes, std::fs::read(&other).expect("generated"));
    let events = json_events(&first, &[]);
    let count = |kind: &str| events.iter().filter(|e| e["event"] == kind).count();
    assert!(count("session_start") >= 20, "{}", count("session_start"));
    assert_eq!(count("gap"), 0);
    assert_eq!(count("warning"), 0);
    // Every complete replay of the publisher carries the source's 60 video frames.
    let source = json_events(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/publish_play.pcap"
        )),
        &[],
    );
    let per_session = |events: &[serde_json::Value], session: u64| {
        events
            .iter()
            .filter(|e| e["session"] == session && e["type"] == "video")
            .count()
    };
    let publisher_videos = per_session(&source, 1);
    let replays = (1..=count("session_start") as u64)
        .filter(|&s| per_session(&events, s) == publisher_videos)
        .count();
    assert!(replays >= 5, "{replays} full publisher replays");
    for path in [first, again, other] {
        let _ = std::fs::remove_file(path);
    }
}
