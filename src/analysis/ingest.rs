//! Ingest services' published recommendations, for `--ingest youtube|twitch|facebook`: a
//! publish is checked against the keyframe interval, codecs, audio sample rates and bitrate
//! ceilings the service asks for. Each profile names its source and when it was read.

use super::report::StreamReport;

/// An ingest service whose recommendations a publish is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingest {
    /// YouTube Live.
    Youtube,
    /// Twitch.
    Twitch,
    /// Facebook Live.
    Facebook,
}

/// One service's recommendations.
struct Profile {
    name: &'static str,
    /// Longest keyframe interval accepted, seconds.
    max_keyframe_s: f64,
    video_codecs: &'static [&'static str],
    audio_codecs: &'static [&'static str],
    sample_rates: &'static [u32],
    /// Highest video bitrate for a picture height (the first row whose height is at least the
    /// stream's), at up to 30 fps and above: (height, kbit/s at ≤ 30 fps, kbit/s above).
    video_ceilings: &'static [(u32, f64, f64)],
    max_audio_kbps: f64,
}

/// Keyframe intervals are measured from timestamps; allow this much over the recommended one
/// (an encoder set to 2 s at 29.97 fps lands a frame or two late).
const KEYFRAME_TOLERANCE: f64 = 1.1;
/// Measured bitrates vary around an encoder's target; allow this much over a ceiling.
const BITRATE_TOLERANCE: f64 = 1.1;

/// YouTube, "Choose live encoder settings, bitrates, and resolutions"
/// (support.google.com/youtube/answer/2853702, read 2026-04): keyframe frequency 2 s
/// recommended, not above 4 s; H.264, HEVC or AV1; AAC or MP3 audio at 44.1 or 48 kHz; the
/// highest bitrate of each row of the table (AV1/HEVC maxima, which also bound H.264):
/// ≤ 720p 8 Mbit/s, 1080p 8 (30 fps) / 10 (60 fps), 1440p 25 / 30, 2160p 35 / 40.
const YOUTUBE: Profile = Profile {
    name: "YouTube",
    max_keyframe_s: 4.0,
    video_codecs: &["avc", "hevc", "av1"],
    audio_codecs: &["aac", "mp3"],
    sample_rates: &[44_100, 48_000],
    video_ceilings: &[
        (720, 8_000.0, 8_000.0),
        (1080, 8_000.0, 10_000.0),
        (1440, 25_000.0, 30_000.0),
        (2160, 35_000.0, 40_000.0),
    ],
    max_audio_kbps: 384.0,
};

/// Twitch, "Broadcasting Guidelines" / Creator Camp "Broadcast Recommendations"
/// (twitch.tv/creatorcamp/en/paths/going-live/broadcast-recommendations and
/// help.twitch.tv article 1253460, read 2026-04): keyframe interval 2 s; H.264; AAC-LC (MP3
/// accepted at 44.1 kHz); 44.1 or 48 kHz; video up to 6000 kbit/s; audio up to 320 kbit/s.
const TWITCH: Profile = Profile {
    name: "Twitch",
    max_keyframe_s: 2.0,
    video_codecs: &["avc"],
    audio_codecs: &["aac", "mp3"],
    sample_rates: &[44_100, 48_000],
    video_ceilings: &[(u32::MAX, 6_000.0, 6_000.0)],
    max_audio_kbps: 320.0,
};

/// Facebook, Live Video API "Reference", recommended settings
/// (developers.facebook.com/docs/live-video-api/reference, read 2026-04): key frame 2 s
/// recommended, do not exceed 4 s; H.264; AAC-LC at 44.1 or 48 kHz, 256 kbit/s at most;
/// video ranges topping out at 1000 (360p), 2000 (480p), 4000 / 6000 (720p at 30 / 60 fps)
/// and 6000 / 9000 kbit/s (1080p at 30 / 60 fps).
const FACEBOOK: Profile = Profile {
    name: "Facebook",
    max_keyframe_s: 4.0,
    video_codecs: &["avc"],
    audio_codecs: &["aac"],
    sample_rates: &[44_100, 48_000],
    video_ceilings: &[
        (360, 1_000.0, 1_000.0),
        (480, 2_000.0, 2_000.0),
        (720, 4_000.0, 6_000.0),
        (u32::MAX, 6_000.0, 9_000.0),
    ],
    max_audio_kbps: 256.0,
};

