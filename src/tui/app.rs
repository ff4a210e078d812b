//! The TUI's state and what each action does to it. Rendering (`ui`) only reads it; input
//! (`input`) only maps keys to [`Action`]s.
//!
//! Lists are never rebuilt per frame: `visible` (the rows the messages pane lists) grows as
//! rows arrive and is rebuilt only when the session or the filter changes; the details tree is
//! rebuilt only when the selected row changes.

use std::collections::{HashMap, HashSet};

use super::details::{fields, flatten, Field, Node};
use super::expert::ExpertLine;
use super::model::{MessageRow, Model, SessionRow, Update};
use super::row_filter::RowMatcher;
use super::sort::SessionView;
use super::textview::TextView;
use super::theme::Theme;
use super::time::TimeFormat;
use crate::filter::{Filter, FilterError};
use reading::moved;

mod reading;

/// The pane that has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// Sessions (top).
    Sessions,
    /// Messages (middle).
    Messages,
    /// Details tree (bottom left).
    Details,
    /// The selected message's bytes (bottom right).
    Bytes,
}

/// How `e` gets a session's media into FLV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportMode {
    /// Files are written as the capture is decoded (`--export-flv DIR`): `e` lists them.
    AsDecoded,
    /// `e` decodes the file again for the selected session.
    FromFile,
    /// Live or standard input without `--export-flv`: nothing to read again.
    Unavailable,
}

/// Something the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Next row that matches the last filter.
    NextMatch,
    /// Previous row that matches the last filter.
    PrevMatch,
    /// Follow new messages.
    Follow,
    /// Pause or resume the live view.
    Pause,
    /// Show or hide the session statistics.
    Stats,
    /// Export the selected session's media to FLV (or list what was exported).
    Export,
    /// Show or hide the help.
    Help,
    /// Close what is open (full text, overlay, zoom, filter); never quits.
    Back,
    /// Quit.
    Quit,
    /// Delete the whole filter being typed (Ctrl-U).
    FilterClearLine,
    /// Delete the last word of the filter being typed (Ctrl-W).
    FilterDeleteWord,
    /// The full text of the selected row or field (`v`).
    View,
    /// The focused pane fills the screen, or no longer does (`z`).
    Zoom,
    /// Copy the selected field's value (or the row's summary) to the clipboard (`y`).
    CopyValue,
    /// Copy the selected field's bytes (or the row's body) as hex to the clipboard (`Y`).
    CopyHex,
    /// Collapse (details), scroll left, or go to the parent field.
    Left,
    /// Expand (details) or scroll right.
    Right,
    /// A mouse click at a terminal cell (column, row).
    Click(u16, u16),
    /// Mouse wheel up over a terminal cell.
    ScrollUp(u16, u16),
    /// Mouse wheel down over a terminal cell.
    ScrollDown(u16, u16),
    // Sessions, times and overlays (issue 17's session, model and time half).
    /// Cycle the time column: since capture start, since the previous row, wall clock.
    CycleTime,
    /// Sort the sessions by the next column.
    SortNext,
    /// Reverse the sessions' order.
    SortReverse,
    /// List only the sessions that need attention (errors, warnings, health not ok).
    ErrorsOnly,
    /// Show or hide Expert Info: every warning and error of the capture, by code.
    Expert,
}

/// Where one pane's list was drawn: the screen row of its first line of data, how many lines
/// it shows, and the index of the first item shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListArea {
    /// Screen row of the first line of data.
    pub top: u16,
    /// Lines of data shown.
    pub rows: u16,
    /// Index of the first item shown.
    pub offset: usize,
}

impl ListArea {
    /// The item at screen row `y`, if `y` is inside the list.
    fn item_at(&self, y: u16) -> Option<usize> {
        let line = y.checked_sub(self.top)?;
        (line < self.rows).then(|| self.offset + usize::from(line))
    }
}

