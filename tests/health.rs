//! Stream health against the truth, on captures of real peers in bad conditions made by
//! scripts/record_health.sh (a rate-limited link, a frozen publisher, a long keyframe
//! interval): each finding appears and its numbers lie within 10 % of what tshark (or the
//! script's own clock) measured. Recording needs root and the lab's packages; it is done once
//! into bench-data/health/ and reused.
//! Also: no capture of the samples and the shared corpus raises a health finding.

mod common;

use std::path::Path;
use std::process::Command;

use common::health::{capture, captures_dir};
use common::{json_events, require};
use rtmpscope::analysis::{Live, LiveFinding, LiveHeader, ReportSink, SessionReport};
use rtmpscope::capture::Source;
use rtmpscope::common::Timestamp;
use rtmpscope::pipeline::{Decoding, RunOptions};
use rtmpscope::session::event::{Event, EventSink};
use serde_json::Value;

/// Codes this work added: a clean capture raises none of them.
const HEALTH_CODES: [&str; 9] = [
    "stall",
    "behind_realtime",
    "slow_start",
    "retransmissions",
    "keyframe_interval",
    "bitrate_over_declared",
    "ingest_keyframe_interval",
    "ingest_codec",
    "ingest_bitrate",
];

/// The session summaries of a capture.
fn summaries(path: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--summary"];
    all.extend_from_slice(args);
    json_events(path, &all)
        .into_iter()
        .filter(|event| event["event"] == "session_summary")
        .collect()
}

fn by_role<'a>(summaries: &'a [Value], role: &str) -> &'a Value {
    summaries
        .iter()
        .find(|summary| summary["role"] == role)
        .unwrap_or_else(|| panic!("no {role} session"))
}

