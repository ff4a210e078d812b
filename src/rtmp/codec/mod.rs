//! Codec configuration records carried in sequence-header messages, and the parameter sets
//! inside them: what a streaming engineer reads off a stream's start (profile, level,
//! resolution, sample rate, channels).
//!
//! Every parser works on untrusted bytes: a field that is cut short or out of range is left
//! `None` and the fields before it are kept.

mod audio;
mod av1;
mod avc;
mod bits;
mod hevc;
mod vp9;

use serde::Serialize;

pub use audio::{parse_aac_config, parse_flac_config, parse_opus_config};
pub use av1::parse_av1_config;
pub use avc::{in_band_avc_sps, parse_avc_config};
pub use hevc::parse_hevc_config;
pub use vp9::parse_vp9_config;

/// Most bytes of one parameter set that are unescaped and parsed.
const MAX_PARAMETER_SET_BYTES: usize = 4096;

/// What a video decoder configuration record (avcC, hvcC, av1C, vpcC) says.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct VideoConfig {
    /// Profile name (`High`, `Main`, `Main 10`, …) or number when unnamed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Level as written in the codec's documents (`3.1`, `4`, `5.1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// HEVC and AV1 tier (`main` or `high`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<&'static str>,
    /// Coded picture width in pixels after cropping (from the SPS or sequence header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Coded picture height in pixels after cropping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Chroma format (`4:2:0`, `4:2:2`, `4:4:4`, `4:0:0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chroma_format: Option<&'static str>,
    /// Luma bit depth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_depth: Option<u8>,
    /// Frame rate from the parameter set's timing information, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    /// Sequence parameter sets in the record (AVC, HEVC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sps_count: Option<u8>,
    /// Picture parameter sets in the record (AVC, HEVC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pps_count: Option<u8>,
    /// Set when the record could not be read to its end (a field is missing or out of range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
}

/// What an audio decoder configuration (AAC AudioSpecificConfig, OpusHead, FLAC STREAMINFO)
/// says.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct AudioConfig {
    /// Codec profile: the AAC audio object type's name (`AAC LC`, `HE-AAC`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Sampling frequency in Hz.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    /// Number of channels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<u8>,
    /// Bits per sample, where the configuration states it (FLAC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bits_per_sample: Option<u8>,
    /// Set when the configuration could not be read to its end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
}

/// The `error` text for a record cut short or holding an impossible value.
const TRUNCATED: &str = "truncated or invalid";

/// A configuration that a parser fills field by field.
trait Record: Default {
    /// Marks the record as cut short or invalid.
    fn mark_truncated(&mut self);
}

impl Record for VideoConfig {
    fn mark_truncated(&mut self) {
        self.error = Some(TRUNCATED);
    }
}

impl Record for AudioConfig {
    fn mark_truncated(&mut self) {
        self.error = Some(TRUNCATED);
    }
}

/// Runs `read`, which fills a record field by field and stops with `None` at the first field
/// that is missing or impossible; the fields read before it are kept.
fn read_record<R: Record>(read: impl FnOnce(&mut R) -> Option<()>) -> R {
    let mut record = R::default();
    if read(&mut record).is_none() {
        record.mark_truncated();
    }
    record
}

/// Chroma format name from a `chroma_format_idc` (H.264/H.265).
fn chroma_format_name(idc: u32) -> Option<&'static str> {
    match idc {
        0 => Some("4:0:0"),
        1 => Some("4:2:0"),
        2 => Some("4:2:2"),
        3 => Some("4:4:4"),
        _ => None,
    }
}

/// Horizontal and vertical chroma subsampling factors for a `chroma_format_idc`.
fn chroma_subsampling(idc: u32) -> (u32, u32) {
    match idc {
        1 => (2, 2),
        2 => (2, 1),
        _ => (1, 1),
    }
}
