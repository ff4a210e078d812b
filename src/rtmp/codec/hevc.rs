//! H.265: the HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3) and, from its first
//! sequence parameter set (ITU-T H.265 7.3.2.2), the coded size after the conformance window.

use std::ops::Range;

use super::bits::{unescape_rbsp, BitReader};
use super::{
    chroma_format_name, chroma_subsampling, read_record, ConfigField, ConfigSpans, Place,
    VideoConfig, MAX_PARAMETER_SET_BYTES,
};
use crate::common::reader::Reader;

/// NAL unit type of a sequence parameter set.
const SPS_NAL_TYPE: u8 = 33;
/// Bytes of the record before its arrays of NAL units.
const RECORD_HEADER_BYTES: usize = 22;
/// Most sub-layers an SPS can declare (`sps_max_sub_layers_minus1` is 3 bits).
const MAX_SUB_LAYERS: u32 = 8;

/// Reads an HEVCDecoderConfigurationRecord and the first SPS in it.
pub fn parse_hevc_config(record: &[u8]) -> VideoConfig {
    read(record).0
}

/// Reads an HEVCDecoderConfigurationRecord and the first SPS in it, noting where each field
/// is. The SPS repeats the record's profile, tier, level, chroma format and bit depth; its
/// values win, as they are read last.
pub(super) fn read(record: &[u8]) -> (VideoConfig, ConfigSpans) {
    read_record(|config: &mut VideoConfig, spans| {
        let mut reader = Reader::new(record);
        let header = reader.take(RECORD_HEADER_BYTES)?;
        let mut bits = BitReader::new(header);
        let place = Place::Bits { base: 0 };
        bits.skip(8)?; // configurationVersion
        read_profile_tier_level_head(&mut bits, config, spans, &place)?;
        bits.skip(4 + 12 + 6 + 2 + 6)?; // min_spatial_segmentation, parallelism
        let start = bits.position();
        config.chroma_format = chroma_format_name(bits.bits(2)?);
        spans.read_since(ConfigField::ChromaFormat, &place, &bits, start);
        bits.skip(5)?;
        let start = bits.position();
        config.bit_depth = u8::try_from(bits.bits(3)? + 8).ok();
        spans.read_since(ConfigField::BitDepth, &place, &bits, start);
        let arrays_at = reader.position();
        let arrays = reader.u8()?;
        let (mut sps_count, mut pps_count) = (0u8, 0u8);
        let mut first_sps = None;
        for _ in 0..arrays {
            let nal_type = reader.u8()? & 0x3F;
            let count = reader.be_u16()?;
            for _ in 0..count {
                let length = reader.be_u16()?;
                let start = reader.position();
                let nal = reader.take(usize::from(length))?;
                match nal_type {
                    SPS_NAL_TYPE => {
                        sps_count = sps_count.saturating_add(1);
                        first_sps.get_or_insert((nal, start..reader.position()));
                    }
                    34 => pps_count = pps_count.saturating_add(1),
                    _ => {}
                }
            }
        }
        // The counts are of the arrays' NAL units.
        let arrays_bytes = arrays_at..reader.position();
        config.sps_count = Some(sps_count);
        spans.set(ConfigField::SpsCount, arrays_bytes.clone());
        config.pps_count = Some(pps_count);
        spans.set(ConfigField::PpsCount, arrays_bytes);
        // Two bytes of NAL unit header come before the SPS fields.
        let (sps, sps_bytes) = first_sps?;
        let rbsp = unescape_rbsp(sps.get(2..)?, MAX_PARAMETER_SET_BYTES);
        read_sps(&rbsp, config, spans, &sps_bytes)
    })
}

/// Reads the general profile, tier and level (the first 12 bytes of profile_tier_level, which
/// the record repeats).
fn read_profile_tier_level_head(
    bits: &mut BitReader<'_>,
    config: &mut VideoConfig,
    spans: &mut ConfigSpans,
    place: &Place,
) -> Option<()> {
    bits.skip(2)?; // general_profile_space
    let start = bits.position();
    config.tier = Some(if bits.bit()? { "high" } else { "main" });
    spans.read_since(ConfigField::Tier, place, bits, start);
    let start = bits.position();
    config.profile = Some(profile_name(bits.bits(5)?));
    spans.read_since(ConfigField::Profile, place, bits, start);
    bits.skip(32 + 48)?; // compatibility flags, constraint flags
    let start = bits.position();
    let level = bits.bits(8)?;
    config.level = Some(match level % 30 {
        0 => format!("{}", level / 30),
        _ => format!("{}.{}", level / 30, level % 30 / 3),
    });
    spans.read_since(ConfigField::Level, place, bits, start);
    Some(())
}

