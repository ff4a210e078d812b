//! AV1: the AV1CodecConfigurationRecord (`av1C`, AV1 ISOBMFF binding 2.3) and the sequence
//! header OBU inside it (AV1 specification 5.5), for the maximum frame size.

use super::bits::BitReader;
use super::{read_record, ConfigField, ConfigSpans, Place, VideoConfig};
use crate::common::reader::Reader;
use crate::rtmp::layout::av1c;

/// OBU type of a sequence header.
const OBU_SEQUENCE_HEADER: u32 = 1;
/// Most bytes a LEB128 size may take.
const MAX_LEB128_BYTES: usize = 8;

/// Reads an AV1CodecConfigurationRecord and the sequence header among its config OBUs.
pub fn parse_av1_config(record: &[u8]) -> VideoConfig {
    read(record).0
}

/// Reads an AV1CodecConfigurationRecord and its sequence header, noting where each field is.
pub(super) fn read(record: &[u8]) -> (VideoConfig, ConfigSpans) {
    read_record(|config: &mut VideoConfig, spans| {
        let place = Place::Bits { base: 0 };
        let mut bits = BitReader::new(record.get(av1c::HEADER)?);
        bits.skip(8)?; // marker, version
        let start = bits.position();
        let profile = bits.bits(3)?;
        config.profile = Some(profile_name(profile));
        spans.read_since(ConfigField::Profile, &place, &bits, start);
        let start = bits.position();
        config.level = Some(level_name(bits.bits(5)?));
        spans.read_since(ConfigField::Level, &place, &bits, start);
        let start = bits.position();
        config.tier = Some(if bits.bit()? { "high" } else { "main" });
        spans.read_since(ConfigField::Tier, &place, &bits, start);
        let start = bits.position();
        let high_bitdepth = bits.bit()?;
        let twelve_bit = bits.bit()?;
        config.bit_depth = Some(match (high_bitdepth, twelve_bit) {
            (true, true) => 12,
            (true, false) => 10,
            _ => 8,
        });
        spans.read_since(ConfigField::BitDepth, &place, &bits, start);
        let start = bits.position();
        let monochrome = bits.bit()?;
        let subsampling = (bits.bit()?, bits.bit()?);
        config.chroma_format = Some(match (monochrome, subsampling) {
            (true, _) => "4:0:0",
            (false, (true, true)) => "4:2:0",
            (false, (true, false)) => "4:2:2",
            _ => "4:4:4",
        });
        spans.read_since(ConfigField::ChromaFormat, &place, &bits, start);
        // Config OBUs follow; the sequence header, when present, gives the frame size.
        let mut obus = Reader::new(record.get(av1c::HEADER.end..)?);
        while obus.remaining() > 0 {
            let (obu_type, payload, payload_at) = read_obu(&mut obus)?;
            if obu_type == OBU_SEQUENCE_HEADER {
                let base = av1c::HEADER.end.checked_add(payload_at)?;
                return read_sequence_header(payload, config, spans, &Place::Bits { base });
            }
        }
        Some(())
    })
}

/// Reads one OBU: its type, its payload and where the payload starts in `reader`'s bytes.
fn read_obu<'a>(reader: &mut Reader<'a>) -> Option<(u32, &'a [u8], usize)> {
    let header = reader.u8()?;
    let obu_type = u32::from((header >> 3) & 0x0F);
    let has_extension = header & 0x04 != 0;
    let has_size = header & 0x02 != 0;
    if has_extension {
        reader.u8()?;
    }
    let size = if has_size {
        read_leb128(reader)?
    } else {
        reader.remaining()
    };
    let start = reader.position();
    Some((obu_type, reader.take(size)?, start))
}

/// Reads an unsigned LEB128 number.
fn read_leb128(reader: &mut Reader<'_>) -> Option<usize> {
    let mut value: u64 = 0;
    for index in 0..MAX_LEB128_BYTES {
        let byte = reader.u8()?;
        value |= u64::from(byte & 0x7F) << (7 * index);
        if byte & 0x80 == 0 {
            return usize::try_from(value).ok();
        }
    }
    None
}