/// Where each pane was drawn, for mouse clicks and page sizes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    /// The sessions table.
    pub sessions: ListArea,
    /// The messages table.
    pub messages: ListArea,
    /// The details tree.
    pub details: ListArea,
    /// The bytes pane: its lines of hex, and the first one shown.
    pub bytes: ListArea,
    /// The furthest the bytes pane scrolls down (lines).
    pub bytes_max: usize,
    /// The bytes pane's first column (it sits beside the details).
    pub bytes_x: u16,
    /// The furthest the details pane scrolls sideways (columns).
    pub details_x_max: usize,
    /// The open overlay (full text, help, exports): lines it shows a page.
    pub overlay_rows: u16,
    /// The furthest the open overlay scrolls down (lines).
    pub overlay_max: usize,
    /// How far the statistics text can scroll (its lines past the last one shown).
    pub stats_scroll_max: u16,
}

/// Lines PgUp and PgDn move in Expert Info.
const EXPERT_PAGE: i64 = 10;
/// Rows the mouse wheel moves.
const WHEEL_STEP: i64 = 3;

/// The whole UI state.
#[derive(Debug)]
pub struct App {
    /// What has been received.
    pub model: Model,
    /// The file or interface, for the status bar.
    pub source: String,
    /// A live capture.
    pub live: bool,
    /// The capture file's size, for the progress shown while it is read.
    pub file_size: Option<u64>,
    /// How `e` exports.
    pub export_mode: ExportMode,
    /// Focused pane.
    pub focus: Pane,
    /// Selected session: 0 is "all sessions", `i + 1` is `model.sessions[session_order[i]]`.
    pub session_cursor: usize,
    /// How the sessions pane sorts and filters.
    pub session_view: SessionView,
    /// The sessions listed, in order (indexes into `model.sessions`).
    pub session_order: Vec<usize>,
    /// Rows of the selected session that pass the filter (arrival numbers, ascending).
    pub visible: Vec<usize>,
    /// Selected position in `visible`.
    pub message_cursor: usize,
    /// The applied filter's expression (a display filter, see [`crate::filter`]); empty for
    /// none.
    pub filter: String,
    /// The applied filter, compiled.
    applied: Filter,
    /// What `n` and `N` look for: the last filter applied (kept when Esc clears the filter).
    pub search: String,
    /// `search`, compiled.
    searching: Filter,
    /// The last `n` or `N` found no row at all (until the filter changes or one is found).
    pub search_missed: bool,
    /// The filter being typed, while typing.
    pub editing: Option<String>,
    /// What is wrong with the filter being typed, and where (None while it compiles).
    pub filter_error: Option<FilterError>,
    /// Rows of the selected session(s) considered so far, before the filter: "12 of 1292".
    pub listed: usize,
    /// The oldest row kept when `listed` was last counted (rows dropped past it recount it).
    listed_from: usize,
    /// Keep the newest message selected.
    pub follow: bool,
    /// The messages list is frozen (rows still arrive and are counted).
    pub paused: bool,
    /// Help overlay shown.
    pub help: bool,
    /// Statistics view shown.
    pub stats: bool,
    /// Lines the statistics text is scrolled by.
    pub stats_scroll: u16,
    /// How the time column reads.
    pub time_format: TimeFormat,
    /// Exports overlay shown.
    pub exports: bool,
    /// Expert Info overlay shown.
    pub expert: bool,
    /// Selected line of Expert Info.
    pub expert_cursor: usize,
    /// Details nodes whose default open/closed state was flipped.
    pub toggled: HashSet<String>,
    /// The fields of the selected row.
    fields: Vec<Field>,
    /// The arrival number of the row `fields` describes.
    fields_of: Option<usize>,
    /// The details pane's lines.
    pub details: Vec<Node>,
    /// Selected details line.
    pub detail_cursor: usize,
    /// Set when the user quits.
    pub quit: bool,
    /// A session the user asked to export (taken by the run loop).
    pub export_request: Option<u64>,
    /// Sessions already exported by `e`.
    exported: HashSet<u64>,
    /// Where panes were last drawn.
    pub areas: Areas,
    /// The colours and styles it is drawn in.
    pub theme: Theme,
    /// Arrival number of the next row to consider for `visible`.
    indexed: usize,
    /// The full-text view (`v`, Enter on a field), when open.
    pub text_view: Option<TextView>,
    /// The focused pane fills the screen (`z`).
    pub zoomed: bool,
    /// Lines the open overlay (full text, help, exports) is scrolled down.
    pub overlay_scroll: usize,
    /// Columns the details pane is scrolled sideways.
    pub details_x: usize,
    /// Lines the bytes pane is scrolled down while it has the keyboard.
    pub bytes_scroll: usize,
    /// Text for the clipboard, taken by the run loop (which writes it as OSC 52).
    pub clipboard: Option<String>,
    /// Where `e` writes this run, once chosen.
    pub export_dir: Option<String>,
    /// Exports by `e` that ended without files: why, by session.
    pub export_failures: HashMap<u64, String>,
}

