//! Expert Info (as Wireshark calls it): every warning, gap and error status of the capture,
//! grouped by code and counted, each entry pointing at its row so the UI can jump to it.
//!
//! Bounded: a code keeps its first [`MAX_ENTRIES_PER_CODE`] entries (the rest are counted).

/// Entries kept per code; past it they are only counted.
pub const MAX_ENTRIES_PER_CODE: usize = 1000;

/// The code given to lost bytes (gap rows).
pub const GAP: &str = "gap";
/// The code given to error statuses (`_error`, `onStatus` with level `error`).
pub const ERROR_STATUS: &str = "error_status";

/// One occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpertEntry {
    /// Arrival number of its row (see [`super::model::RowStore`]).
    pub row: usize,
    /// Frame of the row.
    pub frame: u64,
    /// Session of the row.
    pub session: u64,
}

/// Every occurrence of one code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertGroup {
    /// The stable code (a warning code, [`GAP`] or [`ERROR_STATUS`]).
    pub code: &'static str,
    /// An error rather than a warning.
    pub error: bool,
    /// Occurrences, kept or not.
    pub count: u64,
    /// The first occurrences.
    pub entries: Vec<ExpertEntry>,
}

/// A line of the Expert Info list: a group's heading or one of its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpertLine<'a> {
    /// A code, its severity and count.
    Group(&'a ExpertGroup),
    /// One occurrence.
    Entry(&'a ExpertEntry),
}

/// The groups, errors first, then by code.
#[derive(Debug, Default)]
pub struct Expert {
    groups: Vec<ExpertGroup>,
    lines: usize,
}

impl Expert {
    /// Records an occurrence of `code`.
    pub fn add(&mut self, code: &'static str, error: bool, entry: ExpertEntry) {
        let key = |group: &ExpertGroup| (!group.error, group.code);
        let at = match self.groups.binary_search_by_key(&(!error, code), key) {
            Ok(at) => at,
            Err(at) => {
                self.groups.insert(
                    at,
                    ExpertGroup {
                        code,
                        error,
                        count: 0,
                        entries: Vec::new(),
                    },
                );
                self.lines += 1;
                at
            }
        };
        if let Some(group) = self.groups.get_mut(at) {
            group.count += 1;
            if group.entries.len() < MAX_ENTRIES_PER_CODE {
                group.entries.push(entry);
                self.lines += 1;
            }
        }
    }

    /// The groups.
    pub fn groups(&self) -> &[ExpertGroup] {
        &self.groups
    }

    /// Lines of the list: a heading per group and its entries kept.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// The line at `index`.
    pub fn line(&self, mut index: usize) -> Option<ExpertLine<'_>> {
        for group in &self.groups {
            if index == 0 {
                return Some(ExpertLine::Group(group));
            }
            index -= 1;
            match group.entries.get(index) {
                Some(entry) => return Some(ExpertLine::Entry(entry)),
                None => index -= group.entries.len(),
            }
        }
        None
    }

    /// Occurrences of every code.
    pub fn total(&self) -> u64 {
        self.groups.iter().map(|group| group.count).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_count_by_code_errors_first_and_cap_their_entries() {
        let mut expert = Expert::default();
        let entry = |row| ExpertEntry {
            row,
            frame: row as u64,
            session: 1,
        };
        for row in 0..MAX_ENTRIES_PER_CODE + 5 {
            expert.add(GAP, false, entry(row));
        }
        expert.add(ERROR_STATUS, true, entry(7));
        expert.add("chunk_header_implausible", false, entry(8));
        let codes: Vec<_> = expert.groups().iter().map(|g| (g.code, g.count)).collect();
        assert_eq!(
            codes,
            [
                (ERROR_STATUS, 1),
                ("chunk_header_implausible", 1),
                (GAP, MAX_ENTRIES_PER_CODE as u64 + 5)
            ]
        );
        assert_eq!(expert.total(), MAX_ENTRIES_PER_CODE as u64 + 7);
        assert_eq!(expert.lines(), 3 + 2 + MAX_ENTRIES_PER_CODE);
        assert!(matches!(expert.line(0), Some(ExpertLine::Group(g)) if g.code == ERROR_STATUS));
        assert_eq!(expert.line(1), Some(ExpertLine::Entry(&entry(7))));
        assert!(matches!(expert.line(4), Some(ExpertLine::Group(g)) if g.code == GAP));
        assert_eq!(expert.line(5), Some(ExpertLine::Entry(&entry(0))));
        assert_eq!(expert.line(expert.lines()), None);
    }
}
