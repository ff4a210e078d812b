//! The panes and overlays, one a file, and the pieces they share (a pane's frame, a table's
//! header, where a list scrolls to). Each `draw` reads the [`App`](super::app::App) and draws
//! into its area; the lists return where their rows went, for the mouse and page sizes.

pub mod bytes;
pub mod cells;
pub mod charts;
pub mod details;
pub mod expert;
pub mod exports;
pub mod help;
pub mod messages;
pub mod sessions;
pub mod statistics;
pub mod status;
pub mod text;

use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Row};

use super::app::ListArea;
use super::theme::Theme;

/// A pane's frame with its title; its border stands out when the pane has the keyboard.
fn pane_block(title: String, focused: bool, theme: Theme) -> Block<'static> {
    let style = if focused {
        theme.focused_border()
    } else {
        ratatui::style::Style::default()
    };
    Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(style)
}

/// The first row to show so that `cursor` is visible in `rows` lines.
fn scroll_offset(cursor: usize, rows: usize) -> usize {
    (cursor + 1).saturating_sub(rows.max(1))
}

/// The list area of a table inside `inner` (one header line), showing `cursor`.
fn table_area(inner: Rect, cursor: usize) -> ListArea {
    let rows = inner.height.saturating_sub(1);
    ListArea {
        top: inner.y + 1,
        rows,
        offset: scroll_offset(cursor, usize::from(rows)),
    }
}

/// A table's header row: its column names.
fn header_row(names: &[&'static str], theme: Theme) -> Row<'static> {
    Row::new(names.to_vec()).style(theme.emphasis())
}

/// A box of `width` x `height` in the middle of `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}
