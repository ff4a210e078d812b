//! The bytes pane (bottom right): the selected message's body in hex and text, the bytes of
//! the selected field marked and scrolled into view; with the keyboard (Tab) it scrolls
//! where ↑ ↓ PgUp PgDn take it.

use std::ops::Range;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::pane_block;
use crate::tui::app::{App, ListArea, Pane};
use crate::tui::details::without_bytes;

/// Bytes per hex line for a pane `width` columns wide inside its borders: 16 when the offset,
/// the hex and the text fit, else 8.
fn hex_width(width: u16) -> usize {
    if width >= 6 + 16 * 3 + 1 + 16 {
        16
    } else {
        8
    }
}

/// `block` with, when the selected field has no bytes of its own, why, on its bottom line.
fn with_reason<'a>(block: Block<'a>, app: &App) -> Block<'a> {
    let reason = app
        .details
        .get(app.detail_cursor)
        .filter(|node| node.bytes.is_none())
        .and_then(|node| without_bytes(&node.path));
    match reason {
        Some(reason) => block.title_bottom(format!(" no bytes: {reason} ")),
        None => block,
    }
}

/// Draws the bytes of the selected message (an empty frame for rows that are not messages);
/// returns where its lines went and the furthest it scrolls down.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> (ListArea, usize) {
    let theme = app.theme;
    let focused = app.focus == Pane::Bytes;
    let Some(row) = app
        .selected_row()
        .filter(|row| row.is_message() || !row.body().is_empty())
    else {
        let block = with_reason(pane_block(" Bytes ".to_owned(), focused, theme), app);
        frame.render_widget(block, area);
        return (ListArea::default(), 0);
    };
    let body = row.body();
    let kept = body.len();
    let title = if (kept as u64) < u64::from(row.length) {
        format!(" Bytes (first {kept} of {}) ", row.length)
    } else {
        format!(" Bytes ({kept}) ")
    };
    let block = with_reason(pane_block(title, focused, theme), app);
    let inner = block.inner(area);
    let width = hex_width(inner.width);
    let max = body
        .len()
        .div_ceil(width)
        .saturating_sub(usize::from(inner.height));
    let highlight: Option<Range<usize>> = app
        .details
        .get(app.detail_cursor)
        .and_then(|node| node.bytes.clone());
    // Scroll so the highlighted bytes are on screen, a line of context above them.
    let first_line = if focused {
        app.bytes_scroll.min(max)
    } else {
        highlight.as_ref().map_or(0, |range| {
            let line = range.start / width;
            if line >= usize::from(inner.height) {
                line.saturating_sub(1)
            } else {
                0
            }
        })
    };
    let marked = theme.marked_bytes();
    let lines: Vec<Line<'_>> = body
        .chunks(width)
        .enumerate()
        .skip(first_line)
        .take(usize::from(inner.height))
        .map(|(line, bytes)| {
            let start = line * width;
            let is_marked = |i: usize| highlight.as_ref().is_some_and(|r| r.contains(&(start + i)));
            let mut spans = vec![Span::raw(format!("{start:04x}  "))];
            for (i, byte) in bytes.iter().enumerate() {
                let style = if is_marked(i) {
                    marked
                } else {
                    Style::default()
                };
                spans.push(Span::styled(format!("{byte:02x}"), style));
                // The space between two marked bytes is marked too, so a field reads as one.
                let gap = if is_marked(i) && is_marked(i + 1) && i + 1 < bytes.len() {
                    marked
                } else {
                    Style::default()
                };
                spans.push(Span::styled(" ", gap));
            }
            spans.push(Span::raw(" ".repeat(3 * (width - bytes.len()) + 1)));
            for (i, &byte) in bytes.iter().enumerate() {
                let c = if byte.is_ascii_graphic() || byte == b' ' {
                    byte as char
                } else {
                    '.'
                };
                let style = if is_marked(i) {
                    marked
                } else {
                    Style::default()
                };
                spans.push(Span::styled(c.to_string(), style));
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
    let list = ListArea {
        top: inner.y,
        rows: inner.height,
        offset: first_line,
    };
    (list, max)
}
