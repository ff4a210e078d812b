//! The chunk stream demultiplexer: one per direction, turning chunks into whole messages.
//!
//! Parsing is peek-then-commit: a chunk header is parsed from the bytes at hand and consumed
//! only when it is whole; a header split across `feed` calls is carried over (at most
//! [`MAX_HEADER_LEN`] bytes). Payload bytes are appended to the chunk stream's partial message
//! as they arrive, so any split of the input gives the same messages.
//!
//! Extended timestamps on format-3 chunks: the specification repeats the 4 bytes on every
//! format-3 chunk whose stream last used an extended timestamp, but some senders omit them.
//! Rule: on such a chunk, the 4 bytes are taken as the repeated timestamp when they equal the
//! stream's stored extended value, and as payload otherwise.
//!
//! Holes of known length ([`ChunkDemuxer::gap`]: TCP sequence numbers tell exactly how many
//! bytes are missing). Inside a chunk's payload the hole is skipped exactly and decoding stays
//! in sync: the message is reported with the bytes it misses ([`MessageFlags::missing_bytes`];
//! its kept body stops at the hole, nothing is made up). Where the hole covers the rest of a
//! message's chunk, the next header is predicted as the format-3 continuation of the same
//! message, and the first header after the hole must confirm the prediction. Where the hole may
//! cover the start of a message, the position is lost and found again by search.
//!
//! Search (after such a hole, or for a capture that starts mid-stream): bytes and holes are
//! held (up to [`RESYNC_WINDOW`]) and candidate headers are tested as hypotheses with a chunk
//! size ([`lockon`]), confirmed only by the headers and bodies that follow. Partial messages are
//! dropped when the position is lost, never completed across it. Chunk streams keep their
//! header state, marked `recovered` (timestamps may be off by the deltas lost) until their next
//! format-0 header. After a lock-on, a format-1 header on a chunk stream never seen is adopted:
//! its messages are marked `joined` (timestamps relative to the first seen, message stream id
//! assumed) until a format-0 header gives the facts. A chunk size that was only bounded (no
//! message long enough to show it) is verified again, by the same walk, when a longer message
//! starts; a Set Chunk Size settles it.

use crate::common::WarningCode;
use serde::Serialize;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use crate::common::budget::{Charge, MemoryBudget};
use crate::common::reader::Reader;
use crate::rtmp::media::is_sequence_header;
use crate::rtmp::message::{MessageHeader, MessageTypeId};

mod header;
mod lockon;
mod resync;
mod spacing;
mod tape;

pub use header::MAX_HEADER_LEN;
use header::{apply_header, header_is_plausible, parse_header, ChunkHeader, HeaderProblem};
use lockon::basic_header_len;
pub use lockon::MAX_WALK_BYTES;
use resync::body_looks_right;
pub use resync::RESYNC_WINDOW;
use tape::Tape;

/// The largest message an RTMP header can announce; a larger chunk size changes nothing.
const MAX_MESSAGE_LEN: u32 = 0xFF_FFFF;
/// Message stream ids a resynchronisation accepts: servers number streams from 1 upwards.
const MAX_PLAUSIBLE_MSID: u32 = 0xFFFF;
/// The length a hole of unknown length stands for in a search: no walk crosses it.
const UNKNOWN_HOLE: u64 = 1 << 48;
/// Partial-message buffers larger than this are released after use, not kept for reuse.
const MAX_REUSED_BUFFER: usize = 1 << 20;
/// Most bytes of a sequence header (decoder configuration) kept when media bodies are only
/// counted: records are tens to hundreds of bytes; this bounds a hostile one.
const MAX_SEQUENCE_HEADER_BYTES: usize = 64 << 10;

/// Settings of the chunk demultiplexer. Every bound is named; hitting one is a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkConfig {
    /// Keep whole audio/video payloads (FLV export, hex view) instead of a header prefix.
    pub keep_media_payloads: bool,
    /// How many leading bytes of an audio/video body are kept when whole payloads are not.
    pub media_prefix_bytes: usize,
    /// Most chunk streams tracked at once, per direction.
    pub max_chunk_streams: usize,
    /// Most bytes held in partial messages, per direction.
    pub max_partial_bytes: usize,
}

impl Default for ChunkConfig {
    fn default() -> Self {
        ChunkConfig {
            keep_media_payloads: false,
            media_prefix_bytes: 64,
            max_chunk_streams: 1024,
            max_partial_bytes: 64 << 20,
        }
    }
}