impl App {
    /// A new UI on `source`.
    pub fn new(source: String, live: bool) -> Self {
        App::with_model(Model::default(), source, live)
    }

    /// A new UI on `source` over `model` (tests use small limits).
    pub fn with_model(model: Model, source: String, live: bool) -> Self {
        App {
            model,
            source,
            live,
            file_size: None,
            export_mode: if live {
                ExportMode::Unavailable
            } else {
                ExportMode::FromFile
            },
            focus: Pane::Messages,
            session_cursor: 0,
            session_view: SessionView::default(),
            session_order: Vec::new(),
            visible: Vec::new(),
            message_cursor: 0,
            filter: String::new(),
            applied: Filter::default(),
            search: String::new(),
            searching: Filter::default(),
            search_missed: false,
            editing: None,
            filter_error: None,
            listed: 0,
            listed_from: 0,
            follow: live,
            paused: false,
            help: false,
            stats: false,
            stats_scroll: 0,
            time_format: TimeFormat::default(),
            exports: false,
            expert: false,
            expert_cursor: 0,
            toggled: HashSet::new(),
            fields: Vec::new(),
            fields_of: None,
            details: Vec::new(),
            detail_cursor: 0,
            quit: false,
            export_request: None,
            exported: HashSet::new(),
            areas: Areas::default(),
            theme: Theme::default(),
            indexed: 0,
            text_view: None,
            zoomed: false,
            overlay_scroll: 0,
            details_x: 0,
            bytes_scroll: 0,
            clipboard: None,
            export_dir: None,
            export_failures: HashMap::new(),
        }
    }

    /// The same UI showing only the rows `filter` passes (as if typed after `/`).
    pub fn with_filter(mut self, filter: Filter) -> Self {
        self.apply_filter(filter.source().to_owned(), filter);
        self
    }

    /// The same UI exporting as `mode` says.
    pub fn with_export(mut self, mode: ExportMode) -> Self {
        self.export_mode = mode;
        self
    }

    /// Takes in updates from the decoder. While paused, the messages list stays as it is.
    pub fn receive(&mut self, updates: Vec<Update>) {
        let (sessions, dropped) = (self.model.sessions.len(), self.model.sessions_dropped);
        for update in updates {
            self.model.apply(update);
        }
        self.forget_dropped();
        // Discovery order changes only when sessions come or go; other orders at any update.
        let changed = self.model.sessions.len() != sessions
            || self.model.sessions_dropped != dropped
            || self.session_view != SessionView::default();
        if changed {
            self.order_sessions();
        }
        if !self.paused {
            self.index_new_rows();
        }
        self.sync_details();
    }

    /// The selected session's id (None for all sessions).
    pub fn selected_session(&self) -> Option<u64> {
        self.session().map(|s| s.id)
    }

    /// The selected session.
    pub fn session(&self) -> Option<&SessionRow> {
        self.session_cursor
            .checked_sub(1)
            .and_then(|i| self.session_order.get(i))
            .and_then(|&i| self.model.sessions.get(i))
    }

