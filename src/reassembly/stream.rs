//! One direction of one TCP connection, in 64-bit stream offsets (sequence numbers are mapped
//! to offsets by the flow table, so wrap-around never reaches this code).
//!
//! Rules:
//! - Bytes at the next expected offset are delivered at once, as a slice of the caller's
//!   payload: the in-order path copies and allocates nothing.
//! - Bytes ahead of it are copied and held, without overlap, until the hole before them fills.
//! - First copy wins: bytes already held (or, for the held part, already delivered) are never
//!   replaced; a later copy whose bytes differ is reported as a mismatch.
//! - Bytes known to be lost (a truncated packet's missing tail) are held as a lost range and
//!   reported as a gap when delivery reaches them.
//! - A hole that will not fill is skipped on request (`skip_*`), reported as a gap, and delivery
//!   goes on after it.

use std::collections::BTreeMap;

/// What one held segment or lost range costs beyond its bytes (the map node, the vector's
/// header, the allocator's rounding), counted so that a flood of tiny out-of-order segments
/// fills the caps as fast as its real memory use does.
pub const RANGE_OVERHEAD: usize = 64;

use super::GapReason;

/// What the assembler hands on, in stream order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// The next in-order bytes.
    Data(&'a [u8]),
    /// Bytes that will never be seen.
    Gap(u64, GapReason),
    /// A retransmitted copy differed from the bytes kept, at this offset.
    Mismatch(u64),
}

/// Held data of one direction.
#[derive(Debug, Default)]
pub struct StreamAssembler {
    /// Offset of the next byte to deliver.
    next: u64,
    /// Out-of-order bytes by start offset; never overlapping, all beyond `next`.
    held: BTreeMap<u64, Vec<u8>>,
    /// Known-lost ranges (start -> length) beyond `next`.
    lost: BTreeMap<u64, u64>,
    /// Memory held: the bytes in `held`, plus [`RANGE_OVERHEAD`] per held or lost range.
    held_bytes: usize,
}

/// What one insert did, for the flow's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InsertOutcome {
    /// The segment held only bytes already delivered or held.
    pub duplicate: bool,
}

impl StreamAssembler {
    /// Offset of the next byte to deliver.
    pub fn next_offset(&self) -> u64 {
        self.next
    }

    /// Memory held out of order: the bytes, plus [`RANGE_OVERHEAD`] per held or lost range.
    pub fn held_bytes(&self) -> usize {
        self.held_bytes
    }

    /// True when nothing waits behind a hole.
    pub fn is_idle(&self) -> bool {
        self.held.is_empty() && self.lost.is_empty()
    }

