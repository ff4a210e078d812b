//! The sessions table (top): one row per RTMP connection, and a first row for all of them;
//! sorted and filtered as [`crate::tui::sort::SessionView`] says, byte counts in human units,
//! the health verdict of the stream-health analysis, cut text ending with an ellipsis.

use crate::common::escape::Escaped;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

use super::cells::{bytes, cut};
use super::{pane_block, table_area};
use crate::tui::app::{App, ListArea, Pane};
use crate::tui::model::{SessionRow, SessionState};
use crate::tui::sort::health;
use crate::tui::theme::Theme;

/// Column names; the sorted one gets an arrow.
const HEADERS: [&str; 13] = [
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
    "health",
    "!",
];

/// Draws the sessions table; returns where its rows went.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> ListArea {
    let theme = app.theme;
    let view = app.session_view;
    let mut notes = Vec::new();
    if view.errors_only {
        notes.push(format!(
            "{} of {} need attention",
            app.session_order.len(),
            app.model.sessions.len()
        ));
    }
    if app.model.sessions_dropped > 0 {
        notes.push(format!("{} oldest dropped", app.model.sessions_dropped));
    }
    let title = if notes.is_empty() {
        format!(" Sessions ({}) ", app.model.sessions.len())
    } else {
        format!(
            " Sessions ({}, {}) ",
            app.model.sessions.len(),
            notes.join(", ")
        )
    };
    let block = pane_block(title, app.focus == Pane::Sessions, theme);
    let list = table_area(block.inner(area), app.session_cursor);
    // On a narrow terminal the stream and app names, then the addresses, give way; then the
    // server, form and time columns go.
    const IDEAL: [u16; 13] = [4, 21, 21, 5, 10, 14, 9, 7, 17, 7, 7, 8, 1];
    const LEAST: [u16; 13] = [4, 12, 12, 5, 4, 6, 9, 7, 15, 6, 5, 6, 1];
    const SHRINK_ORDER: [usize; 8] = [5, 4, 8, 1, 2, 11, 10, 9];
    const DROP_ORDER: [usize; 4] = [2, 3, 9, 4];
    let widths = fit(
        IDEAL,
        LEAST,
        &SHRINK_ORDER,
        &DROP_ORDER,
        area.width.saturating_sub(2),
    );
    let listed = app
        .session_order
        .iter()
        .filter_map(|&i| app.model.sessions.get(i));
    let all = std::iter::once(None).chain(listed.map(Some));
    let rows: Vec<Row<'_>> = all
        .enumerate()
        .skip(list.offset)
        .take(usize::from(list.rows))
        .map(|(index, session)| {
            let row = match session {
                None => {
                    let mut texts = vec![String::new(); HEADERS.len()];
                    texts[0] = "*".to_owned();
                    texts[1] = "all sessions".to_owned();
                    texts[10] = app.model.rows.len().to_string();
                    let cells = texts.iter().zip(widths).map(|(t, w)| Cell::from(cut(t, w)));
                    Row::new(shown(cells, &widths))
                }
                Some(session) => session_row(session, &widths, theme),
            };
            if index == app.session_cursor {
                row.style(theme.selected(app.focus == Pane::Sessions))
            } else {
                row
            }
        })
        .collect();
    let arrow = if view.reverse { "▼" } else { "▲" };
    let names = HEADERS.iter().zip(widths).map(|(&name, width)| {
        let name = if name == view.column.header() {
            format!("{name}{arrow}")
        } else {
            name.to_owned()
        };
        Cell::from(cut(&name, width))
    });
    let header = Row::new(shown(names, &widths)).style(theme.emphasis());
    let widths: Vec<Constraint> = widths
        .iter()
        .filter(|&&width| width > 0)
        .map(|&width| Constraint::Length(width))
        .collect();
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    list
}

/// Column widths: `ideal` when they fit in `available` (a space between columns), else shrunk
/// towards `least`, column by column in `order`; if still too wide, columns are left out (width
/// 0) in `drop`'s order.
fn fit<const N: usize>(
    ideal: [u16; N],
    least: [u16; N],
    order: &[usize],
    drop: &[usize],
    available: u16,
) -> [u16; N] {
    let total = |widths: &[u16; N]| -> u16 {
        let shown = widths.iter().filter(|&&width| width > 0);
        shown.map(|width| width + 1).sum::<u16>().saturating_sub(1)
    };
    let mut widths = ideal;
    let mut excess = total(&widths).saturating_sub(available);
    for &column in order {
        if let (Some(width), Some(&floor)) = (widths.get_mut(column), least.get(column)) {
            let cut = excess.min(width.saturating_sub(floor));
            *width -= cut;
            excess -= cut;
        }
    }
    for &column in drop {
        if total(&widths) <= available {
            break;
        }
        if let Some(width) = widths.get_mut(column) {
            *width = 0;
        }
    }
    widths
}

/// The cells of the columns shown (those `fit` gave a width).
fn shown<'a>(cells: impl Iterator<Item = Cell<'a>>, widths: &[u16]) -> Vec<Cell<'a>> {
    cells
        .zip(widths)
        .filter(|(_, &width)| width > 0)
        .map(|(cell, _)| cell)
        .collect()
}

fn session_row(session: &SessionRow, widths: &[u16; 13], theme: Theme) -> Row<'static> {
    let state = match session.state {
        SessionState::Open => "open",
        SessionState::Ended(reason) => reason.as_str(),
    };
    let flag = if session.errors > 0 {
        Cell::from("E").style(theme.error())
    } else if session.problems > 0 {
        Cell::from("w").style(theme.warning())
    } else {
        Cell::from("")
    };
    let health = match health(session) {
        Some(verdict @ "failed") => Cell::from(verdict).style(theme.error()),
        Some(verdict @ "degraded") => Cell::from(verdict).style(theme.warning()),
        verdict => Cell::from(verdict.unwrap_or_default()),
    };
    let texts = [
        session.id.to_string(),
        session.client.to_string(),
        session.server.to_string(),
        session.variant.as_str().to_uppercase(),
        Escaped(session.app.as_deref().unwrap_or_default()).to_string(),
        Escaped(session.stream.as_deref().unwrap_or_default()).to_string(),
        session.role.to_owned(),
        state.to_owned(),
        format!("{}/{}", bytes(session.bytes[0]), bytes(session.bytes[1])),
        format!("{:.1}s", session.active.seconds()),
        session.messages.to_string(),
    ];
    let mut cells: Vec<Cell<'static>> = texts
        .iter()
        .zip(widths)
        .map(|(text, &width)| Cell::from(cut(text, width)))
        .collect();
    cells.push(health);
    cells.push(flag);
    Row::new(shown(cells.into_iter(), widths))
}
