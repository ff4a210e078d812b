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
//! Resynchronisation (after a gap, or for a capture that starts mid-stream): the position in
//! the chunk stream is unknown, so bytes are held (up to [`RESYNC_WINDOW`]) and searched for a
//! format-0 header whose fields are plausible (a defined type id, a length that fits the type,
//! a small message stream id, an AMF body that starts like one) and whose following chunk
//! header, one chunk later, is plausible too. The chunk size, unknown after a mid-stream start,
//! is taken from the first of [`CHUNK_SIZE_GUESSES`] that makes the following header line up.
//! Partial messages are dropped at a resync, never completed across it. Chunk streams keep their
//! header state, marked `recovered` (timestamps may be off by the deltas lost in the gap) until
//! their next format-0 header; a format-1 header on such a stream is also accepted as a
//! boundary. A format-2/3 chunk on a stream never seen restarts the search.

use crate::common::WarningCode;
use std::collections::BTreeMap;

use crate::common::budget::{Charge, MemoryBudget};
use crate::common::reader::Reader;
use crate::rtmp::media::is_sequence_header;
use crate::rtmp::message::{MessageHeader, MessageTypeId};

mod header;
mod resync;

pub use header::MAX_HEADER_LEN;
use header::{apply_header, parse_header, ChunkHeader, HeaderProblem};
pub use resync::RESYNC_WINDOW;
use resync::{body_looks_right, header_is_plausible};

/// The largest message an RTMP header can announce; a larger chunk size changes nothing.
const MAX_MESSAGE_LEN: u32 = 0xFF_FFFF;
/// Message stream ids a resynchronisation accepts: servers number streams from 1 upwards.
const MAX_PLAUSIBLE_MSID: u32 = 0xFFFF;
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