/// What is assumed or missing about a message: every guess is marked, never shown as a fact.
/// In JSON each flag appears only when set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MessageFlags {
    /// The chunk stream's header state was carried across a gap: the message's absolute
    /// timestamp may be off by the deltas lost in the gap. Cleared by the next format-0 header
    /// on the stream.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub recovered: bool,
    /// The chunk stream's state was adopted after locking on mid-stream (a format-1 header on a
    /// stream whose format-0 header was never seen). Cleared by a format-0 header.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub joined: bool,
    /// The timestamp counts the deltas from the first message seen on its chunk stream, not
    /// from the stream's real origin (no format-0 header seen yet).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timestamp_relative: bool,
    /// The message stream id was not in any header seen: it is assumed from the message's
    /// type and chunk stream (0 for protocol control and connection commands, else the media
    /// stream id this direction has shown, else 1).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub msid_assumed: bool,
    /// Body bytes the capture lacks (holes of known length inside the body). The kept body
    /// stops at the first of them.
    #[serde(skip_serializing_if = "is_zero")]
    pub missing_bytes: u32,
    /// Which run of continuous timestamps of its chunk stream the message belongs to: a new
    /// run starts where the timestamps' basis was lost (a gap, an adoption) or became known (a
    /// format-0 header after that). Timestamps compare only within a run. Not in JSON.
    #[serde(skip)]
    pub epoch: u32,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// What the demultiplexer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkEvent<'a> {
    /// A complete message. For audio/video without `keep_media_payloads`, `payload` holds only
    /// the first `media_prefix_bytes` (`header.length` is the full length), except for
    /// sequence headers, which are kept whole (up to 64 KiB) so their configuration decodes.
    Message {
        /// The assembled header (absolute timestamp, unless `flags` says otherwise).
        header: MessageHeader,
        /// The body bytes kept.
        payload: &'a [u8],
        /// What is assumed or missing.
        flags: MessageFlags,
    },
    /// Something looked wrong (implausible header, limit hit, abort of an unknown stream).
    Warning {
        /// Stable code, e.g. `WarningCode::ChunkResync`, `WarningCode::ChunkStreamsLimit`.
        code: WarningCode,
        /// Detail for a person.
        message: String,
    },
}

/// The message being assembled on a chunk stream (its kept bytes are in the stream's buffer).
#[derive(Debug, Default, Clone, Copy)]
struct Partial {
    /// Payload bytes received so far (kept or not, captured or not).
    received: u32,
    /// Payload bytes that fell in holes; bytes after the first hole are not kept.
    missing: u32,
    /// Too big for the partial-message budget: bytes are consumed, not kept, and no message
    /// is emitted.
    discarding: bool,
}

/// Per chunk stream state.
#[derive(Debug, Default)]
struct ChunkStream {
    /// The last header, with the absolute timestamp of the last message.
    header: MessageHeader,
    /// The last timestamp delta (repeated by format-3 chunks that start a message).
    delta: u32,
    /// The last format 0/1/2 header used an extended timestamp: its value.
    extended: Option<u32>,
    /// A message is in progress.
    partial: Option<Partial>,
    /// The kept bytes of the message in progress; reused from message to message.
    buffer: Vec<u8>,
    /// The header state was carried across a gap (see [`MessageFlags::recovered`]).
    recovered: bool,
    /// The length and type were carried across a gap: the sender may have changed them in
    /// the lost bytes, so a new message must come with a format-0 or 1 header.
    stale: bool,
    /// The state was adopted mid-stream (see [`MessageFlags::joined`]).
    joined: bool,
    /// The first body byte of the last audio or video message: its codec, which a search
    /// after a hole checks the next message against.
    tag: Option<u8>,
    /// The run of continuous timestamps (see [`MessageFlags::epoch`]).
    epoch: u32,
}

/// What a search may conclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SearchMode {
    /// The position is lost: any captured offset may be the next header.
    Hard,
    /// The position is known but the chunk size is not: the header at the tape's start begins
    /// a message longer than the assumed chunk size, which a walk must settle.
    Soft,
}

/// What one chunk stream's entry in the table costs (its state and the map's node share),
/// charged to the memory budget.
pub const CHUNK_STREAM_BYTES: usize = 192;

