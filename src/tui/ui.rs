//! Rendering: a pure function of the [`App`] state. Only the rows on screen are built.
//!
//! This file lays the screen out; each pane draws itself ([`super::panes`]) in the styles of
//! the app's [`Theme`](super::theme::Theme).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Areas, Pane};
use super::panes::{
    bytes, details, expert, exports, help, messages, sessions, statistics, status, text,
};

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
    let [body, status_line] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    status::draw(frame, status_line, app);
    if app.stats {
        return Areas {
            stats_scroll_max: statistics::draw(frame, body, app),
            ..Areas::default()
        };
    }
    let mut areas = if app.zoomed {
        draw_zoomed(frame, body, app)
    } else {
        draw_panes(frame, body, app)
    };
    let overlay = if app.text_view.is_some() {
        text::draw(frame, body, app)
    } else if app.help {
        help::draw(frame, body, app.theme, app.overlay_scroll)
    } else if app.exports {
        exports::draw(frame, body, app)
    } else {
        if app.expert {
            expert::draw(frame, body, app);
        }
        text::Scroll::default()
    };
    areas.overlay_rows = overlay.rows;
    areas.overlay_max = overlay.max;
    areas
}

/// The four panes: sessions, messages, and details beside the bytes.
fn draw_panes(frame: &mut Frame<'_>, body: Rect, app: &App) -> Areas {
    let session_rows = (app.model.sessions.len() as u16 + 4)
        .min(body.height / 4)
        .max(5);
    let [sessions_area, messages_area, bottom] = Layout::vertical([
        Constraint::Length(session_rows),
        Constraint::Min(5),
        Constraint::Percentage(35),
    ])
    .areas(body);
    let [details_area, bytes_area] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(bottom);
    let (details, details_x_max) = details::draw(frame, details_area, app);
    let (bytes, bytes_max) = bytes::draw(frame, bytes_area, app);
    Areas {
        sessions: sessions::draw(frame, sessions_area, app),
        messages: messages::draw(frame, messages_area, app),
        details,
        details_x_max,
        bytes,
        bytes_max,
        bytes_x: bytes_area.x,
        ..Areas::default()
    }
}

/// The focused pane alone over `body` (`z`).
fn draw_zoomed(frame: &mut Frame<'_>, body: Rect, app: &App) -> Areas {
    let mut areas = Areas::default();
    match app.focus {
        Pane::Sessions => areas.sessions = sessions::draw(frame, body, app),
        Pane::Messages => areas.messages = messages::draw(frame, body, app),
        Pane::Details => (areas.details, areas.details_x_max) = details::draw(frame, body, app),
        Pane::Bytes => (areas.bytes, areas.bytes_max) = bytes::draw(frame, body, app),
    }
    areas
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::style::{Color, Modifier};
    use ratatui::Terminal;

    use super::*;
    use crate::common::{Direction, Timestamp};
    use crate::tui::app::Action;
    use crate::tui::model::{MessageRow, RowKind, Update};
    use crate::tui::testkit;
    use crate::tui::theme::Theme;

    /// A session with a warning, a gap and a control message whose field is selected.
    fn app(theme: Theme) -> App {
        let mut app = App::new("test".into(), false);
        app.theme = theme;
        let note = |kind, text: &str| {
            let row = MessageRow::note(1, Timestamp(0), 1, kind, None, text.into());
            Update::Row(row)
        };
        let mut ack = MessageRow::note(2, Timestamp(0), 1, RowKind::Control, None, "ack".into());
        ack.type_id = 5;
        ack.length = 4;
        ack.dir = Some(Direction::ServerToClient);
        ack.content = crate::tui::model::Content::text(
            "Window Acknowledgement Size 5000000",
            vec![0, 0x4C, 0x4B, 0x40],
        );
        app.receive(vec![
            testkit::session_started(1),
            note(RowKind::Warning, "warning"),
            note(RowKind::Gap, "gap"),
            Update::Row(ack),
        ]);
        app.act(Action::End);
        app.act(Action::NextPane);
        app.act(Action::End);
        app
    }

    fn draw_with(theme: Theme) -> ratatui::buffer::Buffer {
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        let app = app(theme);
        terminal.draw(|frame| _ = draw(frame, &app)).expect("draw");
        terminal.backend().buffer().clone()
    }

    #[test]
    fn no_color_draws_the_same_text_without_a_colour() {
        let buffer = draw_with(Theme::MONOCHROME);
        assert!(buffer
            .content()
            .iter()
            .all(|cell| cell.fg == Color::Reset && cell.bg == Color::Reset));
        // The selected field's bytes (`00 4c 4b 40`, on the bottom right) are still marked.
        let marked: String = buffer
            .content()
            .iter()
            .filter(|cell| cell.modifier.contains(Modifier::REVERSED) && cell.symbol() != " ")
            .map(|cell| cell.symbol())
            .collect();
        assert!(marked.contains("004c4b40"), "{marked}");
        // In colour, the same screen has the same text.
        let coloured = draw_with(Theme::COLOR);
        let text = |b: &ratatui::buffer::Buffer| -> String {
            b.content().iter().map(|cell| cell.symbol()).collect()
        };
        assert_eq!(text(&buffer), text(&coloured));
        assert!(coloured
            .content()
            .iter()
            .any(|cell| cell.bg == Color::Yellow));
    }
}
