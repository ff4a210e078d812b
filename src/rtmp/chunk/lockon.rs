//! Locking on to a chunk stream whose position is unknown: a capture that starts mid-stream,
//! or a hole that may have covered a chunk header.
//!
//! Nothing here is taken on trust. A candidate header at some offset is a *hypothesis*, together
//! with a chunk size: the common values (128, 4096, 60000, …) and those the spacing of one-byte
//! format-3 headers after the candidate suggests. A hypothesis is walked: every header it
//! predicts must be where it predicts it (a continuation chunk exactly one chunk size on, the
//! next message's header right after the last chunk) and every message body must start like its
//! type says (an FLV audio or video tag header consistent with the stream's codec, an AMF
//! command name, a control value in range). Only a walk that meets enough such proofs in a row
//! is confirmed; one that meets anything impossible is rejected. The walk goes over holes of
//! known length where it can predict what they hid (the rest of a chunk's payload, a format-3
//! continuation header of the message in progress) and stops where it cannot.
//!
//! The search is bounded: a walk looks at most [`MAX_WALK_BYTES`] ahead and takes at most
//! [`MAX_WALK_STEPS`] steps, at most [`MAX_HYPOTHESES`] chunk sizes are tried per candidate,
//! and the bytes held are limited by the demultiplexer's window and memory budget. Every
//! decision depends only on the bytes and holes, never on how they were split into pieces.

use super::header::{
    header_is_plausible, parse_header, ChunkHeader, HeaderProblem, MAX_HEADER_LEN,
};
use super::tape::{Cut, Layout, Read};

/// Headers a walk must find where predicted before a hypothesis is confirmed, when nothing is
/// known of the stream (a capture that starts mid-stream).
pub(super) const CONFIRM_JOIN: u32 = 6;
/// Likewise after a hole, when the chunk size and the chunk streams' state are known.
pub(super) const CONFIRM_RESUME: u32 = 3;
/// Likewise at the end of the input, for a walk that explains every byte up to exactly the
/// last one (a short connection, or one whose last messages came too few to confirm).
pub(super) const CONFIRM_FINISH: u32 = 4;
/// Furthest a walk looks ahead of its candidate.
pub const MAX_WALK_BYTES: u64 = 128 << 10;
/// Most chunks one walk steps through (holes can make chunks cheap to step over).
const MAX_WALK_STEPS: u32 = 4096;
/// Most chunk sizes tried for one candidate.
const MAX_HYPOTHESES: usize = 24;
/// Chunk sizes senders commonly use, tried when the chunk size is unknown (ascending). The
/// largest stands for "larger than any message": every message is one chunk.
pub(super) const COMMON_CHUNK_SIZES: [u32; 14] = [
    128, 256, 512, 1024, 1400, 2048, 4000, 4096, 8192, 16384, 32768, 60000, 65536, 0xFF_FFFF,
];
/// Largest timestamp delta of an audio or video message a walk accepts (ms): frame intervals
/// are tens of milliseconds, a minute is already a stall.
const MAX_MEDIA_DELTA: u32 = 0xFFFF;
/// Most body bytes looked at to judge whether a body starts like its type.
const EVIDENCE_BYTES: usize = 96;
/// Longest AMF command or data name a real peer sends (`onMetaData`, `@setDataFrame`, …).
const MAX_AMF_NAME: usize = 64;

/// What the demultiplexer knows of a chunk stream when a search starts.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Known {
    /// The last message's length and type.
    pub(super) length: u32,
    /// Its type id.
    pub(super) type_id: u8,
    /// The stored extended timestamp, if the stream uses them.
    pub(super) extended: Option<u32>,
    /// The length may have changed in lost bytes: a message must start with format 0 or 1.
    pub(super) stale: bool,
    /// Payload bytes still due of a message in progress (0: none).
    pub(super) remaining: u32,
    /// The first body byte of its last audio or video message (the codec), if any.
    pub(super) tag: Option<u8>,
}

/// How far a hypothesis got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Confirmed by enough predicted headers.
    Confirmed(Proof),
    /// Something it predicted is not there, or it could not reach enough proof.
    Rejected,
    /// More bytes are needed to decide.
    NeedMore,
}

