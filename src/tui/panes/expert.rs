//! The Expert Info overlay (`w`): every warning, gap and error status of the capture, grouped
//! by code with its count; each entry names its frame, session and summary.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::cells::cut;
use super::{centered, scroll_offset};
use crate::tui::app::App;
use crate::tui::expert::{ExpertLine, MAX_ENTRIES_PER_CODE};

/// Draws the list in a box across `area`, scrolled to the selected line.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let expert = &app.model.expert;
    let popup = centered(
        area,
        area.width.saturating_sub(6),
        area.height.saturating_sub(4),
    );
    let rows = usize::from(popup.height.saturating_sub(2));
    let width = popup.width.saturating_sub(2);
    let offset = scroll_offset(app.expert_cursor, rows);
    let mut lines: Vec<Line<'_>> = (offset..offset + rows)
        .map_while(|index| expert.line(index).map(|line| (index, line)))
        .map(|(index, line)| {
            let (text, style) = match line {
                ExpertLine::Group(group) => {
                    let (severity, style) = if group.error {
                        ("error", app.theme.error())
                    } else {
                        ("warning", app.theme.warning())
                    };
                    let unlisted = if group.count > MAX_ENTRIES_PER_CODE as u64 {
                        format!(" (the first {MAX_ENTRIES_PER_CODE} listed)")
                    } else {
                        String::new()
                    };
                    (
                        format!("{severity:<8}{} ×{}{unlisted}", group.code, group.count),
                        style,
                    )
                }
                ExpertLine::Entry(entry) => {
                    let summary = app
                        .model
                        .rows
                        .get(entry.row)
                        .map_or("(no longer kept)".into(), |row| row.summary());
                    (
                        format!(
                            "    frame {:<8} session {:<5} {summary}",
                            entry.frame, entry.session
                        ),
                        ratatui::style::Style::default(),
                    )
                }
            };
            let style = if index == app.expert_cursor {
                style.patch(app.theme.selected(true))
            } else {
                style
            };
            Line::styled(cut(&text, width), style)
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::raw(
            "No warning, gap or error status in the capture (so far).",
        ));
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(format!(
            " Expert Info: {} problems in {} codes (Enter jumps, w or Esc closes) ",
            expert.total(),
            expert.groups().len()
        ))),
        popup,
    );
}