/// Reads the SPS up to the picture size and conformance window. Their bytes are the whole SPS
/// (`sps_bytes`), as its bits are read unescaped.
fn read_sps(
    rbsp: &[u8],
    config: &mut VideoConfig,
    spans: &mut ConfigSpans,
    sps_bytes: &Range<usize>,
) -> Option<()> {
    let place = &Place::Within(sps_bytes.clone());
    let mut bits = BitReader::new(rbsp);
    bits.skip(4)?; // sps_video_parameter_set_id
    let sub_layers_minus1 = bits.bits(3)?;
    bits.skip(1)?; // temporal_id_nesting
    read_profile_tier_level_head(&mut bits, config, spans, place)?;
    let mut sub_layer_flags = [(false, false); MAX_SUB_LAYERS as usize];
    for flags in sub_layer_flags.iter_mut().take(sub_layers_minus1 as usize) {
        *flags = (bits.bit()?, bits.bit()?);
    }
    if sub_layers_minus1 > 0 {
        bits.skip(2 * (MAX_SUB_LAYERS - sub_layers_minus1) as usize)?;
    }
    for &(profile_present, level_present) in sub_layer_flags.iter().take(sub_layers_minus1 as usize)
    {
        if profile_present {
            bits.skip(88)?;
        }
        if level_present {
            bits.skip(8)?;
        }
    }
    let _sps_id = bits.ue()?;
    let start = bits.position();
    let chroma_format_idc = bits.ue()?;
    config.chroma_format = chroma_format_name(chroma_format_idc);
    spans.read_since(ConfigField::ChromaFormat, place, &bits, start);
    let separate_colour_plane = chroma_format_idc == 3 && bits.bit()?;
    let width = u64::from(bits.ue()?);
    let height = u64::from(bits.ue()?);
    let mut window = [0u64; 4]; // left, right, top, bottom
    if bits.bit()? {
        for side in &mut window {
            *side = u64::from(bits.ue()?);
        }
    }
    let (sub_width, sub_height) = if separate_colour_plane {
        (1, 1)
    } else {
        chroma_subsampling(chroma_format_idc)
    };
    let width = width.checked_sub(u64::from(sub_width) * (window[0] + window[1]))?;
    let height = height.checked_sub(u64::from(sub_height) * (window[2] + window[3]))?;
    config.width = u32::try_from(width).ok();
    spans.set(ConfigField::Width, sps_bytes.clone());
    config.height = u32::try_from(height).ok();
    spans.set(ConfigField::Height, sps_bytes.clone());
    let start = bits.position();
    config.bit_depth = u8::try_from(bits.ue()?.checked_add(8)?).ok();
    spans.read_since(ConfigField::BitDepth, place, &bits, start);
    Some(())
}

/// The general_profile_idc's name.
fn profile_name(profile: u32) -> String {
    match profile {
        1 => "Main".into(),
        2 => "Main 10".into(),
        3 => "Main Still Picture".into(),
        4 => "Format Range Extensions".into(),
        5 => "High Throughput".into(),
        9 => "Screen Content Coding".into(),
        other => format!("profile {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::hex::parse_hex as hex;

    /// The hvcC libx265 wrote for testsrc at 1280x720 (VPS, SPS, PPS; its SEI array left out).
    const X265_720P: &str = "0101600000009000000000005df000fcfdf8f800000f03200001001840010c01ffff01600000030090000003000003005d959809210001002b42010101600000030090000003000003005da00280802d165959a4932bc05a02000003000200000300321022000100074401c172b4624027";

    #[test]
    fn x265_record_gives_size_profile_and_level() {
        let config = parse_hevc_config(&hex(X265_720P));
        assert_eq!(config.error, None);
        assert_eq!((config.width, config.height), (Some(1280), Some(720)));
        assert_eq!(config.profile.as_deref(), Some("Main"));
        assert_eq!(config.level.as_deref(), Some("3.1"));
        assert_eq!(config.tier, Some("main"));
        assert_eq!(config.chroma_format, Some("4:2:0"));
        assert_eq!(config.bit_depth, Some(8));
        assert_eq!((config.sps_count, config.pps_count), (Some(1), Some(1)));
    }

    #[test]
    fn truncated_records_keep_the_header_fields() {
        let record = hex(X265_720P);
        for cut in 0..record.len() {
            let config = parse_hevc_config(&record[..cut]);
            if cut >= RECORD_HEADER_BYTES {
                assert_eq!(config.profile.as_deref(), Some("Main"), "cut at {cut}");
            }
        }
        assert!(parse_hevc_config(&record[..40]).error.is_some());
    }
}
