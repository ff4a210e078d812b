//! The TUI renders as a function of its state: snapshots of every pane and view on a sample
//! (ratatui's TestBackend), and the key handling that changes the state.

#![cfg(feature = "tui")]

use std::path::Path;
use std::sync::Arc;

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use rtmpscope::capture::Source;
use rtmpscope::pipeline::RunOptions;
use rtmpscope::reassembly::ReassemblyConfig;
use rtmpscope::rtmp::sessions::DecoderConfig;
use rtmpscope::tui::app::{Action, App, Pane};
use rtmpscope::tui::{feed, model::Update, ui};

/// An app holding everything the sample decodes to, as the UI would after reading it.
fn loaded(sample: &str) -> App {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(sample);
    let source = Source::open_file(&path, None).expect("open the sample");
    let options = RunOptions {
        counters: Some(Arc::default()),
        ..RunOptions::default()
    };
    let updates = feed::spawn(
        source,
        (ReassemblyConfig::default(), DecoderConfig::default()),
        false,
        options,
    );
    let mut app = App::new(format!("samples/{sample}"), false);
    for batch in updates {
        let done = batch.iter().any(|u| matches!(u, Update::Done));
        app.receive(batch);
        if done {
            break;
        }
    }
    app
}

/// The screen as text, one line a row.
fn screen(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| app.areas = ui::draw(frame, app))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn act(app: &mut App, actions: &[Action]) {
    for action in actions {
        app.act(action.clone());
    }
}

#[test]
fn main_view() {
    let mut app = loaded("publish_play.pcap");
    insta::assert_snapshot!("main_view", screen(&mut app, 140, 40));
}

#[test]
fn session_selected_and_details_expanded() {
    let mut app = loaded("publish_play.pcap");
    // Sessions pane: session 1; then its messages: connect; then the details tree.
    act(
        &mut app,
        &[Action::PrevPane, Action::Down, Action::Toggle, Action::Down],
    );
    assert_eq!(app.selected_session(), Some(1));
    assert_eq!(app.focus, Pane::Messages);
    act(
        &mut app,
        &[
            Action::Toggle,
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Down,
        ],
    );
    assert_eq!(app.focus, Pane::Details);
    let screen = screen(&mut app, 140, 40);
    assert!(screen.contains("app: \"live\""), "{screen}");
    insta::assert_snapshot!("details_of_connect", screen);
}

#[test]
fn filter_narrows_and_matches_step() {
    let mut app = loaded("publish_play.pcap");
    let all = app.visible.len();
    act(&mut app, &[Action::StartFilter]);
    for c in "onstatus".chars() {
        act(&mut app, &[Action::FilterChar(c)]);
    }
    act(&mut app, &[Action::FilterApply]);
    assert!(app.visible.len() < all);
    // Publish.Start and Unpublish.Success for the publisher, Play.Start for each player.
    assert_eq!(app.visible.len(), 4);
    let first = app.message_cursor;
    act(&mut app, &[Action::NextMatch]);
    assert_eq!(app.message_cursor, first + 1);
    act(&mut app, &[Action::PrevMatch]);
    assert_eq!(app.message_cursor, first);
    insta::assert_snapshot!("filtered_onstatus", screen(&mut app, 140, 30));
    // Esc clears the filter first; a second Esc quits.
    act(&mut app, &[Action::Back]);
    assert_eq!(app.visible.len(), all);
    assert!(!app.quit);
    act(&mut app, &[Action::Back]);
    assert!(app.quit);
}

#[test]
fn navigation_is_clamped() {
    let mut app = loaded("publish_play.pcap");
    act(&mut app, &[Action::End]);
    assert_eq!(app.message_cursor, app.visible.len() - 1);
    act(&mut app, &[Action::Down, Action::PageDown]);
    assert_eq!(app.message_cursor, app.visible.len() - 1);
    act(&mut app, &[Action::Home, Action::Up, Action::PageUp]);
    assert_eq!(app.message_cursor, 0);
    act(&mut app, &[Action::NextPane]);
    assert_eq!(app.focus, Pane::Details);
    act(&mut app, &[Action::NextPane]);
    assert_eq!(app.focus, Pane::Sessions);
}

#[test]
fn help_overlay() {
    let mut app = loaded("publish_play.pcap");
    act(&mut app, &[Action::Help]);
    let screen = screen(&mut app, 120, 36);
    for key in [
        "PgUp PgDn",
        "pause the live view",
        "export the selected session",
    ] {
        assert!(screen.contains(key), "{screen}");
    }
    insta::assert_snapshot!("help", screen);
}

#[test]
fn statistics_view() {
    let mut app = loaded("publish_play.pcap");
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Stats]);
    let screen = screen(&mut app, 140, 45);
    assert!(screen.contains("publish \"test\" (live)"), "{screen}");
    assert!(screen.contains("video kbit/s per second"), "{screen}");
    insta::assert_snapshot!("statistics", screen);
}

#[test]
fn the_rtmp_family_shows_in_the_sessions_rows_and_statistics() {
    let mut app = loaded("rtmps.pcap");
    let main = screen(&mut app, 160, 40);
    assert!(main.contains("RTMPS"), "{main}");
    assert!(
        main.contains("TLS handshake: TLS 1.3 TLS_AES_256_GCM_SHA384"),
        "{main}"
    );
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Stats]);
    let stats = screen(&mut app, 160, 45);
    assert!(stats.contains("RTMPS"), "{stats}");
    assert!(stats.contains("TLS records c2s"), "{stats}");
    let mut app = loaded("rtmpt.pcap");
    let main = screen(&mut app, 160, 40);
    assert!(main.contains("RTMPT"), "{main}");
    act(&mut app, &[Action::PrevPane, Action::Down, Action::Stats]);
    let stats = screen(&mut app, 160, 45);
    assert!(stats.contains("idle polls"), "{stats}");
}

#[test]
fn too_small_a_terminal_says_so() {
    let mut app = loaded("publish_play.pcap");
    let screen = screen(&mut app, 40, 10).replace('\n', " ");
    assert!(screen.contains("needs at least 60x15"), "{screen}");
}
