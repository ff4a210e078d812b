//! The full-text view (`v`), and the scrolled box every overlay (help, exports, full text)
//! is drawn in: a title that says where the scroll is and how to close it.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::textview::wrap;

/// How far an overlay scrolls: lines it shows a page, and the furthest it scrolls down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    /// Lines shown a page.
    pub rows: u16,
    /// The furthest first line.
    pub max: usize,
}

/// Draws `lines` in a box over `popup` from line `scroll` (kept within what there is); the
/// title gets the lines shown and the total when they do not all fit.
pub fn scrolled_box(
    frame: &mut Frame<'_>,
    popup: Rect,
    title: &str,
    lines: Vec<Line<'_>>,
    scroll: usize,
) -> Scroll {
    let rows = popup.height.saturating_sub(2);
    let total = lines.len();
    let max = total.saturating_sub(usize::from(rows));
    let first = scroll.min(max);
    let title = if max > 0 {
        let last = (first + usize::from(rows)).min(total);
        format!(
            " {title} (lines {}-{last} of {total}, ↑ ↓ scroll) ",
            first + 1
        )
    } else {
        format!(" {title} ")
    };
    let shown: Vec<Line<'_>> = lines
        .into_iter()
        .skip(first)
        .take(usize::from(rows))
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(shown).block(Block::default().borders(Borders::ALL).title(title)),
        popup,
    );
    Scroll { rows, max }
}

/// Draws the full-text view over `area`, wrapped to its width.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) -> Scroll {
    let Some(view) = &app.text_view else {
        return Scroll::default();
    };
    let lines: Vec<Line<'_>> = wrap(&view.text, usize::from(area.width.saturating_sub(2)))
        .into_iter()
        .map(Line::raw)
        .collect();
    scrolled_box(
        frame,
        area,
        &format!("{} (Esc closes)", view.title),
        lines,
        app.overlay_scroll,
    )
}
