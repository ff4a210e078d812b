//! The TUI's state and what each action does to it. Rendering (`ui`) only reads it; input
//! (`input`) only maps keys to [`Action`]s.

use std::collections::HashSet;

use super::details::{tree, Node};
use super::model::{MessageRow, Model, RowKind, Update};
use crate::rtmp::message::MessageTypeId;

/// The pane that has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// Sessions (top).
    Sessions,
    /// Messages (middle).
    Messages,
    /// Details tree (bottom left).
    Details,
}

/// Something the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Move up one row.
    Up,
    /// Move down one row.
    Down,
    /// Move up a page.
    PageUp,
    /// Move down a page.
    PageDown,
    /// First row.
    Home,
    /// Last row.
    End,
    /// Next pane.
    NextPane,
    /// Previous pane.
    PrevPane,
    /// Expand or collapse (details), open the session's messages (sessions).
    Toggle,
    /// Start typing a filter.
    StartFilter,
    /// A character of the filter being typed.
    FilterChar(char),
    /// Delete the last filter character.
    FilterBackspace,
    /// Apply the filter being typed.
    FilterApply,
    /// Next row that matches the filter.
    NextMatch,
    /// Previous row that matches the filter.
    PrevMatch,
    /// Follow new messages.
    Follow,
    /// Pause or resume the live view.
    Pause,
    /// Show or hide the session statistics.
    Stats,
    /// Export the selected session's media to FLV.
    Export,
    /// Show or hide the help.
    Help,
    /// Close an overlay, clear the filter, or quit.
    Back,
    /// Quit.
    Quit,
    /// A mouse click at a terminal cell.
    Click(u16, u16),
    /// Mouse wheel up.
    ScrollUp,
    /// Mouse wheel down.
    ScrollDown,
}

/// Where each pane was drawn, for mouse clicks and page sizes: for each, the screen row of
/// its first line of data, how many lines it shows, and the index of the first item shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    /// The sessions table.
    pub sessions: (u16, u16, u16),
    /// The messages table.
    pub messages: (u16, u16, u16),
    /// The details tree.
    pub details: (u16, u16, u16),
}

/// The whole UI state.
#[derive(Debug)]
pub struct App {
    /// What has been received.
    pub model: Model,
    /// The file or interface, for the status bar.
    pub source: String,
    /// A live capture.
    pub live: bool,
    /// Focused pane.
    pub focus: Pane,
    /// Selected session: 0 is "all sessions", `i + 1` is `model.sessions[i]`.
    pub session_cursor: usize,
    /// Rows of the selected session that pass the filter (indices into `model.rows`).
    pub visible: Vec<usize>,
    /// Selected position in `visible`.
    pub message_cursor: usize,
    /// Applied filter (lowercase).
    pub filter: String,
    /// The filter being typed, while typing.
    pub editing: Option<String>,
    /// Keep the newest message selected.
    pub follow: bool,
    /// The view is frozen; updates wait in `pending`.
    pub paused: bool,
    pending: Vec<Update>,
    /// Help overlay shown.
    pub help: bool,
    /// Statistics view shown.
    pub stats: bool,
    /// Details nodes whose default open/closed state was flipped.
    pub toggled: HashSet<String>,
    /// Selected details node.
    pub detail_cursor: usize,
    /// Set when the user quits.
    pub quit: bool,
    /// A session the user asked to export (taken by the run loop).
    pub export_request: Option<u64>,
    /// Where panes were last drawn.
    pub areas: Areas,
    /// How many of `model.rows` have been considered for `visible`.
    indexed: usize,
}

impl App {
    /// A new UI on `source`.
    pub fn new(source: String, live: bool) -> Self {
        App {
            model: Model::default(),
            source,
            live,
            focus: Pane::Messages,
            session_cursor: 0,
            visible: Vec::new(),
            message_cursor: 0,
            filter: String::new(),
            editing: None,
            follow: live,
            paused: false,
            pending: Vec::new(),
            help: false,
            stats: false,
            toggled: HashSet::new(),
            detail_cursor: 0,
            quit: false,
            export_request: None,
            areas: Areas::default(),
            indexed: 0,
        }
    }

    /// Takes in updates from the decoder (held back while paused).
    pub fn receive(&mut self, updates: Vec<Update>) {
        if self.paused {
            self.pending.extend(updates);
            return;
        }
        for update in updates {
            self.model.apply(update);
        }
        self.index_new_rows();
    }

