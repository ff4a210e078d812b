//! The status bar (bottom line): the source, how far reading has got, counters, the filter,
//! the latest note.

use crate::common::escape::Escaped;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::app::App;

/// Draws the status bar.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let mode = if app.paused {
        "PAUSED".to_owned()
    } else if app.model.done {
        "done".to_owned()
    } else if app.live {
        "LIVE".to_owned()
    } else {
        match app.file_size.filter(|&size| size > 0) {
            // pcap record headers (16 bytes a packet) are part of the file, not of the bytes.
            Some(size) => {
                let read = app.model.bytes + 16 * app.model.packets;
                format!("reading {}%", (read * 100 / size).min(99))
            }
            None => "reading…".to_owned(),
        }
    };
    let filter = match &app.editing {
        Some(text) => format!(" | filter: {text}▏"),
        None if !app.filter.is_empty() => format!(" | filter: {}", app.filter),
        None if !app.search.is_empty() => format!(" | n/N: {}", app.search),
        None => String::new(),
    };
    let drops = if app.live {
        format!(" | drops {}", app.model.drops)
    } else {
        String::new()
    };
    let dropped = app.model.rows.first();
    let history = if dropped > 0 {
        format!(" | {dropped} oldest messages dropped")
    } else {
        String::new()
    };
    let follow = if app.follow { " | follow" } else { "" };
    let note = app
        .model
        .status
        .as_deref()
        .map(|s| format!(" | {s}"))
        .unwrap_or_default();
    let text = format!(
        " {} | {mode} | {} packets, {} bytes | {} sessions{drops}{history}{filter}{follow}{note} | ? help  q quit",
        Escaped(&app.source),
        app.model.packets,
        app.model.bytes,
        app.model.sessions.len(),
    );
    frame.render_widget(Paragraph::new(text).style(app.theme.status_bar()), area);
}
