//! H.264: the AVCDecoderConfigurationRecord (ISO/IEC 14496-15) and, from its first sequence
//! parameter set (ITU-T H.264 7.3.2.1), the coded size, chroma format, bit depth and frame rate.

use std::ops::Range;

use super::bits::{unescape_rbsp, BitReader};
use super::{
    chroma_format_name, chroma_subsampling, read_record, ConfigField, ConfigSpans, VideoConfig,
    MAX_PARAMETER_SET_BYTES,
};
use crate::common::reader::Reader;
use crate::rtmp::layout::{avcc, u8_at};

/// Profiles whose SPS carries chroma format, bit depths and scaling matrices.
const HIGH_PROFILES: [u32; 13] = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];
/// Most entries of `offset_for_ref_frame` the standard allows.
const MAX_REF_FRAMES_IN_POC_CYCLE: u32 = 255;

/// Reads an AVCDecoderConfigurationRecord and the first SPS in it.
pub fn parse_avc_config(record: &[u8]) -> VideoConfig {
    read(record).0
}

/// Reads an AVCDecoderConfigurationRecord and the first SPS in it, noting where each field is.
pub(super) fn read(record: &[u8]) -> (VideoConfig, ConfigSpans) {
    read_record(|config: &mut VideoConfig, spans| {
        let _version = u8_at(record, avcc::VERSION)?;
        let profile = u8_at(record, avcc::PROFILE)?;
        let constraints = u8_at(record, avcc::CONSTRAINTS)?;
        let level = u8_at(record, avcc::LEVEL)?;
        config.profile = Some(profile_name(profile, constraints));
        spans.set(
            ConfigField::Profile,
            avcc::PROFILE.start..avcc::CONSTRAINTS.end,
        );
        config.level = Some(level_name(level, constraints));
        spans.set(ConfigField::Level, avcc::LEVEL);
        let _length_size = u8_at(record, avcc::LENGTH_SIZE)?;
        let sps_count = u8_at(record, avcc::SPS_COUNT)? & 0x1F;
        config.sps_count = Some(sps_count);
        spans.set(ConfigField::SpsCount, avcc::SPS_COUNT);
        let mut reader = Reader::new(record);
        reader.take(avcc::SPS_COUNT.end)?;
        let mut first_sps = None;
        for _ in 0..sps_count {
            let length = reader.be_u16()?;
            let start = reader.position();
            let sps = reader.take(usize::from(length))?;
            first_sps.get_or_insert((sps, start..reader.position()));
        }
        let pps_count_at = reader.position();
        config.pps_count = Some(reader.u8()?);
        spans.set(ConfigField::PpsCount, pps_count_at..reader.position());
        // The NAL header byte comes before the SPS fields.
        let (sps, sps_bytes) = first_sps?;
        let rbsp = unescape_rbsp(sps.get(1..)?, MAX_PARAMETER_SET_BYTES);
        read_sps(&rbsp, config, spans, &sps_bytes)
    })
}

/// Most NAL units of a frame looked through for a repeated SPS.
const MAX_IN_BAND_NALS: usize = 8;

/// The configuration an SPS repeated in a frame gives (encoders that repeat their parameter
/// sets in keyframes): `nals` is the frame's AVCC-framed NAL units (4-byte lengths), or their
/// first bytes. `None` when no whole, readable SPS is there.
pub fn in_band_avc_sps(nals: &[u8]) -> Option<VideoConfig> {
    const NAL_TYPE_SPS: u8 = 7;
    let mut reader = Reader::new(nals);
    for _ in 0..MAX_IN_BAND_NALS {
        let length = usize::try_from(reader.be_u32()?).ok()?;
        let nal = reader.take(length)?;
        if nal
            .first()
            .is_some_and(|&header| header & 0x1F == NAL_TYPE_SPS)
        {
            let sps = nal.get(1..)?;
            let (profile, constraints, level) = (*sps.first()?, *sps.get(1)?, *sps.get(2)?);
            let mut config = VideoConfig {
                profile: Some(profile_name(profile, constraints)),
                level: Some(level_name(level, constraints)),
                ..VideoConfig::default()
            };
            // A repeated SPS has no bytes in the message's tag header to point at.
            let mut spans = ConfigSpans::default();
            let rbsp = unescape_rbsp(sps, MAX_PARAMETER_SET_BYTES);
            read_sps(&rbsp, &mut config, &mut spans, &(0..0))?;
            return Some(config);
        }
    }
    None
}