/// What a confirmed walk showed about the chunk size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Proof {
    /// The chunk size walked with.
    pub(super) chunk_size: u32,
    /// A continuation header was found exactly one chunk size on: the chunk size is proven.
    /// Otherwise every message walked fit in one chunk, so only `floor` is known.
    pub(super) pinned: bool,
    /// Continuation headers found where predicted. One alone pins only a common chunk size:
    /// a size read off the spacing of one header may be a chance byte of the body.
    pub(super) continuations: u32,
    /// The longest message walked that fit in one chunk: the chunk size is at least this.
    pub(super) floor: u32,
    /// Headers found where predicted.
    pub(super) headers: u32,
}

/// Whether a body starts like its type says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Evidence {
    /// It cannot be this type.
    Bad,
    /// Nothing against it (or too little to judge).
    Weak,
    /// A check that random bytes rarely pass (a control value in range, an AMF name, an FLV
    /// tag header consistent with the stream's codec).
    Strong,
    /// More bytes are needed to judge.
    NeedMore,
}

/// Reads body bytes for [`body_evidence`]: a byte, nothing (never there: past the message, or
/// in a hole), or "more bytes needed".
struct BodyBytes<'b> {
    bytes: &'b [u8],
    length: u32,
    cut: bool,
}

impl BodyBytes<'_> {
    fn at(&self, index: usize) -> Result<Option<u8>, ()> {
        match self.bytes.get(index) {
            Some(&byte) => Ok(Some(byte)),
            None if self.cut || index as u64 >= u64::from(self.length) => Ok(None),
            None => Err(()),
        }
    }

    fn be(&self, index: usize, count: usize) -> Result<Option<u32>, ()> {
        let mut value = 0u32;
        for i in 0..count {
            match self.at(index.saturating_add(i))? {
                Some(byte) => value = (value << 8) | u32::from(byte),
                None => return Ok(None),
            }
        }
        Ok(Some(value))
    }
}

/// Judges whether a body of `length` bytes of type `type_id` starts like one. `body` holds its
/// first captured bytes; `cut` says a hole follows them (no more will come); `tag` is the
/// stream's known codec byte for audio and video.
pub(super) fn body_evidence(
    type_id: u8,
    length: u32,
    body: &[u8],
    cut: bool,
    tag: Option<u8>,
) -> Evidence {
    let bytes = BodyBytes {
        bytes: body,
        length,
        cut,
    };
    judge(type_id, length, &bytes, tag).unwrap_or(Evidence::NeedMore)
}

fn judge(type_id: u8, length: u32, body: &BodyBytes<'_>, tag: Option<u8>) -> Result<Evidence, ()> {
    use Evidence::{Bad, Strong, Weak};
    let verdict = |good: bool| if good { Strong } else { Bad };
    Ok(match type_id {
        1 => match body.be(0, 4)? {
            Some(size) => verdict((1..=0xFF_FFFF).contains(&size)),
            None => Weak,
        },
        2 => match body.be(0, 4)? {
            Some(csid) => verdict(csid <= 65_599),
            None => Weak,
        },
        4 => match body.be(0, 2)? {
            Some(event) => match (event, length) {
                (0 | 1 | 2 | 4 | 6 | 7, 6) | (3, 10) => Strong,
                (0..=7 | 26 | 27 | 31 | 32, _) => Weak,
                _ => Bad,
            },
            None => Weak,
        },
        6 => match body.at(4)? {
            Some(limit) => verdict(limit <= 2),
            None => Weak,
        },
        8 => audio_evidence(body, tag)?,
        9 => video_evidence(length, body, tag)?,
        15 | 17 => match body.at(0)? {
            Some(0) => amf_name_evidence(type_id == 17, body, 1)?,
            Some(_) => Bad,
            None => Weak,
        },
        18 | 20 => amf_name_evidence(type_id == 20, body, 0)?,
        16 | 19 => match body.be(0, 2)? {
            Some(len) => verdict((1..=MAX_AMF_NAME as u32).contains(&len)),
            None => Weak,
        },
        22 => match (body.at(0)?, body.be(1, 3)?) {
            (Some(tag_type), Some(size)) => {
                verdict(matches!(tag_type, 8 | 9 | 18) && size <= length.saturating_sub(11))
            }
            (Some(tag_type), None) => verdict(matches!(tag_type, 8 | 9 | 18)),
            _ => Weak,
        },
        3 | 5 => Weak,
        _ => Bad,
    })
}

