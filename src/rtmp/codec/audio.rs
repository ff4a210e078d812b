//! Audio decoder configurations: AAC's AudioSpecificConfig (ISO/IEC 14496-3), Opus's
//! identification header (RFC 7845, `OpusHead`) and FLAC's STREAMINFO block.

use super::bits::BitReader;
use super::{read_record, AudioConfig, ConfigField, ConfigSpans, Place};
use crate::rtmp::layout::{array_at, flac, opus_head, u8_at};

/// Sampling frequencies by `samplingFrequencyIndex`; index 15 means an explicit 24-bit value.
const AAC_SAMPLE_RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];
/// Channels by `channelConfiguration` (0 means the program config element says).
const AAC_CHANNELS: [u8; 8] = [0, 1, 2, 3, 4, 5, 6, 8];

/// Reads an AAC AudioSpecificConfig.
pub fn parse_aac_config(bytes: &[u8]) -> AudioConfig {
    read_aac(bytes).0
}

/// Reads an AAC AudioSpecificConfig, noting where each field is.
pub(super) fn read_aac(bytes: &[u8]) -> (AudioConfig, ConfigSpans) {
    read_record(|config: &mut AudioConfig, spans| {
        let place = Place::Bits { base: 0 };
        let mut bits = BitReader::new(bytes);
        let mut object_type = bits.bits(5)?;
        if object_type == 31 {
            object_type = 32 + bits.bits(6)?;
        }
        config.profile = Some(aac_object_name(object_type));
        spans.read_since(ConfigField::Profile, &place, &bits, 0);
        let start = bits.position();
        let index = bits.bits(4)?;
        config.sample_rate = Some(if index == 15 {
            bits.bits(24)?
        } else {
            *AAC_SAMPLE_RATES.get(usize::try_from(index).ok()?)?
        });
        spans.read_since(ConfigField::SampleRate, &place, &bits, start);
        let start = bits.position();
        let channels = bits.bits(4)?;
        config.channels = Some(*AAC_CHANNELS.get(usize::try_from(channels).ok()?)?);
        spans.read_since(ConfigField::Channels, &place, &bits, start);
        Some(())
    })
}

/// The name of an MPEG-4 audio object type.
fn aac_object_name(object_type: u32) -> String {
    match object_type {
        1 => "AAC Main".into(),
        2 => "AAC LC".into(),
        3 => "AAC SSR".into(),
        4 => "AAC LTP".into(),
        5 => "HE-AAC".into(),
        6 => "AAC Scalable".into(),
        23 => "AAC LD".into(),
        29 => "HE-AAC v2".into(),
        39 => "AAC ELD".into(),
        42 => "xHE-AAC".into(),
        other => format!("object type {other}"),
    }
}

/// Reads an Opus identification header (`OpusHead`, version, channels, pre-skip, input rate).
pub fn parse_opus_config(bytes: &[u8]) -> AudioConfig {
    read_opus(bytes).0
}

/// Reads an Opus identification header, noting where each field is.
pub(super) fn read_opus(bytes: &[u8]) -> (AudioConfig, ConfigSpans) {
    read_record(|config: &mut AudioConfig, spans| {
        if bytes.get(opus_head::MAGIC)? != b"OpusHead" {
            return None;
        }
        let _version = u8_at(bytes, opus_head::VERSION)?;
        config.channels = Some(u8_at(bytes, opus_head::CHANNELS)?);
        spans.set(ConfigField::Channels, opus_head::CHANNELS);
        let _pre_skip: [u8; 2] = array_at(bytes, opus_head::PRE_SKIP)?;
        let rate = array_at(bytes, opus_head::INPUT_SAMPLE_RATE)?;
        config.sample_rate = Some(u32::from_le_bytes(rate));
        spans.set(ConfigField::SampleRate, opus_head::INPUT_SAMPLE_RATE);
        Some(())
    })
}

/// Reads FLAC's STREAMINFO, with or without the `fLaC` marker and metadata block header.
pub fn parse_flac_config(bytes: &[u8]) -> AudioConfig {
    read_flac(bytes).0
}