    /// The selected session's id (None for all sessions).
    pub fn selected_session(&self) -> Option<u64> {
        self.session_cursor
            .checked_sub(1)
            .and_then(|i| self.model.sessions.get(i))
            .map(|s| s.id)
    }

    /// The selected message row.
    pub fn selected_row(&self) -> Option<&MessageRow> {
        self.visible
            .get(self.message_cursor)
            .and_then(|&i| self.model.rows.get(i))
    }

    /// The details tree of the selected row.
    pub fn details(&self) -> Vec<Node> {
        self.selected_row()
            .map(|row| tree(row, &self.toggled))
            .unwrap_or_default()
    }

    /// Does a row pass the session selection and the filter?
    fn shows(&self, row: &MessageRow) -> bool {
        self.selected_session().is_none_or(|id| row.session == id) && matches(row, &self.filter)
    }

    /// Adds rows that arrived since the last call to `visible`.
    fn index_new_rows(&mut self) {
        let new: Vec<usize> = (self.indexed..self.model.rows.len())
            .filter(|&i| self.model.rows.get(i).is_some_and(|row| self.shows(row)))
            .collect();
        self.indexed = self.model.rows.len();
        self.visible.extend(new);
        if self.follow {
            self.message_cursor = self.visible.len().saturating_sub(1);
        }
    }

    /// Rebuilds `visible` after the session or the filter changed, keeping the selected row
    /// when it is still shown.
    fn reindex(&mut self) {
        let selected = self.visible.get(self.message_cursor).copied();
        self.visible.clear();
        self.indexed = 0;
        let follow = std::mem::replace(&mut self.follow, false);
        self.index_new_rows();
        self.follow = follow;
        self.message_cursor = selected
            .and_then(|row| self.visible.iter().position(|&i| i >= row))
            .unwrap_or(0);
        if self.follow {
            self.message_cursor = self.visible.len().saturating_sub(1);
        }
        self.detail_cursor = 0;
    }

    /// Applies one action.
    pub fn act(&mut self, action: Action) {
        if self.editing.is_some() {
            self.edit_filter(action);
            return;
        }
        match action {
            Action::Up => self.step(-1),
            Action::Down => self.step(1),
            Action::PageUp => self.step(-(self.page() as i64)),
            Action::PageDown => self.step(self.page() as i64),
            Action::Home => self.step(i64::MIN / 2),
            Action::End => self.step(i64::MAX / 2),
            Action::NextPane => self.focus = next_pane(self.focus, 1),
            Action::PrevPane => self.focus = next_pane(self.focus, 2),
            Action::Toggle => self.toggle(),
            Action::StartFilter => self.editing = Some(self.filter.clone()),
            Action::NextMatch => self.jump_to_match(true),
            Action::PrevMatch => self.jump_to_match(false),
            Action::Follow => {
                self.follow = !self.follow;
                if self.follow {
                    self.message_cursor = self.visible.len().saturating_sub(1);
                }
            }
            Action::Pause => {
                self.paused = !self.paused;
                if !self.paused {
                    let pending = std::mem::take(&mut self.pending);
                    self.receive(pending);
                }
            }
            Action::Stats => self.stats = !self.stats,
            Action::Export => self.export_request = self.selected_session(),
            Action::Help => self.help = !self.help,
            Action::Back => {
                if self.help || self.stats {
                    self.help = false;
                    self.stats = false;
                } else if !self.filter.is_empty() {
                    self.filter.clear();
                    self.reindex();
                } else {
                    self.quit = true;
                }
            }
            Action::Quit => self.quit = true,
            Action::Click(x, y) => self.click(x, y),
            Action::ScrollUp => self.step(-3),
            Action::ScrollDown => self.step(3),
            Action::FilterChar(_) | Action::FilterBackspace | Action::FilterApply => {}
        }
    }

    fn edit_filter(&mut self, action: Action) {
        let Some(text) = self.editing.as_mut() else {
            return;
        };
        match action {
            Action::FilterChar(c) => text.push(c),
            Action::FilterBackspace => {
                text.pop();
            }
            Action::FilterApply => {
                self.filter = text.to_lowercase();
                self.editing = None;
                self.focus = Pane::Messages;
                self.reindex();
            }
            Action::Back | Action::Quit => self.editing = None,
            _ => {}
        }
    }

