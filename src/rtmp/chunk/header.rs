//! Chunk headers: the basic header (format and chunk stream id), the message header of each
//! format, the extended timestamp, and how a header updates its chunk stream's state.
//!
//! Parsed peek-then-commit from the bytes at hand: nothing is consumed until a header is whole.

use super::{ChunkStream, MAX_PLAUSIBLE_MSID};
use crate::common::reader::Reader;
use crate::rtmp::message::MessageTypeId;

/// A parsed chunk header.
#[derive(Debug, Clone, Copy)]
pub(super) struct ChunkHeader {
    pub(super) csid: u32,
    pub(super) fmt: u8,
    /// Header length in bytes.
    pub(super) len: usize,
    /// Fields present by format: timestamp or delta, length, type, stream id.
    pub(super) timestamp: Option<u32>,
    pub(super) length: Option<u32>,
    pub(super) type_id: Option<u8>,
    pub(super) msid: Option<u32>,
    /// An extended timestamp was present (its value is in `timestamp`).
    pub(super) extended: bool,
}

/// Why a header could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HeaderProblem {
    /// More bytes are needed.
    Incomplete,
    /// A format 1/2/3 chunk on a stream with no known header.
    UnknownStream(u32),
}

/// Reads a chunk header at the start of `bytes`. `known(csid)` tells, for a known chunk
/// stream, its stored extended timestamp and whether a message is in progress. With `adopt`, a
/// format-1 header on a stream never seen is read too (it gives length and type; the caller
/// marks what it leaves unknown).
pub(super) fn parse_header(
    bytes: &[u8],
    known: &dyn Fn(u32) -> Option<(Option<u32>, bool)>,
    adopt: bool,
) -> Result<ChunkHeader, HeaderProblem> {
    let mut reader = Reader::new(bytes);
    let first = reader.u8().ok_or(HeaderProblem::Incomplete)?;
    let fmt = first >> 6;
    let csid = match first & 0x3F {
        0 => 64 + u32::from(reader.u8().ok_or(HeaderProblem::Incomplete)?),
        1 => {
            let low = reader.u8().ok_or(HeaderProblem::Incomplete)?;
            let high = reader.u8().ok_or(HeaderProblem::Incomplete)?;
            64 + u32::from(low) + 256 * u32::from(high)
        }
        id => u32::from(id),
    };
    let mut header = ChunkHeader {
        csid,
        fmt,
        len: 0,
        timestamp: None,
        length: None,
        type_id: None,
        msid: None,
        extended: false,
    };
    let stored = known(csid);
    if fmt != 0 && stored.is_none() && !(adopt && fmt == 1) {
        return Err(HeaderProblem::UnknownStream(csid));
    }
    if fmt <= 2 {
        let stamp = reader.be_u24().ok_or(HeaderProblem::Incomplete)?;
        header.timestamp = Some(stamp);
        if fmt <= 1 {
            header.length = Some(reader.be_u24().ok_or(HeaderProblem::Incomplete)?);
            header.type_id = Some(reader.u8().ok_or(HeaderProblem::Incomplete)?);
        }
        if fmt == 0 {
            header.msid = Some(reader.le_u32().ok_or(HeaderProblem::Incomplete)?);
        }
        if stamp == EXTENDED_TIMESTAMP {
            header.timestamp = Some(reader.be_u32().ok_or(HeaderProblem::Incomplete)?);
            header.extended = true;
        }
    } else if let Some((Some(extended), _)) = stored {
        // Format 3 on a stream using extended timestamps: the 4 bytes may be repeated.
        let mut peek = reader.clone();
        if peek.be_u32().ok_or(HeaderProblem::Incomplete)? == extended {
            reader = peek;
            header.extended = true;
        }
    }
    header.len = reader.position();
    Ok(header)
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

/// Updates a chunk stream's header state from a chunk header.
pub(super) fn apply_header(stream: &mut ChunkStream, header: &ChunkHeader, starts_message: bool) {
    if let Some(length) = header.length {
        stream.header.length = length;
        stream.stale = false;
    }
    if let Some(type_id) = header.type_id {
        stream.header.type_id = MessageTypeId(type_id);
    }
    if let Some(msid) = header.msid {
        stream.header.msid = msid;
    }
    stream.header.csid = header.csid;
    match (header.fmt, header.timestamp) {
        (0, Some(timestamp)) => {
            stream.header.timestamp = timestamp;
            stream.delta = 0;
            stream.recovered = false;
            stream.joined = false;
        }
        (_, Some(delta)) => {
            stream.header.timestamp = stream.header.timestamp.wrapping_add(delta);
            stream.delta = delta;
        }
        // Format 3 starting a new message repeats the previous delta.
        (_, None) if starts_message => {
            stream.header.timestamp = stream.header.timestamp.wrapping_add(stream.delta);
        }
        _ => {}
    }
    if header.fmt <= 2 {
        stream.extended = header.extended.then_some(header.timestamp.unwrap_or(0));
    }
}

/// The timestamp field value that announces an extended timestamp.
pub(super) const EXTENDED_TIMESTAMP: u32 = 0xFF_FFFF;

/// Longest chunk header: 3-byte basic header, 11-byte message header, 4-byte extended timestamp.
pub const MAX_HEADER_LEN: usize = 18;
