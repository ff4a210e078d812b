//! Resynchronisation: finding chunk boundaries again after a gap, or in a capture that starts
//! mid-stream, by a format-0 header whose fields are plausible and whose next header lines up.

use super::header::{parse_header, ChunkHeader, HeaderProblem};
use super::{ChunkDemuxer, ChunkEvent, MAX_PLAUSIBLE_MSID};
use crate::common::WarningCode;
use crate::rtmp::message::MessageTypeId;

/// The outcome of searching for a chunk boundary.
pub(super) enum Boundary {
    /// A boundary at `skip`, with the chunk size that lines up.
    Found { skip: usize, chunk_size: u32 },
    /// None confirmed: the first `skip` bytes cannot start one; the rest need more bytes.
    NeedMore { skip: usize },
}

/// Finds the first offset where a plausible message header starts (format 0, or format 1 on a
/// chunk stream in `known`) and the chunk after it lines up, for one of the chunk size guesses.
pub(super) fn find_boundary(bytes: &[u8], guesses: &[u32], known: &[u32]) -> Boundary {
    for skip in 0..bytes.len() {
        let candidate = bytes.get(skip..).unwrap_or_default();
        match plausible_start(candidate, guesses, known) {
            Plausibility::Yes(chunk_size) => return Boundary::Found { skip, chunk_size },
            Plausibility::No => {}
            Plausibility::NeedMore => return Boundary::NeedMore { skip },
        }
    }
    Boundary::NeedMore { skip: bytes.len() }
}

pub(super) enum Plausibility {
    Yes(u32),
    No,
    NeedMore,
}

/// Is there a plausible message header at the start of `bytes` (format 0, or format 1 on a
/// known chunk stream), confirmed by the next one?
pub(super) fn plausible_start(bytes: &[u8], guesses: &[u32], known: &[u32]) -> Plausibility {
    // "00 0c …" reads as a format-0 header on chunk stream 64 + 0x0c, and "0c …" one byte on
    // as the same header on chunk stream 0x0c: identical fields, one byte apart. Senders use
    // the one-byte form for low chunk streams, so it wins unless only the long one is known.
    if let [0x00, low @ 2..=63, ..] = bytes {
        let short = u32::from(*low);
        if !known.contains(&(64 + short)) || known.contains(&short) {
            return Plausibility::No;
        }
    }
    let is_known = |csid: u32| known.contains(&csid).then_some((None, false));
    let header = match parse_header(bytes, &is_known) {
        Ok(header) if header.fmt <= 1 => header,
        Ok(_) | Err(HeaderProblem::UnknownStream(_)) => return Plausibility::No,
        Err(HeaderProblem::Incomplete) => return Plausibility::NeedMore,
    };
    let (Some(length), Some(type_id)) = (header.length, header.type_id) else {
        return Plausibility::No;
    };
    if !header_is_plausible(&header) {
        return Plausibility::No;
    }
    let body = bytes.get(header.len..).unwrap_or_default();
    if !body_looks_right(MessageTypeId(type_id), body) {
        return Plausibility::No;
    }
    // Guesses are decided in order: an earlier one still undecided means "need more", so the
    // chosen chunk size never depends on how the input was split.
    for &chunk_size in guesses {
        let next = header.len + length.min(chunk_size) as usize;
        let Some(after) = bytes.get(next..) else {
            return Plausibility::NeedMore;
        };
        match next_header_lines_up(after, header.csid, length > chunk_size) {
            Plausibility::Yes(_) => return Plausibility::Yes(chunk_size),
            Plausibility::NeedMore => return Plausibility::NeedMore,
            Plausibility::No => {}
        }
    }
    Plausibility::No
}

/// Could a real sender have written this header? Format 0 and 1 headers must name a known
/// message type with a length that fits it (and format 0 a small message stream id); format 2
/// and 3 headers carry nothing to judge.
pub(super) fn header_is_plausible(header: &ChunkHeader) -> bool {
    let Some(type_id) = header.type_id else {
        return true;
    };
    let length = header.length.unwrap_or(0);
    header.csid >= 2
        && header.msid.is_none_or(|msid| msid <= MAX_PLAUSIBLE_MSID)
        && fits_type(MessageTypeId(type_id), length)
}

