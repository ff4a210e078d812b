//! Where the fields of fixed-layout message bodies sit: named byte ranges, from the start of
//! the body (or of the record, for codec configuration records).
//!
//! The decoders read their fields at these ranges, and the TUI's hex pane marks the same
//! ranges for the field selected in the details tree: a layout is written down once. Fields
//! whose place depends on what comes before them (parameter sets in a record, AMF values,
//! aggregate sub-messages) or that are read bit by bit (hvcC, av1C, AudioSpecificConfig) are
//! located by the decoder as it reads them ([`crate::rtmp::codec::ConfigSpans`],
//! [`crate::rtmp::message::AggregatePart::offset`]).
//!
//! References: RTMP specification 5.4 (protocol control) and 6.2 (user control); FLV 10.1
//! E.4.2 and E.4.3 (audio and video tag headers) and Enhanced RTMP v2 (extended headers);
//! ISO/IEC 14496-15 (avcC, hvcC), AV1 ISOBMFF binding (av1C), VP codec ISO media binding
//! (vpcC), RFC 7845 (OpusHead), the FLAC format (STREAMINFO).

use std::ops::Range;

/// One byte of `bytes` at `field` (a one-byte range).
pub fn u8_at(bytes: &[u8], field: Range<usize>) -> Option<u8> {
    let [byte] = array_at(bytes, field)?;
    Some(byte)
}

/// The bytes of `bytes` at `field`, as an array of the field's length.
pub fn array_at<const N: usize>(bytes: &[u8], field: Range<usize>) -> Option<[u8; N]> {
    debug_assert_eq!(field.len(), N, "a field read with the wrong width");
    bytes.get(field)?.try_into().ok()
}

/// A big-endian u16 at `field`.
pub fn be_u16_at(bytes: &[u8], field: Range<usize>) -> Option<u16> {
    array_at(bytes, field).map(u16::from_be_bytes)
}

/// A big-endian u32 at `field`.
pub fn be_u32_at(bytes: &[u8], field: Range<usize>) -> Option<u32> {
    array_at(bytes, field).map(u32::from_be_bytes)
}

/// `range` moved `by` bytes further on (a field of a part, as bytes of the whole).
pub fn shift(range: Range<usize>, by: usize) -> Option<Range<usize>> {
    Some(range.start.checked_add(by)?..range.end.checked_add(by)?)
}

/// The bytes that hold bits `bits` (counted from the first bit of the first byte).
pub fn bytes_of_bits(bits: Range<usize>) -> Range<usize> {
    bits.start / 8..bits.end.div_ceil(8)
}

/// Protocol control messages (types 1, 2, 3, 5, 6).
pub mod control {
    use std::ops::Range;

    /// Set Chunk Size: the new size (its top bit is ignored).
    pub const CHUNK_SIZE: Range<usize> = 0..4;
    /// Abort: the chunk stream whose partial message is dropped.
    pub const ABORT_CSID: Range<usize> = 0..4;
    /// Acknowledgement: bytes received so far.
    pub const SEQUENCE_NUMBER: Range<usize> = 0..4;
    /// Window Acknowledgement Size and Set Peer Bandwidth: the window.
    pub const WINDOW_SIZE: Range<usize> = 0..4;
    /// Set Peer Bandwidth: the limit type (0 hard, 1 soft, 2 dynamic).
    pub const LIMIT_TYPE: Range<usize> = 4..5;
    /// Length of a body of one u32 (Set Chunk Size, Abort, Acknowledgement, Window Ack Size).
    pub const U32_BODY: usize = 4;
    /// Length of a Set Peer Bandwidth body.
    pub const SET_PEER_BANDWIDTH: usize = LIMIT_TYPE.end;
}

/// User control messages (type 4): a 2-byte event type, then the event's data.
pub mod user_control {
    use std::ops::Range;

