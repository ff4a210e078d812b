//! Text you can read in the TUI (issue 17): Esc closes what is open and never quits; the
//! status bar keeps the prompt, the notes and the help hint at 80 columns; a full-text view
//! of any row or field; details that scroll sideways and fold with ← →; zoom; scrollable
//! overlays; copy with OSC 52; export messages that agree; a focusable bytes pane; failures
//! styled as errors; `p` and `s` that say why they do nothing. Snapshots at 80x24 and 160x45.

#![cfg(feature = "tui")]

mod common;

use common::tui::{act, sample, screen, selected};
use rtmpscope::tui::app::{Action, App, ExportMode, Pane};
use rtmpscope::tui::model::{RowKind, Update};
use rtmpscope::tui::testkit;

/// A `tcUrl` far longer than any pane is wide.
fn long_url() -> String {
    format!(
        "rtmp://ingest.example.com:1935/live/{}",
        "segment/".repeat(30)
    )
}

/// An app with one session and one `connect` whose `tcUrl` is [`long_url`], selected in
/// the details pane.
fn long_connect() -> App {
    let url = long_url();
    let row = testkit::message_row(
        7,
        20,
        RowKind::Command,
        format!("connect tcUrl={url}"),
        testkit::connect_body("tcUrl", &url),
    );
    let mut app = App::new("long.pcap".into(), false);
    app.receive(vec![
        testkit::session_started(1),
        Update::Row(row),
        Update::Done,
    ]);
    act(&mut app, &[Action::NextPane]);
    let tc_url = app
        .details
        .iter()
        .position(|node| node.path == "command_object.tcUrl")
        .expect("tcUrl in the tree");
    app.detail_cursor = tc_url;
    app
}

/// The status bar: the last line of the screen.
fn status_line(screen: &str) -> &str {
    screen.lines().last().unwrap_or_default()
}

#[test]
fn esc_closes_what_is_open_one_thing_at_a_time_and_never_quits() {
    let mut app = sample("publish_play.pcap");
    // A filter, a zoom, the help, and the full text of a row, one over the other.
    act(&mut app, &[Action::StartFilter]);
    for c in "onstatus".chars() {
        act(&mut app, &[Action::FilterChar(c)]);
    }
    act(&mut app, &[Action::FilterApply, Action::Zoom, Action::View]);
    assert!(app.text_view.is_some());
    let zoomed_text = screen(&mut app, 80, 24);
    insta::assert_snapshot!("full_text_of_a_row_80x24", zoomed_text);
    act(&mut app, &[Action::Back]);
    assert!(app.text_view.is_none() && app.zoomed);
    act(&mut app, &[Action::Help, Action::Back]);
    assert!(!app.help && app.zoomed);
    act(&mut app, &[Action::Back]);
    assert!(!app.zoomed && app.filter == "onstatus");
    act(&mut app, &[Action::Back]);
    assert!(app.filter.is_empty());
    // Nothing is open: Esc again and again keeps the capture.
    act(&mut app, &[Action::Back, Action::Back, Action::Back]);
    assert!(!app.quit);
    let screen = screen(&mut app, 80, 24);
    assert!(status_line(&screen).contains("q quits"), "{screen}");
    // Esc while typing a filter drops what was typed, and only that.
    act(
        &mut app,
        &[Action::StartFilter, Action::FilterChar('x'), Action::Back],
    );
    assert!(app.editing.is_none() && !app.quit);
    // Ctrl-C (Quit) quits even from the prompt.
    act(
        &mut app,
        &[Action::StartFilter, Action::FilterChar('q'), Action::Quit],
    );
    assert!(app.quit);
}

#[test]
fn the_prompt_and_help_show_at_eighty_columns() {
    let mut app = sample("publish_play.pcap");
    act(&mut app, &[Action::StartFilter]);
    for c in "connect".chars() {
        act(&mut app, &[Action::FilterChar(c)]);
    }
    let small = screen(&mut app, 80, 24);
    let status = status_line(&small);
    assert!(status.contains("/connect▏"), "{small}");
    assert!(status.contains("? help"), "{small}");
    insta::assert_snapshot!("prompt_80x24", small);
    let large = screen(&mut app, 160, 45);
    assert!(
        status_line(&large).contains("/connect▏ | ? help  q quit"),
        "{large}"
    );
    insta::assert_snapshot!("prompt_160x45", large);
    // Ctrl-W deletes the last word as a shell does, Ctrl-U the whole line.
    for c in " app=live".chars() {
        act(&mut app, &[Action::FilterChar(c)]);
    }
    act(&mut app, &[Action::FilterDeleteWord]);
    assert_eq!(app.editing.as_deref(), Some("connect "));
    act(&mut app, &[Action::FilterDeleteWord]);
    assert_eq!(app.editing.as_deref(), Some(""));
    act(
        &mut app,
        &[Action::FilterChar('a'), Action::FilterChar('b')],
    );
    act(&mut app, &[Action::FilterClearLine]);
    assert_eq!(app.editing.as_deref(), Some(""));
}