/// An audio tag header: a defined sound format, the stream's codec if known, AAC's packet type.
fn audio_evidence(body: &BodyBytes<'_>, tag: Option<u8>) -> Result<Evidence, ()> {
    let Some(first) = body.at(0)? else {
        return Ok(Evidence::Weak);
    };
    let format = first >> 4;
    if matches!(format, 12 | 13) {
        return Ok(Evidence::Bad);
    }
    if let Some(known) = tag {
        if known >> 4 != format || (format == 10 && known != first) {
            return Ok(Evidence::Bad);
        }
    }
    let strong = match format {
        10 => match body.at(1)? {
            Some(packet_type) if packet_type > 1 => return Ok(Evidence::Bad),
            Some(_) => true,
            None => false,
        },
        9 => match fourcc(body, 1)? {
            Some(code) => {
                let known = [b"Opus", b"fLaC", b"ac-3", b"ec-3", b"mp4a", b".mp3"];
                if first & 0x0F > 5 || !known.contains(&&code) {
                    return Ok(Evidence::Bad);
                }
                true
            }
            None => false,
        },
        _ => tag.is_some(),
    };
    Ok(if strong {
        Evidence::Strong
    } else {
        Evidence::Weak
    })
}

/// A video tag header: a defined frame type and codec, the stream's codec if known, and for
/// AVC/HEVC a packet type and (for frames) a NAL unit length that fits the message.
fn video_evidence(length: u32, body: &BodyBytes<'_>, tag: Option<u8>) -> Result<Evidence, ()> {
    let Some(first) = body.at(0)? else {
        return Ok(Evidence::Weak);
    };
    if first & 0x80 != 0 {
        let frame_type = (first >> 4) & 0x07;
        let packet_type = first & 0x0F;
        if !(1..=5).contains(&frame_type) || packet_type > 7 {
            return Ok(Evidence::Bad);
        }
        if tag.is_some_and(|known| known & 0x80 == 0) {
            return Ok(Evidence::Bad);
        }
        if packet_type == 6 {
            return Ok(Evidence::Weak);
        }
        return Ok(match fourcc(body, 1)? {
            Some(code) if [b"avc1", b"hvc1", b"av01", b"vp09"].contains(&&code) => Evidence::Strong,
            Some(_) => Evidence::Bad,
            None => Evidence::Weak,
        });
    }
    let frame_type = first >> 4;
    let codec = first & 0x0F;
    if !(1..=5).contains(&frame_type) || !matches!(codec, 1..=7 | 12 | 13) {
        return Ok(Evidence::Bad);
    }
    if tag.is_some_and(|known| known & 0x80 != 0 || known & 0x0F != codec) {
        return Ok(Evidence::Bad);
    }
    if !matches!(codec, 7 | 12) || frame_type == 5 {
        return Ok(if tag.is_some() {
            Evidence::Strong
        } else {
            Evidence::Weak
        });
    }
    Ok(match body.at(1)? {
        Some(packet_type) if packet_type > 2 => Evidence::Bad,
        Some(0) => match body.at(5)? {
            // A decoder configuration record starts with its version, 1.
            Some(version) if version != 1 => Evidence::Bad,
            _ => Evidence::Strong,
        },
        Some(1) => match (body.be(5, 4)?, body.at(9)?) {
            (Some(nal_length), _) if nal_length == 0 || nal_length > length.saturating_sub(9) => {
                Evidence::Bad
            }
            // The NAL unit header's forbidden bit is zero.
            (Some(_), Some(nal)) if nal & 0x80 != 0 => Evidence::Bad,
            (Some(_), _) => Evidence::Strong,
            _ => Evidence::Weak,
        },
        Some(_) => Evidence::Strong,
        None => Evidence::Weak,
    })
}

/// Four bytes from `index`, if captured.
fn fourcc(body: &BodyBytes<'_>, index: usize) -> Result<Option<[u8; 4]>, ()> {
    let mut code = [0u8; 4];
    for (i, slot) in code.iter_mut().enumerate() {
        match body.at(index.saturating_add(i))? {
            Some(byte) => *slot = byte,
            None => return Ok(None),
        }
    }
    Ok(Some(code))
}

