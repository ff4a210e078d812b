//! Keys and mouse to actions. While a filter is being typed, printable keys are its text.

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::app::Action;

/// The action for a terminal event, if any. `typing` is true while a filter is being typed.
pub fn action(event: &Event, typing: bool) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => key_action(key, typing),
        Event::Mouse(mouse) => mouse_action(mouse),
        _ => None,
    }
}

fn key_action(key: &KeyEvent, typing: bool) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if typing {
        return match key.code {
            KeyCode::Enter => Some(Action::FilterApply),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Char(c) => Some(Action::FilterChar(c)),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Home,
        KeyCode::End | KeyCode::Char('G') => Action::End,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PrevPane,
        KeyCode::Enter | KeyCode::Char(' ') => Action::Toggle,
        KeyCode::Char('/') => Action::StartFilter,
        KeyCode::Char('n') => Action::NextMatch,
        KeyCode::Char('N') => Action::PrevMatch,
        KeyCode::Char('f') => Action::Follow,
        KeyCode::Char('p') => Action::Pause,
        KeyCode::Char('s') => Action::Stats,
        KeyCode::Char('e') => Action::Export,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    })
}

fn mouse_action(mouse: &MouseEvent) -> Option<Action> {
    match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(mouse.column, mouse.row)),
        MouseEventKind::ScrollUp => Some(Action::ScrollUp),
        MouseEventKind::ScrollDown => Some(Action::ScrollDown),
        _ => None,
    }
}

/// Every key, for the help overlay: (keys, what they do).
pub const KEYS: [(&str, &str); 18] = [
    ("↑ ↓  j k", "move in the focused pane"),
    ("PgUp PgDn", "move a page"),
    ("Home End  g G", "first / last row"),
    ("Tab  Shift-Tab", "next / previous pane"),
    (
        "Enter  Space",
        "open (session → messages → details), expand a field",
    ),
    (
        "/",
        "filter messages by type, command or text (Enter applies)",
    ),
    ("n  N", "next / previous match"),
    ("f", "follow new messages"),
    ("p", "pause the live view (capture goes on)"),
    ("s", "statistics of the selected session"),
    ("e", "export the selected session's media to FLV"),
    ("?", "this help"),
    ("Esc", "close an overlay, clear the filter, quit"),
    ("q  Ctrl-C", "quit"),
    ("mouse click", "select a row, expand a field"),
    ("mouse wheel", "scroll"),
    ("", ""),
    (
        "",
        "colours: command, data, audio, video, control; warnings and gaps stand out",
    ),
];
