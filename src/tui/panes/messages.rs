//! The messages table (middle): the selected session's messages, handshakes, warnings and
//! gaps, coloured by kind, through the filter. The time column reads as `app.time_format`
//! says; text wider than its column ends with an ellipsis.

use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Row, Table};
use ratatui::Frame;

use super::cells::cut;
use super::{header_row, pane_block, table_area};
use crate::common::Direction;
use crate::tui::app::{App, ListArea, Pane};
use crate::tui::model::MessageRow;

/// Widths of the columns before the summary: frame, (time), session, dir, csid, msid, type.
const FRAME: u16 = 8;
const SESSION: u16 = 5;
const DIR: u16 = 3;
const ID: u16 = 5;
const TYPE: u16 = 18;
/// The type column on a terminal narrower than [`WIDE`].
const NARROW_TYPE: u16 = 12;
const WIDE: u16 = 100;
/// Columns of a row (spaces between them: one fewer).
const COLUMNS: u16 = 8;

/// Draws the messages table; returns where its rows went.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> ListArea {
    let theme = app.theme;
    let title = match app.selected_session() {
        Some(id) => format!(" Messages of session {id} ({}) ", app.visible.len()),
        None => format!(" Messages ({}) ", app.visible.len()),
    };
    let block = pane_block(title, app.focus == Pane::Messages, theme);
    let list = table_area(block.inner(area), app.message_cursor);
    let format = app.time_format;
    let type_width = if area.width < WIDE { NARROW_TYPE } else { TYPE };
    let fixed = FRAME + format.width() + SESSION + DIR + 2 * ID + type_width + COLUMNS - 1;
    let widths = Widths {
        type_name: type_width,
        summary: area.width.saturating_sub(2 + fixed),
    };
    let origin = app.model.origin.unwrap_or_default();
    let time_of = |position: usize| {
        let index = *app.visible.get(position)?;
        app.model.rows.get(index).map(|row| row.time)
    };
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
            let previous = position.checked_sub(1).and_then(time_of);
            let time = format.show(row.time, origin, previous);
            let mut style = theme.message(row);
            if marks.as_mut().is_some_and(|marks| marks.matches(row)) {
                style = style.patch(theme.search_match());
            }
            if position == app.message_cursor {
                style = theme.select(style, app.focus == Pane::Messages);
            }
            Some(message_row(row, time, widths).style(style))
        })
        .collect();
    let header = header_row(
        &[
            "frame",
            format.header(),
            "ses",
            "dir",
            "csid",
            "msid",
            "type",
            "summary",
        ],
        theme,
    );
    let widths = [
        Constraint::Length(FRAME),
        Constraint::Length(format.width()),
        Constraint::Length(SESSION),
        Constraint::Length(DIR),
        Constraint::Length(ID),
        Constraint::Length(ID),
        Constraint::Length(type_width),
        Constraint::Fill(1),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    list
}

/// Widths of the columns that depend on the terminal's.
#[derive(Clone, Copy)]
struct Widths {
    type_name: u16,
    summary: u16,
}

fn message_row(row: &MessageRow, time: String, widths: Widths) -> Row<'static> {
    let arrow = row.dir.map_or("", Direction::arrow);
    let (csid, msid) = if row.is_message() {
        (row.csid.to_string(), row.msid.to_string())
    } else {
        (String::new(), String::new())
    };
    Row::new([
        cut(&row.frame.to_string(), FRAME),
        time,
        cut(&row.session.to_string(), SESSION),
        arrow.to_owned(),
        cut(&csid, ID),
        cut(&msid, ID),
        cut(row.type_name(), widths.type_name),
        cut(&row.summary(), widths.summary),
    ])
}