    /// The event type.
    pub const EVENT_TYPE: Range<usize> = 0..2;
    /// Where the event data starts.
    pub const DATA_START: usize = EVENT_TYPE.end;
    /// Stream Begin, EOF, Dry, Set Buffer Length, Is Recorded, Buffer Empty/Ready: the stream.
    pub const STREAM_ID: Range<usize> = 2..6;
    /// Ping Request and Ping Response: the timestamp.
    pub const PING_TIMESTAMP: Range<usize> = 2..6;
    /// Set Buffer Length: the buffer in milliseconds.
    pub const BUFFER_LENGTH: Range<usize> = 6..10;
    /// Length of an event with a stream id or a timestamp.
    pub const SHORT_EVENT: usize = STREAM_ID.end;
    /// Length of a Set Buffer Length event.
    pub const SET_BUFFER_LENGTH: usize = BUFFER_LENGTH.end;
}

/// Audio tag headers (type 8): legacy FLV, and Enhanced RTMP's when the sound format is 9.
pub mod audio {
    use std::ops::Range;

    /// Sound format (upper 4 bits); legacy: rate, size and channels; extended: packet type.
    pub const FORMAT: Range<usize> = 0..1;
    /// AAC packet type (legacy AAC): 0 sequence header, 1 raw.
    pub const AAC_PACKET_TYPE: Range<usize> = 1..2;
    /// Where a legacy AAC sequence header's AudioSpecificConfig starts.
    pub const AAC_CONFIG_START: usize = AAC_PACKET_TYPE.end;
    /// Extended header: the codec's FourCC.
    pub const FOURCC: Range<usize> = 1..5;
    /// Extended header: where a sequence start's configuration starts.
    pub const EX_CONFIG_START: usize = FOURCC.end;
}

/// Video tag headers (type 9): legacy FLV, and Enhanced RTMP's when the top bit is set.
pub mod video {
    use std::ops::Range;

    /// Frame type (upper 4 bits, 3 for extended) and codec id or extended packet type.
    pub const FRAME_AND_CODEC: Range<usize> = 0..1;
    /// AVC packet type (legacy AVC and HEVC): 0 sequence header, 1 NALU, 2 end of sequence.
    pub const AVC_PACKET_TYPE: Range<usize> = 1..2;
    /// Composition time offset, signed 24-bit (legacy AVC and HEVC).
    pub const COMPOSITION_TIME: Range<usize> = 2..5;
    /// Where a legacy sequence header's decoder configuration record starts.
    pub const CONFIG_START: usize = COMPOSITION_TIME.end;
    /// Extended header: the codec's FourCC.
    pub const FOURCC: Range<usize> = 1..5;
    /// Extended header: composition time offset of coded frames of avc1 and hvc1.
    pub const EX_COMPOSITION_TIME: Range<usize> = 5..8;
    /// Extended header: where a sequence start's configuration record starts.
    pub const EX_CONFIG_START: usize = FOURCC.end;
}

/// Aggregate messages (type 22): each sub-message is an FLV tag header, its body and a
/// 4-byte back pointer. Ranges are from the start of the sub-message.
pub mod aggregate {
    use std::ops::Range;

    /// Message type id.
    pub const TYPE_ID: Range<usize> = 0..1;
    /// Body length, 24-bit.
    pub const LENGTH: Range<usize> = 1..4;
    /// Timestamp: 24 low bits, then 8 high bits.
    pub const TIMESTAMP: Range<usize> = 4..8;
    /// Low 24 bits of the timestamp.
    pub const TIMESTAMP_LOW: Range<usize> = 4..7;
    /// High 8 bits of the timestamp.
    pub const TIMESTAMP_HIGH: Range<usize> = 7..8;
    /// Message stream id, 24-bit.
    pub const STREAM_ID: Range<usize> = 8..11;
    /// Length of the tag header: where the body starts.
    pub const HEADER: usize = STREAM_ID.end;
    /// Length of the back pointer after the body.
    pub const BACK_POINTER: usize = 4;
}

/// The handshake's first messages as a row keeps them: C0 and C1, then S0 and S1 (RTMP
/// specification 5.2). Ranges in a block are from the start of C1 or S1.
pub mod handshake {
    use std::ops::Range;

    /// The version byte (C0 or S0), before its block.
    pub const VERSION: Range<usize> = 0..1;
    /// Length of C1, S1 (and C2, S2).
    pub const BLOCK: usize = 1536;
    /// C0 and C1: where S0 starts in the bytes a handshake row keeps.
    pub const SIDE: usize = VERSION.end + BLOCK;
    /// Where C1 (S1) starts after C0 (S0).
    pub const BLOCK_START: usize = VERSION.end;
    /// The block's time field (ms, the sender's epoch).
    pub const TIME: Range<usize> = 0..4;
    /// The block's version field (zero for the simple handshake).
    pub const BLOCK_VERSION: Range<usize> = 4..8;
    /// Length of a digest in C1 or S1.
    pub const DIGEST_LEN: usize = 32;
}