/// Reads the SPS fields up to the frame size and VUI timing. Their bytes are the whole SPS
/// (`sps_bytes`), as its bits are read unescaped.
fn read_sps(
    rbsp: &[u8],
    config: &mut VideoConfig,
    spans: &mut ConfigSpans,
    sps_bytes: &Range<usize>,
) -> Option<()> {
    let mut bits = BitReader::new(rbsp);
    let profile_idc = bits.bits(8)?;
    bits.skip(16)?; // constraint flags, level_idc
    let _sps_id = bits.ue()?;
    let mut chroma_format_idc = 1;
    let mut separate_colour_plane = false;
    let mut bit_depth = 8;
    if HIGH_PROFILES.contains(&profile_idc) {
        chroma_format_idc = bits.ue()?;
        if chroma_format_idc == 3 {
            separate_colour_plane = bits.bit()?;
        }
        bit_depth = bits.ue()?.checked_add(8)?;
        let _bit_depth_chroma = bits.ue()?;
        let _transform_bypass = bits.bit()?;
        if bits.bit()? {
            let lists = if chroma_format_idc == 3 { 12 } else { 8 };
            for index in 0..lists {
                if bits.bit()? {
                    skip_scaling_list(&mut bits, if index < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    config.chroma_format = chroma_format_name(chroma_format_idc);
    spans.set(ConfigField::ChromaFormat, sps_bytes.clone());
    config.bit_depth = u8::try_from(bit_depth).ok();
    spans.set(ConfigField::BitDepth, sps_bytes.clone());
    let _log2_max_frame_num = bits.ue()?;
    match bits.ue()? {
        0 => {
            let _log2_max_poc_lsb = bits.ue()?;
        }
        1 => {
            let _delta_pic_order_always_zero = bits.bit()?;
            let _offset_for_non_ref_pic = bits.se()?;
            let _offset_for_top_to_bottom_field = bits.se()?;
            let cycle = bits.ue()?;
            if cycle > MAX_REF_FRAMES_IN_POC_CYCLE {
                return None;
            }
            for _ in 0..cycle {
                bits.se()?;
            }
        }
        _ => {}
    }
    let _max_ref_frames = bits.ue()?;
    let _gaps_allowed = bits.bit()?;
    let width_in_mbs = u64::from(bits.ue()?) + 1;
    let height_in_map_units = u64::from(bits.ue()?) + 1;
    let frame_mbs_only = bits.bit()?;
    if !frame_mbs_only {
        let _mb_adaptive_frame_field = bits.bit()?;
    }
    let _direct_8x8_inference = bits.bit()?;
    let mut crop = [0u64; 4]; // left, right, top, bottom
    if bits.bit()? {
        for side in &mut crop {
            *side = u64::from(bits.ue()?);
        }
    }
    let field_factor = if frame_mbs_only { 1 } else { 2 };
    let (crop_x, crop_y) = if separate_colour_plane || chroma_format_idc == 0 {
        (1, field_factor)
    } else {
        let (sub_width, sub_height) = chroma_subsampling(chroma_format_idc);
        (u64::from(sub_width), u64::from(sub_height) * field_factor)
    };
    let width = (width_in_mbs * 16).checked_sub(crop_x * (crop[0] + crop[1]))?;
    let height =
        (field_factor * height_in_map_units * 16).checked_sub(crop_y * (crop[2] + crop[3]))?;
    config.width = u32::try_from(width).ok();
    spans.set(ConfigField::Width, sps_bytes.clone());
    config.height = u32::try_from(height).ok();
    spans.set(ConfigField::Height, sps_bytes.clone());
    if bits.bit()? {
        config.frame_rate = read_vui_frame_rate(&mut bits)?;
        spans.set(ConfigField::FrameRate, sps_bytes.clone());
    }
    Some(())
}

/// Skips a scaling list of `size` entries (7.3.2.1.1.1). A `delta_scale` outside the
/// standard's -128..=127 means the SPS is corrupt.
fn skip_scaling_list(bits: &mut BitReader<'_>, size: usize) -> Option<()> {
    let mut last: i32 = 8;
    let mut next: i32 = 8;
    for _ in 0..size {
        if next != 0 {
            let delta = bits.se()?;
            if !(-128..=127).contains(&delta) {
                return None;
            }
            next = (last + delta + 256).rem_euclid(256);
        }
        if next != 0 {
            last = next;
        }
    }
    Some(())
}

/// Reads the VUI up to its timing information: the frame rate, if the encoder wrote one.
fn read_vui_frame_rate(bits: &mut BitReader<'_>) -> Option<Option<f64>> {
    const EXTENDED_SAR: u32 = 255;
    if bits.bit()? && bits.bits(8)? == EXTENDED_SAR {
        bits.skip(32)?; // sar_width, sar_height
    }
    if bits.bit()? {
        let _overscan_appropriate = bits.bit()?;
    }
    if bits.bit()? {
        bits.skip(4)?; // video_format, video_full_range_flag
        if bits.bit()? {
            bits.skip(24)?; // colour primaries, transfer, matrix
        }
    }
    if bits.bit()? {
        let _top = bits.ue()?;
        let _bottom = bits.ue()?;
    }
    if !bits.bit()? {
        return Some(None);
    }
    let units_in_tick = bits.bits(32)?;
    let time_scale = bits.bits(32)?;
    // Two ticks a frame: H.264 timing counts fields.
    Some((units_in_tick > 0).then(|| f64::from(time_scale) / (2.0 * f64::from(units_in_tick))))
}

/// The profile's name as ffprobe prints it.
fn profile_name(profile: u8, constraints: u8) -> String {
    let constrained = constraints & 0x40 != 0;
    match profile {
        66 if constrained => "Constrained Baseline".into(),
        66 => "Baseline".into(),
        77 => "Main".into(),
        88 => "Extended".into(),
        100 => "High".into(),
        110 => "High 10".into(),
        122 => "High 4:2:2".into(),
        244 => "High 4:4:4 Predictive".into(),
        44 => "CAVLC 4:4:4".into(),
        other => format!("profile {other}"),
    }
}

/// The level as written in H.264 Annex A: `level_idc / 10`, and `1b`.
fn level_name(level: u8, constraints: u8) -> String {
    let constraint_set3 = constraints & 0x10 != 0;
    match level {
        9 => "1b".into(),
        11 if constraint_set3 => "1b".into(),
        _ if level.is_multiple_of(10) => format!("{}", level / 10),
        _ => format!("{}.{}", level / 10, level % 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::hex::parse_hex as hex;

    /// avcC records written by ffmpeg's libx264 for testsrc at the size in the name.
    const X264_1080P_HIGH: &str = "01640028ffe1001b67640028acd940780227e5c044000003000400000300f03c60c65801000668ebe3cb22c0fdf8f800";
    const X264_240P_BASELINE: &str =
        "0142c00dffe100186742c00dd90141fb0110000003001000000303c0f142a48001000568cb83cb20";
    const X264_720P_MAIN: &str =
        "014d401fffe10019674d401feca02802dd8088000003000800000301e078c18cb001000568ebe3cb20";

    #[test]
    fn sps_sizes_match_what_ffmpeg_was_told() {
        for (record, width, height, profile, level) in [
            (X264_1080P_HIGH, 1920, 1080, "High", "4"),
            (X264_240P_BASELINE, 320, 240, "Constrained Baseline", "1.3"),
            (X264_720P_MAIN, 1280, 720, "Main", "3.1"),
        ] {
            let config = parse_avc_config(&hex(record));
            assert_eq!(config.error, None, "{record}");
            assert_eq!((config.width, config.height), (Some(width), Some(height)));
            assert_eq!(config.profile.as_deref(), Some(profile));
            assert_eq!(config.level.as_deref(), Some(level));
            assert_eq!((config.sps_count, config.pps_count), (Some(1), Some(1)));
            assert_eq!(config.chroma_format, Some("4:2:0"));
            assert_eq!(config.bit_depth, Some(8));
        }
    }

    #[test]
    fn an_sps_repeated_in_a_keyframe_gives_the_configuration() {
        // The record's SPS (length at bytes 6..8, the NAL unit after it) framed as a keyframe's
        // first NAL units would be: an access unit delimiter, the SPS, then a slice cut short.
        let record = hex(X264_240P_BASELINE);
        let sps_len = usize::from(u16::from_be_bytes([record[6], record[7]]));
        let sps = &record[8..8 + sps_len];
        let mut nals = vec![0, 0, 0, 2, 0x09, 0xF0];
        nals.extend_from_slice(&(sps_len as u32).to_be_bytes());
        nals.extend_from_slice(sps);
        nals.extend_from_slice(&[0, 0, 0x10, 0, 0x65, 0x88]);
        let config = in_band_avc_sps(&nals).expect("the SPS is found");
        assert_eq!((config.width, config.height), (Some(320), Some(240)));
        assert_eq!(config.profile.as_deref(), Some("Constrained Baseline"));
        assert_eq!(config.level.as_deref(), Some("1.3"));
        // No SPS, or one cut short: nothing.
        assert_eq!(in_band_avc_sps(&nals[..6]), None);
        assert_eq!(in_band_avc_sps(&nals[..14]), None);
    }

    #[test]
    fn frame_rate_from_vui_timing() {
        // libx264 writes timing info: 30 fps (units 1, scale 60).
        let config = parse_avc_config(&hex(X264_1080P_HIGH));
        assert_eq!(config.frame_rate, Some(30.0));
    }

    #[test]
    fn an_out_of_range_scaling_delta_is_corrupt_not_a_panic() {
        // Found by the media fuzz target: a High-profile SPS whose scaling list carries a
        // delta_scale of billions (the sum overflowed before this check).
        let record = [
            0x17, 0, 0, 0, 0xff, 0xe1, 0, 0x18, 0x67, 0x8a, 0xe1, 0, 0x18, 0xfd, 0x20, 0x2d, 0xa0,
            0x20, 0x17, 0, 0, 0x90, 0xe8, 0, 0, 3, 0, 0, 0xff, 0xff, 0xff, 0xa6, 9, 0, 4, 1, 5,
            0xcb,
        ];
        assert!(parse_avc_config(&record).error.is_some());
    }

    #[test]
    fn every_truncation_keeps_the_leading_fields() {
        let record = hex(X264_720P_MAIN);
        // The record up to its PPS count (byte 33) is needed; the PPS bytes are not read.
        for cut in 0..34 {
            let config = parse_avc_config(&record[..cut]);
            assert!(config.error.is_some(), "cut at {cut}");
            if cut >= 4 {
                assert_eq!(config.profile.as_deref(), Some("Main"));
            }
        }
    }
}