/// An AMF0 string (a command or data name) at `start`: marker, a short length, a name of
/// identifier characters, then for a command the transaction id's number marker.
fn amf_name_evidence(command: bool, body: &BodyBytes<'_>, start: usize) -> Result<Evidence, ()> {
    let Some(marker) = body.at(start)? else {
        return Ok(Evidence::Weak);
    };
    if marker != 0x02 {
        return Ok(Evidence::Bad);
    }
    let Some(len) = body.be(start.saturating_add(1), 2)? else {
        return Ok(Evidence::Weak);
    };
    let len = len as usize;
    if len == 0 || len > MAX_AMF_NAME {
        return Ok(Evidence::Bad);
    }
    let name_start = start.saturating_add(3);
    for i in 0..len {
        match body.at(name_start.saturating_add(i))? {
            Some(byte) if is_name_byte(byte) => {}
            Some(_) => return Ok(Evidence::Bad),
            None => return Ok(Evidence::Weak),
        }
    }
    let after = body.at(name_start.saturating_add(len))?;
    Ok(match after {
        Some(0x00) if command => Evidence::Strong,
        Some(_) if command => Evidence::Bad,
        Some(marker) if marker <= 0x11 => Evidence::Strong,
        Some(_) => Evidence::Bad,
        None => Evidence::Weak,
    })
}

/// Characters of the names peers give commands and data (`onStatus`, `@setDataFrame`,
/// `|RtmpSampleAccess`, `FCPublish`, `_result`, `NetStream.Play.Start`, …).
fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'@' | b'|' | b'.' | b'$' | b'-' | b':')
}

/// Is this the delta of an audio or video message that no sender writes? A media message's
/// delta is a frame interval: tens of milliseconds, not minutes.
pub(super) fn implausible_delta(header: &ChunkHeader, type_id: u8) -> bool {
    let delta = header
        .timestamp
        .filter(|_| (1..=2).contains(&header.fmt) && !header.extended);
    matches!(type_id, 8 | 9) && delta.is_some_and(|delta| delta > MAX_MEDIA_DELTA)
}

/// The length of a basic header for `csid`.
pub(super) fn basic_header_len(csid: u32) -> u32 {
    match csid {
        0..=63 => 1,
        64..=319 => 2,
        _ => 3,
    }
}

/// One chunk stream as a walk sees it.
#[derive(Debug, Clone, Copy)]
struct Walked {
    csid: u32,
    state: Known,
}

/// The chunk streams a walk has met, starting from what the demultiplexer knew.
struct WalkStreams<'k> {
    walked: Vec<Walked>,
    known: &'k dyn Fn(u32) -> Option<Known>,
}

impl WalkStreams<'_> {
    fn get(&self, csid: u32) -> Option<Known> {
        self.walked
            .iter()
            .find(|w| w.csid == csid)
            .map(|w| w.state)
            .or_else(|| (self.known)(csid))
    }

    fn set(&mut self, csid: u32, state: Known) {
        match self.walked.iter_mut().find(|w| w.csid == csid) {
            Some(walked) => walked.state = state,
            None => self.walked.push(Walked { csid, state }),
        }
    }
}

/// A hypothesis to walk: where its first header is, the chunk size, and what counts as proof.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hypothesis {
    /// Offset of the candidate header.
    pub(super) start: u64,
    /// The chunk size assumed.
    pub(super) chunk_size: u32,
    /// Headers needed for confirmation.
    pub(super) confirm: u32,
    /// Format-1 headers on chunk streams never seen may be adopted (their message stream id
    /// and absolute timestamp stay unknown).
    pub(super) adopt: bool,
    /// Proof granted before the walk: the candidate is the first byte after a hole, where a
    /// segment (and so, usually, a chunk header) starts, on a stream whose state is known.
    pub(super) credit: u32,
    /// The input has ended: no more bytes will come, so "more needed" is a rejection, and a
    /// walk that ends exactly at the last byte with [`CONFIRM_FINISH`] headers is confirmed.
    pub(super) finishing: bool,
}