/// One direction's chunk stream state.
#[derive(Debug)]
pub struct ChunkDemuxer {
    config: ChunkConfig,
    chunk_size: u32,
    streams: BTreeMap<u32, ChunkStream>,
    /// The chunk whose payload is being read: its stream and the payload bytes still due.
    in_chunk: Option<(u32, u32)>,
    /// The chunk stream of the last chunk header: a hole right after its payload is predicted
    /// to hold the continuation of its message.
    last_csid: Option<u32>,
    /// Header bytes carried over from the previous `feed`.
    pending: Vec<u8>,
    /// Bytes and holes held while searching for a chunk boundary; `None` when in sync.
    resync: Option<Tape>,
    /// What the current search may conclude.
    mode: SearchMode,
    /// The chunk size is a guess (mid-stream start, no Set Chunk Size seen).
    chunk_size_unknown: bool,
    /// While the chunk size is unknown: the longest message seen in one chunk (a lower bound).
    chunk_size_floor: u32,
    /// The boundaries were found by a search (mid-stream start or a gap), so a wrong guess is
    /// possible: every later format-0/1 header must look like a real one, or the search
    /// starts again (a clean stream from its handshake is taken as sent).
    uncertain: bool,
    /// A search locked on: format-1 headers of chunk streams never seen are adopted.
    adopt: bool,
    /// The stream started mid-way and no lock-on has been reported yet.
    joining: bool,
    /// A hole was crossed by predicting continuation headers: the next header must confirm it.
    verify: bool,
    /// The input has ended: a search takes what explains the held bytes to their end.
    finishing: bool,
    /// A search just locked on and its first header has not been taken yet: if the decoder
    /// rejects it, the next search must start past it.
    fresh_lock: bool,
    /// A message just assembled cannot be real: search again from the next chunk header.
    search_again: bool,
    /// Bytes skipped so far by the current search.
    resync_skipped: u64,
    /// The message stream id of media this direction has shown in a format-0 header.
    media_msid: Option<u32>,
    /// The latest run of continuous timestamps started (see [`MessageFlags::epoch`]).
    epoch: u32,
    /// The capacity of every chunk stream's buffer (a partial message, or kept for reuse),
    /// charged to the decoders' shared memory budget.
    buffers: Charge,
    /// The bytes held by a resynchronisation search, charged likewise.
    resync_memory: Charge,
    /// The chunk stream table's entries ([`CHUNK_STREAM_BYTES`] each), charged likewise.
    table: Charge,
}

impl Default for ChunkDemuxer {
    fn default() -> Self {
        ChunkDemuxer::new(ChunkConfig::default())
    }
}

impl ChunkDemuxer {
    /// A demultiplexer at the start of a chunk stream (right after the handshake).
    pub fn new(config: ChunkConfig) -> Self {
        ChunkDemuxer {
            config,
            chunk_size: 128,
            streams: BTreeMap::new(),
            in_chunk: None,
            last_csid: None,
            pending: Vec::new(),
            resync: None,
            mode: SearchMode::Hard,
            chunk_size_unknown: false,
            chunk_size_floor: 0,
            uncertain: false,
            adopt: false,
            joining: false,
            verify: false,
            finishing: false,
            fresh_lock: false,
            search_again: false,
            resync_skipped: 0,
            media_msid: None,
            epoch: 0,
            buffers: MemoryBudget::unlimited().charge(),
            resync_memory: MemoryBudget::unlimited().charge(),
            table: MemoryBudget::unlimited().charge(),
        }
    }

    /// Charges this demultiplexer's buffers to `budget`, shared with other decoders.
    pub fn with_budget(mut self, budget: &MemoryBudget) -> Self {
        self.buffers = budget.charge();
        self.resync_memory = budget.charge();
        self.table = budget.charge();
        self
    }

    /// A demultiplexer for a stream whose start was not captured: it first locks on (see
    /// [`lockon`]) and reports what it skipped and assumed.
    pub fn mid_stream(config: ChunkConfig) -> Self {
        let mut demuxer = ChunkDemuxer::new(config);
        demuxer.resync = Some(Tape::default());
        demuxer.chunk_size_unknown = true;
        demuxer.uncertain = true;
        demuxer.joining = true;
        demuxer
    }

    /// The current maximum chunk size of this direction.
    pub fn chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// True once the position in the chunk stream is known (not searching).
    pub fn is_locked(&self) -> bool {
        self.resync.is_none()
    }

    /// Feeds the next bytes of the direction, in any pieces.
    pub fn feed(&mut self, bytes: &[u8], on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        match self.resync.as_mut() {
            Some(tape) => tape.push(bytes),
            None => self.feed_synced(bytes, on_event),
        }
        self.settle(on_event);
    }

