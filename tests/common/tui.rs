//! The TUI built from a decoded capture, drawn on a test terminal (ratatui's TestBackend).

use std::path::Path;
use std::sync::Arc;

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use rtmpscope::capture::Source;
use rtmpscope::pipeline::RunOptions;
use rtmpscope::tui::app::{Action, App};
use rtmpscope::tui::feed::Decoding;
use rtmpscope::tui::model::Update;
use rtmpscope::tui::{feed, ui};

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
    batches
}

/// An app holding everything `capture` decodes to, as the UI would after reading it.
pub fn loaded(capture: &Path) -> App {
    let mut app = App::new(capture.display().to_string(), false);
    for batch in updates(capture, Decoding::default()) {
        app.receive(batch);
    }
    app
}

/// The screen as text, one line a row (`app.areas` updated as the UI loop does).
pub fn screen(app: &mut App, width: u16, height: u16) -> String {
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

/// Applies `actions` in order.
pub fn act(app: &mut App, actions: &[Action]) {
    for action in actions {
        app.act(*action);
    }
}