/// A walk's result, with the longest message it met (a larger chunk size would walk the same).
#[derive(Debug, Clone, Copy)]
pub(super) struct Walk {
    pub(super) verdict: Verdict,
    pub(super) longest: u32,
}

/// Walks a hypothesis over the tape.
pub(super) fn walk(
    tape: &Layout<'_>,
    hypothesis: Hypothesis,
    known: &dyn Fn(u32) -> Option<Known>,
) -> Walk {
    let chunk_size = hypothesis.chunk_size.max(1);
    let mut streams = WalkStreams {
        walked: Vec::new(),
        known,
    };
    let mut at = hypothesis.start;
    // What the walk has shown so far.
    let mut proof = Proof {
        chunk_size,
        pinned: false,
        continuations: 0,
        floor: 0,
        headers: hypothesis.credit,
    };
    let mut last: Option<u32> = None;
    let mut longest = 0u32;
    let done = |verdict: Verdict, longest: u32| Walk {
        verdict: match verdict {
            Verdict::NeedMore if hypothesis.finishing => Verdict::Rejected,
            other => other,
        },
        longest,
    };
    for _ in 0..MAX_WALK_STEPS {
        if proof.headers >= hypothesis.confirm {
            return done(Verdict::Confirmed(proof), longest);
        }
        if at.saturating_sub(hypothesis.start) > MAX_WALK_BYTES {
            return done(Verdict::Rejected, longest);
        }
        let slice = match tape.read(at, MAX_HEADER_LEN) {
            Read::End if hypothesis.finishing => {
                // Every byte explained, to exactly the last one.
                let exact = at == tape.end() && proof.headers >= CONFIRM_FINISH;
                let verdict = if exact {
                    Verdict::Confirmed(proof)
                } else {
                    Verdict::Rejected
                };
                return done(verdict, longest);
            }
            Read::End => return done(Verdict::NeedMore, longest),
            Read::Hole => {
                // A header in a hole: only a continuation of the message in progress can be
                // predicted (a one-byte header, no extended timestamp to guess about).
                let Some((csid, mut state)) = last.and_then(|c| streams.get(c).map(|s| (c, s)))
                else {
                    return done(Verdict::Rejected, longest);
                };
                if state.remaining == 0 || state.extended.is_some() {
                    return done(Verdict::Rejected, longest);
                }
                let payload = state.remaining.min(chunk_size);
                state.remaining -= payload;
                streams.set(csid, state);
                at = at
                    .saturating_add(u64::from(basic_header_len(csid)))
                    .saturating_add(u64::from(payload));
                continue;
            }
            Read::Bytes(slice, cut) => (slice, cut),
        };
        let (slice, cut) = slice;
        let lookup = |csid: u32| streams.get(csid).map(|s| (s.extended, s.remaining > 0));
        let header = match parse_header(slice, &lookup, hypothesis.adopt) {
            Ok(header) => header,
            Err(HeaderProblem::Incomplete) if cut == Cut::End => {
                return done(Verdict::NeedMore, longest)
            }
            Err(_) => return done(Verdict::Rejected, longest),
        };
        let previous = streams.get(header.csid);
        let mut state = previous.unwrap_or_default();
        if state.remaining > 0 {
            // A message is in progress on this stream: only a continuation may follow.
            if header.fmt != 3 {
                return done(Verdict::Rejected, longest);
            }
            if state.length > chunk_size {
                proof.pinned = true;
                proof.continuations = proof.continuations.saturating_add(1);
            }
        } else {
            if !header_is_plausible(&header) {
                return done(Verdict::Rejected, longest);
            }
            if header.fmt >= 2 && (previous.is_none() || state.stale) {
                return done(Verdict::Rejected, longest);
            }
            if let Some(length) = header.length {
                state.length = length;
                state.stale = false;
            }
            if let Some(type_id) = header.type_id {
                if type_id != state.type_id {
                    state.tag = None;
                }
                state.type_id = type_id;
            }
            if header.fmt <= 2 {
                state.extended = header.extended.then_some(header.timestamp.unwrap_or(0));
            }
            if implausible_delta(&header, state.type_id) {
                return done(Verdict::Rejected, longest);
            }
            let body_at = at.saturating_add(header.len as u64);
            let want = EVIDENCE_BYTES.min(state.length as usize);
            let (body, body_cut) = match tape.read(body_at, want) {
                Read::Bytes(bytes, cut) => (bytes, cut),
                Read::Hole => (&[][..], Cut::Hole),
                Read::End => (&[][..], Cut::End),
            };
            let evidence = body_evidence(
                state.type_id,
                state.length,
                body,
                body_cut == Cut::Hole,
                state.tag,
            );
            match evidence {
                Evidence::Bad => return done(Verdict::Rejected, longest),
                Evidence::NeedMore => return done(Verdict::NeedMore, longest),
                Evidence::Strong => proof.headers = proof.headers.saturating_add(1),
                Evidence::Weak => {}
            }
            if matches!(state.type_id, 8 | 9) {
                if let Some(&first) = body.first() {
                    state.tag = Some(first);
                }
            }
            state.remaining = state.length;
            longest = longest.max(state.length);
            if state.length <= chunk_size {
                proof.floor = proof.floor.max(state.length);
            }
        }
        proof.headers = proof.headers.saturating_add(1);
        let payload = state.remaining.min(chunk_size);
        state.remaining -= payload;
        streams.set(header.csid, state);
        last = Some(header.csid);
        at = at
            .saturating_add(header.len as u64)
            .saturating_add(u64::from(payload));
    }
    done(Verdict::Rejected, longest)
}