    /// `bytes` of this direction were never captured (a lost segment, a packet cut by the
    /// snap length): skipped exactly where their place in the chunk stream is known, else the
    /// position is searched for again. Never emits a message built across a lost header.
    /// `0` stands for an unknown number of bytes: the position is lost.
    pub fn gap(&mut self, bytes: u64, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        match (self.resync.as_mut(), bytes) {
            (Some(tape), 0) => tape.hole(UNKNOWN_HOLE),
            (Some(tape), _) => tape.hole(bytes),
            (None, 0) => self.lose_position(0, on_event),
            (None, _) => self.gap_synced(bytes, on_event),
        }
        self.settle(on_event);
    }

    /// The direction's input has ended: bytes still held by a search are decoded from a lock
    /// that explains them up to their last byte, if there is one.
    pub fn finish(&mut self, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        if self.resync.is_some() {
            self.finishing = true;
            self.settle(on_event);
            self.finishing = false;
        }
    }

    /// Searches as long as searches lock on (a lock's replay may lose the position again).
    /// A lock whose replay loses the position before it used a byte would be found again
    /// forever: then its first byte is skipped, as after any loss.
    fn settle(&mut self, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        let mut held_before = None;
        while let Some(tape) = self.resync.as_mut() {
            let held = (tape.bytes.len(), tape.holes.len());
            if held_before == Some(held) {
                tape.drop_front(1, true);
                self.resync_skipped = self.resync_skipped.saturating_add(1);
            }
            held_before = Some((tape.bytes.len(), tape.holes.len()));
            if !self.search(on_event) {
                return;
            }
        }
    }

    /// A hole while in sync: skips what can be placed, then loses the position if needed.
    fn gap_synced(&mut self, bytes: u64, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        let mut left = bytes;
        while left > 0 && self.pending.is_empty() {
            if let Some((csid, due)) = self.in_chunk {
                let missing = u32::try_from(left).unwrap_or(u32::MAX).min(due);
                left = left.saturating_sub(u64::from(missing));
                self.missing_payload(csid, missing, due, on_event);
                continue;
            }
            // A header in the hole: predictable only as the continuation of the message in
            // progress on the stream of the last chunk.
            match self.hole_continuation() {
                Some((csid, header_len)) if left >= u64::from(header_len) => {
                    left = left.saturating_sub(u64::from(header_len));
                    self.continue_in_hole(csid);
                    self.verify = true;
                }
                _ => break,
            }
        }
        if left > 0 {
            self.lose_position(left, on_event);
        }
    }

    /// The stream and header length of a format-3 continuation predicted in a hole.
    fn hole_continuation(&self) -> Option<(u32, u32)> {
        let csid = self.last_csid?;
        let stream = self.streams.get(&csid)?;
        (stream.partial.is_some() && stream.extended.is_none())
            .then(|| (csid, basic_header_len(csid)))
    }

    /// Starts the predicted continuation chunk of `csid`'s message, its header in a hole.
    fn continue_in_hole(&mut self, csid: u32) {
        let Some(stream) = self.streams.get(&csid) else {
            return;
        };
        let received = stream.partial.map_or(0, |p| p.received);
        let due = stream
            .header
            .length
            .saturating_sub(received)
            .min(self.chunk_size);
        self.in_chunk = Some((csid, due));
    }

    /// The position in the chunk stream is lost in a hole of which `lost` bytes remain:
    /// partial messages are dropped and a search starts after the hole.
    fn lose_position(&mut self, lost: u64, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        let dropped = self
            .streams
            .values()
            .filter(|s| s.partial.is_some())
            .count();
        if dropped > 0 {
            on_event(ChunkEvent::Warning {
                code: WarningCode::ChunkGapDroppedMessages,
                message: format!(
                    "{dropped} partial message(s) dropped: {lost} bytes of the stream were lost"
                ),
            });
        }
        let mut tape = Tape::default();
        tape.hole(lost);
        self.enter_resync(tape);
    }

    /// Drops every partial message and starts searching `held` for a chunk boundary. The
    /// chunk streams' header state is kept, marked `recovered`, so a format-1 header on a
    /// known stream can serve as a boundary (real senders rarely repeat format 0).
    fn enter_resync(&mut self, held: Tape) {
        self.drop_partials();
        self.mode = SearchMode::Hard;
        self.resync = Some(held);
    }

    fn drop_partials(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        for stream in self.streams.values_mut() {
            stream.epoch = self.epoch;
            stream.partial = None;
            stream.buffer.clear();
            stream.recovered = true;
            stream.stale = true;
        }
        self.in_chunk = None;
        self.pending.clear();
        self.verify = false;
        self.uncertain = true;
    }

