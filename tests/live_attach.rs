//! Live attach with real peers on `lo`: a publisher and a player already streaming through
//! nginx-rtmp when `rtmpscope -i lo` starts, as a monitor started on a busy server. From its
//! second second on it must decode at least 90 % of the media messages (checked against a
//! tcpdump recording that saw everything from before the publisher), and its summary on
//! Ctrl-C must show frame rates and bitrates for both sessions.
//! Needs root and the lab's packages; skipped with a message otherwise (a failure under CI).

mod common;

use std::collections::HashMap;

use common::{require, require_root};

/// Media messages as (client, direction, type, length) with their capture time.
fn media(events: &[serde_json::Value]) -> Vec<((String, String, String, u64), f64)> {
    events
        .iter()
        .filter(|e| e["event"] == "message" && (e["type"] == "audio" || e["type"] == "video"))
        .map(|e| {
            let text = |key: &str| e[key].as_str().unwrap_or_default().to_owned();
            (
                (
                    text("client"),
                    text("dir"),
                    text("type"),
                    e["length"].as_u64().unwrap(),
                ),
                e["time"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn attaching_to_running_streams_decodes_their_media() {
    if !require_root() || !require("nginx") || !require("ffmpeg") || !require("tcpdump") {
        return;
    }
    let out = common::run_lab("live_attach.sh", "attach");
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
    assert_eq!(read("attach.status").trim(), "0", "{}", read("attach.err"));
    assert_eq!(
        read("summary.status").trim(),
        "0",
        "{}",
        read("summary.err")
    );
    let window: Vec<f64> = read("window")
        .split_whitespace()
        .map(|t| t.parse().unwrap())
        .collect();
    let (started, stopped) = (window[0], window[1]);

    let live: Vec<serde_json::Value> = read("attach.json")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reference = common::json_events(&out.join("reference.pcap"), &[]);
    // From the monitor's second second to shortly before it was stopped.
    let (from, to) = (started + 1.0, stopped - 0.5);
    let in_window = |(_, time): &(_, f64)| *time >= from && *time <= to;
    let truth: Vec<_> = media(&reference).into_iter().filter(in_window).collect();
    let mut seen: HashMap<(String, String, String, u64), usize> = HashMap::new();
    for (key, _) in media(&live).into_iter().filter(in_window) {
        *seen.entry(key).or_default() += 1;
    }
    let mut found = 0;
    for (key, _) in &truth {
        if let Some(count) = seen.get_mut(key).filter(|c| **c > 0) {
            *count -= 1;
            found += 1;
        }
    }
    eprintln!(
        "live attach: {found} of {} media messages from the monitor's second second on decoded ({:.1} %)",
        truth.len(),
        100.0 * found as f64 / truth.len().max(1) as f64
    );
    assert!(
        truth.len() >= 100,
        "the peers sent too little: {}",
        truth.len()
    );
    assert!(found * 10 >= truth.len() * 9, "{found} of {}", truth.len());
    assert!(
        live.iter()
            .all(|e| e["event"] != "message" || e["joined"] == true || e["msid"].is_u64()),
        "messages carry their marks"
    );

    // The summary on Ctrl-C: both sessions, with frame rates and bitrates measured.
    let summary = read("attach.summary");
    for expected in [
        "publisher  health:",
        "player  health:",
        "publish (inferred from the media's direction)",
        "play (inferred from the media's direction)",
        "capture started mid-connection",
    ] {
        assert!(summary.contains(expected), "no {expected:?} in:\n{summary}");
    }
    let rates = summary
        .lines()
        .filter(|l| l.contains("video   avc") || l.contains("audio   aac"))
        .filter(|l| l.contains(" frames ") && l.contains("/s;") && l.contains("kbps avg"))
        .count();
    assert_eq!(
        rates, 4,
        "frame rate and bitrate of both tracks of both sessions:\n{summary}"
    );
    std::fs::remove_dir_all(&out).ok();
}
