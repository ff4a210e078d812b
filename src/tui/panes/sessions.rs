//! The sessions table (top): one row per RTMP connection, and a first row for all of them.

use crate::common::escape::Escaped;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

use super::{header_row, pane_block, table_area};
use crate::tui::app::{App, ListArea, Pane};
use crate::tui::model::{SessionRow, SessionState};
use crate::tui::theme::Theme;

/// Draws the sessions table; returns where its rows went.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> ListArea {
    let theme = app.theme;
    let mut title = format!(" Sessions ({}) ", app.model.sessions.len());
    if app.model.sessions_dropped > 0 {
        title = format!(
            " Sessions ({}, {} oldest dropped) ",
            app.model.sessions.len(),
            app.model.sessions_dropped
        );
    }
    let block = pane_block(title, app.focus == Pane::Sessions, theme);
    let list = table_area(block.inner(area), app.session_cursor);
    let all = std::iter::once(None).chain(app.model.sessions.iter().map(Some));
    let rows: Vec<Row<'_>> = all
        .enumerate()
        .skip(list.offset)
        .take(usize::from(list.rows))
        .map(|(index, session)| {
            let row = match session {
                None => {
                    let mut cells = vec![Cell::from("*"), Cell::from("all sessions")];
                    cells.extend((0..8).map(|_| Cell::from("")));
                    cells.push(Cell::from(app.model.rows.len().to_string()));
                    Row::new(cells)
                }
                Some(session) => session_row(session, theme),
            };
            if index == app.session_cursor {
                row.style(theme.selected(app.focus == Pane::Sessions))
            } else {
                row
            }
        })
        .collect();
    // On a narrow terminal the stream and app names, then the addresses, give way.
    const IDEAL: [u16; 12] = [4, 21, 21, 5, 10, 14, 9, 7, 17, 7, 7, 3];
    const LEAST: [u16; 12] = [4, 15, 15, 5, 4, 6, 9, 7, 11, 7, 7, 3];
    const SHRINK_ORDER: [usize; 5] = [5, 4, 8, 1, 2];
    let spacing = IDEAL.len() as u16 - 1;
    let widths = fit(
        IDEAL,
        LEAST,
        &SHRINK_ORDER,
        area.width.saturating_sub(2 + spacing),
    )
    .map(Constraint::Length);
    let header = header_row(
        &[
            "#",
            "client",
            "server",
            "form",
            "app",
            "stream",
            "role",
            "state",
            "bytes c2s/s2c",
            "time",
            "msgs",
            "!",
        ],
        theme,
    );
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    list
}

/// Column widths: `ideal` when they fit in `available`, else shrunk towards `least`, column by
/// column in `order`.
fn fit<const N: usize>(
    ideal: [u16; N],
    least: [u16; N],
    order: &[usize],
    available: u16,
) -> [u16; N] {
    let mut widths = ideal;
    let mut excess = widths.iter().sum::<u16>().saturating_sub(available);
    for &column in order {
        if let (Some(width), Some(&floor)) = (widths.get_mut(column), least.get(column)) {
            let cut = excess.min(width.saturating_sub(floor));
            *width -= cut;
            excess -= cut;
        }
    }
    widths
}

fn session_row(session: &SessionRow, theme: Theme) -> Row<'static> {
    let state = match session.state {
        SessionState::Open => "open".to_owned(),
        SessionState::Ended(reason) => reason.as_str().to_owned(),
    };
    let seconds = session.last.micros_since(session.first) as f64 / 1e6;
    let flag = if session.errors > 0 {
        Cell::from("E").style(theme.error())
    } else if session.problems > 0 {
        Cell::from("w").style(theme.warning())
    } else {
        Cell::from("")
    };
    Row::new([
        Cell::from(session.id.to_string()),
        Cell::from(session.client.to_string()),
        Cell::from(session.server.to_string()),
        Cell::from(session.variant.as_str().to_uppercase()),
        Cell::from(Escaped(session.app.as_deref().unwrap_or_default()).to_string()),
        Cell::from(Escaped(session.stream.as_deref().unwrap_or_default()).to_string()),
        Cell::from(session.role),
        Cell::from(state),
        Cell::from(format!("{}/{}", session.bytes[0], session.bytes[1])),
        Cell::from(format!("{seconds:.1}s")),
        Cell::from(session.messages.to_string()),
        flag,
    ])
}
