//! Live capture on `lo` with real peers (nginx-rtmp, ffmpeg): rtmpscope must see the whole
//! publish and play, stream JSON as it goes, and stop cleanly on Ctrl-C and on `-c`.
//! Needs root (or CAP_NET_RAW) and the lab's packages; skipped with a message otherwise.
//! CI runs as root with the packages installed, so there it always runs.

mod common;

use common::{require, require_root};

#[test]
fn live_capture_sees_publish_and_play() {
    if !require_root() || !require("nginx") || !require("ffmpeg") {
        return;
    }
    let out = common::run_lab("live_capture.sh", "live");

    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
    assert_eq!(
        read("live.status").trim(),
        "0",
        "Ctrl-C must exit 0: {}",
        read("live.err")
    );
    assert!(
        read("live.err").contains("packets captured"),
        "{}",
        read("live.err")
    );
    let events: Vec<serde_json::Value> = read("live.json")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let commands: Vec<&str> = events
        .iter()
        .filter_map(|e| e["command"].as_str())
        .collect();
    for expected in [
        "connect",
        "createStream",
        "publish",
        "play",
        "onStatus",
        "_result",
    ] {
        assert!(
            commands.contains(&expected),
            "no {expected} in {commands:?}"
        );
    }
    let has = |key: &str, value: &str| events.iter().any(|e| e[key] == value);
    assert!(has("name", "@setDataFrame"), "no metadata");
    assert!(has("type", "audio") && has("type", "video"), "no media");
    assert!(has("event", "handshake") && has("event", "session_end"));
    let sessions = events
        .iter()
        .filter(|e| e["event"] == "session_start")
        .count();
    assert_eq!(sessions, 2, "publisher and player");

    // The export of the ffmpeg player's session holds, byte for byte, every audio and video
    // payload that ffmpeg itself recorded from the same stream with -c copy.
    let played = common::flv::tags(&std::fs::read(out.join("played.flv")).unwrap());
    let player_export = events
        .iter()
        .find(|e| e["event"] == "export" && e["state"] == "finished" && e["role"] == "play")
        .expect("the player's stream was exported");
    let exported =
        common::flv::tags(&std::fs::read(player_export["path"].as_str().unwrap()).unwrap());
    // Compare the coded data after the tag headers (5 bytes for AVC, 2 for AAC), which a
    // remuxer may rewrite; only coded frames, not decoder configurations.
    let coded = |tags: &[common::flv::Tag]| -> Vec<Vec<u8>> {
        tags.iter()
            .filter_map(|t| match (t.tag_type, t.body.get(1)) {
                (9, Some(1)) => Some(t.body[5..].to_vec()),
                (8, Some(1)) => Some(t.body[2..].to_vec()),
                _ => None,
            })
            .collect()
    };
    let ours = coded(&exported);
    let theirs = coded(&played);
    assert!(
        theirs.len() >= 10,
        "ffmpeg recorded only {} frames",
        theirs.len()
    );
    for (index, frame) in theirs.iter().enumerate() {
        assert!(
            ours.contains(frame),
            "frame {index} of ffmpeg's recording ({} bytes) is not in the export",
            frame.len()
        );
    }
    eprintln!(
        "{} coded frames of ffmpeg's own recording found byte-identical in the export",
        theirs.len()
    );

    // The readable capture, stopped by the same Ctrl-C, exits 0 with every message written.
    assert_eq!(read("text.status").trim(), "0", "{}", read("text.err"));
    let text = read("text.txt");
    let commands_in_json = commands.len();
    let commands_in_text = ["connect ", "createStream", "publish '", "play '"]
        .iter()
        .filter(|c| text.contains(*c))
        .count();
    assert_eq!(commands_in_text, 4, "{text}");
    assert!(commands_in_json >= 4);

    // The --summary capture, stopped by the same Ctrl-C, reports both sessions.
    let summary = read("summary.txt");
    for expected in [
        "publisher  health:",
        "player  health:",
        "publish \"livetest\" (live)",
        "play \"livetest\"",
        "video   avc High",
        "320x240",
        "audio   aac AAC LC 44100 Hz 2 ch",
    ] {
        assert!(
            summary.contains(expected),
            "no {expected:?} in the live summary:\n{summary}{}",
            read("summary.err")
        );
    }

    let flows = read("flows.txt");
    assert!(
        flows.contains("-> 127.0.0.1:"),
        "the -c run saw no flow: {flows} {}",
        read("flows.err")
    );
    assert!(
        read("flows.err").contains("40 packets captured"),
        "{}",
        read("flows.err")
    );
    std::fs::remove_dir_all(&out).ok();
}

/// A publisher frozen for 3 s while rtmpscope watches live: the stall is announced while it
/// lasts and again when media resumes, as `finding` lines, and `stream_stats` lines come
/// every second. (How soon after the end the line came is measured, and reported in the
/// issue's closing note; it is not asserted, as timings on a shared machine vary.)
#[test]
fn live_capture_reports_a_stall_as_it_happens() {
    if !require_root() || !require("nginx") || !require("ffmpeg") {
        return;
    }
    let out = common::run_lab("live_stall.sh", "stall");
    let text = std::fs::read_to_string(out.join("live.json")).unwrap();
    let lines: Vec<(f64, serde_json::Value)> = text
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(at, json)| (at.parse().unwrap(), serde_json::from_str(json).unwrap()))
        .collect();
    let stall = |state: &str| {
        lines
            .iter()
            .find(|(_, e)| e["event"] == "finding" && e["code"] == "stall" && e["state"] == state)
            .unwrap_or_else(|| panic!("no stall {state} line in {text}"))
    };
    let (_, started) = stall("started");
    let (read_at, ended) = stall("ended");
    assert!(started["seconds"].as_f64().unwrap() > 1.0, "{started}");
    let seconds = ended["seconds"].as_f64().unwrap();
    assert!((2.7..3.6).contains(&seconds), "{ended}");
    let resumed: f64 = std::fs::read_to_string(out.join("resumed"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    eprintln!(
        "stall of {seconds} s reported {:.3} s after SIGCONT",
        read_at - resumed
    );
    assert!(
        lines.iter().any(|(_, e)| e["event"] == "stream_stats"),
        "no stream_stats in {text}"
    );
    let _ = std::fs::remove_dir_all(&out);
}
