//! onMetaData as the publisher declared it, set against what the stream measured.

use super::report::{AudioCodec, Comparison, VideoCodec};
use super::track::TrackReport;
use crate::amf::AmfValue;

/// Relative difference above which a declared rate and a measured one are said to disagree.
/// Encoders state a target bitrate; a real stream varies around it.
const BITRATE_TOLERANCE: f64 = 0.25;
/// Relative difference for frame and sample rates.
const RATE_TOLERANCE: f64 = 0.05;

/// The onMetaData fields a report shows: those set against a measurement, then those shown
/// as declared.
const FIELDS: [&str; 10] = [
    "width",
    "height",
    "framerate",
    "videodatarate",
    "audiodatarate",
    "audiosamplerate",
    "audiochannels",
    "videocodecid",
    "audiocodecid",
    "encoder",
];
/// Longest declared string kept, in bytes (an encoder name is a few dozen).
const MAX_DECLARED_TEXT: usize = 256;

/// What onMetaData declared, kept small: only the [`FIELDS`] a report shows, and only scalar
/// values (strings cut to [`MAX_DECLARED_TEXT`] bytes), so a stream's metadata costs a few
/// hundred bytes whatever the publisher sends.
#[derive(Debug, Clone, Default)]
pub struct Declared(Vec<(&'static str, AmfValue)>);

impl Declared {
    /// The fields of an onMetaData object (or ECMA array) worth keeping.
    pub fn from_metadata(values: &AmfValue) -> Self {
        let kept = FIELDS
            .iter()
            .filter_map(|&field| {
                let value = match values.get(field)? {
                    AmfValue::String(text) => AmfValue::String(cut(text).to_owned()),
                    scalar
                    @ (AmfValue::Number(_) | AmfValue::Integer(_) | AmfValue::Boolean(_)) => {
                        scalar.clone()
                    }
                    _ => return None,
                };
                Some((field, value))
            })
            .collect();
        Declared(kept)
    }

    fn get(&self, field: &str) -> Option<&AmfValue> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, value)| value)
    }
}

/// `text` cut to at most [`MAX_DECLARED_TEXT`] bytes, on a character boundary.
fn cut(text: &str) -> &str {
    let mut end = text.len().min(MAX_DECLARED_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// Sets the declared fields that rtmpscope can measure against the measurements.
pub fn compare(
    declared: &Declared,
    video_codec: Option<&VideoCodec>,
    video: Option<&TrackReport>,
    audio_codec: Option<&AudioCodec>,
    audio: Option<&TrackReport>,
) -> Vec<Comparison> {
    let config = video_codec.and_then(|codec| codec.config.as_ref());
    let audio_config = audio_codec.and_then(|codec| codec.config.as_ref());
    let measured: [(&'static str, Option<f64>, f64); 7] = [
        ("width", config.and_then(|c| c.width).map(f64::from), 0.0),
        ("height", config.and_then(|c| c.height).map(f64::from), 0.0),
        (
            "framerate",
            video.and_then(|v| v.frame_rate),
            RATE_TOLERANCE,
        ),
        (
            "videodatarate",
            video.map(|v| v.bitrates.average_kbps),
            BITRATE_TOLERANCE,
        ),
        (
            "audiodatarate",
            audio.map(|a| a.bitrates.average_kbps),
            BITRATE_TOLERANCE,
        ),
        (
            "audiosamplerate",
            audio_config
                .and_then(|c| c.sample_rate)
                .or(audio_codec.and_then(|c| c.header_rate))
                .map(f64::from),
            RATE_TOLERANCE,
        ),
        (
            "audiochannels",
            audio_config
                .and_then(|c| c.channels)
                .or(audio_codec.and_then(|c| c.header_channels))
                .map(f64::from),
            0.0,
        ),
    ];
    let mut comparisons = Vec::new();
    for (field, measured, tolerance) in measured {
        let Some(value) = declared.get(field) else {
            continue;
        };
        let number = value.as_f64();
        let agrees = match (number, measured) {
            (Some(declared), Some(measured)) => within(declared, measured, tolerance),
            _ => true,
        };
        comparisons.push(Comparison {
            field,
            declared: serde_json::to_value(value).unwrap_or_default(),
            measured,
            agrees,
        });
    }
    for field in ["videocodecid", "audiocodecid", "encoder"] {
        if let Some(value) = declared.get(field) {
            comparisons.push(Comparison {
                field,
                declared: serde_json::to_value(value).unwrap_or_default(),
                measured: None,
                agrees: true,
            });
        }
    }
    comparisons
}

/// True when `measured` is within `tolerance` (relative) of `declared`.
fn within(declared: f64, measured: f64, tolerance: f64) -> bool {
    (declared - measured).abs() <= tolerance * declared.abs().max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerances() {
        assert!(within(30.0, 29.97, RATE_TOLERANCE));
        assert!(!within(30.0, 25.0, RATE_TOLERANCE));
        assert!(within(2500.0, 2100.0, BITRATE_TOLERANCE));
        assert!(!within(320.0, 321.0, 0.0));
    }
}
