//! The chunk stream demultiplexer: one per direction, turning chunks into whole messages.
//!
//! PLACEHOLDER: to be implemented. The types and signatures below are the contract.

use crate::rtmp::message::MessageHeader;

/// Settings of the chunk demultiplexer. Every bound is named; hitting one is a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkConfig {
    /// Keep whole audio/video payloads (FLV export, hex view) instead of a header prefix.
    pub keep_media_payloads: bool,
    /// How many leading bytes of an audio/video body are kept when whole payloads are not.
    pub media_prefix_bytes: usize,
    /// Most chunk streams with a partial message at once, per direction.
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
    /// the first `media_prefix_bytes` (`header.length` is the full length).
    Message {
        /// The assembled header (absolute timestamp).
        header: MessageHeader,
        /// The body bytes kept.
        payload: &'a [u8],
        /// True for messages decoded after a gap or a mid-stream start, before the
        /// demultiplexer has seen a format-0 header on that chunk stream.
        recovered: bool,
    },
    /// Something looked wrong (implausible header, limit hit, abort of an unknown stream).
    Warning {
        /// Stable code, e.g. `"chunk_resync"`, `"chunk_streams_limit"`.
        code: &'static str,
        /// Detail for a person.
        message: String,
    },
}

/// One direction's chunk stream state. PLACEHOLDER.
#[derive(Debug, Default)]
pub struct ChunkDemuxer {
    config: ChunkConfig,
}

impl ChunkDemuxer {
    /// A demultiplexer at the start of a chunk stream (right after the handshake).
    pub fn new(config: ChunkConfig) -> Self {
        ChunkDemuxer { config }
    }

    /// A demultiplexer for a stream whose start was not captured: it first searches for a
    /// plausible chunk header and reports what it skipped.
    pub fn mid_stream(config: ChunkConfig) -> Self {
        ChunkDemuxer { config }
    }

    /// Feeds the next bytes of the direction, in any pieces.
    pub fn feed(&mut self, bytes: &[u8], on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        let _ = (bytes, on_event, self.config);
    }

    /// `bytes` of this direction were lost: drops partial messages (never emits a message
    /// built across the gap) and resynchronises.
    pub fn gap(&mut self, bytes: u64, on_event: &mut impl FnMut(ChunkEvent<'_>)) {
        let _ = (bytes, on_event);
    }

    /// The current maximum chunk size of this direction.
    pub fn chunk_size(&self) -> u32 {
        128
    }
}
