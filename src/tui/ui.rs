//! Rendering: a pure function of the [`App`] state. Only the visible rows are built.

use ratatui::layout::{Constraint, Direction as LayoutDirection, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Sparkline, Table, Wrap};
use ratatui::Frame;

use super::app::{App, Areas, Pane};
use super::details::Node;
use super::input::KEYS;
use super::model::{MessageRow, RowKind, SessionRow, SessionState};
use crate::event::Direction;
use crate::output::report::ReportText;

/// The smallest terminal the layout fits.
pub const MIN_WIDTH: u16 = 60;
/// The smallest terminal height the layout fits.
pub const MIN_HEIGHT: u16 = 15;
/// Bytes a hex line shows.
const HEX_WIDTH: usize = 16;

/// Draws the whole UI; returns where the panes went (for the mouse and page sizes).
pub fn draw(frame: &mut Frame<'_>, app: &App) -> Areas {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "The terminal is {}x{}; rtmpscope needs at least {MIN_WIDTH}x{MIN_HEIGHT}. Enlarge it, or press q to quit.",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return Areas::default();
    }
    let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    draw_status(frame, status, app);
    if app.stats {
        draw_stats(frame, body, app);
        return Areas::default();
    }
    let session_rows = (app.model.sessions.len() as u16 + 4)
        .min(body.height / 4)
        .max(5);
    let [sessions, messages, bottom] = Layout::vertical([
        Constraint::Length(session_rows),
        Constraint::Min(5),
        Constraint::Percentage(35),
    ])
    .areas(body);
    let [details, hex] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .direction(LayoutDirection::Horizontal)
            .areas(bottom);
    let areas = Areas {
        sessions: draw_sessions(frame, sessions, app),
        messages: draw_messages(frame, messages, app),
        details: draw_details(frame, details, hex, app),
    };
    if app.help {
        draw_help(frame, area);
    }
    areas
}

