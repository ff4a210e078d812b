//! Rendering: a pure function of the [`App`] state. Only the rows on screen are built.

use std::ops::Range;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Clear, Dataset, GraphType, Paragraph, Row, Table, Wrap,
};
use ratatui::Frame;

use super::app::{App, Areas, ExportMode, ListArea, Pane};
use super::export::DEFAULT_EXPORT_DIR;
use super::input::KEYS;
use super::model::{MessageRow, RowKind, SessionRow, SessionState, TYPE_SLOTS};
use crate::common::{Direction, Endpoints};
use crate::output::report::ReportText;
use crate::rtmp::message::MessageTypeId;

/// The smallest terminal the layout fits.
pub const MIN_WIDTH: u16 = 60;
/// The smallest terminal height the layout fits.
pub const MIN_HEIGHT: u16 = 15;

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
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(bottom);
    let areas = Areas {
        sessions: draw_sessions(frame, sessions, app),
        messages: draw_messages(frame, messages, app),
        details: draw_details(frame, details, app),
    };
    draw_hex(frame, hex, app);
    if app.help {
        draw_help(frame, area);
    } else if app.exports {
        draw_exports(frame, area, app);
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

/// The list area of a table inside `inner` (one header line), showing `cursor`.
fn table_area(inner: Rect, cursor: usize) -> ListArea {
    let rows = inner.height.saturating_sub(1);
    ListArea {
        top: inner.y + 1,
        rows,
        offset: scroll_offset(cursor, usize::from(rows)),
    }
}

fn header_row(names: &[&'static str]) -> Row<'static> {
    Row::new(names.to_vec()).style(Style::default().add_modifier(Modifier::BOLD))
}

fn draw_sessions(frame: &mut Frame<'_>, area: Rect, app: &App) -> ListArea {
    let mut title = format!(" Sessions ({}) ", app.model.sessions.len());
    if app.model.sessions_dropped > 0 {
        title = format!(
            " Sessions ({}, {} oldest dropped) ",
            app.model.sessions.len(),
            app.model.sessions_dropped
        );
    }
    let block = pane_block(title, app.focus == Pane::Sessions);
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
                Some(session) => session_row(session),
            };
            if index == app.session_cursor {
                row.style(selected_style(app.focus == Pane::Sessions))
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
    let header = header_row(&[
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
    ]);
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
        RowKind::Control | RowKind::Handshake => Style::default().fg(Color::Gray),
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

fn draw_messages(frame: &mut Frame<'_>, area: Rect, app: &App) -> ListArea {
    let title = match app.selected_session() {
        Some(id) => format!(" Messages of session {id} ({}) ", app.visible.len()),
        None => format!(" Messages ({}) ", app.visible.len()),
    };
    let block = pane_block(title, app.focus == Pane::Messages);
    let list = table_area(block.inner(area), app.message_cursor);
    let origin = app.model.rows.get(app.model.rows.first()).map(|r| r.time);
    // After Esc cleared a filter, its matches stay marked for n and N.
    let marking = app.filter.is_empty() && !app.search.is_empty();
    let rows: Vec<Row<'_>> = app
        .visible
        .iter()
        .enumerate()
        .skip(list.offset)
        .take(usize::from(list.rows))
        .filter_map(|(position, &index)| {
            let row = app.model.rows.get(index)?;
            let seconds = origin.map_or(0.0, |o| row.time.micros_since(o) as f64 / 1e6);
            let mut style = kind_style(row.kind);
            let summary = row.summary();
            if marking && super::app::matches(row, &app.search) {
                style = style.add_modifier(Modifier::BOLD | Modifier::ITALIC);
            }
            if position == app.message_cursor {
                style = style.patch(selected_style(app.focus == Pane::Messages));
            }
            Some(message_row(row, seconds, summary.into_owned()).style(style))
        })
        .collect();
    let header = header_row(&[
        "frame", "time", "ses", "dir", "csid", "msid", "type", "summary",
    ]);
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

fn draw_details(frame: &mut Frame<'_>, area: Rect, app: &App) -> ListArea {
    let block = pane_block(" Details ".to_owned(), app.focus == Pane::Details);
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
                Line::styled(text, selected_style(app.focus == Pane::Details))
            } else {
                Line::raw(text)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
    list
}

/// Bytes per hex line for a pane `width` columns wide inside its borders: 16 when the offset,
/// the hex and the text fit, else 8.
fn hex_width(width: u16) -> usize {
    if width >= 6 + 16 * 3 + 1 + 16 {
        16
    } else {
        8
    }
}

fn draw_hex(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(row) = app.selected_row().filter(|row| row.is_message()) else {
        frame.render_widget(pane_block(" Bytes ".to_owned(), false), area);
        return;
    };
    let body = row.body();
    let kept = body.len();
    let title = if (kept as u64) < u64::from(row.length) {
        format!(" Bytes (first {kept} of {}) ", row.length)
    } else {
        format!(" Bytes ({kept}) ")
    };
    let block = pane_block(title, false);
    let inner = block.inner(area);
    let width = hex_width(inner.width);
    let highlight: Option<Range<usize>> = app
        .details
        .get(app.detail_cursor)
        .and_then(|node| node.bytes.clone());
    // Scroll so the highlighted bytes are on screen, a line of context above them.
    let first_line = highlight.as_ref().map_or(0, |range| {
        let line = range.start / width;
        if line >= usize::from(inner.height) {
            line.saturating_sub(1)
        } else {
            0
        }
    });
    let marked = Style::default().fg(Color::Black).bg(Color::Yellow);
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
}

fn draw_status(frame: &mut Frame<'_>, area: Rect, app: &App) {
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
    let filter = match &app.editing {
        Some(text) => format!(" | filter: {text}▏"),
        None if !app.filter.is_empty() => format!(" | filter: {}", app.filter),
        None if !app.search.is_empty() => format!(" | n/N: {}", app.search),
        None => String::new(),
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
    let text = format!(
        " {} | {mode} | {} packets, {} bytes | {} sessions{drops}{history}{filter}{follow}{note} | ? help  q quit",
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

fn draw_help(frame: &mut Frame<'_>, area: Rect) {
    let popup = centered(area, 80, KEYS.len() as u16 + 2);
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

fn draw_exports(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(session) = app.session() else {
        return;
    };
    let mut lines: Vec<Line<'_>> = session
        .exports
        .iter()
        .flat_map(|export| {
            let stream = export.stream.as_deref().unwrap_or("?");
            let state = if export.state == "finished" {
                format!(
                    "{} video, {} audio, {} script tags, {:.1} s",
                    export.video_tags,
                    export.audio_tags,
                    export.script_tags,
                    f64::from(export.duration_ms) / 1000.0
                )
            } else {
                "writing…".to_owned()
            };
            [
                Line::styled(
                    format!("{} {stream} (stream {}): {state}", export.role, export.msid),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Line::raw(format!("  {}", export.path)),
            ]
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::raw(match app.export_mode {
            ExportMode::FromFile => format!(
                "Exporting into {DEFAULT_EXPORT_DIR}/: the files appear here when written."
            ),
            ExportMode::AsDecoded => {
                "No media stream of this session has been written (yet).".to_owned()
            }
            ExportMode::Unavailable => {
                "Live: start rtmpscope with --export-flv DIR to write every stream as it is captured."
                    .to_owned()
            }
        }));
    }
    lines.push(Line::raw(""));
    lines.push(Line::raw("e or Esc closes this"));
    let popup = centered(area, area.width.saturating_sub(8), lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" FLV files of session {} ", session.id)),
        ),
        popup,
    );
}

fn draw_stats(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(session) = app.session() else {
        frame.render_widget(
            Paragraph::new(
                "Select a session in the sessions pane (Tab, then ↑ ↓) to see its statistics.",
            )
            .block(pane_block(" Statistics ".to_owned(), true)),
            area,
        );
        return;
    };
    let types = type_rows(session);
    let [top, chart] = Layout::vertical([Constraint::Min(6), Constraint::Length(14)]).areas(area);
    let table_width = 56;
    let (report_area, table_area) = if top.width >= 100 + table_width {
        let [report, table] =
            Layout::horizontal([Constraint::Min(40), Constraint::Length(table_width)]).areas(top);
        (report, table)
    } else {
        let [report, table] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(types.len() as u16 + 3),
        ])
        .areas(top);
        (report, table)
    };
    let endpoints = Endpoints {
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
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(pane_block(
                format!(" Statistics of session {} (s or Esc to close) ", session.id),
                true,
            )),
        report_area,
    );
    let widths = [
        Constraint::Length(19),
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Length(7),
        Constraint::Length(10),
    ];
    frame.render_widget(
        Table::new(types, widths)
            .header(header_row(&["type", "c2s", "bytes", "s2c", "bytes"]))
            .block(pane_block(" Messages by type ".to_owned(), false)),
        table_area,
    );
    draw_rates(frame, chart, session);
}

/// One table row per message type the session carried.
fn type_rows(session: &SessionRow) -> Vec<Row<'static>> {
    (0..TYPE_SLOTS)
        .zip(session.by_type.iter())
        .filter(|(_, count)| count.messages != [0, 0])
        .map(|(slot, count)| {
            let name = if slot + 1 == TYPE_SLOTS {
                "unknown (>22)"
            } else {
                MessageTypeId(slot as u8).name()
            };
            Row::new([
                name.to_owned(),
                count.messages[0].to_string(),
                count.bytes[0].to_string(),
                count.messages[1].to_string(),
                count.bytes[1].to_string(),
            ])
        })
        .collect()
}

/// Video and audio bitrate over media time, one point a second.
fn draw_rates(frame: &mut Frame<'_>, area: Rect, session: &SessionRow) {
    let (video, audio) = &session.rates;
    let points = |series: &[u64]| -> Vec<(f64, f64)> {
        series
            .iter()
            .enumerate()
            .map(|(second, &bytes)| (second as f64, bytes as f64 * 8.0 / 1000.0))
            .collect()
    };
    let (video, audio) = (points(video), points(audio));
    let seconds = video.len().max(audio.len()).max(1) as f64;
    let peak = video
        .iter()
        .chain(&audio)
        .map(|&(_, kbps)| kbps)
        .fold(0.0, f64::max);
    let top = if peak > 0.0 { peak * 1.1 } else { 1.0 };
    let block = pane_block(
        format!(
            " Bitrate, kbit/s per second of media time: video (blue) peak {:.0}, audio (green) peak {:.0} ",
            video.iter().map(|p| p.1).fold(0.0, f64::max),
            audio.iter().map(|p| p.1).fold(0.0, f64::max),
        ),
        false,
    );
    if video.is_empty() && audio.is_empty() {
        frame.render_widget(
            Paragraph::new("No audio or video in this session.").block(block),
            area,
        );
        return;
    }
    let datasets = vec![
        Dataset::default()
            .name("video")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(Color::LightBlue))
            .data(&video),
        Dataset::default()
            .name("audio")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::default().fg(Color::Green))
            .data(&audio),
    ];
    let x_labels = vec![
        Span::raw("0 s"),
        Span::raw(format!("{:.0} s", seconds / 2.0)),
        Span::raw(format!("{seconds:.0} s")),
    ];
    let y_labels = vec![
        Span::raw("0"),
        Span::raw(format!("{:.0}", top / 2.0)),
        Span::raw(format!("{top:.0}")),
    ];
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(Axis::default().bounds([0.0, seconds]).labels(x_labels))
        .y_axis(Axis::default().bounds([0.0, top]).labels(y_labels))
        .hidden_legend_constraints((Constraint::Length(0), Constraint::Length(0)));
    frame.render_widget(chart, area);
}
