//! The exports overlay (`e`): the FLV files written for the selected session.

use crate::common::escape::Escaped;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::centered;
use crate::tui::app::{App, ExportMode};
use crate::tui::export::DEFAULT_EXPORT_DIR;

/// Draws the selected session's files in a box across `area` (nothing without a session).
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
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
            } else if export.state == "skipped" {
                "not written (the cap on files a run was reached)".to_owned()
            } else {
                "writing…".to_owned()
            };
            [
                Line::styled(
                    format!(
                        "{} {} (stream {}): {state}",
                        export.role,
                        Escaped(stream),
                        export.msid
                    ),
                    app.theme.emphasis(),
                ),
                Line::raw(format!("  {}", Escaped(&export.path))),
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
