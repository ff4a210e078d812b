//! The order of the sessions pane: a column to sort by (`o` cycles it, `O` reverses), and the
//! "errors only" view (`x`): sessions with an error status, a warning or gap, or a health
//! verdict other than `ok`.

use std::cmp::Ordering;

use super::model::{SessionRow, SessionState};

/// What the sessions pane is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortColumn {
    /// Session id (discovery order).
    #[default]
    Id,
    /// Bytes both ways.
    Bytes,
    /// Time active.
    Time,
    /// Messages.
    Messages,
    /// Health: failed, then degraded, then ok.
    Health,
    /// Open sessions first.
    State,
    /// Stream name.
    Stream,
}

impl SortColumn {
    /// The next column (`o`).
    pub fn next(self) -> Self {
        match self {
            SortColumn::Id => SortColumn::Bytes,
            SortColumn::Bytes => SortColumn::Time,
            SortColumn::Time => SortColumn::Messages,
            SortColumn::Messages => SortColumn::Health,
            SortColumn::Health => SortColumn::State,
            SortColumn::State => SortColumn::Stream,
            SortColumn::Stream => SortColumn::Id,
        }
    }

    /// The header of the column it sorts.
    pub fn header(self) -> &'static str {
        match self {
            SortColumn::Id => "#",
            SortColumn::Bytes => "bytes c2s/s2c",
            SortColumn::Time => "time",
            SortColumn::Messages => "msgs",
            SortColumn::Health => "health",
            SortColumn::State => "state",
            SortColumn::Stream => "stream",
        }
    }

    /// Ascending order of two sessions by this column (ties by id).
    fn compare(self, a: &SessionRow, b: &SessionRow) -> Ordering {
        let by = match self {
            SortColumn::Id => Ordering::Equal,
            SortColumn::Bytes => total(a).cmp(&total(b)),
            SortColumn::Time => a.active.seconds().total_cmp(&b.active.seconds()),
            SortColumn::Messages => a.messages.cmp(&b.messages),
            SortColumn::Health => severity(a).cmp(&severity(b)).reverse(),
            SortColumn::State => is_open(b).cmp(&is_open(a)),
            SortColumn::Stream => a.stream.cmp(&b.stream),
        };
        by.then(a.id.cmp(&b.id))
    }
}

/// How the sessions pane lists sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionView {
    /// The column sorted by.
    pub column: SortColumn,
    /// Descending instead of ascending.
    pub reverse: bool,
    /// Only sessions that need attention.
    pub errors_only: bool,
}

impl SessionView {
    /// The sessions to list, in order, as indexes into `sessions`.
    pub fn order(&self, sessions: &[SessionRow]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..sessions.len())
            .filter(|&i| !self.errors_only || sessions.get(i).is_some_and(needs_attention))
            .collect();
        if self.column != SortColumn::Id {
            order.sort_by(|&a, &b| match (sessions.get(a), sessions.get(b)) {
                (Some(a), Some(b)) => self.column.compare(a, b),
                _ => Ordering::Equal,
            });
        }
        if self.reverse {
            order.reverse();
        }
        order
    }
}

/// The session's health verdict (`ok`, `degraded`, `failed`), once a report came.
pub fn health(session: &SessionRow) -> Option<&'static str> {
    session.report.as_ref().map(|report| report.health)
}

/// Does a session need a look: an error status, a warning or gap, or a verdict not `ok`?
pub fn needs_attention(session: &SessionRow) -> bool {
    session.errors > 0 || session.problems > 0 || severity(session) > 0
}

/// 2 for failed, 1 for degraded, 0 otherwise.
fn severity(session: &SessionRow) -> u8 {
    match health(session) {
        Some("failed") => 2,
        Some("degraded") => 1,
        _ => 0,
    }
}

fn total(session: &SessionRow) -> u64 {
    session.bytes[0].saturating_add(session.bytes[1])
}

fn is_open(session: &SessionRow) -> bool {
    session.state == SessionState::Open
}
