//! The bytes a chunk-stream search holds: captured runs and the holes of known length between
//! them, read by offset as one stream (a [`Layout`]). Bytes arrive at the end and are dropped
//! from the front; offsets in a layout count from the front, [`Layout::absolute`] from the
//! tape's first byte ever. A tape also keeps how far the search for continuation headers in one
//! candidate's body got ([`SpacingScan`], read and written by `super::spacing`), since that work
//! is about the tape's bytes and lives as long as they do.

use std::cell::Cell;

/// Most chunk sizes inferred from the spacing of continuation headers for one candidate.
pub(super) const MAX_INFERRED: usize = 8;
/// How far the scan of one candidate's body for continuation headers got (`super::spacing`),
/// kept in the tape whose bytes it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SpacingScan {
    /// The body's start, as an absolute tape offset ([`Layout::absolute`]).
    pub(super) body_at: u64,
    /// The chunk stream whose headers are looked for.
    pub(super) csid: u32,
    /// How far into the body they are looked for.
    pub(super) span: u64,
    /// Where in the body the scan goes on from.
    pub(super) next: u64,
    /// The positions found so far (the first `count`).
    pub(super) found: [u32; MAX_INFERRED],
    pub(super) count: usize,
    /// The scan is over: the span is covered, a hole ended it, or enough were found.
    pub(super) complete: bool,
}

impl SpacingScan {
    pub(super) fn found(&self) -> Vec<u32> {
        self.found.get(..self.count).unwrap_or_default().to_vec()
    }

    pub(super) fn push(&mut self, position: u64) {
        if let Some(slot) = self.found.get_mut(self.count) {
            *slot = u32::try_from(position).unwrap_or(u32::MAX);
            self.count += 1;
        }
    }
}

/// Bytes held while searching, with the holes of known length met between them.
#[derive(Debug, Default)]
pub(super) struct Tape {
    /// The captured bytes, in stream order.
    pub(super) bytes: Vec<u8>,
    /// Holes: the index in `bytes` each precedes, and its length; in order.
    pub(super) holes: Vec<(usize, u64)>,
    /// Bytes and holes dropped from the front so far: what offset 0 of a [`Layout`] is from
    /// the tape's first byte or hole ever, so that work on a position can be kept across
    /// searches.
    origin: u64,
    /// How far the search for continuation headers in one candidate's body got: searches
    /// repeat as bytes arrive, and go on from there rather than scan the body again.
    spacing: Cell<Option<SpacingScan>>,
}

/// What a tape holds from some offset on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Read<'a> {
    /// Captured bytes (at least one); `cut` tells why there are not more of them.
    Bytes(&'a [u8], Cut),
    /// The offset lies in a hole.
    Hole,
    /// The offset lies beyond what the tape holds so far.
    End,
}

/// Why a read returned fewer bytes than asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cut {
    /// It did not.
    No,
    /// A hole follows.
    Hole,
    /// The tape ends (more may come).
    End,
}

impl Tape {
    /// A tape holding `bytes`.
    pub(super) fn of(bytes: Vec<u8>) -> Self {
        Tape {
            bytes,
            ..Tape::default()
        }
    }

    /// Appends captured bytes.
    pub(super) fn push(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// Appends a hole of `length` bytes (merged with a hole just before it).
    pub(super) fn hole(&mut self, length: u64) {
        let end = self.bytes.len();
        match self.holes.last_mut() {
            Some((at, previous)) if *at == end => *previous = previous.saturating_add(length),
            _ => self.holes.push((end, length)),
        }
    }

    /// Memory the tape stands for: its bytes and a few words per hole.
    pub(super) fn cost(&self) -> usize {
        self.bytes
            .len()
            .saturating_add(self.holes.len().saturating_mul(16))
    }

    /// Drops the first `count` bytes and the holes among them; a hole right before the byte
    /// that is then first is kept with `keep_hole` (a search still needs to know that a hole
    /// ends there), dropped otherwise (the decoder goes on from that byte).
    pub(super) fn drop_front(&mut self, count: usize, keep_hole: bool) {
        let count = count.min(self.bytes.len());
        self.bytes.drain(..count);
        let kept = |at: usize| at > count || (keep_hole && at == count);
        let dropped_holes: u64 = self
            .holes
            .iter()
            .filter(|&&(at, _)| !kept(at))
            .map(|&(_, length)| length)
            .sum();
        self.origin = self
            .origin
            .saturating_add(count as u64)
            .saturating_add(dropped_holes);
        self.holes.retain(|&(at, _)| kept(at));
        for hole in &mut self.holes {
            hole.0 = hole.0.saturating_sub(count);
        }
    }

    /// The pieces in order: captured runs and holes, for replaying into the decoder.
    pub(super) fn pieces(&self) -> Vec<Piece<'_>> {
        let mut out = Vec::with_capacity(self.holes.len().saturating_mul(2).saturating_add(1));
        let mut from = 0;
        for &(at, length) in &self.holes {
            if at > from {
                out.push(Piece::Bytes(self.bytes.get(from..at).unwrap_or_default()));
            }
            out.push(Piece::Hole(length));
            from = at;
        }
        if from < self.bytes.len() {
            out.push(Piece::Bytes(self.bytes.get(from..).unwrap_or_default()));
        }
        out
    }

