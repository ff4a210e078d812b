//! The TUI's sessions, times and statistics (issue 17): times read as the text output's, a key
//! cycles their format, a capture clock jump gives no absurd duration, the statistics scroll
//! and show an open session's traffic so far, cut text ends with an ellipsis, the bytes column
//! agrees with the statistics (RTMPS included), the sessions sort and filter. Snapshots at
//! 80x24 and 160x45 on test terminals; no thread is raced and nothing sleeps.

#![cfg(feature = "tui")]

mod common;

use std::path::PathBuf;

use common::tui::{act, loaded, screen, updates};
use rtmpscope::tui::app::{Action, App};
use rtmpscope::tui::feed::Decoding;
use rtmpscope::tui::model::Update;

fn sample(name: &str) -> PathBuf {
    common::samples_dir().join(name)
}

/// The line of the messages pane showing `frame`.
fn frame_line(screen: &str, frame: u64) -> String {
    let start = format!("│{frame} ");
    screen
        .lines()
        .find(|line| line.starts_with(&start))
        .unwrap_or_default()
        .to_owned()
}

/// The time the text output gives `frame` (its second column).
fn cli_time(capture: &PathBuf, frame: u64) -> String {
    let output = common::rtmpscope()
        .arg("-r")
        .arg(capture)
        .output()
        .expect("run rtmpscope");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|words| words.first() == Some(&frame.to_string().as_str()))
        .and_then(|words| words.get(1).map(|time| (*time).to_owned()))
        .expect("the frame in the text output")
}

/// Sessions listed, in order, by id.
fn listed(app: &App) -> Vec<u64> {
    app.session_order
        .iter()
        .map(|&i| app.model.sessions[i].id)
        .collect()
}

#[test]
fn times_read_as_the_text_output_and_t_cycles_their_format() {
    let capture = sample("publish_play.pcap");
    let mut app = loaded(&capture);
    let since_start = screen(&mut app, 160, 45);
    let cli = cli_time(&capture, 12);
    assert_eq!(cli, "0.044730");
    assert!(
        frame_line(&since_start, 12).contains(&format!(" {cli} ")),
        "{since_start}"
    );
    insta::assert_snapshot!("sessions_main_160x45", since_start);

    act(&mut app, &[Action::CycleTime]);
    let delta = screen(&mut app, 160, 45);
    assert!(delta.contains("│frame    delta"), "{delta}");
    // Frame 14 came 0.177 ms after frame 12 (0.044907 - 0.044730).
    assert!(frame_line(&delta, 14).contains(" 0.000177 "), "{delta}");

    act(&mut app, &[Action::CycleTime]);
    let absolute = screen(&mut app, 160, 45);
    assert!(absolute.contains("time (UTC)"), "{absolute}");
    let line = frame_line(&absolute, 12);
    // The capture starts at 1795560883.502172 (the statistics' `time`); frame 12 is 44.730 ms
    // later, at 22:54:43.546902 UTC.
    assert!(line.contains(" 22:54:43.546902 "), "{line}");
    act(&mut app, &[Action::CycleTime]);
    assert!(screen(&mut app, 160, 45).contains("│frame    time "));
}

#[test]
fn a_capture_clock_jump_gives_no_absurd_time_or_duration() {
    let Some(ndpi) = common::shared_capture("ndpi_rtmp_mixed_gtp") else {
        return;
    };
    let mut app = loaded(&ndpi);
    // The capture's clock jumps by 469670297 s at frame 27; no session lasts that long.
    for session in &app.model.sessions {
        assert!(
            session.active.seconds() < 600.0,
            "session {} lasts {} s",
            session.id,
            session.active.seconds()
        );
    }
    let screen_text = screen(&mut app, 160, 45);
    assert!(!screen_text.contains("469670298.0s"), "{screen_text}");
    // The jumped times keep to their column: fewer decimals, the session column intact.
    act(&mut app, &[Action::Home]);
    let lines = screen(&mut app, 160, 45);
    let line = frame_line(&lines, 35);
    assert!(line.contains(" 469670298.8 2 "), "{lines}");
    // The statistics say the same duration as the sessions pane.
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Stats]);
    let stats = screen(&mut app, 160, 45);
    // (The status bar's last note names the jump itself.)
    let above_the_status_bar: Vec<&str> = stats.lines().take(44).collect();
    assert!(
        !above_the_status_bar.join("\n").contains("469670"),
        "{stats}"
    );
}

