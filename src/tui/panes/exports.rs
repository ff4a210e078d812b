//! The exports overlay (`e`): the FLV files written for the selected session.

use crate::common::escape::Escaped;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

use super::centered;
use super::text::{scrolled_box, Scroll};
use crate::tui::app::{App, ExportMode};
use crate::tui::export::DEFAULT_EXPORT_DIR;
use crate::tui::textview::wrap;

/// Draws the selected session's files in a box across `area` (nothing without a session),
/// scrolled down `app.overlay_scroll` lines.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> Scroll {
    let Some(session) = app.session() else {
        return Scroll::default();
    };
    // Long paths and messages wrap inside the box.
    let width = usize::from(area.width.saturating_sub(8 + 2));
    let wrapped = |text: String| wrap(&text, width).into_iter().map(Line::raw);
    let mut lines: Vec<Line<'_>> = session
        .exports
        .iter()
        .flat_map(|export| -> Vec<Line<'_>> {
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
            let title = format!(
                "{} {} (stream {}): {state}",
                export.role,
                Escaped(stream),
                export.msid
            );
            std::iter::once(Line::styled(title, app.theme.emphasis()))
                .chain(wrapped(format!("  {}", Escaped(&export.path))))
                .collect()
        })
        .collect();
    if lines.is_empty() {
        // What the status bar says of the same export, never a promise it contradicts.
        let failure = app.export_failures.get(&session.id);
        lines.extend(wrapped(match (app.export_mode, failure) {
            (ExportMode::FromFile, Some(failure)) => Escaped(failure).to_string(),
            (ExportMode::FromFile, None) => format!(
                "Exporting into {}/: the files appear here when written.",
                Escaped(app.export_dir.as_deref().unwrap_or(DEFAULT_EXPORT_DIR))
            ),
            (ExportMode::AsDecoded, _) => {
                "No media stream of this session has been written (yet).".to_owned()
            }
            (ExportMode::Unavailable, _) if app.live => {
                "Live: start rtmpscope with --export-flv DIR to write every stream as it is captured."
                    .to_owned()
            }
            (ExportMode::Unavailable, _) => {
                "Standard input cannot be read again: start rtmpscope with --export-flv DIR to write every stream as it is decoded."
                    .to_owned()
            }
        }));
    }
    lines.push(Line::raw(""));
    lines.push(Line::raw("e or Esc closes this"));
    let popup = centered(area, area.width.saturating_sub(8), lines.len() as u16 + 2);
    let title = format!("FLV files of session {}", session.id);
    scrolled_box(frame, popup, &title, lines, app.overlay_scroll)
}