    /// Lists the sessions as `session_view` says, keeping the selected one selected (or all
    /// sessions, when it is no longer listed).
    fn order_sessions(&mut self) {
        let selected = self.selected_session();
        self.session_order = self.session_view.order(&self.model.sessions);
        let listed = selected.and_then(|id| {
            self.session_order
                .iter()
                .position(|&i| self.model.sessions.get(i).is_some_and(|s| s.id == id))
        });
        self.session_cursor = listed.map_or(0, |position| position + 1);
        if selected.is_some() && listed.is_none() {
            self.exports = false;
            self.reindex();
        }
    }

    /// The selected message row.
    pub fn selected_row(&self) -> Option<&MessageRow> {
        self.visible
            .get(self.message_cursor)
            .and_then(|&i| self.model.rows.get(i))
    }

    /// Adds rows that arrived since the last call to `visible` (and counts those of the
    /// selected session(s) in `listed`).
    fn index_new_rows(&mut self) {
        let start = self.indexed.max(self.model.rows.first());
        let end = self.model.rows.end();
        let session = self.selected_session();
        let mut matcher = RowMatcher::new(&self.applied, &self.model);
        let mut new = Vec::new();
        for (index, row) in self.model.rows.from(start) {
            if session.is_none_or(|id| row.session == id) {
                self.listed += 1;
                if matcher.matches(row) {
                    new.push(index);
                }
            }
        }
        self.indexed = end;
        self.visible.extend(new);
        if self.follow {
            self.message_cursor = self.visible.len().saturating_sub(1);
        }
    }

    /// Drops from `visible` the rows the model no longer keeps, keeping the selection on the
    /// same row (or the oldest kept).
    fn forget_dropped(&mut self) {
        let first = self.model.rows.first();
        let gone = self.visible.partition_point(|&i| i < first);
        if gone > 0 {
            self.visible.drain(..gone);
            self.message_cursor = self.message_cursor.saturating_sub(gone);
        }
        if first != self.listed_from {
            // Rarely (a block at a time): the rows of the selection still kept.
            self.listed_from = first;
            let session = self.selected_session();
            let indexed = self.indexed;
            self.listed = self
                .model
                .rows
                .from(first)
                .take_while(|&(index, _)| index < indexed)
                .filter(|(_, row)| session.is_none_or(|id| row.session == id))
                .count();
        }
    }

    /// Rebuilds `visible` after the session or the filter changed, keeping the selected row
    /// when it is still shown (else the next one).
    fn reindex(&mut self) {
        let selected = self.visible.get(self.message_cursor).copied();
        self.visible.clear();
        self.listed = 0;
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
    }

    /// Rebuilds the details tree when the selected row changed.
    fn sync_details(&mut self) {
        let selected = self.visible.get(self.message_cursor).copied();
        if selected == self.fields_of {
            return;
        }
        self.fields_of = selected;
        self.fields = self.selected_row().map(fields).unwrap_or_default();
        self.details = flatten(&self.fields, &self.toggled);
        self.detail_cursor = 0;
        self.details_x = 0;
        self.bytes_scroll = 0;
    }

    /// Applies one action.
    pub fn act(&mut self, action: Action) {
        if self.editing.is_some() {
            self.edit_filter(action);
        } else {
            self.command(action);
        }
        self.sync_details();
    }

