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
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return match key.code {
                KeyCode::Char('u') => Some(Action::FilterClearLine),
                KeyCode::Char('w') => Some(Action::FilterDeleteWord),
                _ => None,
            };
        }
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
        KeyCode::Char('v') => Action::View,
        KeyCode::Char('z') => Action::Zoom,
        KeyCode::Char('y') => Action::CopyValue,
        KeyCode::Char('Y') => Action::CopyHex,
        KeyCode::Left => Action::Left,
        KeyCode::Right => Action::Right,
        _ => return None,
    })
}

fn mouse_action(mouse: &MouseEvent) -> Option<Action> {
    match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(mouse.column, mouse.row)),
        MouseEventKind::ScrollUp => Some(Action::ScrollUp(mouse.column, mouse.row)),
        MouseEventKind::ScrollDown => Some(Action::ScrollDown(mouse.column, mouse.row)),
        _ => None,
    }
}

/// Every key, for the help overlay: (keys, what they do).
pub const KEYS: &[(&str, &str)] = &[
    ("↑ ↓  j k", "move in the focused pane"),
    ("PgUp PgDn", "move a page"),
    ("Home End  g G", "first / last row"),
    (
        "Tab  Shift-Tab",
        "next / previous pane (sessions, messages, details, bytes)",
    ),
    (
        "Enter  Space",
        "open (session → messages → details), expand, read whole",
    ),
    (
        "← →",
        "details: collapse / expand, scroll a long value sideways",
    ),
    ("v", "the whole text of the selected row or field, wrapped"),
    (
        "z",
        "zoom the focused pane to the full screen (again or Esc: back)",
    ),
    (
        "y  Y",
        "copy the selected value / its bytes as hex (OSC 52)",
    ),
    (
        "/",
        "filter messages by type, command or text (Enter applies)",
    ),
    (
        "Ctrl-U  Ctrl-W",
        "while typing: clear the line / delete a word",
    ),
    (
        "n  N",
        "next / previous match of the last filter (wraps around)",
    ),
    ("f", "follow new messages"),
    ("p", "pause the list while rows arrive (capture goes on)"),
    ("s", "statistics of the selected session"),
    ("e", "export the selected session's media to FLV"),
    ("?", "this help"),
    (
        "Esc",
        "close what is open (text, overlay, zoom, filter); never quits",
    ),
    ("q  Ctrl-C", "quit"),
    ("mouse click", "select a row, expand a field"),
    ("mouse wheel", "scroll the pane under the pointer"),
    ("", ""),
    ("colours", "by kind: command, data, audio, video, control"),
    ("", "warnings and gaps stand out; n N marks stay after Esc"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn keys_map_to_actions() {
        let cases = [
            (KeyCode::Char('j'), Action::Down),
            (KeyCode::Down, Action::Down),
            (KeyCode::Char('k'), Action::Up),
            (KeyCode::Char('g'), Action::Home),
            (KeyCode::Char('G'), Action::End),
            (KeyCode::PageDown, Action::PageDown),
            (KeyCode::Tab, Action::NextPane),
            (KeyCode::BackTab, Action::PrevPane),
            (KeyCode::Enter, Action::Toggle),
            (KeyCode::Char(' '), Action::Toggle),
            (KeyCode::Char('/'), Action::StartFilter),
            (KeyCode::Char('n'), Action::NextMatch),
            (KeyCode::Char('N'), Action::PrevMatch),
            (KeyCode::Char('f'), Action::Follow),
            (KeyCode::Char('p'), Action::Pause),
            (KeyCode::Char('s'), Action::Stats),
            (KeyCode::Char('e'), Action::Export),
            (KeyCode::Char('?'), Action::Help),
            (KeyCode::Esc, Action::Back),
            (KeyCode::Char('q'), Action::Quit),
            (KeyCode::Char('v'), Action::View),
            (KeyCode::Char('z'), Action::Zoom),
            (KeyCode::Char('y'), Action::CopyValue),
            (KeyCode::Char('Y'), Action::CopyHex),
            (KeyCode::Left, Action::Left),
            (KeyCode::Right, Action::Right),
        ];
        for (code, expected) in cases {
            assert_eq!(action(&key(code), false), Some(expected), "{code:?}");
        }
        assert_eq!(action(&key(KeyCode::Char('x')), false), None);
        let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(action(&ctrl_c, false), Some(Action::Quit));
        assert_eq!(action(&ctrl_c, true), Some(Action::Quit));
    }

    #[test]
    fn typing_a_filter_takes_every_printable_key() {
        assert_eq!(
            action(&key(KeyCode::Char('q')), true),
            Some(Action::FilterChar('q'))
        );
        assert_eq!(
            action(&key(KeyCode::Char('/')), true),
            Some(Action::FilterChar('/'))
        );
        assert_eq!(
            action(&key(KeyCode::Enter), true),
            Some(Action::FilterApply)
        );
        assert_eq!(
            action(&key(KeyCode::Backspace), true),
            Some(Action::FilterBackspace)
        );
        assert_eq!(action(&key(KeyCode::Esc), true), Some(Action::Back));
        let ctrl = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        assert_eq!(action(&ctrl('u'), true), Some(Action::FilterClearLine));
        assert_eq!(action(&ctrl('w'), true), Some(Action::FilterDeleteWord));
    }

    #[test]
    fn the_mouse_selects_and_scrolls_where_it_points() {
        let mouse = |kind| {
            Event::Mouse(MouseEvent {
                kind,
                column: 7,
                row: 12,
                modifiers: KeyModifiers::NONE,
            })
        };
        assert_eq!(
            action(&mouse(MouseEventKind::Down(MouseButton::Left)), false),
            Some(Action::Click(7, 12))
        );
        assert_eq!(
            action(&mouse(MouseEventKind::ScrollDown), false),
            Some(Action::ScrollDown(7, 12))
        );
        assert_eq!(action(&mouse(MouseEventKind::Moved), false), None);
    }

    #[test]
    fn the_help_lists_every_key() {
        let help: String = KEYS.iter().map(|(keys, _)| *keys).collect();
        for key in [
            "j k", "PgUp", "g G", "Tab", "Enter", "/", "n  N", "f", "p", "s", "e", "?", "Esc", "q",
            "v", "z", "y  Y", "← →", "Ctrl-U",
        ] {
            assert!(help.contains(key), "{key}");
        }
    }
}