#[test]
fn a_long_file_name_is_cut_not_the_notes_or_the_help() {
    let mut app = sample("publish_play.pcap");
    app.source = format!(
        "/srv/captures/{}/publish_play.pcap",
        "nested-folder".repeat(8)
    );
    app.model.status = Some("export failed: File exists (os error 17)".into());
    for (width, height) in [(120, 35), (80, 24)] {
        let screen = screen(&mut app, width, height);
        let status = status_line(&screen);
        assert!(status.starts_with(" …"), "{width}: {status}");
        assert!(
            status.contains("export failed: File exists"),
            "{width}: {status}"
        );
        assert!(status.ends_with("? help  q quit"), "{width}: {status}");
    }
    let wide = screen(&mut app, 120, 35);
    assert!(
        status_line(&wide).contains("publish_play.pcap | done"),
        "{wide}"
    );
}

#[test]
fn a_long_value_reads_whole_in_the_full_text_view() {
    let mut app = long_connect();
    let url = long_url();
    // The pane cuts it; Enter on the field shows all of it, wrapped.
    let pane = screen(&mut app, 80, 24);
    assert!(
        !pane.contains("segment/segment/segment/segment/segment/segment/"),
        "{pane}"
    );
    act(&mut app, &[Action::Toggle]);
    let view = app.text_view.clone().expect("the full-text view");
    assert_eq!(view.title, "command_object.tcUrl");
    for (width, height, name) in [(80, 24, "long_value_80x24"), (160, 45, "long_value_160x45")] {
        let screen = screen(&mut app, width, height);
        let inside: String = screen
            .lines()
            .skip(1)
            .map(|line| line.trim_start_matches('│').trim_end_matches('│').trim())
            .collect();
        assert!(inside.contains(&url), "{screen}");
        insta::assert_snapshot!(name, screen);
    }
    // The text view takes ↑ ↓ (it fits: nothing moves) and the row stays selected.
    act(&mut app, &[Action::Down, Action::End, Action::Back]);
    assert!(app.text_view.is_none());
    assert_eq!(app.focus, Pane::Details);
    // v on the messages pane: the row's whole tree.
    act(&mut app, &[Action::PrevPane, Action::View]);
    let view = app.text_view.clone().expect("the row's text");
    assert_eq!(view.title, "frame 7: command_amf0");
    assert!(view.text.contains("command: \"connect\""), "{}", view.text);
    assert!(view.text.contains(&url), "{}", view.text);
}

#[test]
fn the_full_text_view_scrolls_when_it_is_longer_than_the_screen() {
    let mut app = sample("publish_play.pcap");
    while !selected(&app).starts_with("onMetaData") && !selected(&app).starts_with("@setDataFrame")
    {
        act(&mut app, &[Action::Down]);
    }
    act(&mut app, &[Action::View]);
    let top = screen(&mut app, 80, 24);
    assert!(top.contains("lines 1-21 of"), "{top}");
    act(&mut app, &[Action::End]);
    let bottom = screen(&mut app, 80, 24);
    assert!(!bottom.contains("lines 1-21 of"), "{bottom}");
    let max = app.areas.overlay_max;
    assert!(max > 0 && app.overlay_scroll == max);
    act(&mut app, &[Action::Up, Action::PageUp, Action::Home]);
    assert_eq!(app.overlay_scroll, 0);
    act(&mut app, &[Action::PageDown]);
    assert_eq!(app.overlay_scroll, 21.min(max));
}

#[test]
fn details_scroll_sideways_and_fold_with_left_and_right() {
    let mut app = long_connect();
    let before = screen(&mut app, 80, 24);
    assert!(!before.contains("segment/\""), "{before}");
    // Right on a leaf scrolls to read the end of its value; Left comes back.
    for _ in 0..40 {
        act(&mut app, &[Action::Right]);
    }
    let scrolled = screen(&mut app, 80, 24);
    assert!(app.details_x > 0 && app.details_x <= app.areas.details_x_max);
    assert!(scrolled.contains("Details (from column"), "{scrolled}");
    assert!(
        scrolled.contains("segment/\""),
        "the value's end: {scrolled}"
    );
    insta::assert_snapshot!("details_scrolled_sideways_80x24", scrolled);
    while app.details_x > 0 {
        act(&mut app, &[Action::Left]);
    }
    // At the left edge, Left goes to the field it is part of, and folds it.
    act(&mut app, &[Action::Left]);
    assert_eq!(app.details[app.detail_cursor].path, "command_object");
    let open = app.details.len();
    act(&mut app, &[Action::Left]);
    assert!(app.details.len() < open);
    act(&mut app, &[Action::Right]);
    assert_eq!(app.details.len(), open);
}