fn codes(summary: &Value) -> Vec<&str> {
    summary["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["code"].as_str().unwrap())
        .collect()
}

fn within_10_percent(measured: f64, truth: f64, what: &str) {
    assert!(
        (measured - truth).abs() <= truth.abs() * 0.1,
        "{what}: measured {measured}, truth {truth}"
    );
}

/// tshark's output for a display filter, one line of fields a packet.
fn tshark(path: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut command = Command::new("tshark");
    command
        .arg("-r")
        .arg(path)
        .args(["-Y", filter, "-T", "fields"]);
    for field in fields {
        command.args(["-e", field]);
    }
    let output = command.output().unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect()
}

fn port(address: &Value) -> String {
    address
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn a_rate_limited_publisher_retransmits_and_falls_behind() {
    let Some(path) = capture("congested") else {
        return;
    };
    if !require("tshark") {
        return;
    }
    let summaries = summaries(&path, &[]);
    let publisher = by_role(&summaries, "publisher");
    assert_eq!(publisher["health"], "degraded");
    let found = codes(publisher);
    assert!(found.contains(&"retransmissions"), "{found:?}");
    assert!(found.contains(&"behind_realtime"), "{found:?}");
    // tshark's count on the same connection.
    let client = port(&publisher["client"]);
    let truth = tshark(
        &path,
        "tcp.analysis.retransmission",
        &["tcp.srcport", "tcp.dstport"],
    )
    .iter()
    .filter(|ports| ports.contains(&client))
    .count() as f64;
    let measured = publisher["network"]["retransmissions"].as_f64().unwrap();
    eprintln!("retransmissions: rtmpscope {measured}, tshark {truth}");
    assert!(truth > 50.0, "the link lost too little to judge: {truth}");
    within_10_percent(measured, truth, "retransmissions");
    // 12 s of media through a link too slow for it: far below real time.
    let realtime = &publisher["streams"][0]["realtime"];
    let ratio = realtime["ratio"].as_f64().unwrap();
    eprintln!("realtime ratio {ratio}, max lag {}", realtime["max_lag_s"]);
    assert!(ratio < 0.6, "{realtime}");
}

#[test]
fn a_frozen_publisher_stalls_its_stream_and_its_player() {
    let Some(path) = capture("sigstop") else {
        return;
    };
    let truth: f64 = std::fs::read_to_string(captures_dir().join("sigstop.truth"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let summaries = summaries(&path, &[]);
    for role in ["publisher", "player"] {
        let summary = by_role(&summaries, role);
        assert!(
            codes(summary).contains(&"stall"),
            "{role}: {:?}",
            codes(summary)
        );
        let stalls = summary["streams"][0]["realtime"]["stalls"]
            .as_array()
            .unwrap();
        assert_eq!(stalls.len(), 1, "{role}: {stalls:?}");
        let seconds = stalls[0]["seconds"].as_f64().unwrap();
        eprintln!("{role}: stall {seconds} s, pause {truth} s");
        within_10_percent(seconds, truth, "stall length");
    }
}

#[test]
fn a_long_gop_makes_players_wait_for_their_first_picture() {
    let Some(path) = capture("longgop") else {
        return;
    };
    if !require("tshark") {
        return;
    }
    let summaries = summaries(&path, &[]);
    let publisher = by_role(&summaries, "publisher");
    assert!(codes(publisher).contains(&"keyframe_interval"));
    within_10_percent(
        publisher["streams"][0]["gop"]["seconds"].as_f64().unwrap(),
        10.0,
        "keyframe interval",
    );
    let player = by_role(&summaries, "player");
    assert!(codes(player).contains(&"slow_start"), "{:?}", codes(player));
    // Truth from tshark: the player's play command, and the first keyframe sent to it.
    let player_port = port(&player["client"]);
    let time_of = |filter: &str| -> f64 {
        tshark(&path, filter, &["frame.time_epoch"])[0][0]
            .parse()
            .unwrap()
    };
    let play = time_of(&format!(
        "tcp.srcport == {player_port} and amf.string == \"play\""
    ));
    let keyframe = time_of(&format!(
        "tcp.dstport == {player_port} and rtmpt.video.type == 1"
    ));
    let measured = player["streams"][0]["first_frame_s"].as_f64().unwrap();
    eprintln!(
        "first frame: rtmpscope {measured} s, tshark {} s",
        keyframe - play
    );
    within_10_percent(measured, keyframe - play, "first frame");
    // With a YouTube profile, the publish also misses the ingest's keyframe interval.
    let youtube = summaries_with_ingest(&path, "youtube");
    assert!(codes(by_role(&youtube, "publisher")).contains(&"ingest_keyframe_interval"));
}

fn summaries_with_ingest(path: &Path, service: &str) -> Vec<Value> {
    summaries(path, &["--ingest", service])
}

#[test]
fn clean_captures_raise_no_health_finding() {
    let mut captures = common::samples();
    captures.extend(common::shared_captures());
    for path in captures {
        for summary in summaries(&path, &[]) {
            let found = codes(&summary);
            assert!(
                !found.iter().any(|code| HEALTH_CODES.contains(code)),
                "{}: {found:?}",
                path.display()
            );
        }
    }
}

/// The readable `--summary` of a capture.
fn summary_text(path: &Path) -> String {
    let output = common::rtmpscope()
        .arg("-r")
        .arg(path)
        .arg("--summary")
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

/// The first line of `text` that starts (after its indent) with `label`.
fn line<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|line| line.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label} line in:\n{text}"))
}

#[test]
fn the_readable_summary_says_what_the_json_says_about_health() {
    let (Some(congested), Some(frozen), Some(long_gop)) =
        (capture("congested"), capture("sigstop"), capture("longgop"))
    else {
        return;
    };
    // Network facts: the retransmission count of the JSON, and TCP round trips.
    let publisher = by_role(&summaries(&congested, &[]), "publisher").clone();
    let text = summary_text(&congested);
    let retransmissions = publisher["network"]["retransmissions"].as_u64().unwrap();
    assert!(
        line(&text, "network").contains(&format!("{retransmissions} segments sent again")),
        "{text}"
    );
    assert!(line(&text, "rtt").contains(", tcp "), "{text}");
    assert!(
        text.contains("finding   warning retransmissions: "),
        "{text}"
    );
    assert!(line(&text, "realtime").contains("(ratio 0."), "{text}");
    // A stall: its length and when it began, from the session's start.
    let text = summary_text(&frozen);
    let stalls = line(&text, "realtime");
    assert!(stalls.contains("1 stall(s): 3.0"), "{stalls}");
    assert!(text.contains("finding   warning stall: "), "{text}");
    // A slow start: the player's wait, as in the JSON.
    let player = by_role(&summaries(&long_gop, &[]), "player").clone();
    let wait = player["streams"][0]["first_frame_s"].as_f64().unwrap();
    let text = summary_text(&long_gop);
    assert!(
        line(&text, "start").contains(&format!("first frame {wait:.2} s after play")),
        "{text}"
    );
    assert!(text.contains("finding   warning slow_start: "), "{text}");
}

/// The live lines of a capture replayed with statistics every second, and the time each
/// session's summary says it ended.
#[derive(Default)]
struct LiveLines {
    findings: Vec<(u64, Timestamp, LiveFinding)>,
    ends: Vec<(u64, Timestamp)>,
}

impl EventSink for LiveLines {
    fn event(&mut self, _: &Event<'_>) {}
}

impl ReportSink for LiveLines {
    fn report(&mut self, ended: &Event<'_>, _: &SessionReport) {
        self.ends.push((ended.session, ended.time));
    }

    fn live(&mut self, header: &LiveHeader, line: Live<'_>) {
        if let Live::Finding(finding) = line {
            self.findings
                .push((header.session, header.time, finding.clone()));
        }
    }
}

fn live_lines(path: &Path) -> LiveLines {
    let mut decoding = Decoding {
        stats_interval: 1,
        ..Decoding::default()
    };
    decoding.reassembly.network_updates = true;
    let mut source = Source::open_file(path, None).unwrap();
    let (_, lines) = decoding
        .run_reports(
            &mut source,
            &RunOptions::default(),
            LiveLines::default(),
            true,
        )
        .unwrap();
    lines
}

#[test]
fn findings_are_announced_live_before_their_session_ends() {
    for (name, expected) in [
        ("congested", &["retransmissions", "behind_realtime"][..]),
        ("longgop", &["keyframe_interval", "slow_start"][..]),
    ] {
        let Some(path) = capture(name) else {
            return;
        };
        let lines = live_lines(&path);
        for code in expected {
            let (session, at, finding) = lines
                .findings
                .iter()
                .find(|(_, _, finding)| finding.finding.code == *code)
                .unwrap_or_else(|| panic!("{name}: no live {code} finding"));
            assert_eq!(finding.state, "found");
            let (_, end) = lines.ends.iter().find(|(id, _)| id == session).unwrap();
            let ahead = end.micros_since(*at) as f64 / 1e6;
            eprintln!("{name}: {code} announced {ahead:.1} s before the session ended");
            assert!(ahead > 1.0, "{name}: {code} only at the end");
            // Once per code and session.
            let times = lines
                .findings
                .iter()
                .filter(|(id, _, f)| id == session && f.finding.code == *code)
                .count();
            assert_eq!(times, 1, "{name}: {code} announced {times} times");
        }
    }
}

/// The TUI's statistics of the frozen publisher chart its lag: up to the 3 s the publisher
/// was frozen, on an axis in seconds.
#[cfg(feature = "tui")]
#[test]
fn the_tui_charts_the_lag_of_a_frozen_publisher() {
    use rtmpscope::tui::app::Action;
    let Some(path) = capture("sigstop") else {
        return;
    };
    let mut app = common::tui::loaded(&path);
    let publisher = app
        .model
        .sessions
        .iter()
        .position(|session| {
            session
                .report
                .as_ref()
                .is_some_and(|report| report.role == "publisher")
        })
        .expect("the publisher's session");
    app.focus = rtmpscope::tui::app::Pane::Sessions;
    common::tui::act(&mut app, &[Action::Home]);
    for _ in 0..=publisher {
        common::tui::act(&mut app, &[Action::Down]);
    }
    common::tui::act(&mut app, &[Action::Stats]);
    let screen = common::tui::screen(&mut app, 160, 45);
    let title = screen
        .lines()
        .find(|line| line.contains("Lag behind media time"))
        .unwrap_or_else(|| panic!("no lag chart:\n{screen}"));
    let most: f64 = title
        .split("most ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.trim_end_matches('┐').parse().ok())
        .unwrap_or_else(|| panic!("no largest lag in {title}"));
    within_10_percent(most, 3.0, "the charted lag");
}