impl Proof {
    /// Can the chunk size be taken from this walk? Either no message needed it (every one fit
    /// in a chunk), or continuation headers prove it: two, or one for a common size.
    pub(super) fn trusted(&self) -> bool {
        !self.pinned || self.continuations >= 2 || COMMON_CHUNK_SIZES.contains(&self.chunk_size)
    }

    /// Orders proofs of one candidate: more continuations found, then a common size, then a
    /// smaller one.
    pub(super) fn better_than(&self, other: &Proof) -> bool {
        let rank = |p: &Proof| {
            (
                p.pinned,
                p.continuations,
                COMMON_CHUNK_SIZES.contains(&p.chunk_size),
                std::cmp::Reverse(p.chunk_size),
            )
        };
        rank(self) > rank(other)
    }
}

/// The chunk sizes to try for a candidate: those inferred from spacing and the common ones,
/// ascending, at least `floor`, at most [`MAX_HYPOTHESES`].
pub(super) fn chunk_size_hypotheses(inferred: &[u32], floor: u32) -> Vec<u32> {
    let mut sizes: Vec<u32> = inferred
        .iter()
        .copied()
        .chain(COMMON_CHUNK_SIZES)
        .filter(|&size| size >= floor.max(1))
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes.truncate(MAX_HYPOTHESES);
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_of_real_bodies() {
        let judge = |t, body: &[u8], tag| body_evidence(t, body.len() as u32, body, false, tag);
        // An AAC raw frame, and one whose codec differs from the stream's.
        assert_eq!(judge(8, &[0xAF, 0x01, 0x21], None), Evidence::Strong);
        assert_eq!(judge(8, &[0xAF, 0x01, 0x21], Some(0x2F)), Evidence::Bad);
        // An AVC NALU with a 4-byte length that fits, and one that does not.
        let mut frame = vec![0x27, 0x01, 0, 0, 0, 0, 0, 0, 3, 0x41, 1, 2];
        assert_eq!(judge(9, &frame, None), Evidence::Strong);
        frame[8] = 200;
        assert_eq!(judge(9, &frame, None), Evidence::Bad);
        // A command named onStatus with its transaction id.
        let mut command = vec![0x02, 0, 8];
        command.extend_from_slice(b"onStatus");
        command.push(0x00);
        assert_eq!(judge(20, &command, None), Evidence::Strong);
        command[4] = b' ';
        assert_eq!(judge(20, &command, None), Evidence::Bad);
        // Too few bytes yet, unless a hole follows.
        assert_eq!(
            body_evidence(20, 40, &[0x02, 0], false, None),
            Evidence::NeedMore
        );
        assert_eq!(
            body_evidence(20, 40, &[0x02, 0], true, None),
            Evidence::Weak
        );
    }
}