impl Ingest {
    fn profile(self) -> &'static Profile {
        match self {
            Ingest::Youtube => &YOUTUBE,
            Ingest::Twitch => &TWITCH,
            Ingest::Facebook => &FACEBOOK,
        }
    }
}

/// Warnings for a published stream that misses the service's recommendations.
pub fn ingest_findings(
    ingest: Ingest,
    stream: &StreamReport,
    label: &str,
    warn: &mut impl FnMut(&'static str, String),
) {
    if stream.role != Some("publish") {
        return;
    }
    let profile = ingest.profile();
    let service = profile.name;
    if let Some(seconds) = stream
        .gop
        .as_ref()
        .and_then(|gop| gop.seconds)
        .filter(|&s| s > profile.max_keyframe_s * KEYFRAME_TOLERANCE)
    {
        warn(
            "ingest_keyframe_interval",
            format!(
                "{label}: keyframes every {seconds:.1} s; {service} asks for at most {} s",
                profile.max_keyframe_s
            ),
        );
    }
    let codecs = [
        (
            "video",
            stream.video_codec.as_ref().map(|c| c.codec),
            profile.video_codecs,
        ),
        (
            "audio",
            stream.audio_codec.as_ref().map(|c| c.codec),
            profile.audio_codecs,
        ),
    ];
    for (kind, codec, accepted) in codecs {
        if let Some(codec) = codec.filter(|codec| !accepted.contains(codec)) {
            warn(
                "ingest_codec",
                format!(
                    "{label}: {kind} codec {codec}; {service} takes {}",
                    accepted.join(", ")
                ),
            );
        }
    }
    let sample_rate = stream.audio_codec.as_ref().and_then(|codec| {
        codec
            .config
            .as_ref()
            .and_then(|config| config.sample_rate)
            .or(codec.header_rate)
    });
    if let Some(rate) = sample_rate.filter(|rate| !profile.sample_rates.contains(rate)) {
        warn(
            "ingest_sample_rate",
            format!("{label}: audio sampled at {rate} Hz; {service} asks for 44100 or 48000"),
        );
    }
    bitrate_findings(profile, stream, label, warn);
}

/// Average bitrates above the service's ceiling for the stream's picture size.
fn bitrate_findings(
    profile: &Profile,
    stream: &StreamReport,
    label: &str,
    warn: &mut impl FnMut(&'static str, String),
) {
    let service = profile.name;
    if let Some(video) = &stream.video {
        let config = stream.video_codec.as_ref().and_then(|c| c.config.as_ref());
        let height = config.and_then(|c| c.height).unwrap_or(0);
        let fast = video.frame_rate.is_some_and(|fps| fps > 31.0);
        let ceiling = profile
            .video_ceilings
            .iter()
            .find(|(rows, _, _)| height <= *rows)
            .or(profile.video_ceilings.last())
            .map(|&(_, slow, quick)| if fast { quick } else { slow });
        if let Some(ceiling) =
            ceiling.filter(|&ceiling| video.bitrates.average_kbps > ceiling * BITRATE_TOLERANCE)
        {
            warn(
                "ingest_bitrate",
                format!(
                    "{label}: video averaged {:.0} kbit/s; {service} recommends at most \
                     {ceiling:.0} for this picture size",
                    video.bitrates.average_kbps
                ),
            );
        }
    }
    if let Some(audio) = stream
        .audio
        .as_ref()
        .filter(|audio| audio.bitrates.average_kbps > profile.max_audio_kbps * BITRATE_TOLERANCE)
    {
        warn(
            "ingest_bitrate",
            format!(
                "{label}: audio averaged {:.0} kbit/s; {service} takes at most {}",
                audio.bitrates.average_kbps, profile.max_audio_kbps
            ),
        );
    }
}
