//! Searching for the position in a chunk stream: after a hole that may have covered a header,
//! for a capture that starts mid-stream, and to settle a chunk size that was only bounded.
//! Candidates are tested in order as hypotheses ([`super::lockon`]); the first confirmed one
//! wins and decoding replays the held bytes and holes from it.

use super::header::{header_is_plausible, parse_header, HeaderProblem};
use super::lockon::{
    body_evidence, chunk_size_hypotheses, implausible_delta, walk, Evidence, Hypothesis, Known,
    Proof, Verdict, COMMON_CHUNK_SIZES, CONFIRM_FINISH, CONFIRM_JOIN, CONFIRM_RESUME,
};
use super::spacing::spaced_chunk_sizes;
use super::tape::{Cut, Layout, Piece, Read, Tape};
use super::{ChunkDemuxer, ChunkEvent, SearchMode, MAX_HEADER_LEN, MAX_MESSAGE_LEN};
use crate::common::WarningCode;
use crate::rtmp::message::MessageTypeId;

/// Do the first body bytes look like this type's body? (AMF bodies start with a string.)
pub(super) fn body_looks_right(type_id: MessageTypeId, body: &[u8]) -> bool {
    match type_id.0 {
        18 | 20 => body.first().is_none_or(|&b| b == 0x02),
        15 | 17 => body.first().is_none_or(|&b| b == 0x00),
        _ => true,
    }
}

/// Most bytes held while searching for a chunk boundary; older ones are skipped.
pub const RESYNC_WINDOW: usize = 256 << 10;

/// What a search concluded.
enum Outcome {
    /// Locked on at byte `index` of the tape.
    Found { index: usize, proof: Proof },
    /// Nothing yet; the bytes before `index` cannot start a lock.
    NotYet { index: usize },
    /// A soft search could not settle the chunk size at the tape's start.
    SoftFailed,
}

impl ChunkDemuxer {
    /// Searches the held bytes for a lock-on; on success, replays them from there. True when
    /// it locked on (or gave a soft search up): the caller searches again if the replay lost
    /// the position once more.
    pub(super) fn search(&mut self, on_event: &mut impl FnMut(ChunkEvent<'_>)) -> bool {
        let Some(mut tape) = self.resync.take() else {
            return false;
        };
        match self.find_lock(&tape) {
            Outcome::Found { index, proof } => {
                self.lock_on(index, proof, on_event);
                tape.drop_front(index, false);
                self.resync_memory.clear();
                for piece in tape.pieces() {
                    self.replay(piece, on_event);
                }
                true
            }
            Outcome::SoftFailed => {
                // No chunk size makes the message at the start line up: the position was
                // wrong after all; search from the next byte, as after a loss.
                self.drop_partials();
                self.mode = SearchMode::Hard;
                self.resync_skipped = self.resync_skipped.saturating_add(1);
                tape.drop_front(1, true);
                self.resync = Some(tape);
                true
            }
            Outcome::NotYet { index } => {
                self.resync_skipped = self.resync_skipped.saturating_add(index as u64);
                tape.drop_front(index, true);
                // Hold the unsearched tail, within the window and the budget.
                let allowed = self.resync_memory.resize(tape.cost().min(RESYNC_WINDOW));
                if tape.cost() > allowed {
                    let excess = tape.cost() - allowed;
                    self.resync_skipped = self.resync_skipped.saturating_add(excess as u64);
                    tape.drop_front(excess, true);
                }
                self.resync = Some(tape);
                false
            }
        }
    }

    /// Hands one piece of a tape to the decoder, or back to the tape if searching again.
    fn replay(&mut self, piece: Piece<'_>, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        match (piece, self.resync.as_mut()) {
            (Piece::Bytes(bytes), Some(tape)) => tape.push(bytes),
            (Piece::Hole(length), Some(tape)) => tape.hole(length),
            (Piece::Bytes(bytes), None) => self.feed_synced(bytes, on_event),
            (Piece::Hole(length), None) => self.gap_synced(length, on_event),
        }
    }

    /// Takes what a confirmed hypothesis proved, and says what was skipped and assumed.
    fn lock_on(&mut self, index: usize, proof: Proof, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        let skipped = self.resync_skipped.saturating_add(index as u64);
        self.resync_skipped = 0;
        if self.chunk_size_unknown {
            self.chunk_size = proof.chunk_size.min(MAX_MESSAGE_LEN);
            if proof.pinned {
                self.chunk_size_unknown = false;
            } else {
                self.chunk_size_floor = self.chunk_size_floor.max(proof.floor);
            }
        }
        let soft = self.mode == SearchMode::Soft;
        if !soft && self.joining {
            self.joining = false;
            let size = if self.chunk_size_unknown {
                format!(
                    "assumed {} (no message longer than {} bytes seen yet; checked again when one comes)",
                    self.chunk_size, self.chunk_size_floor
                )
            } else {
                format!("{} (proven by a continuation header)", self.chunk_size)
            };
            on_event(ChunkEvent::Warning {
                code: WarningCode::ChunkJoined,
                message: format!("joined the chunk stream mid-way after skipping {skipped} bytes: {} headers found where predicted; chunk size {size}; messages on chunk streams whose full header was not seen are marked joined (timestamps relative to the first seen, message stream ids assumed)", proof.headers),
            });
        } else if skipped > 0 {
            on_event(ChunkEvent::Warning {
                code: WarningCode::ChunkResync,
                message: format!("skipped {skipped} bytes to find the next message boundary"),
            });
        }
        self.adopt = true;
        self.uncertain = true;
        self.fresh_lock = !soft;
        self.mode = SearchMode::Hard;
    }