#[test]
fn zoom_fills_the_screen_with_the_focused_pane() {
    let mut app = sample("publish_play.pcap");
    act(&mut app, &[Action::Zoom]);
    let zoomed = screen(&mut app, 160, 45);
    assert!(zoomed.starts_with("┌ Messages (574)"), "{zoomed}");
    assert!(!zoomed.contains("Sessions (3)"), "{zoomed}");
    // The page is the whole screen: PgDn moves that far.
    act(&mut app, &[Action::PageDown]);
    assert_eq!(app.message_cursor, usize::from(app.areas.messages.rows));
    act(&mut app, &[Action::NextPane, Action::NextPane]);
    let bytes = screen(&mut app, 80, 24);
    assert!(bytes.starts_with("┌ Bytes"), "{bytes}");
    insta::assert_snapshot!("zoomed_bytes_80x24", bytes);
    act(&mut app, &[Action::Zoom]);
    assert!(screen(&mut app, 160, 45).contains("Sessions (3)"));
}

#[test]
fn the_help_scrolls_at_eighty_by_twenty_four() {
    let mut app = sample("publish_play.pcap");
    let cursor = app.message_cursor;
    act(&mut app, &[Action::Help]);
    let top = screen(&mut app, 80, 24);
    assert!(top.contains("↑ ↓ scroll"), "{top}");
    assert!(!top.contains("n N marks stay after Esc"), "{top}");
    act(&mut app, &[Action::End]);
    let bottom = screen(&mut app, 80, 24);
    assert!(bottom.contains("n N marks stay after Esc"), "{bottom}");
    insta::assert_snapshot!("help_scrolled_80x24", bottom);
    // ↑ ↓ scrolled the help, not the messages behind it.
    act(&mut app, &[Action::Up, Action::Down, Action::Down]);
    assert_eq!(app.message_cursor, cursor);
    assert!(app.help);
}

#[test]
fn y_copies_a_value_and_shift_y_its_bytes() {
    let mut app = long_connect();
    act(&mut app, &[Action::CopyValue]);
    assert_eq!(app.clipboard.take(), Some(long_url()));
    let status = app.model.status.clone().unwrap_or_default();
    assert!(
        status.starts_with("copied command_object.tcUrl ("),
        "{status}"
    );
    act(&mut app, &[Action::CopyHex]);
    let hex = app.clipboard.take().expect("hex");
    // The property's name and its value: 00 05 "tcUrl" 02 <length> <url>.
    assert!(hex.starts_with("000574635572"), "{hex}");
    assert_eq!(hex.len(), 2 * (2 + 5 + 3 + long_url().len()));
    assert!(app
        .model
        .status
        .as_deref()
        .unwrap_or("")
        .contains("hex digits"));
    // On the messages pane: the row's summary and its body.
    act(&mut app, &[Action::PrevPane, Action::CopyValue]);
    assert!(app
        .clipboard
        .take()
        .unwrap_or_default()
        .starts_with("connect tcUrl="));
    let screen = screen(&mut app, 80, 24);
    assert!(status_line(&screen).contains("copied frame 7"), "{screen}");
}

#[test]
fn export_messages_agree_with_each_other() {
    let mut app = sample("publish_play.pcap").with_export(ExportMode::FromFile);
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Export]);
    assert_eq!(app.export_request.take(), Some(1));
    app.export_dir = Some("rtmpscope-export-2".into());
    let pending = screen(&mut app, 80, 24);
    assert!(
        pending.contains("Exporting into rtmpscope-export-2/"),
        "{pending}"
    );
    app.export_ended(1, Err("File exists (os error 17)".into()));
    let failed = screen(&mut app, 80, 24);
    assert!(
        failed.contains("export failed, nothing written"),
        "{failed}"
    );
    assert!(!failed.contains("the files appear here"), "{failed}");
    assert!(
        status_line(&failed).contains("export failed: File exists"),
        "{failed}"
    );
    insta::assert_snapshot!("export_failed_80x24", failed);
    // A second e closes the overlay; a third shows it again without exporting twice.
    act(&mut app, &[Action::Export, Action::Export]);
    assert!(app.exports && app.export_request.is_none());
    // Standard input is not called live.
    let mut stdin = sample("publish_play.pcap").with_export(ExportMode::Unavailable);
    act(
        &mut stdin,
        &[Action::PrevPane, Action::Down, Action::Export],
    );
    let screen = screen(&mut stdin, 160, 45);
    assert!(
        screen.contains("Standard input cannot be read again"),
        "{screen}"
    );
    assert!(!screen.contains("Live:"), "{screen}");
    // At 80 columns the message wraps inside the box, to its last word.
    let small = common::tui::screen(&mut stdin, 80, 24);
    assert!(small.contains("as it is decoded."), "{small}");
}

