//! Expert Info (`w`): every warning, gap and error status of a capture, counted by code as the
//! JSON output counts them, each entry jumping to its row (through a filter that hid it).
//! `snaplen96.pcap` (packets cut to 96 bytes) has 120 gaps. Snapshots at 80x24 and 160x45 on
//! test terminals.

#![cfg(feature = "tui")]

mod common;

use std::collections::BTreeMap;

use common::tui::{act, loaded, screen};
use rtmpscope::tui::app::{Action, Pane};
use rtmpscope::tui::expert::ExpertLine;

/// Warnings by code and gaps in the JSON output, as Expert Info names them.
fn json_counts(capture: &std::path::Path) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for event in common::json_events(capture, &[]) {
        let code = match event["event"].as_str() {
            Some("warning") => event["code"].as_str().unwrap_or_default().to_owned(),
            Some("gap") => "gap".to_owned(),
            _ => continue,
        };
        *counts.entry(code).or_default() += 1;
    }
    counts
}

#[test]
fn expert_info_counts_every_problem_by_code_and_jumps_to_it() {
    let capture = common::samples_dir().join("snaplen96.pcap");
    let mut app = loaded(&capture);
    let counts: BTreeMap<String, u64> = app
        .model
        .expert
        .groups()
        .iter()
        .map(|group| (group.code.to_owned(), group.count))
        .collect();
    assert_eq!(counts, json_counts(&capture));
    assert_eq!(counts["gap"], 120);

    act(&mut app, &[Action::Expert]);
    let wide = screen(&mut app, 160, 45);
    let total: u64 = counts.values().sum();
    let title = format!("Expert Info: {total} problems in {} codes", counts.len());
    assert!(wide.contains(&title), "{wide}");
    assert!(wide.contains("warning gap ×120"), "{wide}");
    insta::assert_snapshot!("expert_160x45", wide);
    insta::assert_snapshot!("expert_80x24", screen(&mut app, 80, 24));

    // A filter hides the gaps; Enter on the third one selects its row anyway (the filter
    // goes), and closes the list.
    act(&mut app, &[Action::Expert]);
    let mut app = app.with_filter(rtmpscope::filter::Filter::parse("video").expect("a filter"));
    act(&mut app, &[Action::Home, Action::Expert]);
    let is_gaps =
        |i| matches!(app.model.expert.line(i), Some(ExpertLine::Group(g)) if g.code == "gap");
    let target = (0..app.model.expert.lines())
        .position(is_gaps)
        .expect("the gap group");
    for _ in 0..target + 3 {
        act(&mut app, &[Action::Down]);
    }
    let Some(ExpertLine::Entry(&entry)) = app.model.expert.line(app.expert_cursor) else {
        panic!("an entry is selected");
    };
    act(&mut app, &[Action::Toggle]);
    assert!(!app.expert);
    assert!(app.filter.is_empty());
    assert_eq!(app.focus, Pane::Messages);
    let row = app.selected_row().expect("a selected row");
    assert_eq!(row.frame, entry.frame);
    assert!(row.summary().starts_with("GAP: "), "{}", row.summary());
    assert_eq!(entry.frame, 8);
    assert_eq!(app.selected_session(), Some(entry.session));
}

#[test]
fn error_statuses_are_listed_as_errors_first() {
    let Some(ndpi) = common::shared_capture("ndpi_rtmp_mixed_gtp") else {
        return;
    };
    let mut app = loaded(&ndpi);
    let first = app.model.expert.groups().first().expect("a group");
    assert_eq!((first.code, first.error), ("error_status", true));
    act(&mut app, &[Action::Expert, Action::Down, Action::Toggle]);
    let row = app.selected_row().expect("a selected row");
    assert!(
        row.summary().contains("NetStream.Play.Failed"),
        "{}",
        row.summary()
    );
}