    /// Rows in a page of the focused pane.
    fn page(&self) -> usize {
        let rows = match self.focus {
            Pane::Sessions => self.areas.sessions.1,
            Pane::Messages => self.areas.messages.1,
            Pane::Details => self.areas.details.1,
        };
        usize::from(rows.max(1))
    }

    /// Moves the focused pane's selection by `delta` rows (clamped).
    fn step(&mut self, delta: i64) {
        let clamp = |cursor: usize, len: usize| -> usize {
            let moved = (cursor as i64).saturating_add(delta);
            moved.clamp(0, len.saturating_sub(1) as i64) as usize
        };
        match self.focus {
            Pane::Sessions => {
                let cursor = clamp(self.session_cursor, self.model.sessions.len() + 1);
                if cursor != self.session_cursor {
                    self.session_cursor = cursor;
                    self.reindex();
                }
            }
            Pane::Messages => {
                self.message_cursor = clamp(self.message_cursor, self.visible.len());
                self.follow = self.follow && delta > 0 && self.at_end();
                self.detail_cursor = 0;
            }
            Pane::Details => {
                self.detail_cursor = clamp(self.detail_cursor, self.details().len());
            }
        }
    }

    fn at_end(&self) -> bool {
        self.message_cursor + 1 >= self.visible.len()
    }

    fn toggle(&mut self) {
        match self.focus {
            Pane::Sessions => self.focus = Pane::Messages,
            Pane::Messages => self.focus = Pane::Details,
            Pane::Details => {
                if let Some(node) = self.details().get(self.detail_cursor) {
                    if node.container && !self.toggled.remove(&node.path) {
                        self.toggled.insert(node.path.clone());
                    }
                }
            }
        }
    }

    /// Moves to the next (or previous) row of the selected session matching the filter.
    fn jump_to_match(&mut self, forward: bool) {
        let Some(&current) = self.visible.get(self.message_cursor) else {
            return;
        };
        let is_match = |row: usize| {
            self.model
                .rows
                .get(row)
                .is_some_and(|r| matches(r, &self.filter))
        };
        let mut candidates = self.visible.iter().copied().enumerate();
        let found = if forward {
            candidates.find(|&(_, row)| row > current && is_match(row))
        } else {
            candidates.rfind(|&(_, row)| row < current && is_match(row))
        };
        if let Some((position, _)) = found {
            self.message_cursor = position;
            self.follow = false;
            self.focus = Pane::Messages;
        }
    }

    fn click(&mut self, _x: u16, y: u16) {
        let (sessions_top, sessions_rows, sessions_offset) = self.areas.sessions;
        let (messages_top, messages_rows, messages_offset) = self.areas.messages;
        let (details_top, details_rows, details_offset) = self.areas.details;
        if (sessions_top..sessions_top + sessions_rows).contains(&y) {
            self.focus = Pane::Sessions;
            let cursor = usize::from(y - sessions_top + sessions_offset);
            if cursor <= self.model.sessions.len() && cursor != self.session_cursor {
                self.session_cursor = cursor;
                self.reindex();
            }
        } else if (messages_top..messages_top + messages_rows).contains(&y) {
            self.focus = Pane::Messages;
            let cursor = usize::from(y - messages_top) + usize::from(messages_offset);
            if cursor < self.visible.len() {
                self.message_cursor = cursor;
                self.follow = false;
                self.detail_cursor = 0;
            }
        } else if (details_top..details_top + details_rows).contains(&y) {
            self.focus = Pane::Details;
            let cursor = usize::from(y - details_top + details_offset);
            if cursor < self.details().len() {
                self.detail_cursor = cursor;
                self.toggle();
            }
        }
    }
}

fn next_pane(pane: Pane, steps: usize) -> Pane {
    let order = [Pane::Sessions, Pane::Messages, Pane::Details];
    let index = order.iter().position(|&p| p == pane).unwrap_or(0);
    order[(index + steps) % order.len()]
}

/// Does a row match a (lowercase) filter? Its type name, kind and summary are searched.
pub fn matches(row: &MessageRow, filter: &str) -> bool {
    if filter.is_empty() {
        return true;
    }
    let kind = match row.kind {
        RowKind::Warning => "warning",
        RowKind::Gap => "gap",
        _ if row.type_id == 0 => "handshake",
        _ => MessageTypeId(row.type_id).name(),
    };
    contains_ignoring_case(kind, filter) || contains_ignoring_case(&row.summary, filter)
}

/// ASCII case-insensitive substring search without allocating.
fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle))
}