    /// The decoder rejected what it found at the start of `input`: search again from there
    /// (past it, if a search had just locked on to exactly that header).
    fn reject(&mut self, input: &[u8]) {
        let skip = usize::from(std::mem::take(&mut self.fresh_lock)).min(input.len());
        self.resync_skipped = self.resync_skipped.saturating_add(skip as u64);
        self.enter_resync(Tape::of(input.get(skip..).unwrap_or_default().to_vec()));
    }

    fn feed_synced(&mut self, input: &[u8], on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        if self.pending.is_empty() {
            self.run(input, on_event);
        } else {
            // A header straddled the previous piece's end: join the carried bytes with this
            // piece (a copy only in this case) and go on as usual.
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(input);
            self.run(&joined, on_event);
        }
    }

    /// Decodes chunks from `input`; an incomplete header at its end is carried over.
    fn run(&mut self, mut input: &[u8], on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        loop {
            if let Some((csid, due)) = self.in_chunk {
                let take = usize::try_from(due).unwrap_or(usize::MAX).min(input.len());
                let (now, rest) = input.split_at(take);
                input = rest;
                self.payload(csid, now, due, on_event);
            }
            if input.is_empty() || self.resync.is_some() {
                return;
            }
            if std::mem::take(&mut self.search_again) {
                self.reject(input);
                return;
            }
            match self.parse_header(input) {
                Ok(header) if self.verify && !self.confirms_prediction(&header) => {
                    on_event(ChunkEvent::Warning {
                        code: WarningCode::ChunkHoleMismatch,
                        message: format!("the chunk header after a hole (chunk stream {}, format {}) is not the one predicted; the message in progress is dropped and the position searched for", header.csid, header.fmt),
                    });
                    self.reject(input);
                    return;
                }
                Ok(header) if self.uncertain && !header_is_plausible(&header) => {
                    on_event(ChunkEvent::Warning {
                        code: WarningCode::ChunkHeaderImplausible,
                        message: format!("a chunk header on chunk stream {} (type {:?}, length {:?}) cannot be real: the boundary found after a gap was wrong; searching again", header.csid, header.type_id, header.length),
                    });
                    self.reject(input);
                    return;
                }
                Ok(header) if self.starts_stale_message(&header) => {
                    on_event(ChunkEvent::Warning {
                        code: WarningCode::ChunkStaleStream,
                        message: format!("a chunk starts a message on chunk stream {} without giving its length, which may have changed in the bytes lost; searching for the next full header", header.csid),
                    });
                    self.reject(input);
                    return;
                }
                Ok(header) if self.chunk_size_unknown && self.outgrows_chunk_size(&header) => {
                    // A message longer than the assumed chunk size: a walk settles the size
                    // before its chunks are read.
                    self.mode = SearchMode::Soft;
                    self.resync = Some(Tape::of(input.to_vec()));
                    return;
                }
                Ok(header) => {
                    self.verify = false;
                    self.fresh_lock = false;
                    input = input.get(header.len..).unwrap_or_default();
                    if let Some(direct) = self.start_chunk(header, input, on_event) {
                        input = input.get(direct..).unwrap_or_default();
                    }
                }
                Err(HeaderProblem::Incomplete) => {
                    self.pending.extend_from_slice(input);
                    return;
                }
                Err(HeaderProblem::UnknownStream(csid)) => {
                    on_event(ChunkEvent::Warning {
                        code: WarningCode::ChunkUnknownStream,
                        message: format!("a chunk continues chunk stream {csid}, whose header was never seen; searching for the next message boundary"),
                    });
                    self.reject(input);
                    return;
                }
            }
        }
    }

    /// After continuation headers were predicted in a hole: is this header the one predicted
    /// (the next chunk of the message in progress), or, when the hole ended at the message's
    /// end, a plausible start of the next one?
    fn confirms_prediction(&self, header: &ChunkHeader) -> bool {
        let continuing = self
            .last_csid
            .filter(|csid| self.streams.get(csid).is_some_and(|s| s.partial.is_some()));
        match continuing {
            Some(csid) => header.fmt == 3 && header.csid == csid,
            None => header_is_plausible(header) && !self.starts_stale_message(header),
        }
    }

    /// Would this format-2/3 header start a message on a stream whose length is stale?
    fn starts_stale_message(&self, header: &ChunkHeader) -> bool {
        header.length.is_none()
            && self
                .streams
                .get(&header.csid)
                .is_some_and(|s| s.stale && s.partial.is_none())
    }

    /// Does this header start a message longer than the (assumed) chunk size?
    fn outgrows_chunk_size(&self, header: &ChunkHeader) -> bool {
        let stream = self.streams.get(&header.csid);
        if stream.is_some_and(|s| s.partial.is_some()) {
            return false;
        }
        let length = header
            .length
            .or_else(|| stream.map(|s| s.header.length))
            .unwrap_or(0);
        length > self.chunk_size
    }

