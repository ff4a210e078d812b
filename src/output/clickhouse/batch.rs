//! Batches: the rows of one table that travel in one INSERT, with the id that lets a retry
//! find out which of them are already stored.

use std::time::Instant;

/// The tables rows go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `events`: one row per event.
    Events,
    /// `session_summaries`: one row per session report.
    Summaries,
    /// `stream_stats`: one row per live `stream_stats` line.
    StreamStats,
}

impl Table {
    /// Every table, in [`Table::index`] order.
    pub const ALL: [Table; 3] = [Table::Events, Table::Summaries, Table::StreamStats];

    /// The table's name in SQL (and in spool file names).
    pub fn name(self) -> &'static str {
        match self {
            Table::Events => "events",
            Table::Summaries => "session_summaries",
            Table::StreamStats => "stream_stats",
        }
    }

    /// Its place in [`Table::ALL`].
    pub fn index(self) -> usize {
        match self {
            Table::Events => 0,
            Table::Summaries => 1,
            Table::StreamStats => 2,
        }
    }

    /// The table named `name`.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|table| table.name() == name)
    }
}

/// Rows ready to send: a JSONEachRow body, one row a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The table they go to.
    pub table: Table,
    /// Unique over sensors, processes and time: `sensor-pid-start-sequence`.
    pub id: String,
    /// How many rows (lines) the body holds.
    pub rows: u32,
    /// Earliest and latest `time_us` among the rows (to find them again cheaply).
    pub min_us: i64,
    /// See `min_us`.
    pub max_us: i64,
    /// The rows, each a JSON object and a newline.
    pub body: Vec<u8>,
    /// The server session of the last insert of it that may have stored rows: until the
    /// server has forgotten that session, that insert may still run, so the batch is not
    /// sent again (see the sender's fencing).
    pub fence: Option<String>,
}

impl Batch {
    /// The `batch_row` of each line (written first in every row, so read without a parser).
    pub fn row_numbers(&self) -> impl Iterator<Item = (Option<u32>, &[u8])> {
        self.body
            .split(|&byte| byte == b'\n')
            .filter(|line| !line.is_empty())
            .map(|line| (row_number(line), line))
    }

    /// This batch without the rows numbered in `stored` (sorted): what is left to send after
    /// part of it reached the server.
    pub fn without(&self, stored: &[u32]) -> Batch {
        let mut body = Vec::with_capacity(self.body.len());
        let mut rows = 0u32;
        for (number, line) in self.row_numbers() {
            if number.is_some_and(|n| stored.binary_search(&n).is_ok()) {
                continue;
            }
            body.extend_from_slice(line);
            body.push(b'\n');
            rows = rows.saturating_add(1);
        }
        Batch {
            body,
            rows,
            ..self.clone()
        }
    }
}

/// The `batch_row` of one row line: `{"batch_id":"…","batch_row":N,…`.
fn row_number(line: &[u8]) -> Option<u32> {
    const KEY: &[u8] = b"\"batch_row\":";
    let at = line.windows(KEY.len()).position(|w| w == KEY)?;
    let digits = line.get(at.saturating_add(KEY.len())..)?;
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    std::str::from_utf8(digits.get(..end)?).ok()?.parse().ok()
}

/// The batch being filled for one table.
#[derive(Debug)]
pub struct Builder {
    table: Table,
    /// The id the batch will have (written into every row).
    pub id: String,
    body: Vec<u8>,
    rows: u32,
    min_us: i64,
    max_us: i64,
    /// When the first row came (a batch is sent at the latest a batch interval later).
    pub started: Option<Instant>,
}

impl Builder {
    /// An empty batch for `table`, to be called `id`.
    pub fn new(table: Table, id: String) -> Self {
        Builder {
            table,
            id,
            body: Vec::new(),
            rows: 0,
            min_us: i64::MAX,
            max_us: i64::MIN,
            started: None,
        }
    }

    /// Rows so far.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// Bytes so far.
    pub fn bytes(&self) -> usize {
        self.body.len()
    }

    /// Appends one row at `time_us`, written by `write(batch id, row number, body)` as a JSON
    /// object without the newline; a row `write` refuses (returns false) is left out.
    pub fn push(&mut self, time_us: i64, write: impl FnOnce(&str, u32, &mut Vec<u8>) -> bool) {
        let mark = self.body.len();
        if !write(&self.id, self.rows, &mut self.body) {
            self.body.truncate(mark);
            return;
        }
        self.body.push(b'\n');
        self.rows = self.rows.saturating_add(1);
        self.min_us = self.min_us.min(time_us);
        self.max_us = self.max_us.max(time_us);
        self.started.get_or_insert_with(Instant::now);
    }

    /// The rows so far as a batch, leaving this builder empty, to be called `next_id`;
    /// `None` when there are none.
    pub fn take(&mut self, next_id: impl FnOnce() -> String) -> Option<Batch> {
        if self.rows == 0 {
            return None;
        }
        let fresh = Builder::new(self.table, next_id());
        let old = std::mem::replace(self, fresh);
        let batch = Batch {
            table: old.table,
            id: old.id,
            rows: old.rows,
            min_us: old.min_us,
            max_us: old.max_us,
            body: old.body,
            fence: None,
        };
        Some(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_found_and_removed_by_number() {
        let mut builder = Builder::new(Table::Events, "b".into());
        for n in 0..5u32 {
            builder.push(i64::from(n) * 10, |_, n, body| {
                body.extend_from_slice(
                    format!("{{\"batch_id\":\"b\",\"batch_row\":{n},\"x\":1}}").as_bytes(),
                );
                true
            });
        }
        builder.push(99, |_, _, _| false);
        let batch = builder.take(|| "c".into()).unwrap();
        assert_eq!((batch.id.as_str(), builder.id.as_str()), ("b", "c"));
        assert_eq!((batch.rows, batch.min_us, batch.max_us), (5, 0, 40));
        assert!(builder.take(|| "d".into()).is_none());
        let numbers: Vec<_> = batch.row_numbers().map(|(n, _)| n).collect();
        assert_eq!(numbers, [Some(0), Some(1), Some(2), Some(3), Some(4)]);
        let rest = batch.without(&[1, 3]);
        assert_eq!(rest.rows, 3);
        let numbers: Vec<_> = rest.row_numbers().map(|(n, _)| n).collect();
        assert_eq!(numbers, [Some(0), Some(2), Some(4)]);
    }
}
