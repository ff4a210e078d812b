//! Codec configuration records carried in sequence-header messages, and the parameter sets
//! inside them: what a streaming engineer reads off a stream's start (profile, level,
//! resolution, sample rate, channels).
//!
//! Every parser works on untrusted bytes: a field that is cut short or out of range is left
//! `None` and the fields before it are kept. Each also says where it read every field it set
//! ([`ConfigSpans`]), for the hex pane of the TUI.

mod audio;
mod av1;
mod avc;
mod bits;
mod hevc;
mod vp9;

use std::ops::Range;

use serde::Serialize;

use self::bits::BitReader;

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

/// The configuration record of a video sequence header for `codec` (a [`VideoHeader`]'s
/// codec name), with where its fields are; `None` for codecs without one.
///
/// [`VideoHeader`]: crate::rtmp::media::VideoHeader
pub fn video_config(codec: &str, record: &[u8]) -> Option<(VideoConfig, ConfigSpans)> {
    match codec {
        "avc" => Some(avc::read(record)),
        "hevc" => Some(hevc::read(record)),
        "av1" => Some(av1::read(record)),
        "vp9" => Some(vp9::read(record)),
        _ => None,
    }
}

/// The configuration of an audio sequence header for `codec` (an
/// [`AudioHeader`](crate::rtmp::media::AudioHeader)'s codec name), with where its fields are;
/// `None` for codecs without one.
pub fn audio_config(codec: &str, record: &[u8]) -> Option<(AudioConfig, ConfigSpans)> {
    match codec {
        "aac" => Some(audio::read_aac(record)),
        "opus" => Some(audio::read_opus(record)),
        "flac" => Some(audio::read_flac(record)),
        _ => None,
    }
}

/// A field of [`VideoConfig`] or [`AudioConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigField {
    /// `profile`.
    Profile,
    /// `level`.
    Level,
    /// `tier`.
    Tier,
    /// `width`.
    Width,
    /// `height`.
    Height,
    /// `chroma_format`.
    ChromaFormat,
    /// `bit_depth`.
    BitDepth,
    /// `frame_rate`.
    FrameRate,
    /// `sps_count`.
    SpsCount,
    /// `pps_count`.
    PpsCount,
    /// `sample_rate`.
    SampleRate,
    /// `channels`.
    Channels,
    /// `bits_per_sample`.
    BitsPerSample,
}

impl ConfigField {
    /// Every field.
    pub const ALL: [ConfigField; 13] = [
        ConfigField::Profile,
        ConfigField::Level,
        ConfigField::Tier,
        ConfigField::Width,
        ConfigField::Height,
        ConfigField::ChromaFormat,
        ConfigField::BitDepth,
        ConfigField::FrameRate,
        ConfigField::SpsCount,
        ConfigField::PpsCount,
        ConfigField::SampleRate,
        ConfigField::Channels,
        ConfigField::BitsPerSample,
    ];

    /// Its key in the JSON (the field's name in [`VideoConfig`] or [`AudioConfig`]).
    pub fn key(self) -> &'static str {
        match self {
            ConfigField::Profile => "profile",
            ConfigField::Level => "level",
            ConfigField::Tier => "tier",
            ConfigField::Width => "width",
            ConfigField::Height => "height",
            ConfigField::ChromaFormat => "chroma_format",
            ConfigField::BitDepth => "bit_depth",
            ConfigField::FrameRate => "frame_rate",
            ConfigField::SpsCount => "sps_count",
            ConfigField::PpsCount => "pps_count",
            ConfigField::SampleRate => "sample_rate",
            ConfigField::Channels => "channels",
            ConfigField::BitsPerSample => "bits_per_sample",
        }
    }
}

/// Where each field of a configuration was read, as bytes of the record: the bytes holding
/// its bits, or for values worked out from a parameter set (an SPS, AV1's sequence header) the
/// whole parameter set. The `error` field has no bytes of its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSpans([Option<Range<usize>>; ConfigField::ALL.len()]);

impl ConfigSpans {
    /// The bytes of `field`, if it was read.
    pub fn get(&self, field: ConfigField) -> Option<Range<usize>> {
        self.0.get(field as usize).cloned().flatten()
    }

    /// The bytes of the field whose JSON key is `key`.
    pub fn by_key(&self, key: &str) -> Option<Range<usize>> {
        let field = ConfigField::ALL.into_iter().find(|f| f.key() == key)?;
        self.get(field)
    }

    /// Records that `field` was read from `bytes` (a later read of the same field wins, as
    /// its value does).
    fn set(&mut self, field: ConfigField, bytes: Range<usize>) {
        if let Some(slot) = self.0.get_mut(field as usize) {
            *slot = Some(bytes);
        }
    }

    /// Records that `field` was read from the bits `bits` read since bit `start`, at `place`.
    fn read_since(
        &mut self,
        field: ConfigField,
        place: &Place,
        bits: &BitReader<'_>,
        start: usize,
    ) {
        self.set(field, place.bytes(start..bits.position()));
    }
}

/// Where the bits a parser reads sit in the record.
#[derive(Debug, Clone)]
enum Place {
    /// Bits of the record itself, from byte `base` on: a field's bytes are the ones its bits
    /// are in.
    Bits {
        /// The record offset of the reader's first byte.
        base: usize,
    },
    /// Bits of a parameter set with its emulation prevention removed, whose positions do not
    /// map back to the record one to one: a field read from it has the whole set's bytes.
    Within(Range<usize>),
}

impl Place {
    /// The record bytes of the bits `bits` read here.
    fn bytes(&self, bits: Range<usize>) -> Range<usize> {
        match self {
            Place::Bits { base } => {
                let bytes = crate::rtmp::layout::bytes_of_bits(bits);
                bytes.start.saturating_add(*base)..bytes.end.saturating_add(*base)
            }
            Place::Within(range) => range.clone(),
        }
    }
}

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

/// Runs `read`, which fills a record field by field (noting where it read each) and stops
/// with `None` at the first field that is missing or impossible; the fields read before it are
/// kept.
fn read_record<R: Record>(
    read: impl FnOnce(&mut R, &mut ConfigSpans) -> Option<()>,
) -> (R, ConfigSpans) {
    let mut record = R::default();
    let mut spans = ConfigSpans::default();
    if read(&mut record, &mut spans).is_none() {
        record.mark_truncated();
    }
    (record, spans)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field a configuration can show has a [`ConfigField`], so the TUI finds its bytes.
    #[test]
    fn every_configuration_key_is_a_config_field() {
        let video = VideoConfig {
            profile: Some("High".into()),
            level: Some("4".into()),
            tier: Some("main"),
            width: Some(1),
            height: Some(1),
            chroma_format: Some("4:2:0"),
            bit_depth: Some(8),
            frame_rate: Some(1.0),
            sps_count: Some(1),
            pps_count: Some(1),
            error: Some(TRUNCATED),
        };
        let audio = AudioConfig {
            profile: Some("AAC LC".into()),
            sample_rate: Some(1),
            channels: Some(1),
            bits_per_sample: Some(1),
            error: Some(TRUNCATED),
        };
        let mut spans = ConfigSpans::default();
        for field in ConfigField::ALL {
            spans.set(field, 0..1);
        }
        for json in [
            serde_json::to_value(video).unwrap(),
            serde_json::to_value(audio).unwrap(),
        ] {
            for key in json.as_object().unwrap().keys() {
                if key != "error" {
                    assert_eq!(spans.by_key(key), Some(0..1), "{key}");
                }
            }
        }
    }
}