#[test]
fn the_statistics_scroll_instead_of_switching_session() {
    let mut app = loaded(&sample("publish_play.pcap"));
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Stats]);
    let top = screen(&mut app, 120, 35);
    assert!(top.contains("Statistics of session 1"), "{top}");
    assert!(top.contains("traffic"), "{top}");
    let findings = |s: &str| s.contains("findings");
    assert!(!findings(&top), "the end of the text fits already:\n{top}");
    act(&mut app, &[Action::Down, Action::Down]);
    let scrolled = screen(&mut app, 120, 35);
    assert_eq!(app.selected_session(), Some(1));
    assert!(scrolled.contains("Statistics of session 1"), "{scrolled}");
    assert!(scrolled.contains("scroll 2/"), "{scrolled}");
    assert_ne!(top, scrolled);
    act(&mut app, &[Action::End]);
    let end = screen(&mut app, 120, 35);
    assert!(findings(&end), "{end}");
    assert_eq!(app.selected_session(), Some(1));
    // Further down stays at the end; Home goes back; s closes and reopens at the top.
    act(&mut app, &[Action::PageDown, Action::Down]);
    assert_eq!(screen(&mut app, 120, 35), end);
    act(&mut app, &[Action::Home]);
    assert_eq!(screen(&mut app, 120, 35), top);
    act(&mut app, &[Action::Stats, Action::Down, Action::Stats]);
    assert_eq!(app.selected_session(), Some(2));
    insta::assert_snapshot!("sessions_statistics_80x24", screen(&mut app, 80, 24));
}

#[test]
fn an_open_session_shows_its_traffic_so_far() {
    // As live: the sessions have not ended, and their reports (sent every half second) have
    // no end yet, so no traffic counts of their own.
    let mut app = App::new("live".into(), true);
    for batch in updates(&sample("publish_play.pcap"), Decoding::default()) {
        let open = batch
            .into_iter()
            .filter(|u| !matches!(u, Update::SessionEnded(..) | Update::Done))
            .map(|update| match update {
                Update::Report(id, mut report, rates) => {
                    report.end_reason = None;
                    report.bytes_c2s = 0;
                    report.bytes_s2c = 0;
                    report.messages = 0;
                    Update::Report(id, report, rates)
                }
                other => other,
            });
        app.receive(open.collect());
    }
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Stats]);
    let stats = screen(&mut app, 160, 45);
    assert!(
        stats.contains("traffic   c2s 96735 B, s2c 445 B, 253 messages"),
        "{stats}"
    );
    act(&mut app, &[Action::Stats]);
    let main = screen(&mut app, 160, 45);
    assert!(main.contains("open    96.7 kB/445 B"), "{main}");
}

#[test]
fn the_bytes_column_agrees_with_the_statistics_rtmps_included() {
    for (name, c2s) in [("publish_play.pcap", "101.7 kB"), ("rtmps.pcap", "33.4 kB")] {
        let mut app = loaded(&sample(name));
        let session = &app.model.sessions[0];
        let report = session.report.as_ref().expect("a report");
        assert_eq!(
            session.bytes,
            [report.bytes_c2s, report.bytes_s2c],
            "{name}"
        );
        assert_ne!(session.bytes, [0, 0], "{name}");
        let main = screen(&mut app, 160, 45);
        assert!(main.contains(&format!(" {c2s}/")), "{name}:\n{main}");
    }
}

#[test]
fn cut_text_ends_with_an_ellipsis() {
    let mut app = loaded(&sample("publish_play.pcap"));
    let small = screen(&mut app, 80, 24);
    // The addresses and the long summaries are cut, visibly.
    assert!(small.contains("127.0.0.1:3…"), "{small}");
    assert!(small.lines().any(|l| l.ends_with("…│")), "{small}");
    insta::assert_snapshot!("sessions_main_80x24", small);
}

#[test]
fn sessions_sort_by_a_column_reverse_and_filter_to_errors() {
    let mut app = loaded(&sample("publish_play.pcap"));
    assert_eq!(listed(&app), [1, 2, 3]);
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Down]);
    assert_eq!(app.selected_session(), Some(2));
    // o: by bytes (2 carried the least, 1 the most); the selection stays on session 2.
    act(&mut app, &[Action::SortNext]);
    assert_eq!(listed(&app), [2, 3, 1]);
    assert_eq!(app.selected_session(), Some(2));
    let sorted = screen(&mut app, 160, 45);
    assert!(sorted.contains("bytes c2s/s2c▲"), "{sorted}");
    act(&mut app, &[Action::SortReverse]);
    assert_eq!(listed(&app), [1, 3, 2]);
    assert!(screen(&mut app, 160, 45).contains("bytes c2s/s2c▼"));
    // The health column: every session of the sample is ok, so none needs attention.
    assert!(sorted.contains(" ok "), "{sorted}");
    act(&mut app, &[Action::ErrorsOnly]);
    assert!(listed(&app).is_empty());
    assert_eq!(app.selected_session(), None);
    assert!(screen(&mut app, 160, 45).contains("Sessions (3, 0 of 3 need attention)"));

    // A capture cut to 96 bytes a packet: its session is degraded (120 gaps), and is listed.
    let mut app = loaded(&sample("snaplen96.pcap"));
    act(&mut app, &[Action::ErrorsOnly]);
    assert_eq!(listed(&app), [1]);
    let degraded = screen(&mut app, 160, 45);
    assert!(degraded.contains(" degraded w "), "{degraded}");
}
