//! The statistics view (`s`): the selected session's report, its messages and bytes by type
//! each way, and its charts ([`super::charts`]).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::{charts, header_row, pane_block};
use crate::analysis::SessionReport;
use crate::common::Endpoints;
use crate::output::report::ReportText;
use crate::rtmp::message::MessageTypeId;
use crate::tui::app::App;
use crate::tui::model::{SessionRow, TYPE_SLOTS};

/// The least height that has room for the charts too.
const TALL: u16 = 30;

/// Draws the statistics of the selected session over `area` (or how to select one), its text
/// scrolled by `app.stats_scroll` lines; returns how far that text can scroll.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> u16 {
    let theme = app.theme;
    let Some(session) = app.session() else {
        frame.render_widget(
            Paragraph::new(
                "Select a session in the sessions pane (Tab, then ↑ ↓) to see its statistics.",
            )
            .block(pane_block(" Statistics ".to_owned(), true, theme)),
            area,
        );
        return 0;
    };
    let types = type_rows(session);
    // A short terminal gives the text the room: the chart goes, the table is cut.
    let chart_height = if area.height >= TALL { 14 } else { 0 };
    let [top, chart] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(chart_height)]).areas(area);
    let table_width = 56;
    let (report_area, table_area) = if top.width >= 100 + table_width {
        let [report, table] =
            Layout::horizontal([Constraint::Min(40), Constraint::Length(table_width)]).areas(top);
        (report, table)
    } else {
        let [report, table] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length((types.len() as u16 + 3).min(top.height / 3)),
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
            report: &as_seen(report, session),
        }
        .to_string(),
        None => {
            "No report yet: it arrives within a second of the session's first messages.".to_owned()
        }
    };
    let paragraph = Paragraph::new(text).wrap(Wrap { trim: false });
    let lines = paragraph.line_count(report_area.width.saturating_sub(2));
    let shown = usize::from(report_area.height.saturating_sub(2));
    let scroll_max = u16::try_from(lines.saturating_sub(shown)).unwrap_or(u16::MAX);
    let scroll = app.stats_scroll.min(scroll_max);
    let more = if scroll_max > 0 {
        format!(", ↑ ↓ scroll {scroll}/{scroll_max}")
    } else {
        String::new()
    };
    frame.render_widget(
        paragraph.scroll((scroll, 0)).block(pane_block(
            format!(
                " Statistics of session {} (s or Esc to close{more}) ",
                session.id
            ),
            true,
            theme,
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
            .header(header_row(&["type", "c2s", "bytes", "s2c", "bytes"], theme))
            .block(pane_block(" Messages by type ".to_owned(), false, theme)),
        table_area,
    );
    if chart_height > 0 {
        charts::draw(frame, chart, &session.charts, theme);
    }
    scroll_max
}

/// The report as the sessions pane counts it: while the session is open its traffic so far
/// (the report's counts arrive with its end), and its duration without clock jumps.
fn as_seen(report: &SessionReport, session: &SessionRow) -> SessionReport {
    let mut report = report.clone();
    if report.end_reason.is_none() {
        [report.bytes_c2s, report.bytes_s2c] = session.bytes;
        report.messages = session.messages;
    }
    report.duration_s = session.active.seconds();
    report
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