    fn command(&mut self, action: Action) {
        if self.scrolls_overlay(action) {
            return;
        }
        if self.stats && self.scroll_stats(action) {
            return;
        }
        if self.expert && self.in_expert(action) {
            return;
        }
        match action {
            Action::Up => self.step(-1),
            Action::Down => self.step(1),
            Action::PageUp => self.step(-(self.page() as i64)),
            Action::PageDown => self.step(self.page() as i64),
            Action::Home => self.step(i64::MIN / 2),
            Action::End => self.step(i64::MAX / 2),
            Action::NextPane => self.focus_pane(next_pane(self.focus, 1)),
            Action::PrevPane => self.focus_pane(next_pane(self.focus, 3)),
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
            Action::Pause => self.pause(),
            Action::Stats => self.toggle_stats(),
            Action::CycleTime => self.time_format = self.time_format.next(),
            Action::SortNext => {
                self.session_view.column = self.session_view.column.next();
                self.order_sessions();
            }
            Action::SortReverse => {
                self.session_view.reverse = !self.session_view.reverse;
                self.order_sessions();
            }
            Action::ErrorsOnly => {
                self.session_view.errors_only = !self.session_view.errors_only;
                self.order_sessions();
            }
            Action::Expert => self.expert = true,
            Action::Export => self.export(),
            Action::Help => {
                self.help = !self.help;
                self.overlay_scroll = 0;
            }
            Action::Back => self.back(),
            Action::Quit => self.quit = true,
            Action::View => self.open_text_view(),
            Action::Zoom => self.zoomed = !self.zoomed,
            Action::CopyValue => self.copy(false),
            Action::CopyHex => self.copy(true),
            Action::Left => self.left(),
            Action::Right => self.right(),
            Action::Click(x, y) => self.click(x, y),
            Action::ScrollUp(x, y) => self.scroll(x, y, -WHEEL_STEP),
            Action::ScrollDown(x, y) => self.scroll(x, y, WHEEL_STEP),
            Action::FilterChar(_)
            | Action::FilterBackspace
            | Action::FilterApply
            | Action::FilterClearLine
            | Action::FilterDeleteWord => {}
        }
    }

    /// Esc: closes the innermost thing open (the full text, an overlay, the zoom, the filter);
    /// with nothing open it only says how to quit.
    fn back(&mut self) {
        if self.text_view.is_some() {
            self.text_view = None;
        } else if self.help || self.stats || self.exports || self.expert {
            self.help = false;
            self.stats = false;
            self.exports = false;
            self.expert = false;
        } else if self.zoomed {
            self.zoomed = false;
        } else if !self.filter.is_empty() {
            self.clear_filter();
        } else {
            self.model.status = Some("nothing to close: q quits".into());
        }
        self.overlay_scroll = 0;
    }

    /// `p`: pauses the list while rows still arrive; a file read to its end has nothing to
    /// pause.
    fn pause(&mut self) {
        if self.model.done && !self.paused {
            self.model.status = Some(
                "the whole file is read: nothing to pause (p pauses while rows arrive)".into(),
            );
            return;
        }
        self.paused = !self.paused;
        if !self.paused {
            self.index_new_rows();
        }
    }

    /// `s`: the selected session's statistics; on all sessions, says what to select.
    fn toggle_stats(&mut self) {
        if !self.stats && self.session().is_none() {
            self.model.status = Some(
                "statistics are per session: select one in the sessions pane (Tab, ↑ ↓), then s"
                    .into(),
            );
            return;
        }
        self.stats = !self.stats;
        self.stats_scroll = 0;
    }

    /// A key while a filter is typed: the expression is compiled at each change, so an
    /// error shows where it is as soon as it is typed; Enter applies only one that compiles.
    fn edit_filter(&mut self, action: Action) {
        let Some(text) = self.editing.as_mut() else {
            return;
        };
        match action {
            Action::FilterChar(c) => text.push(c),
            Action::FilterBackspace => {
                text.pop();
            }
            Action::FilterClearLine => text.clear(),
            Action::FilterDeleteWord => {
                // As a shell does: the spaces before the cursor, then the word.
                let kept = text.trim_end().len();
                let word = text
                    .get(..kept)
                    .and_then(|t| t.rfind(' '))
                    .map_or(0, |space| space + 1);
                text.truncate(word);
            }
            Action::FilterApply => {
                match Filter::parse(text) {
                    Ok(filter) => {
                        let text = std::mem::take(text);
                        self.apply_filter(text, filter);
                    }
                    Err(error) => self.filter_error = Some(error),
                }
                return;
            }
            Action::Back => {
                self.editing = None;
                self.filter_error = None;
                return;
            }
            // Ctrl-C quits from the prompt too.
            Action::Quit => {
                self.editing = None;
                self.filter_error = None;
                self.quit = true;
                return;
            }
            _ => return,
        }
        self.filter_error = Filter::parse(text).err();
    }