fn pane_block(title: String, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::default().fg(Color::Cyan)
    } else {
        Style::default()
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

fn draw_sessions(frame: &mut Frame<'_>, area: Rect, app: &App) -> (u16, u16, u16) {
    let block = pane_block(
        format!(" Sessions ({}) ", app.model.sessions.len()),
        app.focus == Pane::Sessions,
    );
    let inner = block.inner(area);
    let rows_shown = usize::from(inner.height.saturating_sub(1));
    let offset = scroll_offset(app.session_cursor, rows_shown);
    let header = Row::new([
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
    ])
    .style(Style::default().add_modifier(Modifier::BOLD));
    let all = std::iter::once(None).chain(app.model.sessions.iter().map(Some));
    let rows: Vec<Row<'_>> = all
        .enumerate()
        .skip(offset)
        .take(rows_shown)
        .map(|(index, session)| {
            let row = match session {
                None => Row::new([
                    Cell::from("*"),
                    Cell::from("all sessions"),
                    Cell::from(""),
                    Cell::from(""),
                    Cell::from(""),
                    Cell::from(""),
                    Cell::from(""),
                    Cell::from(""),
                    Cell::from(""),
                    Cell::from(""),
                    Cell::from(app.model.rows.len().to_string()),
                ]),
                Some(session) => session_row(session),
            };
            if index == app.session_cursor {
                row.style(selected_style(app.focus == Pane::Sessions))
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(3),
        Constraint::Length(21),
        Constraint::Length(21),
        Constraint::Length(5),
        Constraint::Length(10),
        Constraint::Length(14),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(17),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Length(3),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    (inner.y + 1, rows_shown as u16, offset as u16)
}

fn session_row(session: &SessionRow) -> Row<'static> {
    let state = match session.state {
        SessionState::Open => "open".to_owned(),
        SessionState::Ended(reason) => reason.as_str().to_owned(),
    };
    let seconds = session.last.micros_since(session.first) as f64 / 1e6;
    let flag = if session.errors > 0 {
        Cell::from("E").style(Style::default().fg(Color::White).bg(Color::Red))
    } else if session.problems > 0 {
        Cell::from("w").style(Style::default().fg(Color::Black).bg(Color::Yellow))
    } else {
        Cell::from("")
    };
    Row::new([
        Cell::from(session.id.to_string()),
        Cell::from(session.client.to_string()),
        Cell::from(session.server.to_string()),
        Cell::from(session.variant.as_str().to_uppercase()),
        Cell::from(session.app.clone().unwrap_or_default()),
        Cell::from(session.stream.clone().unwrap_or_default()),
        Cell::from(session.role),
        Cell::from(state),
        Cell::from(format!("{}/{}", session.bytes[0], session.bytes[1])),
        Cell::from(format!("{seconds:.1}s")),
        Cell::from(session.messages.to_string()),
        flag,
    ])
}

fn selected_style(focused: bool) -> Style {
    if focused {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
}

/// The colour of a row's kind.
pub fn kind_style(kind: RowKind) -> Style {
    match kind {
        RowKind::Command => Style::default().fg(Color::Yellow),
        RowKind::Data => Style::default().fg(Color::Cyan),
        RowKind::Audio => Style::default().fg(Color::Green),
        RowKind::Video => Style::default().fg(Color::LightBlue),
        RowKind::Control => Style::default().fg(Color::Gray),
        RowKind::Other => Style::default().fg(Color::Magenta),
        RowKind::Warning => Style::default()
            .fg(Color::Black)
            .bg(Color::Yellow)
            .add_modifier(Modifier::BOLD),
        RowKind::Gap => Style::default()
            .fg(Color::White)
            .bg(Color::Red)
            .add_modifier(Modifier::BOLD),
    }
}

fn draw_messages(frame: &mut Frame<'_>, area: Rect, app: &App) -> (u16, u16, u16) {
    let title = match app.selected_session() {
        Some(id) => format!(" Messages of session {id} ({}) ", app.visible.len()),
        None => format!(" Messages ({}) ", app.visible.len()),
    };
    let block = pane_block(title, app.focus == Pane::Messages);
    let inner = block.inner(area);
    let rows_shown = usize::from(inner.height.saturating_sub(1));
    let offset = scroll_offset(app.message_cursor, rows_shown);
    let origin = app.model.rows.first().map(|r| r.time);
    let rows: Vec<Row<'_>> = app
        .visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows_shown)
        .filter_map(|(position, &index)| {
            let row = app.model.rows.get(index)?;
            let seconds = origin.map_or(0.0, |o| row.time.micros_since(o) as f64 / 1e6);
            let styled = message_row(row, seconds).style(kind_style(row.kind));
            Some(if position == app.message_cursor {
                styled
                    .style(kind_style(row.kind).patch(selected_style(app.focus == Pane::Messages)))
            } else {
                styled
            })
        })
        .collect();
    let header = Row::new([
        "frame", "time", "ses", "dir", "csid", "msid", "type", "summary",
    ])
    .style(Style::default().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Length(4),
        Constraint::Length(3),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(16),
        Constraint::Min(20),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    (inner.y + 1, rows_shown as u16, offset as u16)
}

fn message_row(row: &MessageRow, seconds: f64) -> Row<'static> {
    let arrow = match row.dir {
        Some(Direction::ClientToServer) => "->",
        Some(Direction::ServerToClient) => "<-",
        None => "",
    };
    let (csid, msid, type_name) = if row.type_id == 0 {
        (String::new(), String::new(), kind_name(row.kind).to_owned())
    } else {
        (
            row.csid.to_string(),
            row.msid.to_string(),
            crate::rtmp::message::MessageTypeId(row.type_id)
                .name()
                .to_owned(),
        )
    };
    Row::new([
        row.frame.to_string(),
        format!("{seconds:.6}"),
        row.session.to_string(),
        arrow.to_owned(),
        csid,
        msid,
        type_name,
        row.summary.to_string(),
    ])
}

fn kind_name(kind: RowKind) -> &'static str {
    match kind {
        RowKind::Warning => "WARNING",
        RowKind::Gap => "GAP",
        _ => "handshake",
    }
}

fn draw_details(frame: &mut Frame<'_>, area: Rect, hex: Rect, app: &App) -> (u16, u16, u16) {
    let nodes = app.details();
    let block = pane_block(" Details ".to_owned(), app.focus == Pane::Details);
    let inner = block.inner(area);
    let rows_shown = usize::from(inner.height);
    let offset = scroll_offset(app.detail_cursor, rows_shown);
    let lines: Vec<Line<'_>> = nodes
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows_shown)
        .map(|(index, node)| {
            let marker = match (node.container, node.expanded) {
                (true, true) => "▾ ",
                (true, false) => "▸ ",
                _ => "  ",
            };
            let text = format!("{}{marker}{}", "  ".repeat(node.depth), node.label);
            if index == app.detail_cursor {
                Line::styled(text, selected_style(app.focus == Pane::Details))
            } else {
                Line::raw(text)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
    let highlight = nodes
        .get(app.detail_cursor)
        .and_then(|n: &Node| n.bytes.clone());
    draw_hex(frame, hex, app.selected_row(), highlight);
    (inner.y, rows_shown as u16, offset as u16)
}

fn draw_hex(
    frame: &mut Frame<'_>,
    area: Rect,
    row: Option<&MessageRow>,
    highlight: Option<std::ops::Range<usize>>,
) {
    let Some(row) = row else {
        frame.render_widget(pane_block(" Bytes ".to_owned(), false), area);
        return;
    };
    let kept = row.body.len();
    let title = if (kept as u64) < u64::from(row.length) {
        format!(" Bytes (first {kept} of {}) ", row.length)
    } else {
        format!(" Bytes ({kept}) ")
    };
    let block = pane_block(title, false);
    let inner = block.inner(area);
    let marked = Style::default().fg(Color::Black).bg(Color::Yellow);
    let lines: Vec<Line<'_>> = row
        .body
        .chunks(HEX_WIDTH)
        .enumerate()
        .take(usize::from(inner.height))
        .map(|(line, bytes)| {
            let start = line * HEX_WIDTH;
            let mut spans = vec![Span::raw(format!("{start:04x}  "))];
            for (i, byte) in bytes.iter().enumerate() {
                let style = if highlight.as_ref().is_some_and(|r| r.contains(&(start + i))) {
                    marked
                } else {
                    Style::default()
                };
                spans.push(Span::styled(format!("{byte:02x}"), style));
                spans.push(Span::raw(" "));
            }
            spans.push(Span::raw(" ".repeat(3 * (HEX_WIDTH - bytes.len()) + 1)));
            let ascii: String = bytes
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            spans.push(Span::raw(ascii));
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_status(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let mode = if app.paused {
        "PAUSED"
    } else if !app.model.done {
        if app.live {
            "LIVE"
        } else {
            "reading…"
        }
    } else {
        "done"
    };
    let filter = match &app.editing {
        Some(text) => format!(" | filter: {text}▏"),
        None if !app.filter.is_empty() => format!(" | filter: {}", app.filter),
        None => String::new(),
    };
    let drops = if app.live {
        format!(" | drops {}", app.model.drops)
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
        " {} | {mode} | {} packets, {} bytes | {} sessions{drops}{filter}{follow}{note} | ? help  q quit",
        app.source,
        app.model.packets,
        app.model.bytes,
        app.model.sessions.len(),
    );
    frame.render_widget(
        Paragraph::new(text).style(Style::default().fg(Color::Black).bg(Color::Gray)),
        area,
    );
}

fn draw_help(frame: &mut Frame<'_>, area: Rect) {
    let width = area.width.min(76);
    let height = (KEYS.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let lines: Vec<Line<'_>> = KEYS
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(
                    format!("{keys:<16}"),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Keys ")),
        popup,
    );
}

fn draw_stats(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(session) = app.selected_session().and_then(|id| app.model.session(id)) else {
        frame.render_widget(
            Paragraph::new(
                "Select a session in the sessions pane (Tab, then ↑ ↓) to see its statistics.",
            )
            .block(pane_block(" Statistics ".to_owned(), true)),
            area,
        );
        return;
    };
    let [text_area, video_area, audio_area] = Layout::vertical([
        Constraint::Min(5),
        Constraint::Length(5),
        Constraint::Length(5),
    ])
    .areas(area);
    let endpoints = crate::event::Endpoints {
        client: session.client,
        server: session.server,
    };
    let text = match &session.report {
        Some(report) => ReportText {
            session: session.id,
            endpoints: &endpoints,
            report,
        }
        .to_string(),
        None => {
            "No report yet: it arrives within a second of the session's first messages.".to_owned()
        }
    };
    frame.render_widget(
        Paragraph::new(text).block(pane_block(
            format!(" Statistics of session {} (s or Esc to close) ", session.id),
            true,
        )),
        text_area,
    );
    let (video, audio) = &session.rates;
    for (area, series, name, color) in [
        (video_area, video, "video", Color::LightBlue),
        (audio_area, audio, "audio", Color::Green),
    ] {
        let kbps: Vec<u64> = series.iter().map(|bytes| bytes * 8 / 1000).collect();
        let peak = kbps.iter().copied().max().unwrap_or(0);
        let shown = usize::from(area.width.saturating_sub(2));
        let tail = kbps
            .get(kbps.len().saturating_sub(shown)..)
            .unwrap_or_default();
        frame.render_widget(
            Sparkline::default()
                .block(Block::default().borders(Borders::ALL).title(format!(
                    " {name} kbit/s per second ({} s, peak {peak}) ",
                    kbps.len()
                )))
                .data(tail)
                .style(Style::default().fg(color)),
            area,
        );
    }
}