    /// A view for reading by offset.
    pub(super) fn layout(&self) -> Layout<'_> {
        let mut runs = Vec::with_capacity(self.holes.len().saturating_add(1));
        let mut offset = 0u64;
        let mut from = 0usize;
        for &(at, length) in &self.holes {
            if at > from {
                runs.push(Run {
                    offset,
                    start: from,
                    len: at - from,
                });
                offset = offset.saturating_add((at - from) as u64);
            }
            offset = offset.saturating_add(length);
            from = at;
        }
        if from < self.bytes.len() {
            runs.push(Run {
                offset,
                start: from,
                len: self.bytes.len() - from,
            });
            offset = offset.saturating_add((self.bytes.len() - from) as u64);
        }
        Layout {
            bytes: &self.bytes,
            runs,
            end: offset,
            origin: self.origin,
            spacing: &self.spacing,
        }
    }
}

/// One piece of a tape.
#[derive(Debug, Clone, Copy)]
pub(super) enum Piece<'a> {
    /// Captured bytes.
    Bytes(&'a [u8]),
    /// A hole of this many bytes.
    Hole(u64),
}

/// A run of captured bytes: its offset (holes counted) and where it sits in the tape's bytes.
#[derive(Debug, Clone, Copy)]
struct Run {
    offset: u64,
    start: usize,
    len: usize,
}

/// A tape read by offset.
#[derive(Debug)]
pub(super) struct Layout<'a> {
    bytes: &'a [u8],
    runs: Vec<Run>,
    /// Offset just past the tape's last byte or hole.
    end: u64,
    /// The tape's [`Tape::origin`].
    origin: u64,
    /// The tape's memory of a continuation-header search.
    spacing: &'a Cell<Option<SpacingScan>>,
}

impl<'a> Layout<'a> {
    /// Offset just past the tape's last byte or hole.
    pub(super) fn end(&self) -> u64 {
        self.end
    }

    /// `offset` counted from the tape's first byte or hole ever (stable across searches, as
    /// the front of the tape is dropped).
    pub(super) fn absolute(&self, offset: u64) -> u64 {
        self.origin.saturating_add(offset)
    }

    /// The continuation-header search kept from an earlier search of this tape, if any.
    pub(super) fn spacing_scan(&self) -> Option<SpacingScan> {
        self.spacing.get()
    }

    /// Keeps how far a continuation-header search got, for the next search of this tape.
    pub(super) fn keep_spacing_scan(&self, scan: SpacingScan) {
        self.spacing.set(Some(scan));
    }

    /// Up to `want` captured bytes from `offset`.
    pub(super) fn read(&self, offset: u64, want: usize) -> Read<'a> {
        if offset >= self.end {
            return Read::End;
        }
        let index = self.runs.partition_point(|run| run.offset <= offset);
        let Some(run) = index.checked_sub(1).and_then(|i| self.runs.get(i)) else {
            return Read::Hole;
        };
        let Some(into) = usize::try_from(offset - run.offset)
            .ok()
            .filter(|&into| into < run.len)
        else {
            return Read::Hole;
        };
        let available = run.len - into;
        let take = available.min(want);
        let start = run.start.saturating_add(into);
        let bytes = self
            .bytes
            .get(start..start.saturating_add(take))
            .unwrap_or_default();
        let cut = if take == want {
            Cut::No
        } else if run.offset.saturating_add(run.len as u64) >= self.end {
            Cut::End
        } else {
            Cut::Hole
        };
        Read::Bytes(bytes, cut)
    }

    /// The runs' starts: the candidates a search tries, as (offset, index in the bytes).
    pub(super) fn candidates(&self) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.runs.iter().flat_map(|run| {
            (0..run.len).map(move |i| (run.offset.saturating_add(i as u64), run.start + i))
        })
    }

    /// True when a hole ends right at `offset` (the first byte of a run after a hole).
    pub(super) fn after_hole(&self, offset: u64) -> bool {
        self.runs
            .iter()
            .enumerate()
            .any(|(i, run)| run.offset == offset && (i > 0 || offset > 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tape_reads_across_holes() {
        let mut tape = Tape::of(b"abc".to_vec());
        tape.hole(5);
        tape.push(b"defg");
        tape.hole(2);
        let layout = tape.layout();
        assert_eq!(layout.read(0, 10), Read::Bytes(b"abc", Cut::Hole));
        assert_eq!(layout.read(4, 1), Read::Hole);
        assert_eq!(layout.read(8, 2), Read::Bytes(b"de", Cut::No));
        assert_eq!(layout.read(9, 9), Read::Bytes(b"efg", Cut::Hole));
        assert_eq!(layout.read(13, 1), Read::Hole);
        assert_eq!(layout.read(14, 1), Read::End);
        assert!(layout.after_hole(8));
        assert!(!layout.after_hole(0));
        tape.drop_front(3, true);
        assert_eq!(tape.bytes, b"defg");
        assert_eq!(tape.holes, vec![(0, 5), (4, 2)]);
        tape.drop_front(0, false);
        assert_eq!(tape.holes, vec![(4, 2)]);
    }

    #[test]
    fn absolute_offsets_survive_dropping_the_front() {
        let mut tape = Tape::of(b"abc".to_vec());
        tape.hole(5);
        tape.push(b"defg");
        // "abc" and the 5-byte hole after it go: "d" was at 8 and is now at 0.
        tape.drop_front(3, false);
        assert_eq!(tape.layout().read(0, 1), Read::Bytes(b"d", Cut::No));
        assert_eq!(tape.layout().absolute(0), 8);
        // The hole is kept this time: it still starts at 3.
        let mut tape = Tape::of(b"abc".to_vec());
        tape.hole(5);
        tape.push(b"defg");
        tape.drop_front(3, true);
        assert_eq!(tape.layout().absolute(0), 3);
        assert_eq!(tape.layout().read(5, 1), Read::Bytes(b"d", Cut::No));
    }
}
