//! The TUI's state built from a sample decoded to its end, drawn on a test terminal: no
//! threads raced, nothing slept.

#![cfg(feature = "tui")]

use std::sync::Arc;

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use rtmpscope::capture::Source;
use rtmpscope::pipeline::RunOptions;
use rtmpscope::tui::app::{Action, App};
use rtmpscope::tui::feed::{self, Decoding};
use rtmpscope::tui::model::Update;
use rtmpscope::tui::ui;

/// Every update the sample decodes to, in the batches the decoding thread sent.
pub fn updates(name: &str, decoding: Decoding) -> Vec<Vec<Update>> {
    let path = super::samples_dir().join(name);
    let source = Source::open_file(&path, None).expect("open the sample");
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

/// An app holding everything the sample decodes to, as the UI would after reading it.
pub fn loaded(name: &str) -> App {
    let mut app = App::new(format!("samples/{name}"), false);
    for batch in updates(name, Decoding::default()) {
        app.receive(batch);
    }
    app
}

/// Draws the app on a `width` x `height` test terminal.
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

/// Applies the actions in order.
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