/// AVCDecoderConfigurationRecord (avcC), before its parameter sets.
pub mod avcc {
    use std::ops::Range;

    /// configurationVersion.
    pub const VERSION: Range<usize> = 0..1;
    /// AVCProfileIndication.
    pub const PROFILE: Range<usize> = 1..2;
    /// profile_compatibility (the constraint flags).
    pub const CONSTRAINTS: Range<usize> = 2..3;
    /// AVCLevelIndication.
    pub const LEVEL: Range<usize> = 3..4;
    /// lengthSizeMinusOne (low 2 bits).
    pub const LENGTH_SIZE: Range<usize> = 4..5;
    /// numOfSequenceParameterSets (low 5 bits); the sets follow.
    pub const SPS_COUNT: Range<usize> = 5..6;
}

/// AV1CodecConfigurationRecord (av1C): four bytes of bit fields, then config OBUs.
pub mod av1c {
    use std::ops::Range;

    /// The fixed part: marker and version, profile and level, tier, bit depth, chroma.
    pub const HEADER: Range<usize> = 0..4;
}

/// VPCodecConfigurationRecord (vpcC), after the full-box header some writers put first.
pub mod vpcc {
    use std::ops::Range;

    /// The full-box header (version, flags).
    pub const FULL_BOX_HEADER: usize = 4;
    /// profile.
    pub const PROFILE: Range<usize> = 0..1;
    /// level.
    pub const LEVEL: Range<usize> = 1..2;
    /// bitDepth (4 bits), chromaSubsampling (3 bits), videoFullRangeFlag.
    pub const DEPTH_AND_CHROMA: Range<usize> = 2..3;
    /// The record without codec initialisation data.
    pub const RECORD: usize = 8;
}

/// Opus identification header (`OpusHead`).
pub mod opus_head {
    use std::ops::Range;

    /// The magic signature `OpusHead`.
    pub const MAGIC: Range<usize> = 0..8;
    /// Version.
    pub const VERSION: Range<usize> = 8..9;
    /// Output channel count.
    pub const CHANNELS: Range<usize> = 9..10;
    /// Pre-skip, little-endian.
    pub const PRE_SKIP: Range<usize> = 10..12;
    /// Input sample rate, little-endian.
    pub const INPUT_SAMPLE_RATE: Range<usize> = 12..16;
}

/// FLAC STREAMINFO, after the `fLaC` marker and block header when present. Its fields are
/// bit-packed: these are bit ranges.
pub mod flac {
    use std::ops::Range;

    /// The `fLaC` marker and the metadata block header after it.
    pub const MARKER_AND_BLOCK_HEADER: usize = 8;
    /// Sample rate in Hz, 20 bits (after block and frame sizes).
    pub const SAMPLE_RATE_BITS: Range<usize> = 80..100;
    /// Channels minus one, 3 bits.
    pub const CHANNELS_BITS: Range<usize> = 100..103;
    /// Bits per sample minus one, 5 bits.
    pub const BITS_PER_SAMPLE_BITS: Range<usize> = 103..108;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_where_they_are() {
        let body = [0, 0x4C, 0x4B, 0x40, 2];
        assert_eq!(be_u32_at(&body, control::WINDOW_SIZE), Some(5_000_000));
        assert_eq!(u8_at(&body, control::LIMIT_TYPE), Some(2));
        assert_eq!(be_u16_at(&body, user_control::EVENT_TYPE), Some(0x4C));
        assert_eq!(be_u32_at(&body[..4], control::LIMIT_TYPE.start..8), None);
        assert_eq!(bytes_of_bits(flac::SAMPLE_RATE_BITS), 10..13);
        assert_eq!(bytes_of_bits(flac::BITS_PER_SAMPLE_BITS), 12..14);
        assert_eq!(shift(video::COMPOSITION_TIME, 11), Some(13..16));
        assert_eq!(shift(0..1, usize::MAX), None);
    }
}