/// Reads a sequence header OBU up to max_frame_width/height; its bits are at `place`.
fn read_sequence_header(
    payload: &[u8],
    config: &mut VideoConfig,
    spans: &mut ConfigSpans,
    place: &Place,
) -> Option<()> {
    let mut bits = BitReader::new(payload);
    bits.skip(3)?; // seq_profile
    let _still_picture = bits.bit()?;
    let reduced_still_picture_header = bits.bit()?;
    if reduced_still_picture_header {
        bits.skip(5)?; // seq_level_idx[0]
    } else {
        let mut decoder_model_info_present = false;
        let mut buffer_delay_bits = 0;
        if bits.bit()? {
            // timing_info()
            let timing_start = bits.position();
            let units_in_tick = bits.bits(32)?;
            let time_scale = bits.bits(32)?;
            if bits.bit()? {
                // equal_picture_interval: num_ticks_per_picture_minus_1 is a uvlc().
                let ticks_per_picture = u64::from(bits.ue()?) + 1;
                let seconds_per_frame = units_in_tick as f64 * ticks_per_picture as f64;
                if seconds_per_frame > 0.0 {
                    config.frame_rate = Some(f64::from(time_scale) / seconds_per_frame);
                    spans.read_since(ConfigField::FrameRate, place, &bits, timing_start);
                }
            }
            decoder_model_info_present = bits.bit()?;
            if decoder_model_info_present {
                buffer_delay_bits = bits.bits(5)? as usize + 1;
                bits.skip(32 + 5 + 5)?;
            }
        }
        let initial_display_delay_present = bits.bit()?;
        let operating_points = bits.bits(5)? + 1;
        for _ in 0..operating_points {
            bits.skip(12)?; // operating_point_idc
            if bits.bits(5)? > 7 {
                bits.skip(1)?; // seq_tier
            }
            if decoder_model_info_present && bits.bit()? {
                bits.skip(2 * buffer_delay_bits + 1)?;
            }
            if initial_display_delay_present && bits.bit()? {
                bits.skip(4)?;
            }
        }
    }
    let width_bits = bits.bits(4)? + 1;
    let height_bits = bits.bits(4)? + 1;
    let start = bits.position();
    config.width = bits.bits(width_bits)?.checked_add(1);
    spans.read_since(ConfigField::Width, place, &bits, start);
    let start = bits.position();
    config.height = bits.bits(height_bits)?.checked_add(1);
    spans.read_since(ConfigField::Height, place, &bits, start);
    Some(())
}

/// The seq_profile's name.
fn profile_name(profile: u32) -> String {
    match profile {
        0 => "Main".into(),
        1 => "High".into(),
        2 => "Professional".into(),
        other => format!("profile {other}"),
    }
}

/// The level for a seq_level_idx: `2 + idx / 4` `.` `idx % 4` (31 means no level constraint).
fn level_name(index: u32) -> String {
    match index {
        31 => "max".into(),
        _ => format!("{}.{}", 2 + index / 4, index % 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::hex::parse_hex as hex;

    /// The av1C libaom wrote for testsrc at 640x360.
    const LIBAOM_360P: &str = "81010c000a0b0000000cc4ff6736be4010";

    #[test]
    fn libaom_record_gives_size_profile_and_level() {
        let config = parse_av1_config(&hex(LIBAOM_360P));
        assert_eq!(config.error, None);
        assert_eq!((config.width, config.height), (Some(640), Some(360)));
        assert_eq!(config.profile.as_deref(), Some("Main"));
        assert_eq!(config.level.as_deref(), Some("2.1"));
        assert_eq!(config.chroma_format, Some("4:2:0"));
        assert_eq!(config.bit_depth, Some(8));
    }

    #[test]
    fn record_without_config_obus_has_no_size() {
        let config = parse_av1_config(&hex("81010c00"));
        assert_eq!(config.error, None);
        assert_eq!(config.width, None);
        assert!(parse_av1_config(&hex(&LIBAOM_360P[..20])).error.is_some());
    }
}