    /// What this demultiplexer knows of a chunk stream, for a walk.
    fn known(&self, csid: u32) -> Option<Known> {
        self.streams.get(&csid).map(|s| Known {
            length: s.header.length,
            type_id: s.header.type_id.0,
            extended: s.extended,
            stale: s.stale,
            remaining: s
                .partial
                .map_or(0, |p| s.header.length.saturating_sub(p.received)),
            tag: s.tag,
        })
    }

    /// Tests the tape's candidates in order.
    fn find_lock(&self, tape: &Tape) -> Outcome {
        let layout = tape.layout();
        let soft = self.mode == SearchMode::Soft;
        for (offset, index) in layout.candidates() {
            match self.judge_candidate(&layout, offset) {
                Verdict::Confirmed(proof) => return Outcome::Found { index, proof },
                Verdict::NeedMore => return Outcome::NotYet { index },
                Verdict::Rejected if soft => return Outcome::SoftFailed,
                Verdict::Rejected => {}
            }
        }
        Outcome::NotYet {
            index: tape.bytes.len(),
        }
    }

    /// Is there a lock-on at `offset`: a plausible header whose body starts like its type, and
    /// a chunk size with which the walk from it is confirmed?
    fn judge_candidate(&self, layout: &Layout<'_>, offset: u64) -> Verdict {
        match self.judge_candidate_now(layout, offset) {
            Verdict::NeedMore if self.finishing => Verdict::Rejected,
            verdict => verdict,
        }
    }

    fn judge_candidate_now(&self, layout: &Layout<'_>, offset: u64) -> Verdict {
        let known = |csid: u32| self.known(csid);
        let (head, cut) = match layout.read(offset, MAX_HEADER_LEN) {
            Read::Bytes(bytes, cut) => (bytes, cut),
            Read::End => return Verdict::NeedMore,
            Read::Hole => return Verdict::Rejected,
        };
        // "40 44 …" reads as a format-1 header on chunk stream 64 + 0x44, and "44 …" one byte
        // on as the same header on chunk stream 4: identical fields, one byte apart (the first
        // byte being the last of the message before). Senders use the one-byte form for low
        // chunk streams, so it wins unless only the long one is known.
        if let [first, second, ..] = head {
            let fmt = first >> 6;
            let short = u32::from(second & 0x3F);
            if first & 0x3F == 0 && second >> 6 == fmt && short >= 2 {
                let long = 64 + u32::from(*second);
                if known(long).is_none() || known(short).is_some() {
                    return Verdict::Rejected;
                }
            }
        }
        let lookup = |csid: u32| known(csid).map(|s| (s.extended, s.remaining > 0));
        let header = match parse_header(head, &lookup, true) {
            Ok(header) => header,
            Err(HeaderProblem::Incomplete) if cut == Cut::End => return Verdict::NeedMore,
            Err(_) => return Verdict::Rejected,
        };
        let stream = known(header.csid);
        let state = stream.unwrap_or_default();
        if state.remaining > 0 || !header_is_plausible(&header) || (header.fmt >= 2 && state.stale)
        {
            return Verdict::Rejected;
        }
        let length = header.length.unwrap_or(state.length);
        let type_id = header.type_id.unwrap_or(state.type_id);
        if implausible_delta(&header, type_id) {
            return Verdict::Rejected;
        }
        let body_at = offset.saturating_add(header.len as u64);
        let (body, body_cut) = match layout.read(body_at, 96.min(length as usize)) {
            Read::Bytes(bytes, cut) => (bytes, cut),
            Read::Hole => (&[][..], Cut::Hole),
            Read::End => (&[][..], Cut::End),
        };
        let tag = state.tag.filter(|_| type_id == state.type_id);
        match body_evidence(type_id, length, body, body_cut == Cut::Hole, tag) {
            Evidence::Bad => return Verdict::Rejected,
            Evidence::NeedMore => return Verdict::NeedMore,
            Evidence::Weak | Evidence::Strong => {}
        }
        let sizes = if self.chunk_size_unknown {
            let inferred = if length > COMMON_CHUNK_SIZES[0] {
                match spaced_chunk_sizes(layout, body_at, header.csid, length) {
                    Ok(sizes) => sizes,
                    Err(()) if !self.finishing => return Verdict::NeedMore,
                    Err(()) => Vec::new(),
                }
            } else {
                Vec::new()
            };
            let floor = if self.mode == SearchMode::Soft {
                self.chunk_size_floor
            } else {
                0
            };
            chunk_size_hypotheses(&inferred, floor)
        } else {
            vec![self.chunk_size]
        };
        let confirm = if self.chunk_size_unknown || self.streams.is_empty() {
            CONFIRM_JOIN
        } else {
            CONFIRM_RESUME
        };
        let confirm = if self.finishing {
            confirm.max(CONFIRM_FINISH)
        } else {
            confirm
        };
        let credit = u32::from(layout.after_hole(offset) && stream.is_some());
        let mut best: Option<Proof> = None;
        for chunk_size in sizes {
            let hypothesis = Hypothesis {
                start: offset,
                chunk_size,
                confirm,
                adopt: true,
                credit,
                finishing: self.finishing,
            };
            let result = walk(layout, hypothesis, &known);
            match result.verdict {
                Verdict::NeedMore => return Verdict::NeedMore,
                Verdict::Confirmed(proof) if proof.trusted() => {
                    if best.is_none_or(|b| proof.better_than(&b)) {
                        best = Some(proof);
                    }
                }
                Verdict::Confirmed(_) => {}
                Verdict::Rejected => {}
            }
            // Every message walked fit in one chunk: a larger size walks the same.
            if result.longest <= chunk_size {
                break;
            }
        }
        best.map_or(Verdict::Rejected, Verdict::Confirmed)
    }
}