/// Reads FLAC's STREAMINFO, noting where each field is.
pub(super) fn read_flac(bytes: &[u8]) -> (AudioConfig, ConfigSpans) {
    read_record(|config: &mut AudioConfig, spans| {
        // After the marker, a block header: last-block flag and type (0 = STREAMINFO), then a
        // 24-bit length.
        let base = if bytes.starts_with(b"fLaC") {
            flac::MARKER_AND_BLOCK_HEADER
        } else {
            0
        };
        let place = Place::Bits { base };
        let mut bits = BitReader::new(bytes.get(base..)?);
        // Minimum and maximum block size (16 bits each), frame size (24 bits each).
        let mut read = |range: std::ops::Range<usize>, field, spans: &mut ConfigSpans| {
            bits.skip(range.start.checked_sub(bits.position())?)?;
            let value = bits.bits(u32::try_from(range.len()).ok()?)?;
            spans.set(field, place.bytes(range));
            Some(value)
        };
        config.sample_rate = Some(read(
            flac::SAMPLE_RATE_BITS,
            ConfigField::SampleRate,
            spans,
        )?);
        let channels = read(flac::CHANNELS_BITS, ConfigField::Channels, spans)?;
        config.channels = Some(u8::try_from(channels + 1).ok()?);
        let bits_per_sample = read(
            flac::BITS_PER_SAMPLE_BITS,
            ConfigField::BitsPerSample,
            spans,
        )?;
        config.bits_per_sample = Some(u8::try_from(bits_per_sample + 1).ok()?);
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtmp::codec::TRUNCATED;

    #[test]
    fn aac_lc_44100_stereo() {
        // 00010 0100 0010 000: object type 2, index 4 (44100), channel configuration 2.
        let config = parse_aac_config(&[0x12, 0x10]);
        assert_eq!(config.profile.as_deref(), Some("AAC LC"));
        assert_eq!(
            (config.sample_rate, config.channels),
            (Some(44100), Some(2))
        );
        assert_eq!(config.error, None);
    }

    #[test]
    fn aac_escaped_object_type_and_explicit_rate() {
        // Object type 31 + 6 bits (10 -> 42, xHE-AAC), index 15, 24-bit rate 48000, mono.
        let mut bits: u64 = 0b11111;
        bits = (bits << 6) | 10;
        bits = (bits << 4) | 15;
        bits = (bits << 24) | 48000;
        bits = (bits << 4) | 1;
        let total = 5 + 6 + 4 + 24 + 4;
        let bytes = (bits << (64 - total)).to_be_bytes();
        let config = parse_aac_config(&bytes[..6]);
        assert_eq!(config.profile.as_deref(), Some("xHE-AAC"));
        assert_eq!(
            (config.sample_rate, config.channels),
            (Some(48000), Some(1))
        );
    }

    #[test]
    fn aac_cut_short_keeps_what_it_read() {
        let config = parse_aac_config(&[0x12]);
        assert_eq!(config.profile.as_deref(), Some("AAC LC"));
        assert_eq!(config.sample_rate, None);
        assert_eq!(config.error, Some(TRUNCATED));
    }

    #[test]
    fn opus_head() {
        // OpusHead, version 1, 2 channels, pre-skip 312, input rate 48000 (LE), gain, family.
        let mut head = b"OpusHead".to_vec();
        head.extend_from_slice(&[1, 2, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0]);
        let config = parse_opus_config(&head);
        assert_eq!(
            (config.sample_rate, config.channels),
            (Some(48000), Some(2))
        );
        assert_eq!(parse_opus_config(b"OpusTags").error, Some(TRUNCATED));
    }

    #[test]
    fn flac_stream_info_from_a_real_encoder() {
        // The first 42 bytes of a file ffmpeg's FLAC encoder wrote for 44.1 kHz mono 16-bit.
        let file = [
            0x66, 0x4c, 0x61, 0x43, 0x00, 0x00, 0x00, 0x22, 0x12, 0x00, 0x12, 0x00, 0x00, 0x04,
            0xb2, 0x00, 0x04, 0xb2, 0x0a, 0xc4, 0x40, 0xf0, 0x00, 0x00, 0x11, 0x3a,
        ];
        let config = parse_flac_config(&file);
        assert_eq!(
            (config.sample_rate, config.channels, config.bits_per_sample),
            (Some(44100), Some(1), Some(16))
        );
        // The same block without the marker and block header.
        assert_eq!(parse_flac_config(&file[8..]), config);
    }
}
