//! The details tree (bottom left): the selected message's fields, nested, scrolled sideways
//! (← →) when a value is longer than the pane is wide.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{pane_block, scroll_offset};
use crate::tui::app::{App, ListArea, Pane};
use crate::tui::details::Node;

/// The line of a node: indented by depth, its expand marker, its label.
fn text(node: &Node) -> String {
    let marker = match (node.container, node.expanded) {
        (true, true) => "▾ ",
        (true, false) => "▸ ",
        _ => "  ",
    };
    format!("{}{marker}{}", "  ".repeat(node.depth), node.label)
}

/// Draws the details tree; returns where its lines went and how far it scrolls sideways.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> (ListArea, usize) {
    let theme = app.theme;
    let title = if app.details_x > 0 {
        format!(" Details (from column {}, ← →) ", app.details_x + 1)
    } else {
        " Details ".to_owned()
    };
    let block = pane_block(title, app.focus == Pane::Details, theme);
    let inner = block.inner(area);
    let list = ListArea {
        top: inner.y,
        rows: inner.height,
        offset: scroll_offset(app.detail_cursor, usize::from(inner.height)),
    };
    let widest = app
        .details
        .iter()
        .map(|node| text(node).chars().count())
        .max()
        .unwrap_or(0);
    let x_max = widest.saturating_sub(usize::from(inner.width));
    let lines: Vec<Line<'_>> = app
        .details
        .iter()
        .enumerate()
        .skip(list.offset)
        .take(usize::from(list.rows))
        .map(|(index, node)| {
            let text: String = text(node).chars().skip(app.details_x).collect();
            if index == app.detail_cursor {
                Line::styled(text, theme.selected(app.focus == Pane::Details))
            } else {
                Line::raw(text)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
    (list, x_max)
}
