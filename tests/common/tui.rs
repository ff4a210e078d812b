//! The TUI's state built from a capture decoded to its end, drawn on a test terminal
//! (ratatui's TestBackend): no threads raced, nothing slept.

#![cfg(feature = "tui")]

use std::path::Path;
use std::sync::Arc;

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use rtmpscope::capture::Source;
use rtmpscope::pipeline::RunOptions;
use rtmpscope::tui::app::{Action, App};
use rtmpscope::tui::feed::{self, Decoding};
use rtmpscope::tui::model::Update;
use rtmpscope::tui::ui;

/// Every update `capture` decodes to, in the batches the decoding thread sent.
pub fn updates(capture: &Path, decoding: Decoding) -> Vec<Vec<Update>> {
    let source = Source::open_file(capture, None).expect("open the capture");
    let options = RunOptions {
        counters: Some(Arc::default()),
        ..RunOptions::default()
    };
    let decoder = feed::spawn(source, decoding, options).expect("decoder");
    let batches: Vec<Vec<Update>> = decoder.updates.iter().collect();
    decoder.thread.join().expect("the decoder ends");
    assert!(batches.iter().flatten().any(|u| matches!(u, Update::Done)));
    batches
}

/// Every update the sample `name` decodes to.
pub fn sample_updates(name: &str, decoding: Decoding) -> Vec<Vec<Update>> {
    updates(&super::samples_dir().join(name), decoding)
}

/// An app holding everything `capture` decodes to, as the UI would after reading it; titled
/// with the path from the project's root (screens must not depend on where it is checked out).
pub fn loaded(capture: &Path) -> App {
    let title = capture
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(capture);
    let mut app = App::new(title.display().to_string(), false);
    for batch in updates(capture, Decoding::default()) {
        app.receive(batch);
    }
    app
}

/// An app holding everything the sample `name` decodes to, titled as on the command line.
pub fn sample(name: &str) -> App {
    let mut app = App::new(format!("samples/{name}"), false);
    for batch in sample_updates(name, Decoding::default()) {
        app.receive(batch);
    }
    app
}

/// Draws the app on a `width` x `height` test terminal (`app.areas` updated as the UI loop
/// does).
pub fn draw(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| app.areas = ui::draw(frame, app))
        .expect("draw");
    terminal
}

/// The screen as text, one line a row.
pub fn screen(app: &mut App, width: u16, height: u16) -> String {
    let terminal = draw(app, width, height);
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

/// Applies `actions` in order.
pub fn act(app: &mut App, actions: &[Action]) {
    for action in actions {
        app.act(*action);
    }
}

/// The summary of the selected row.
pub fn selected(app: &App) -> String {
    app.selected_row()
        .map(|row| row.summary().into_owned())
        .unwrap_or_default()
}
