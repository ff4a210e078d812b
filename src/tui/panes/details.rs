//! The details tree (bottom left): the selected message's fields, nested.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{pane_block, scroll_offset};
use crate::tui::app::{App, ListArea, Pane};

/// Draws the details tree; returns where its lines went.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> ListArea {
    let theme = app.theme;
    let block = pane_block(" Details ".to_owned(), app.focus == Pane::Details, theme);
    let inner = block.inner(area);
    let list = ListArea {
        top: inner.y,
        rows: inner.height,
        offset: scroll_offset(app.detail_cursor, usize::from(inner.height)),
    };
    let lines: Vec<Line<'_>> = app
        .details
        .iter()
        .enumerate()
        .skip(list.offset)
        .take(usize::from(list.rows))
        .map(|(index, node)| {
            let marker = match (node.container, node.expanded) {
                (true, true) => "▾ ",
                (true, false) => "▸ ",
                _ => "  ",
            };
            let text = format!("{}{marker}{}", "  ".repeat(node.depth), node.label);
            if index == app.detail_cursor {
                Line::styled(text, theme.selected(app.focus == Pane::Details))
            } else {
                Line::raw(text)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
    list
}
