//! onMetaData as the publisher declared it, set against what the stream measured.

use super::report::{AudioCodec, Comparison, VideoCodec};
use super::track::TrackReport;
use crate::amf::AmfValue;

/// Relative difference above which a declared rate and a measured one are said to disagree.
/// Encoders state a target bitrate; a real stream varies around it.
const BITRATE_TOLERANCE: f64 = 0.25;
/// Relative difference for frame and sample rates.
const RATE_TOLERANCE: f64 = 0.05;

/// Sets the declared fields that rtmpscope can measure against the measurements.
pub fn compare(
    declared: &AmfValue,
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
