//! The messages table (middle): the selected session's messages, handshakes, warnings and
//! gaps, coloured by kind, through the filter.

use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Row, Table};
use ratatui::Frame;

use super::{header_row, pane_block, table_area};
use crate::common::Direction;
use crate::tui::app::{App, ListArea, Pane};
use crate::tui::model::MessageRow;

/// Draws the messages table; returns where its rows went.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> ListArea {
    let theme = app.theme;
    let title = match app.selected_session() {
        Some(id) => format!(" Messages of session {id} ({}) ", app.visible.len()),
        None => format!(" Messages ({}) ", app.visible.len()),
    };
    let block = pane_block(title, app.focus == Pane::Messages, theme);
    let list = table_area(block.inner(area), app.message_cursor);
    let origin = app.model.rows.get(app.model.rows.first()).map(|r| r.time);
    // After Esc cleared a filter, its matches stay marked for n and N.
    let mut marks = app.search_marks();
    let rows: Vec<Row<'_>> = app
        .visible
        .iter()
        .enumerate()
        .skip(list.offset)
        .take(usize::from(list.rows))
        .filter_map(|(position, &index)| {
            let row = app.model.rows.get(index)?;
            let seconds = origin.map_or(0.0, |o| row.time.micros_since(o) as f64 / 1e6);
            let mut style = theme.message(row);
            let summary = row.summary();
            if marks.as_mut().is_some_and(|marks| marks.matches(row)) {
                style = style.patch(theme.search_match());
            }
            if position == app.message_cursor {
                style = theme.select(style, app.focus == Pane::Messages);
            }
            Some(message_row(row, seconds, summary.into_owned()).style(style))
        })
        .collect();
    let header = header_row(
        &[
            "frame", "time", "ses", "dir", "csid", "msid", "type", "summary",
        ],
        theme,
    );
    let widths = [
        Constraint::Length(8),
        Constraint::Length(11),
        Constraint::Length(5),
        Constraint::Length(3),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(18),
        Constraint::Min(20),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    list
}

fn message_row(row: &MessageRow, seconds: f64, summary: String) -> Row<'static> {
    let arrow = row.dir.map_or("", Direction::arrow);
    let (csid, msid) = if row.is_message() {
        (row.csid.to_string(), row.msid.to_string())
    } else {
        (String::new(), String::new())
    };
    Row::new([
        row.frame.to_string(),
        format!("{seconds:.6}"),
        row.session.to_string(),
        arrow.to_owned(),
        csid,
        msid,
        row.type_name().to_owned(),
        summary,
    ])
}