    /// Shows every row again (`n` and `N` still look for the last filter's).
    fn clear_filter(&mut self) {
        self.filter.clear();
        self.applied = Filter::default();
        self.reindex();
    }

    /// Shows only the rows `filter` (written `text`) passes; `n` and `N` look for them too.
    fn apply_filter(&mut self, text: String, filter: Filter) {
        if !filter.is_empty() {
            self.search.clone_from(&text);
            self.searching = filter.clone();
        }
        self.filter = text;
        self.applied = filter;
        self.search_missed = false;
        self.editing = None;
        self.filter_error = None;
        self.focus = Pane::Messages;
        self.reindex();
    }

    /// What marks the rows `n` and `N` would stop at, when the list is not filtered by it
    /// (after Esc cleared the filter).
    pub fn search_marks(&self) -> Option<RowMatcher<'_>> {
        (self.filter.is_empty() && !self.searching.is_empty())
            .then(|| RowMatcher::new(&self.searching, &self.model))
    }

    /// While the statistics are open, the moving keys scroll them; true when `action` was one.
    fn scroll_stats(&mut self, action: Action) -> bool {
        let page = self
            .areas
            .sessions
            .rows
            .max(self.areas.messages.rows)
            .max(10);
        let by = |delta: i32| {
            let scrolled = i32::from(self.stats_scroll) + delta;
            scrolled.clamp(0, i32::from(self.areas.stats_scroll_max)) as u16
        };
        self.stats_scroll = match action {
            Action::Up | Action::ScrollUp(..) => by(-1),
            Action::Down | Action::ScrollDown(..) => by(1),
            Action::PageUp => by(-i32::from(page)),
            Action::PageDown => by(i32::from(page)),
            Action::Home => 0,
            Action::End => self.areas.stats_scroll_max,
            _ => return false,
        };
        true
    }

    /// While Expert Info is open, the moving keys move in it and Enter jumps to the selected
    /// entry's row; true when `action` was one of those (or `w`, which closes it).
    fn in_expert(&mut self, action: Action) -> bool {
        let last = self.model.expert.lines().saturating_sub(1) as i64;
        let by = |delta: i64| (self.expert_cursor as i64 + delta).clamp(0, last) as usize;
        self.expert_cursor = match action {
            Action::Up | Action::ScrollUp(..) => by(-1),
            Action::Down | Action::ScrollDown(..) => by(1),
            Action::PageUp => by(-EXPERT_PAGE),
            Action::PageDown => by(EXPERT_PAGE),
            Action::Home => 0,
            Action::End => by(last),
            Action::Toggle => {
                self.jump_to_expert_entry();
                return true;
            }
            Action::Expert => {
                self.expert = false;
                return true;
            }
            _ => return false,
        };
        true
    }

    /// Selects the row of the selected Expert Info entry: its session, the filter cleared if
    /// it hid the row.
    fn jump_to_expert_entry(&mut self) {
        let Some(ExpertLine::Entry(&entry)) = self.model.expert.line(self.expert_cursor) else {
            return;
        };
        if self.model.rows.get(entry.row).is_none() {
            self.model.status = Some(format!(
                "frame {} is no longer kept (the oldest rows went to stay within memory)",
                entry.frame
            ));
            return;
        }
        self.expert = false;
        let listed = self.session_order.iter().position(|&i| {
            self.model
                .sessions
                .get(i)
                .is_some_and(|s| s.id == entry.session)
        });
        self.select_session(listed.map_or(0, |position| position + 1));
        if self.visible.binary_search(&entry.row).is_err() {
            self.clear_filter();
        }
        if let Ok(position) = self.visible.binary_search(&entry.row) {
            self.message_cursor = position;
            self.follow = false;
            self.focus = Pane::Messages;
        }
    }

    /// `e`: the exports overlay of the selected session, exporting it first when the file can
    /// be read again and it has not been.
    fn export(&mut self) {
        if self.exports {
            self.exports = false;
            return;
        }
        let Some(session) = self.session() else {
            self.model.status =
                Some("select a session to export (Tab to the sessions pane, then ↑ ↓)".into());
            return;
        };
        let (id, exported) = (session.id, !session.exports.is_empty());
        self.exports = true;
        self.overlay_scroll = 0;
        if self.export_mode == ExportMode::FromFile && !exported && self.exported.insert(id) {
            self.export_request = Some(id);
        }
    }

    /// An export `e` started has ended: `files` written, or why none could be. The status bar
    /// and the exports overlay then say the same.
    pub fn export_ended(&mut self, session: u64, files: Result<usize, String>) {
        let (status, failure) = match files {
            Ok(0) => {
                let why = format!("session {session} has no media stream to export");
                (why.clone(), Some(why))
            }
            Ok(files) => (
                format!(
                    "exported session {session}: {files} file(s) in {}",
                    self.export_dir.as_deref().unwrap_or("?")
                ),
                None,
            ),
            Err(error) => (
                format!("export failed: {error}"),
                Some(format!("export failed, nothing written: {error}")),
            ),
        };
        self.model.status = Some(status);
        if let Some(failure) = failure {
            self.export_failures.insert(session, failure);
        }
    }

    /// Rows in a page of the focused pane.
    fn page(&self) -> usize {
        let area = match self.focus {
            Pane::Sessions => self.areas.sessions,
            Pane::Messages => self.areas.messages,
            Pane::Details => self.areas.details,
            Pane::Bytes => self.areas.bytes,
        };
        usize::from(area.rows.max(1))
    }

    /// Moves the focused pane's selection by `delta` rows (clamped).
    fn step(&mut self, delta: i64) {
        let clamp = |cursor: usize, len: usize| -> usize {
            let moved = (cursor as i64).saturating_add(delta);
            moved.clamp(0, len.saturating_sub(1) as i64) as usize
        };
        match self.focus {
            Pane::Sessions => {
                let cursor = clamp(self.session_cursor, self.session_order.len() + 1);
                self.select_session(cursor);
            }
            Pane::Messages => {
                self.message_cursor = clamp(self.message_cursor, self.visible.len());
                self.follow = self.follow && delta > 0 && self.at_end();
            }
            Pane::Details => {
                self.detail_cursor = clamp(self.detail_cursor, self.details.len());
            }
            Pane::Bytes => {
                self.bytes_scroll = moved(self.bytes_scroll, delta, self.areas.bytes_max);
            }
        }
    }

    /// Gives `pane` the keyboard; the bytes pane starts scrolled where it was drawn.
    fn focus_pane(&mut self, pane: Pane) {
        if pane == Pane::Bytes && self.focus != Pane::Bytes {
            self.bytes_scroll = self.areas.bytes.offset;
        }
        self.focus = pane;
    }

    fn select_session(&mut self, cursor: usize) {
        if cursor != self.session_cursor && cursor <= self.session_order.len() {
            self.session_cursor = cursor;
            self.exports = false;
            self.reindex();
        }
    }

    fn at_end(&self) -> bool {
        self.message_cursor + 1 >= self.visible.len()
    }

    fn toggle(&mut self) {
        match self.focus {
            Pane::Sessions => self.focus = Pane::Messages,
            Pane::Messages => self.focus = Pane::Details,
            Pane::Details => match self.details.get(self.detail_cursor) {
                Some(node) if node.container => {
                    if !self.toggled.remove(&node.path) {
                        self.toggled.insert(node.path.clone());
                    }
                    self.details = flatten(&self.fields, &self.toggled);
                }
                Some(_) => self.open_text_view(),
                None => {}
            },
            Pane::Bytes => {}
        }
    }

    /// Moves to the next (or previous) listed row matching the last filter, going round
    /// past the end (or the start).
    fn jump_to_match(&mut self, forward: bool) {
        if self.searching.is_empty() {
            self.model.status = Some("nothing to look for: type a filter with /".into());
            return;
        }
        let (len, here) = (self.visible.len(), self.message_cursor);
        let (visible, rows) = (&self.visible, &self.model.rows);
        let mut matcher = RowMatcher::new(&self.searching, &self.model);
        let mut is_match = |position: usize| {
            visible
                .get(position)
                .and_then(|&i| rows.get(i))
                .is_some_and(|row| matcher.matches(row))
        };
        let ahead = if forward {
            (here + 1..len).find(|&p| is_match(p))
        } else {
            (0..here).rev().find(|&p| is_match(p))
        };
        // Past the last match, the search goes on from the other end, and says so.
        let (found, note) = match ahead {
            Some(position) => (Some(position), None),
            None => {
                let wrapped = if forward {
                    (0..=here.min(len.saturating_sub(1))).find(|&p| is_match(p))
                } else {
                    (here..len).rev().find(|&p| is_match(p))
                };
                let end = if forward { "top" } else { "bottom" };
                (
                    wrapped,
                    wrapped.map(|_| format!("search wrapped to the {end}")),
                )
            }
        };
        self.model.status = note;
        self.search_missed = found.is_none();
        if let Some(position) = found {
            self.message_cursor = position;
            self.follow = false;
            self.focus = Pane::Messages;
        }
    }

    /// The pane a screen row is in, and the item under it.
    fn pane_at(&self, x: u16, y: u16) -> Option<(Pane, Option<usize>)> {
        let bytes = self.areas.bytes;
        let beside = bytes.top.saturating_sub(1)..bytes.top + bytes.rows + 1;
        if bytes.rows > 0 && x >= self.areas.bytes_x && beside.contains(&y) {
            return Some((Pane::Bytes, None));
        }
        let panes = [
            (Pane::Sessions, self.areas.sessions),
            (Pane::Messages, self.areas.messages),
            (Pane::Details, self.areas.details),
        ];
        // A pane not drawn (zoomed out of view) has no rows and is never under the pointer.
        panes
            .into_iter()
            .filter(|(_, area)| area.rows > 0)
            .find_map(|(pane, area)| {
                // The header line (sessions, messages) and borders count as the pane too.
                let top = area.top.saturating_sub(2);
                (top..area.top + area.rows + 1)
                    .contains(&y)
                    .then(|| (pane, area.item_at(y)))
            })
    }

    fn click(&mut self, x: u16, y: u16) {
        if self.help || self.stats || self.exports || self.expert || self.text_view.is_some() {
            return;
        }
        let Some((pane, item)) = self.pane_at(x, y) else {
            return;
        };
        self.focus_pane(pane);
        let Some(item) = item else {
            return;
        };
        match pane {
            Pane::Sessions => self.select_session(item),
            Pane::Messages => {
                if item < self.visible.len() {
                    self.message_cursor = item;
                    self.follow = false;
                }
            }
            Pane::Details => {
                // A click selects a field and opens or closes one with parts; reading a
                // value whole is Enter's or v's.
                if let Some(node) = self.details.get(item) {
                    let container = node.container;
                    self.detail_cursor = item;
                    if container {
                        self.toggle();
                    }
                }
            }
            Pane::Bytes => {}
        }
    }

    fn scroll(&mut self, x: u16, y: u16, delta: i64) {
        if let Some((pane, _)) = self.pane_at(x, y) {
            self.focus_pane(pane);
        }
        self.step(delta);
    }
}

fn next_pane(pane: Pane, steps: usize) -> Pane {
    let order = [Pane::Sessions, Pane::Messages, Pane::Details, Pane::Bytes];
    let index = order.iter().position(|&p| p == pane).unwrap_or(0);
    order
        .get((index + steps) % order.len())
        .copied()
        .unwrap_or(pane)
}