    /// Start of the first held or lost range, if any.
    fn first_pending(&self) -> Option<u64> {
        let held = self.held.keys().next().copied();
        let lost = self.lost.keys().next().copied();
        match (held, lost) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Adds a segment: `payload` at `offset`, followed by `missing` bytes the capture lacks.
    pub fn insert(
        &mut self,
        offset: u64,
        payload: &[u8],
        missing: u64,
        out: &mut impl FnMut(Piece<'_>),
    ) -> InsertOutcome {
        let end = offset.saturating_add(payload.len() as u64);
        let lost_end = end.saturating_add(missing);
        if lost_end <= self.next {
            // Wholly before the next offset: a retransmission of delivered bytes (which are not
            // kept, so it cannot be compared).
            return InsertOutcome { duplicate: true };
        }
        if missing > 0 {
            let start = end.max(self.next);
            if let std::collections::btree_map::Entry::Vacant(entry) = self.lost.entry(start) {
                entry.insert(lost_end - start);
                self.held_bytes += RANGE_OVERHEAD;
            }
        }
        let mut duplicate = false;
        if offset <= self.next && end > self.next {
            let skip = usize::try_from(self.next - offset).unwrap_or(usize::MAX);
            let fresh = payload.get(skip..).unwrap_or_default();
            // Deliver up to the first held range; held bytes (an earlier copy) win after that.
            let limit = self
                .first_pending()
                .map_or(fresh.len() as u64, |start| start - self.next);
            let take = usize::try_from(limit)
                .unwrap_or(usize::MAX)
                .min(fresh.len());
            let (now, rest) = fresh.split_at(take);
            if !now.is_empty() {
                out(Piece::Data(now));
                self.next += now.len() as u64;
            }
            if !rest.is_empty() {
                // Held bytes start here: keep them (first copy wins, differences reported)
                // and hold whatever of `rest` lies beyond them.
                self.hold(self.next, rest, out);
            }
        } else if offset > self.next {
            duplicate = !self.hold(offset, payload, out);
        }
        self.drain(out);
        InsertOutcome { duplicate }
    }

    /// Copies the parts of `payload` at `offset` not already held; false if none was new.
    fn hold(&mut self, offset: u64, payload: &[u8], out: &mut impl FnMut(Piece<'_>)) -> bool {
        let end = offset + payload.len() as u64;
        let mut cursor = offset;
        let mut added = false;
        // Held ranges that overlap [offset, end), starting from the one before `offset`.
        let first = self
            .held
            .range(..offset)
            .next_back()
            .filter(|(start, bytes)| **start + bytes.len() as u64 > offset)
            .map(|(start, _)| *start)
            .unwrap_or(offset);
        let overlapping: Vec<(u64, u64)> = self
            .held
            .range(first..end)
            .map(|(start, bytes)| (*start, *start + bytes.len() as u64))
            .collect();
        for (start, stop) in overlapping {
            if start > cursor {
                added |= self.hold_new(cursor, slice_of(payload, offset, cursor, start));
            }
            let overlap_start = start.max(cursor);
            let overlap_end = stop.min(end);
            if overlap_end > overlap_start {
                self.compare_range(
                    overlap_start,
                    slice_of(payload, offset, overlap_start, overlap_end),
                    out,
                );
            }
            cursor = cursor.max(stop);
        }
        if cursor < end {
            added |= self.hold_new(cursor, slice_of(payload, offset, cursor, end));
        }
        added
    }

    fn hold_new(&mut self, offset: u64, bytes: &[u8]) -> bool {
        if bytes.is_empty() {
            return false;
        }
        self.held_bytes += bytes.len() + RANGE_OVERHEAD;
        self.held.insert(offset, bytes.to_vec());
        true
    }

    /// Compares `bytes` (starting at `offset`) with every held range they overlap.
    fn compare_range(&self, offset: u64, bytes: &[u8], out: &mut impl FnMut(Piece<'_>)) {
        let end = offset + bytes.len() as u64;
        let first = self
            .held
            .range(..=offset)
            .next_back()
            .map(|(start, _)| *start)
            .unwrap_or(offset);
        for (start, held) in self.held.range(first..end) {
            let held_end = start + held.len() as u64;
            let from = offset.max(*start);
            let to = end.min(held_end);
            if to <= from {
                continue;
            }
            let ours = slice_of(bytes, offset, from, to);
            let theirs = slice_of(held, *start, from, to);
            if ours != theirs {
                out(Piece::Mismatch(from));
                return;
            }
        }
    }

    /// Delivers held data and lost ranges that have become contiguous.
    fn drain(&mut self, out: &mut impl FnMut(Piece<'_>)) {
        loop {
            if let Some(entry) = self.lost.first_entry() {
                if *entry.key() <= self.next {
                    let (start, length) = entry.remove_entry();
                    self.held_bytes -= RANGE_OVERHEAD;
                    let end = start.saturating_add(length);
                    if end > self.next {
                        out(Piece::Gap(end - self.next, GapReason::Truncated));
                        self.next = end;
                    }
                    continue;
                }
            }
            let Some(entry) = self.held.first_entry() else {
                return;
            };
            if *entry.key() > self.next {
                return;
            }
            let (start, bytes) = entry.remove_entry();
            self.held_bytes -= bytes.len() + RANGE_OVERHEAD;
            let end = start + bytes.len() as u64;
            if end > self.next {
                out(Piece::Data(slice_of(&bytes, start, self.next, end)));
                self.next = end;
            }
        }
    }

    /// Declares the hole at `next` lost up to the first held range, reports it, and delivers
    /// what follows. Returns the gap's size.
    pub fn skip_hole(&mut self, reason: GapReason, out: &mut impl FnMut(Piece<'_>)) -> u64 {
        let Some(target) = self.first_pending() else {
            return 0;
        };
        self.skip_to(target, reason, out)
    }

    /// Declares every byte before `offset` that has not been delivered lost, reports the gap,
    /// and delivers what follows.
    pub fn skip_to(
        &mut self,
        offset: u64,
        reason: GapReason,
        out: &mut impl FnMut(Piece<'_>),
    ) -> u64 {
        let mut skipped = 0;
        while self.next < offset {
            let hole_end = self
                .first_pending()
                .map_or(offset, |start| start.min(offset));
            if hole_end > self.next {
                out(Piece::Gap(hole_end - self.next, reason));
                skipped += hole_end - self.next;
                self.next = hole_end;
            }
            let before = self.next;
            self.drain(out);
            if self.next == before && hole_end >= offset {
                break;
            }
        }
        self.drain(out);
        skipped
    }

    /// Skips every hole, delivering all held data: the direction is ending.
    pub fn flush(&mut self, reason: GapReason, out: &mut impl FnMut(Piece<'_>)) {
        while !self.is_idle() {
            if self.skip_hole(reason, out) == 0 {
                self.drain(out);
            }
        }
    }
}

/// The part of `bytes` (which starts at stream offset `base`) covering offsets `from..to`.
fn slice_of(bytes: &[u8], base: u64, from: u64, to: u64) -> &[u8] {
    let start = usize::try_from(from.saturating_sub(base)).unwrap_or(usize::MAX);
    let end = usize::try_from(to.saturating_sub(base)).unwrap_or(usize::MAX);
    bytes.get(start..end.min(bytes.len())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs inserts and returns what came out, data concatenated between gaps.
    fn run(ops: &[(u64, &[u8])]) -> (Vec<u8>, Vec<Piece<'static>>) {
        let mut asm = StreamAssembler::default();
        let mut data = Vec::new();
        let mut other = Vec::new();
        for (offset, payload) in ops {
            asm.insert(*offset, payload, 0, &mut |piece| match piece {
                Piece::Data(bytes) => data.extend_from_slice(bytes),
                Piece::Gap(n, r) => other.push(Piece::Gap(n, r)),
                Piece::Mismatch(o) => other.push(Piece::Mismatch(o)),
            });
        }
        (data, other)
    }

    #[test]
    fn in_order_and_out_of_order() {
        let (data, other) = run(&[(0, b"ab"), (4, b"ef"), (2, b"cd"), (6, b"g")]);
        assert_eq!(data, b"abcdefg");
        assert!(other.is_empty());
    }

    #[test]
    fn duplicates_and_overlaps_keep_first_copy() {
        let (data, other) = run(&[(0, b"ab"), (4, b"efgh"), (3, b"DEF"), (2, b"c")]);
        // Offset 3 'D' was new (kept), 'E','F' overlapped held "ef" and differ: mismatch.
        assert_eq!(data, b"abcDefgh");
        assert_eq!(other, vec![Piece::Mismatch(4)]);
    }

    #[test]
    fn identical_overlap_is_silent() {
        let (data, other) = run(&[(0, b"a"), (2, b"cde"), (1, b"bcd"), (1, b"bcdef")]);
        assert_eq!(data, b"abcdef");
        assert!(other.is_empty());
    }

    #[test]
    fn skip_hole_reports_gap_and_continues() {
        let mut asm = StreamAssembler::default();
        let mut seen = Vec::new();
        let mut out = |p: Piece<'_>| {
            seen.push(match p {
                Piece::Data(b) => format!("data {}", String::from_utf8_lossy(b)),
                Piece::Gap(n, _) => format!("gap {n}"),
                Piece::Mismatch(o) => format!("mismatch {o}"),
            })
        };
        asm.insert(0, b"abc", 0, &mut out);
        asm.insert(10, b"klm", 0, &mut out);
        asm.skip_hole(GapReason::Acked, &mut out);
        asm.insert(5, b"late", 0, &mut out);
        assert_eq!(seen, ["data abc", "gap 7", "data klm"]);
        assert_eq!(asm.next_offset(), 13);
    }

    #[test]
    fn truncated_tail_becomes_gap() {
        let mut asm = StreamAssembler::default();
        let mut seen = Vec::new();
        let mut out = |p: Piece<'_>| seen.push(format!("{p:?}"));
        asm.insert(0, b"ab", 5, &mut out);
        asm.insert(7, b"z", 0, &mut out);
        assert_eq!(seen, ["Data([97, 98])", "Gap(5, Truncated)", "Data([122])"]);
    }

    #[test]
    fn out_of_order_truncated_tail() {
        let mut asm = StreamAssembler::default();
        let mut seen = Vec::new();
        let mut out = |p: Piece<'_>| seen.push(format!("{p:?}"));
        asm.insert(2, b"cd", 3, &mut out);
        asm.insert(0, b"ab", 0, &mut out);
        asm.insert(7, b"h", 0, &mut out);
        assert_eq!(
            seen,
            [
                "Data([97, 98])",
                "Data([99, 100])",
                "Gap(3, Truncated)",
                "Data([104])"
            ]
        );
    }

    #[test]
    fn flush_skips_every_hole() {
        let mut asm = StreamAssembler::default();
        let mut gaps = 0;
        let mut bytes = 0;
        let mut out = |p: Piece<'_>| match p {
            Piece::Data(b) => bytes += b.len(),
            Piece::Gap(n, _) => gaps += n,
            Piece::Mismatch(_) => {}
        };
        asm.insert(3, b"d", 0, &mut out);
        asm.insert(8, b"ij", 0, &mut out);
        asm.flush(GapReason::Closed, &mut out);
        assert_eq!((gaps, bytes), (3 + 4, 3));
        assert!(asm.is_idle());
        assert_eq!(asm.held_bytes(), 0);
    }
}
