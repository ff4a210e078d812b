//! The status bar (bottom line): the source, how far reading has got, counters, the filter,
//! the latest note.

use crate::common::escape::Escaped;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
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
    let head = format!(
        " {} | {mode} | {} packets, {} bytes | {} sessions{drops}{history}",
        Escaped(&app.source),
        app.model.packets,
        app.model.bytes,
        app.model.sessions.len(),
    );
    let tail = format!("{follow}{note} | ? help  q quit");
    let mut spans = vec![Span::raw(head)];
    spans.extend(prompt(app));
    spans.push(Span::raw(tail));
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(app.theme.status_bar()),
        area,
    );
}

/// The filter's part of the status bar: the expression being typed, with what is wrong with
/// it marked where it is; or the filter applied and how many rows pass it ("no match" when
/// none); or what `n` and `N` look for.
pub fn prompt(app: &App) -> Vec<Span<'static>> {
    if let Some(text) = &app.editing {
        // One character shown for each typed, so the marker stays over its place.
        let shown: Vec<char> = text
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        let Some(error) = &app.filter_error else {
            return vec![Span::raw(format!(" | /{}▏", String::from_iter(shown)))];
        };
        let (before, width) = error.char_span(text);
        let part = |from: usize, to: usize| -> String {
            shown
                .iter()
                .skip(from)
                .take(to.saturating_sub(from))
                .collect()
        };
        let marked = part(before, before + width);
        let marker = app.theme.error().add_modifier(Modifier::UNDERLINED);
        return vec![
            Span::raw(format!(" | /{}", part(0, before))),
            // Past the end (something is missing): mark the place where it goes.
            Span::styled(
                if marked.is_empty() {
                    " ".into()
                } else {
                    marked
                },
                marker,
            ),
            Span::raw(format!("{}▏ ", part(before + width, shown.len()))),
            Span::styled(format!("✗ {}", Escaped(&error.message)), app.theme.error()),
        ];
    }
    if !app.filter.is_empty() {
        let count = if app.visible.is_empty() {
            "no match".to_owned()
        } else {
            format!("{} of {}", app.visible.len(), app.listed)
        };
        return vec![Span::raw(format!(
            " | filter: {} — {count}",
            Escaped(&app.filter)
        ))];
    }
    if !app.search.is_empty() {
        let missed = if app.search_missed {
            " — no match"
        } else {
            ""
        };
        return vec![Span::raw(format!(
            " | n/N: {}{missed}",
            Escaped(&app.search)
        ))];
    }
    Vec::new()
}