/// Does a message of this type plausibly have this length?
pub(super) fn fits_type(type_id: MessageTypeId, length: u32) -> bool {
    match type_id.0 {
        1 | 2 | 3 | 5 => length == 4,
        6 => length == 5,
        4 => (6..=10).contains(&length),
        8 | 9 => length >= 1,
        15..=20 => length >= 3,
        22 => length >= 11,
        _ => false,
    }
}

/// Do the first body bytes look like this type's body? (AMF bodies start with a string.)
pub(super) fn body_looks_right(type_id: MessageTypeId, body: &[u8]) -> bool {
    match type_id.0 {
        18 | 20 => body.first().is_none_or(|&b| b == 0x02),
        15 | 17 => body.first().is_none_or(|&b| b == 0x00),
        _ => true,
    }
}

/// Is `bytes` the start of a plausible chunk after a chunk of stream `csid`? A continuation
/// (format 3 on the same stream) is expected when the message spans chunks. An incomplete
/// header is `NeedMore`, so the answer never depends on how the input was split.
pub(super) fn next_header_lines_up(bytes: &[u8], csid: u32, continues: bool) -> Plausibility {
    let Some(&first) = bytes.first() else {
        return Plausibility::NeedMore;
    };
    let fmt = first >> 6;
    let next_csid = u32::from(first & 0x3F);
    let yes_if = |plausible: bool| {
        if plausible {
            Plausibility::Yes(0)
        } else {
            Plausibility::No
        }
    };
    if continues {
        return yes_if(fmt == 3 && (next_csid == csid || csid >= 64));
    }
    if fmt != 0 {
        // Formats 1 to 3 continue a stream; any small chunk stream id is plausible.
        return yes_if(next_csid >= 2);
    }
    // A format-0 header: its fields must be plausible on their own.
    match parse_header(bytes, &|_| None) {
        Ok(h) => yes_if(
            h.csid >= 2
                && h.msid.is_some_and(|m| m <= 0xFFFF)
                && h.type_id
                    .zip(h.length)
                    .is_some_and(|(t, l)| fits_type(MessageTypeId(t), l)),
        ),
        Err(HeaderProblem::Incomplete) => Plausibility::NeedMore,
        Err(HeaderProblem::UnknownStream(_)) => Plausibility::No,
    }
}

/// Chunk sizes tried, in order, after a mid-stream start (the current one first).
pub(super) const CHUNK_SIZE_GUESSES: [u32; 8] = [128, 4096, 4000, 60000, 8192, 1024, 65536, 1400];

/// Most bytes held while searching for a chunk boundary; older ones are skipped.
pub const RESYNC_WINDOW: usize = 256 << 10;

impl ChunkDemuxer {
    /// Searches the held bytes for a chunk boundary; on success, decodes from there.
    pub(super) fn search(&mut self, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        let Some(held) = self.resync.take() else {
            return;
        };
        let guesses: Vec<u32> = if self.chunk_size_unknown {
            std::iter::once(self.chunk_size)
                .chain(CHUNK_SIZE_GUESSES)
                .collect()
        } else {
            vec![self.chunk_size]
        };
        let known: Vec<u32> = self.streams.keys().copied().collect();
        let mut held = held;
        match find_boundary(&held, &guesses, &known) {
            Boundary::Found { skip, chunk_size } => {
                let skipped = self.resync_skipped + skip as u64;
                self.resync_skipped = 0;
                if skipped > 0 {
                    on_event(ChunkEvent::Warning {
                        code: WarningCode::ChunkResync,
                        message: format!(
                            "skipped {skipped} bytes to find the next message boundary"
                        ),
                    });
                }
                self.chunk_size = chunk_size;
                self.resync_memory.clear();
                self.feed_synced(held.get(skip..).unwrap_or_default(), on_event);
                return;
            }
            Boundary::NeedMore { skip } => {
                // Not found yet: hold the unsearched tail, within the window and the budget.
                let mut dropped = skip.min(held.len());
                held.drain(..dropped);
                let allowed = self.resync_memory.resize(held.len().min(RESYNC_WINDOW));
                if held.len() > allowed {
                    let excess = held.len() - allowed;
                    held.drain(..excess);
                    dropped += excess;
                }
                self.resync_skipped += dropped as u64;
            }
        }
        self.resync = Some(held);
    }
}