    /// Parses a chunk header at the start of `bytes` (peek only).
    fn parse_header(&self, bytes: &[u8]) -> Result<ChunkHeader, HeaderProblem> {
        parse_header(
            bytes,
            &|csid| {
                self.streams
                    .get(&csid)
                    .map(|s| (s.extended, s.partial.is_some()))
            },
            self.adopt,
        )
    }

    /// The message stream id assumed for a message on a chunk stream adopted mid-stream.
    fn assumed_msid(&self, csid: u32, type_id: MessageTypeId) -> u32 {
        let control = (1..=6).contains(&type_id.0) || csid == 2;
        let connection_command = csid == 3 && !type_id.is_media();
        if control || connection_command {
            0
        } else {
            self.media_msid.unwrap_or(1)
        }
    }

    /// Applies a header to its chunk stream and starts reading its payload. When the whole
    /// message is this one chunk and `input` holds it, it is emitted straight from `input`
    /// (no copy) and the number of bytes used is returned.
    fn start_chunk(
        &mut self,
        header: ChunkHeader,
        input: &[u8],
        on_event: &mut impl FnMut(ChunkEvent<'_>),
    ) -> Option<usize> {
        self.make_room(header.csid, on_event);
        self.last_csid = Some(header.csid);
        if header.fmt == 0 {
            self.learn_media_msid(&header);
        }
        let assumed = header
            .type_id
            .map(|t| self.assumed_msid(header.csid, MessageTypeId(t)));
        let (stream, adopted) = match self.streams.entry(header.csid) {
            Entry::Occupied(entry) => (entry.into_mut(), false),
            Entry::Vacant(entry) => {
                let stream = entry.insert(ChunkStream::default());
                // A format-1 header on a stream never seen (after a lock-on): length and type
                // from this header; what came before it is unknown.
                let adopted = header.fmt != 0;
                if adopted {
                    stream.joined = true;
                    stream.header.msid = assumed.unwrap_or(1);
                    self.epoch = self.epoch.wrapping_add(1);
                    stream.epoch = self.epoch;
                }
                (stream, adopted)
            }
        };
        if header.fmt == 0 && (stream.recovered || stream.joined) {
            // Absolute again: a new run of timestamps.
            self.epoch = self.epoch.wrapping_add(1);
            stream.epoch = self.epoch;
        }
        let starts_message = stream.partial.is_none();
        apply_header(stream, &header, starts_message);
        if adopted {
            // Relative timestamps count from the first message seen on the stream.
            stream.header.timestamp = 0;
        }
        let length = stream.header.length;
        if starts_message {
            stream.partial = Some(Partial::default());
        }
        let received = stream.partial.as_ref().map_or(0, |p| p.received);
        let due = length.saturating_sub(received).min(self.chunk_size);
        let direct = starts_message && due == length && input.len() >= due as usize;
        if direct {
            stream.partial = None;
            let flags = stream.flags(0);
            let message = stream.header;
            let body = input.get(..due as usize).unwrap_or_default();
            if message.type_id.is_media() {
                stream.tag = body.first().copied().or(stream.tag);
            }
            self.emit(message, body, flags, on_event);
            return Some(due as usize);
        }
        self.in_chunk = Some((header.csid, due));
        if due == 0 {
            self.payload(header.csid, &[], 0, on_event);
        }
        None
    }

    /// A format-0 header of media or data tells this direction's media message stream id.
    fn learn_media_msid(&mut self, header: &ChunkHeader) {
        let media = header.type_id.is_some_and(|t| matches!(t, 8 | 9 | 18 | 22));
        if let (true, Some(msid)) = (media, header.msid) {
            self.media_msid = Some(msid);
        }
    }

    /// Frees a chunk stream slot for `csid` when the table is full and has none for it: one
    /// with no message in progress if there is one, else the lowest-numbered (its partial
    /// message is dropped, with a warning). The length is checked first: a lookup less a chunk.
    /// Each stream's entry is charged to the budget ([`CHUNK_STREAM_BYTES`]); when the budget
    /// has no room for a new one, a slot is freed the same way (the direction keeps at least
    /// one).
    fn make_room(&mut self, csid: u32, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        if self.streams.contains_key(&csid) {
            return;
        }
        if self.streams.len() < self.config.max_chunk_streams.max(1)
            && (self.table.try_grow(CHUNK_STREAM_BYTES) || self.streams.is_empty())
        {
            return;
        }
        let idle = self
            .streams
            .iter()
            .find(|(_, s)| s.partial.is_none())
            .map(|(csid, _)| *csid);
        let victim = idle.or_else(|| self.streams.keys().next().copied());
        if let Some(stream) = victim.and_then(|csid| self.streams.remove(&csid)) {
            self.buffers.shrink(stream.buffer.capacity());
            if stream.partial.is_some() {
                on_event(ChunkEvent::Warning {
                    code: WarningCode::ChunkStreamsLimit,
                    message: format!("more than {} chunk streams at once; a partial message on chunk stream {} was dropped", self.config.max_chunk_streams, victim.unwrap_or(0)),
                });
            }
        }
    }

    /// Consumes payload bytes of the current chunk; `due` is what the chunk still owes.
    fn payload(
        &mut self,
        csid: u32,
        bytes: &[u8],
        due: u32,
        on_event: &mut impl FnMut(ChunkEvent<'_>),
    ) {
        let remaining_in_chunk = due.saturating_sub(bytes.len() as u32);
        self.in_chunk = (remaining_in_chunk > 0).then_some((csid, remaining_in_chunk));
        let Some(stream) = self.streams.get_mut(&csid) else {
            return;
        };
        let Some(partial) = stream.partial.as_mut() else {
            return;
        };
        // Bytes after a hole are counted, never kept: a body is never built across one.
        if partial.missing == 0 {
            let keep_limit = keep_limit(&self.config, stream.header.type_id, &stream.buffer, bytes);
            let keep_total = keep_limit.min(stream.header.length as usize);
            let room = keep_total
                .saturating_sub(stream.buffer.len())
                .min(bytes.len());
            if !partial.discarding
                && !reserve(
                    &mut stream.buffer,
                    room,
                    keep_total,
                    &mut self.buffers,
                    self.config.max_partial_bytes,
                )
            {
                partial.discarding = true;
                self.buffers.shrink(stream.buffer.capacity());
                stream.buffer = Vec::new();
                on_event(ChunkEvent::Warning {
                    code: WarningCode::ChunkPartialBytesLimit,
                    message: format!("a {}-byte message on chunk stream {csid} does not fit the memory for partial messages ({} bytes a direction, and the decoders' shared budget); it is skipped", stream.header.length, self.config.max_partial_bytes),
                });
            }
            if !partial.discarding {
                stream
                    .buffer
                    .extend_from_slice(bytes.get(..room).unwrap_or_default());
            }
        }
        partial.received = partial.received.saturating_add(bytes.len() as u32);
        if partial.received >= stream.header.length {
            self.complete(csid, on_event);
        }
    }

    /// `missing` payload bytes of the current chunk fell in a hole; `due` is what the chunk
    /// still owes.
    fn missing_payload(
        &mut self,
        csid: u32,
        missing: u32,
        due: u32,
        on_event: &mut impl FnMut(ChunkEvent<'_>),
    ) {
        let remaining_in_chunk = due.saturating_sub(missing);
        self.in_chunk = (remaining_in_chunk > 0).then_some((csid, remaining_in_chunk));
        let Some(stream) = self.streams.get_mut(&csid) else {
            return;
        };
        let Some(partial) = stream.partial.as_mut() else {
            return;
        };
        partial.received = partial.received.saturating_add(missing);
        partial.missing = partial.missing.saturating_add(missing);
        if partial.received >= stream.header.length {
            self.complete(csid, on_event);
        }
    }

    /// The message on `csid` has all its bytes (captured or not): emit it from the stream's
    /// buffer, then give the buffer back for the next message (no allocation in steady state).
    fn complete(&mut self, csid: u32, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        let Some(stream) = self.streams.get_mut(&csid) else {
            return;
        };
        let Some(partial) = stream.partial.take() else {
            return;
        };
        let flags = stream.flags(partial.missing);
        let header = stream.header;
        let mut buffer = std::mem::take(&mut stream.buffer);
        if header.type_id.is_media() {
            stream.tag = buffer.first().copied().or(stream.tag);
        }
        if !partial.discarding {
            self.emit(header, &buffer, flags, on_event);
        }
        buffer.clear();
        let reused = buffer.capacity() <= MAX_REUSED_BUFFER;
        match self
            .streams
            .get_mut(&csid)
            .filter(|s| reused && s.buffer.capacity() == 0)
        {
            Some(stream) => stream.buffer = buffer,
            None => self.buffers.shrink(buffer.capacity()),
        }
    }

    /// Emits a complete message, first applying what it changes in this direction's state.
    fn emit(
        &mut self,
        header: MessageHeader,
        payload: &[u8],
        flags: MessageFlags,
        on_event: &mut impl FnMut(ChunkEvent<'_>),
    ) {
        if self.uncertain && !body_looks_right(header.type_id, payload) {
            // Its header fit, its body cannot: the boundary found after a gap was wrong.
            on_event(ChunkEvent::Warning {
                code: WarningCode::ChunkMessageImplausible,
                message: format!("a {} message of {} bytes on chunk stream {} does not start like one: the boundary found after a gap was wrong; it is dropped and the search goes on", header.type_id, header.length, header.csid),
            });
            self.search_again = true;
            return;
        }
        let prefix = payload
            .get(..keep_limit(&self.config, header.type_id, payload, &[]))
            .unwrap_or(payload);
        match header.type_id {
            MessageTypeId::SET_CHUNK_SIZE => self.set_chunk_size(payload, on_event),
            MessageTypeId::ABORT => {
                if let Some(csid) = Reader::new(payload).be_u32() {
                    if let Some(stream) = self.streams.get_mut(&csid) {
                        if stream.partial.take().is_some() {
                            stream.buffer.clear();
                        }
                    }
                }
            }
            _ => {}
        }
        on_event(ChunkEvent::Message {
            header,
            payload: prefix,
            flags,
        });
    }

    fn set_chunk_size(&mut self, payload: &[u8], on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        let Some(raw) = Reader::new(payload).be_u32() else {
            // Its value was not captured: the chunk size is unknown from here on.
            self.chunk_size_unknown = true;
            self.chunk_size_floor = 0;
            return;
        };
        let size = raw & 0x7FFF_FFFF;
        if size == 0 {
            on_event(ChunkEvent::Warning {
                code: WarningCode::ChunkSizeInvalid,
                message: format!(
                    "Set Chunk Size 0 ignored; the chunk size stays {}",
                    self.chunk_size
                ),
            });
            return;
        }
        // Larger than any message: every message is one chunk, as with the largest message.
        self.chunk_size = size.min(MAX_MESSAGE_LEN);
        self.chunk_size_unknown = false;
    }
}

impl ChunkStream {
    /// The flags of a message completed on this stream with `missing` bytes not captured.
    fn flags(&self, missing: u32) -> MessageFlags {
        MessageFlags {
            recovered: self.recovered,
            joined: self.joined,
            timestamp_relative: self.joined,
            msid_assumed: self.joined,
            missing_bytes: missing,
            epoch: self.epoch,
        }
    }
}

/// Makes room for `extra` more bytes in a message buffer whose final size is at most `total`,
/// charging any new capacity to `charge` first: capacity doubles (so assembling a message from
/// small chunks stays linear) but never beyond `total`, and never before the bytes arrive.
/// False when the charge would pass `per_direction` or the shared budget refuses.
fn reserve(
    buffer: &mut Vec<u8>,
    extra: usize,
    total: usize,
    charge: &mut Charge,
    per_direction: usize,
) -> bool {
    let needed = buffer.len().saturating_add(extra);
    let capacity = buffer.capacity();
    if needed <= capacity {
        return true;
    }
    let target = needed
        .max(capacity.saturating_mul(2))
        .min(total.max(needed));
    let growth = target - capacity;
    if charge.bytes().saturating_add(growth) > per_direction || !charge.try_grow(growth) {
        return false;
    }
    // A `Vec<u8>` gets exactly the capacity asked for, so the charge is exact.
    buffer.reserve_exact(target - buffer.len());
    true
}

/// How many leading body bytes of a message of this type to keep, judged from its first
/// bytes (those already `buffered`, then those `arriving`): everything, unless it is media
/// and whole payloads were not asked for.
fn keep_limit(
    config: &ChunkConfig,
    type_id: MessageTypeId,
    buffered: &[u8],
    arriving: &[u8],
) -> usize {
    if !type_id.is_media() || config.keep_media_payloads {
        return usize::MAX;
    }
    let mut head = buffered.iter().chain(arriving).copied();
    let (first, second) = (head.next(), head.next());
    let is_video = type_id == MessageTypeId::VIDEO;
    if first.is_some_and(|first| is_sequence_header(is_video, first, second)) {
        MAX_SEQUENCE_HEADER_BYTES.max(config.media_prefix_bytes)
    } else {
        config.media_prefix_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_stream_entry_costs_what_is_charged_for_it() {
        // The entry, its key, and a share of the B-tree node around it.
        assert!(
            std::mem::size_of::<ChunkStream>() + std::mem::size_of::<u32>()
                <= CHUNK_STREAM_BYTES / 2 * 3 / 2
        );
    }
}