#[test]
fn the_bytes_pane_takes_the_keyboard_and_scrolls() {
    let mut app = sample("publish_play.pcap");
    while !selected(&app).starts_with("connect") {
        act(&mut app, &[Action::Down]);
    }
    screen(&mut app, 80, 24);
    act(&mut app, &[Action::NextPane, Action::NextPane]);
    assert_eq!(app.focus, Pane::Bytes);
    let top = screen(&mut app, 80, 24);
    assert!(top.contains("│0000  "), "{top}");
    act(&mut app, &[Action::PageDown]);
    let scrolled = screen(&mut app, 80, 24);
    assert!(app.bytes_scroll > 0, "{scrolled}");
    assert!(!scrolled.contains("│0000  "), "{scrolled}");
    act(&mut app, &[Action::End]);
    assert_eq!(app.bytes_scroll, app.areas.bytes_max);
    act(&mut app, &[Action::Home]);
    assert_eq!(app.bytes_scroll, 0);
    insta::assert_snapshot!("bytes_focused_160x45", screen(&mut app, 160, 45));
    // The mouse: the wheel over the bytes scrolls them, a click on the details goes back.
    act(&mut app, &[Action::PrevPane]);
    screen(&mut app, 80, 24);
    let (bytes, left) = (app.areas.bytes, app.areas.bytes_x);
    act(&mut app, &[Action::ScrollDown(left + 5, bytes.top + 1)]);
    assert_eq!(app.focus, Pane::Bytes);
    assert_eq!(app.bytes_scroll, 3);
    act(&mut app, &[Action::Click(2, bytes.top + 1)]);
    assert_eq!(app.focus, Pane::Details);
}

#[test]
fn pause_and_statistics_say_why_they_do_nothing() {
    let mut app = sample("publish_play.pcap");
    act(&mut app, &[Action::Pause]);
    assert!(!app.paused);
    let screen_after_p = screen(&mut app, 80, 24);
    assert!(!screen_after_p.contains("PAUSED"), "{screen_after_p}");
    assert!(
        status_line(&screen_after_p).contains("nothing to pause"),
        "{screen_after_p}"
    );
    // s on all sessions: what to select.
    act(&mut app, &[Action::Stats]);
    assert!(!app.stats);
    let text = screen(&mut app, 160, 45);
    assert!(
        status_line(&text).contains("statistics are per session"),
        "{text}"
    );
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Stats]);
    assert!(app.stats);
}

#[test]
fn failed_statuses_are_drawn_as_errors() {
    let mut app = App::new("errors.pcap".into(), false);
    let status = |frame, summary: &str| {
        Update::Row(testkit::message_row(
            frame,
            20,
            RowKind::Command,
            summary,
            Vec::new(),
        ))
    };
    app.receive(vec![
        testkit::session_started(1),
        status(1, "onStatus status NetStream.Publish.Start Publishing"),
        status(
            2,
            "onStatus error NetStream.Publish.BadName Stream already publishing",
        ),
        Update::Done,
    ]);
    let terminal = common::tui::draw(&mut app, 160, 45);
    let buffer = terminal.backend().buffer();
    // The colour of the first letter of each row's summary.
    let colour_of = |text: &str| {
        (0..45u16)
            .find_map(|y| {
                let line: String = (0..160u16).map(|x| buffer[(x, y)].symbol()).collect();
                let x = line.find(text)?;
                let column = line[..x].chars().count() as u16;
                Some(buffer[(column, y)].fg)
            })
            .unwrap_or_else(|| panic!("{text} not on screen"))
    };
    assert_eq!(colour_of("onStatus error"), ratatui::style::Color::LightRed);
    assert_eq!(colour_of("onStatus status"), ratatui::style::Color::Yellow);
}
