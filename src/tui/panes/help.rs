//! The help overlay (`?`): every key and what it does.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::centered;
use super::text::{scrolled_box, Scroll};
use crate::tui::input::KEYS;
use crate::tui::theme::Theme;

/// Draws the keys in a box in the middle of `area`, from line `scroll` on.
pub fn draw(frame: &mut Frame<'_>, area: Rect, theme: Theme, scroll: usize) -> Scroll {
    let popup = centered(area, 84, KEYS.len() as u16 + 2);
    let lines: Vec<Line<'_>> = KEYS
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!("{keys:<16}"), theme.emphasis()),
                Span::raw(*what),
            ])
        })
        .collect();
    scrolled_box(frame, popup, "Keys", lines, scroll)
}