/// What the demultiplexer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkEvent<'a> {
    /// A complete message. For audio/video without `keep_media_payloads`, `payload` holds only
    /// the first `media_prefix_bytes` (`header.length` is the full length), except for
    /// sequence headers, which are kept whole (up to 64 KiB) so their configuration decodes.
    Message {
        /// The assembled header (absolute timestamp).
        header: MessageHeader,
        /// The body bytes kept.
        payload: &'a [u8],
        /// True when the chunk stream's header state was carried across a gap: the message's
        /// absolute timestamp may be off by the deltas lost in the gap. Cleared by the next
        /// format-0 header on the stream.
        recovered: bool,
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
    /// Payload bytes received so far (kept or not).
    received: u32,
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
    /// The header state was carried across a gap (see [`ChunkEvent::Message`]).
    recovered: bool,
    /// The length and type were carried across a gap: the sender may have changed them in
    /// the lost bytes, so a new message must come with a format-0 or 1 header.
    stale: bool,
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
    /// Header bytes carried over from the previous `feed`.
    pending: Vec<u8>,
    /// Bytes held while searching for a chunk boundary; `None` when in sync.
    resync: Option<Vec<u8>>,
    /// The chunk size is a guess (mid-stream start, no Set Chunk Size seen).
    chunk_size_unknown: bool,
    /// The boundaries were found by a search (mid-stream start or a gap), so a wrong guess is
    /// possible: every later format-0/1 header must look like a real one, or the search
    /// starts again (a clean stream from its handshake is taken as sent).
    uncertain: bool,
    /// A message just assembled cannot be real: search again from the next chunk header.
    search_again: bool,
    /// Bytes skipped so far by the current search.
    resync_skipped: u64,
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
            pending: Vec::new(),
            resync: None,
            chunk_size_unknown: false,
            uncertain: false,
            search_again: false,
            resync_skipped: 0,
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

    /// A demultiplexer for a stream whose start was not captured: it first searches for a
    /// plausible chunk header and reports what it skipped.
    pub fn mid_stream(config: ChunkConfig) -> Self {
        let mut demuxer = ChunkDemuxer::new(config);
        demuxer.resync = Some(Vec::new());
        demuxer.chunk_size_unknown = true;
        demuxer.uncertain = true;
        demuxer
    }

    /// The current maximum chunk size of this direction.
    pub fn chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// Feeds the next bytes of the direction, in any pieces.
    pub fn feed(&mut self, bytes: &[u8], on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        if let Some(held) = self.resync.as_mut() {
            held.extend_from_slice(bytes);
            self.search(on_event);
            return;
        }
        self.feed_synced(bytes, on_event);
    }

    /// `bytes` of this direction were lost: drops partial messages (never emits a message
    /// built across the gap) and resynchronises.
    pub fn gap(&mut self, bytes: u64, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        let dropped = self
            .streams
            .values()
            .filter(|s| s.partial.is_some())
            .count();
        if dropped > 0 {
            on_event(ChunkEvent::Warning {
                code: WarningCode::ChunkGapDroppedMessages,
                message: format!(
                    "{dropped} partial message(s) dropped: {bytes} bytes of the stream were lost"
                ),
            });
        }
        self.enter_resync(Vec::new());
    }

    /// Drops every partial message and starts searching `held` for a chunk boundary. The
    /// chunk streams' header state is kept, marked `recovered`, so a format-1 header on a
    /// known stream can serve as a boundary (real senders rarely repeat format 0).
    fn enter_resync(&mut self, held: Vec<u8>) {
        for stream in self.streams.values_mut() {
            stream.partial = None;
            stream.buffer.clear();
            stream.recovered = true;
            stream.stale = true;
        }
        self.in_chunk = None;
        self.pending.clear();
        self.uncertain = true;
        self.resync = Some(held);
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
            if input.is_empty() {
                return;
            }
            if std::mem::take(&mut self.search_again) {
                self.enter_resync(input.to_vec());
                self.search(on_event);
                return;
            }
            match self.parse_header(input) {
                Ok(header) if self.uncertain && !header_is_plausible(&header) => {
                    on_event(ChunkEvent::Warning {
                        code: WarningCode::ChunkHeaderImplausible,
                        message: format!("a chunk header on chunk stream {} (type {:?}, length {:?}) cannot be real: the boundary found after a gap was wrong; searching again", header.csid, header.type_id, header.length),
                    });
                    self.enter_resync(input.to_vec());
                    self.search(on_event);
                    return;
                }
                Ok(header) if self.starts_stale_message(&header) => {
                    on_event(ChunkEvent::Warning {
                        code: WarningCode::ChunkStaleStream,
                        message: format!("a chunk starts a message on chunk stream {} without giving its length, which may have changed in the bytes lost; searching for the next full header", header.csid),
                    });
                    self.enter_resync(input.to_vec());
                    self.search(on_event);
                    return;
                }
                Ok(header) => {
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
                    self.enter_resync(input.to_vec());
                    self.search(on_event);
                    return;
                }
            }
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

    /// Parses a chunk header at the start of `bytes` (peek only).
    fn parse_header(&self, bytes: &[u8]) -> Result<ChunkHeader, HeaderProblem> {
        parse_header(bytes, &|csid| {
            self.streams
                .get(&csid)
                .map(|s| (s.extended, s.partial.is_some()))
        })
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
        let stream = self.streams.entry(header.csid).or_default();
        let starts_message = stream.partial.is_none();
        apply_header(stream, &header, starts_message);
        let length = stream.header.length;
        if starts_message {
            stream.partial = Some(Partial::default());
        }
        let received = stream.partial.as_ref().map_or(0, |p| p.received);
        let due = length.saturating_sub(received).min(self.chunk_size);
        let direct = starts_message && due == length && input.len() >= due as usize;
        if direct {
            stream.partial = None;
            let recovered = stream.recovered;
            let message = stream.header;
            let body = input.get(..due as usize).unwrap_or_default();
            self.emit(message, body, recovered, on_event);
            return Some(due as usize);
        }
        self.in_chunk = Some((header.csid, due));
        if due == 0 {
            self.payload(header.csid, &[], 0, on_event);
        }
        None
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
        partial.received = partial.received.saturating_add(bytes.len() as u32);
        if partial.received < stream.header.length {
            return;
        }
        // The message is complete: emit it from the stream's buffer, then give the buffer back
        // for the next message (no allocation in steady state).
        let discarding = partial.discarding;
        stream.partial = None;
        let recovered = stream.recovered;
        let header = stream.header;
        let mut buffer = std::mem::take(&mut stream.buffer);
        if !discarding {
            self.emit(header, &buffer, recovered, on_event);
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
        recovered: bool,
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
            recovered,
        });
    }

    fn set_chunk_size(&mut self, payload: &[u8], on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        let Some(raw) = Reader::new(payload).be_u32() else {
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
