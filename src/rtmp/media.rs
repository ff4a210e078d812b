//! Audio and video tag headers (the FLV tag header fields carried in RTMP messages 8 and 9),
//! including Enhanced RTMP's extended headers with FourCC codecs.
//!
//! Every field comes from the first few bytes of the body, so the headers decode from the
//! prefix the chunk layer keeps. A body too short for a field leaves it `None`.

use std::fmt;

use serde::Serialize;

use crate::common::escape::EscapedDisplay;
use crate::rtmp::codec::{self, AudioConfig, ConfigSpans, VideoConfig};
use crate::rtmp::layout::{array_at, audio, u8_at, video};

/// The decoded header of an audio message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct AudioHeader {
    /// SoundFormat (upper 4 bits of the first byte).
    pub sound_format: u8,
    /// Its codec name (`aac`, `mp3`, `speex`, …; for Enhanced RTMP the FourCC's codec: `opus`,
    /// `flac`, `ac3`, `eac3`, `aac`, `mp3`).
    pub codec: &'static str,
    /// Sampling rate in Hz, as the legacy header states it (AAC always says 44100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sound_rate: Option<u32>,
    /// Bits per sample (8 or 16).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sound_size: Option<u8>,
    /// Channels (1 or 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<u8>,
    /// AAC packet type: 0 sequence header, 1 raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aac_packet_type: Option<u8>,
    /// Enhanced RTMP audio packet type name (`sequence_start`, `coded_frames`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet_type: Option<&'static str>,
    /// Enhanced RTMP codec FourCC (`Opus`, `fLaC`, `ac-3`, `ec-3`, `mp4a`, `.mp3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fourcc: Option<FourCc>,
    /// The decoder configuration a sequence header carries (AAC, Opus, FLAC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Box<AudioConfig>>,
}

/// The decoded header of a video message.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct VideoHeader {
    /// Frame type number.
    pub frame_type: u8,
    /// Its name: `keyframe`, `inter`, `disposable_inter`, `generated_keyframe`, `command`.
    /// (Not `frame`: that key is the packet's frame number in every event.)
    pub frame_kind: &'static str,
    /// Legacy codec id (absent for Enhanced RTMP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec_id: Option<u8>,
    /// Codec name: `sorenson_h263`, `screen_video`, `vp6`, `vp6_alpha`, `screen_video_2`,
    /// `avc`, `hevc` (codec id 12, non-standard), or the Enhanced RTMP FourCC's codec.
    pub codec: &'static str,
    /// AVC packet type: 0 sequence header, 1 NALU, 2 end of sequence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avc_packet_type: Option<u8>,
    /// Enhanced RTMP packet type name (`sequence_start`, `coded_frames`, `coded_frames_x`,
    /// `sequence_end`, `metadata`, `mpeg2ts_sequence_start`, `multitrack`, `mod_ex`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet_type: Option<&'static str>,
    /// Enhanced RTMP FourCC (`avc1`, `hvc1`, `av01`, `vp09`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fourcc: Option<FourCc>,
    /// Composition time offset in ms (AVC NALUs, Enhanced coded frames of avc1/hvc1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composition_time: Option<i32>,
    /// The decoder configuration record a sequence header carries (avcC, hvcC, av1C, vpcC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Box<VideoConfig>>,
}

const SOUND_FORMATS: [&str; 16] = [
    "pcm_platform_endian",
    "adpcm",
    "mp3",
    "pcm_le",
    "nellymoser_16k_mono",
    "nellymoser_8k_mono",
    "nellymoser",
    "g711_alaw",
    "g711_mulaw",
    "ex_header",
    "aac",
    "speex",
    "reserved",
    "reserved",
    "mp3_8k",
    "device_specific",
];
const SOUND_RATES: [u32; 4] = [5512, 11025, 22050, 44100];
/// SoundFormat 9: Enhanced RTMP extended audio header.
const AUDIO_EX_HEADER: u8 = 9;
/// SoundFormat 10: AAC.
const SOUND_FORMAT_AAC: u8 = 10;
/// Enhanced RTMP audio packet types that carry a decoder configuration.
const AUDIO_SEQUENCE_START: u8 = 0;
const AUDIO_MULTICHANNEL_CONFIG: u8 = 4;
/// Legacy video codec ids whose packets carry an AVC-style packet type: AVC, and HEVC (12).
const CODEC_ID_AVC: u8 = 7;
const CODEC_ID_HEVC: u8 = 12;
/// Enhanced RTMP video packet types that carry a decoder configuration.
const VIDEO_SEQUENCE_START: u8 = 0;
const VIDEO_MPEG2TS_SEQUENCE_START: u8 = 5;
const AUDIO_PACKET_TYPES: [&str; 6] = [
    "sequence_start",
    "coded_frames",
    "sequence_end",
    "reserved",
    "multichannel_config",
    "multitrack",
];
const FRAME_TYPES: [&str; 8] = [
    "reserved",
    "keyframe",
    "inter",
    "disposable_inter",
    "generated_keyframe",
    "command",
    "reserved",
    "reserved",
];
const VIDEO_PACKET_TYPES: [&str; 8] = [
    "sequence_start",
    "coded_frames",
    "sequence_end",
    "coded_frames_x",
    "metadata",
    "mpeg2ts_sequence_start",
    "multitrack",
    "mod_ex",
];

/// Decodes an audio tag header.
pub fn audio_header(body: &[u8]) -> AudioHeader {
    let Some(first) = u8_at(body, audio::FORMAT) else {
        return AudioHeader {
            codec: "none",
            ..AudioHeader::default()
        };
    };
    let sound_format = first >> 4;
    let mut header = AudioHeader {
        sound_format,
        codec: SOUND_FORMATS
            .get(usize::from(sound_format))
            .copied()
            .unwrap_or("reserved"),
        ..AudioHeader::default()
    };
    if sound_format == AUDIO_EX_HEADER {
        header.packet_type = Some(
            AUDIO_PACKET_TYPES
                .get(usize::from(first & 0x0F))
                .copied()
                .unwrap_or("reserved"),
        );
        header.fourcc = array_at(body, audio::FOURCC).map(FourCc);
        header.codec = header.fourcc.map_or("none", audio_fourcc_codec);
        if first & 0x0F == AUDIO_SEQUENCE_START {
            header.config = audio_config(header.codec, body, audio::EX_CONFIG_START);
        }
        return header;
    }
    header.sound_rate = SOUND_RATES.get(usize::from((first >> 2) & 3)).copied();
    header.sound_size = Some(if first & 2 != 0 { 16 } else { 8 });
    header.channels = Some(if first & 1 != 0 { 2 } else { 1 });
    if sound_format == SOUND_FORMAT_AAC {
        header.aac_packet_type = u8_at(body, audio::AAC_PACKET_TYPE);
        if header.aac_packet_type == Some(0) {
            header.config = audio_config("aac", body, audio::AAC_CONFIG_START);
        }
    }
    header
}

/// The configuration in an audio sequence header from byte `start` of its body, for the
/// codecs that have one.
fn audio_config(codec: &str, body: &[u8], start: usize) -> Option<Box<AudioConfig>> {
    let record = body.get(start..).unwrap_or_default();
    codec::audio_config(codec, record).map(|(config, _)| Box::new(config))
}

/// The configuration record in a video sequence header from byte `start` of its body, for the
/// codecs that have one.
fn video_config(codec: &str, body: &[u8], start: usize) -> Option<Box<VideoConfig>> {
    let record = body.get(start..).unwrap_or_default();
    codec::video_config(codec, record).map(|(config, _)| Box::new(config))
}

/// Where an audio sequence header's configuration starts in `body` and where its fields are
/// in it; `None` when `header` carries no configuration.
pub fn audio_config_spans(header: &AudioHeader, body: &[u8]) -> Option<(usize, ConfigSpans)> {
    let start = match header.fourcc {
        Some(_) => audio::EX_CONFIG_START,
        None => audio::AAC_CONFIG_START,
    };
    let (_, spans) = codec::audio_config(header.codec, body.get(start..)?)?;
    header.config.as_ref().map(|_| (start, spans))
}

/// Where a video sequence header's configuration record starts in `body` and where its fields
/// are in it; `None` when `header` carries no configuration.
pub fn video_config_spans(header: &VideoHeader, body: &[u8]) -> Option<(usize, ConfigSpans)> {
    let start = match header.fourcc {
        Some(_) => video::EX_CONFIG_START,
        None => video::CONFIG_START,
    };
    let (_, spans) = codec::video_config(header.codec, body.get(start..)?)?;
    header.config.as_ref().map(|_| (start, spans))
}

/// True when a media message carries a decoder configuration (a sequence header), judged from
/// its first byte and, when already known, its second. The chunk layer keeps such bodies whole
/// so the record can be read.
pub fn is_sequence_header(is_video: bool, byte0: u8, second: Option<u8>) -> bool {
    if is_video {
        if byte0 & 0x80 != 0 {
            return matches!(
                byte0 & 0x0F,
                VIDEO_SEQUENCE_START | VIDEO_MPEG2TS_SEQUENCE_START
            );
        }
        return matches!(byte0 & 0x0F, CODEC_ID_AVC | CODEC_ID_HEVC) && second == Some(0);
    }
    match byte0 >> 4 {
        AUDIO_EX_HEADER => matches!(
            byte0 & 0x0F,
            AUDIO_SEQUENCE_START | AUDIO_MULTICHANNEL_CONFIG
        ),
        SOUND_FORMAT_AAC => second == Some(0),
        _ => false,
    }
}

/// Decodes a video tag header.
pub fn video_header(body: &[u8]) -> VideoHeader {
    let Some(first) = u8_at(body, video::FRAME_AND_CODEC) else {
        return VideoHeader {
            frame_kind: "none",
            codec: "none",
            ..VideoHeader::default()
        };
    };
    let is_ex_header = first & 0x80 != 0;
    let frame_type = if is_ex_header {
        (first >> 4) & 0x07
    } else {
        first >> 4
    };
    let mut header = VideoHeader {
        frame_type,
        frame_kind: FRAME_TYPES
            .get(usize::from(frame_type))
            .copied()
            .unwrap_or("reserved"),
        ..VideoHeader::default()
    };
    if is_ex_header {
        let packet_type = first & 0x0F;
        header.packet_type = Some(
            VIDEO_PACKET_TYPES
                .get(usize::from(packet_type))
                .copied()
                .unwrap_or("reserved"),
        );
        header.fourcc = array_at(body, video::FOURCC).map(FourCc);
        header.codec = header.fourcc.map_or("none", fourcc_codec);
        // Coded frames of AVC and HEVC carry a composition time.
        if packet_type == 1 && matches!(header.codec, "avc" | "hevc") {
            header.composition_time = array_at(body, video::EX_COMPOSITION_TIME).map(si24);
        }
        if packet_type == VIDEO_SEQUENCE_START {
            header.config = video_config(header.codec, body, video::EX_CONFIG_START);
        }
        return header;
    }
    let codec_id = first & 0x0F;
    header.codec_id = Some(codec_id);
    header.codec = match codec_id {
        2 => "sorenson_h263",
        3 => "screen_video",
        4 => "vp6",
        5 => "vp6_alpha",
        6 => "screen_video_2",
        7 => "avc",
        12 => "hevc",
        _ => "unknown",
    };
    if matches!(codec_id, CODEC_ID_AVC | CODEC_ID_HEVC) {
        header.avc_packet_type = u8_at(body, video::AVC_PACKET_TYPE);
        header.composition_time = array_at(body, video::COMPOSITION_TIME).map(si24);
        if header.avc_packet_type == Some(0) {
            header.config = video_config(header.codec, body, video::CONFIG_START);
        }
    }
    header
}

/// A signed 24-bit big-endian integer.
fn si24([a, b, c]: [u8; 3]) -> i32 {
    (i32::from_be_bytes([a, b, c, 0])) >> 8
}

/// An Enhanced RTMP codec FourCC (`hvc1`, `av01`, `Opus`, …), kept as its four bytes so that
/// decoding a media header allocates nothing; shown and serialised as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FourCc(pub [u8; 4]);

impl fmt::Display for FourCc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl Serialize for FourCc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The codec an Enhanced RTMP audio FourCC names.
fn audio_fourcc_codec(FourCc(bytes): FourCc) -> &'static str {
    match &bytes {
        b"Opus" => "opus",
        b"fLaC" => "flac",
        b"ac-3" => "ac3",
        b"ec-3" => "eac3",
        b"mp4a" => "aac",
        b".mp3" => "mp3",
        _ => "unknown",
    }
}

/// The codec an Enhanced RTMP video FourCC names.
fn fourcc_codec(FourCc(bytes): FourCc) -> &'static str {
    match &bytes {
        b"avc1" => "avc",
        b"hvc1" => "hevc",
        b"av01" => "av1",
        b"vp09" => "vp9",
        b"vp08" => "vp8",
        _ => "unknown",
    }
}

/// The audio header in a few words, e.g. `AAC raw 44100 Hz 16-bit stereo` (a FourCC from the
/// wire escaped for the terminal).
pub struct AudioSummary<'a>(pub &'a AudioHeader);

impl fmt::Display for AudioSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = self.0;
        match &header.fourcc {
            Some(fourcc) => write!(f, "{}", EscapedDisplay(fourcc))?,
            None => f.write_str(header.codec)?,
        }
        if let Some(kind) = header.packet_type {
            write!(f, " {kind}")?;
        }
        match header.aac_packet_type {
            Some(0) => f.write_str(" sequence header")?,
            Some(1) => f.write_str(" raw")?,
            Some(other) => write!(f, " packet type {other}")?,
            None => {}
        }
        if let Some(rate) = header.sound_rate {
            write!(f, " {rate} Hz")?;
        }
        if let Some(bits) = header.sound_size {
            write!(f, " {bits}-bit")?;
        }
        match header.channels {
            Some(1) => f.write_str(" mono")?,
            Some(_) => f.write_str(" stereo")?,
            None => {}
        }
        Ok(())
    }
}

/// The video header in a few words, e.g. `AVC keyframe NALU cts=40` (a FourCC from the wire
/// escaped for the terminal).
pub struct VideoSummary<'a>(pub &'a VideoHeader);

impl fmt::Display for VideoSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = self.0;
        match &header.fourcc {
            Some(fourcc) => write!(f, "{} {}", EscapedDisplay(fourcc), header.frame_kind)?,
            None => write!(f, "{} {}", header.codec, header.frame_kind)?,
        }
        if let Some(kind) = header.packet_type {
            write!(f, " {kind}")?;
        }
        match header.avc_packet_type {
            Some(0) => f.write_str(" sequence header")?,
            Some(1) => f.write_str(" NALU")?,
            Some(2) => f.write_str(" end of sequence")?,
            Some(other) => write!(f, " packet type {other}")?,
            None => {}
        }
        if let Some(cts) = header.composition_time.filter(|&c| c != 0) {
            write!(f, " cts={cts}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_audio_headers() {
        // 0xAF: AAC (10), 44 kHz (3), 16-bit, stereo; then AAC packet type 0 (sequence header).
        let aac = audio_header(&[0xAF, 0x00, 0x12, 0x10]);
        assert_eq!(
            (
                aac.codec,
                aac.sound_rate,
                aac.sound_size,
                aac.channels,
                aac.aac_packet_type
            ),
            ("aac", Some(44100), Some(16), Some(2), Some(0))
        );
        // 0x2A = 0010 1010: MP3 (2), 22 kHz (rate 2), 16-bit, mono.
        let mp3 = audio_header(&[0x2A]);
        assert_eq!(
            (mp3.codec, mp3.sound_rate, mp3.sound_size, mp3.channels),
            ("mp3", Some(22050), Some(16), Some(1))
        );
        assert_eq!(audio_header(&[0x72]).codec, "g711_alaw");
        assert_eq!(audio_header(&[0xB2]).codec, "speex");
        assert_eq!(audio_header(&[]).codec, "none");
        assert_eq!(
            AudioSummary(&aac).to_string(),
            "aac sequence header 44100 Hz 16-bit stereo"
        );
    }

    #[test]
    fn legacy_video_headers() {
        // 0x17: keyframe (1), AVC (7); NALU (1); composition time -40 (0xFFFFD8).
        let avc = video_header(&[0x17, 0x01, 0xFF, 0xFF, 0xD8]);
        assert_eq!(
            (
                avc.frame_kind,
                avc.codec,
                avc.avc_packet_type,
                avc.composition_time
            ),
            ("keyframe", "avc", Some(1), Some(-40))
        );
        assert_eq!(VideoSummary(&avc).to_string(), "avc keyframe NALU cts=-40");
        let h263 = video_header(&[0x22]);
        assert_eq!(
            (h263.frame_kind, h263.codec, h263.avc_packet_type),
            ("inter", "sorenson_h263", None)
        );
        assert_eq!(video_header(&[0x54]).frame_kind, "command");
        // Cut short: what is there.
        assert_eq!(video_header(&[0x17]).composition_time, None);
    }

    #[test]
    fn enhanced_rtmp_headers() {
        // ExVideoTagHeader: top bit, keyframe (1), CodedFrames (1), FourCC hvc1, SI24 cts 33.
        let hevc = video_header(&[0x80 | 0x10 | 0x01, b'h', b'v', b'c', b'1', 0, 0, 33]);
        assert_eq!(
            (
                hevc.frame_kind,
                hevc.codec,
                hevc.packet_type,
                hevc.fourcc,
                hevc.composition_time
            ),
            (
                "keyframe",
                "hevc",
                Some("coded_frames"),
                Some(FourCc(*b"hvc1")),
                Some(33)
            )
        );
        // av01 sequence start: no composition time.
        let av1 = video_header(&[0x80 | 0x10, b'a', b'v', b'0', b'1', 0x81]);
        assert_eq!(
            (av1.codec, av1.packet_type, av1.composition_time),
            ("av1", Some("sequence_start"), None)
        );
        // ExAudioTagHeader: SoundFormat 9, packet type 1 (coded frames), FourCC Opus.
        let opus = audio_header(&[0x91, b'O', b'p', b'u', b's']);
        assert_eq!(
            (opus.sound_format, opus.codec, opus.packet_type, opus.fourcc),
            (9, "opus", Some("coded_frames"), Some(FourCc(*b"Opus")))
        );
    }

    #[test]
    fn enhanced_packet_types_and_fourccs_from_the_specification() {
        // ExVideoTagHeader packet types 0..=7 with the keyframe frame type.
        for (packet_type, name) in VIDEO_PACKET_TYPES.iter().enumerate() {
            let header = video_header(&[0x90 | packet_type as u8, b'v', b'p', b'0', b'9']);
            assert_eq!(header.packet_type, Some(*name));
            assert_eq!(header.codec, "vp9");
        }
        // ExAudioTagHeader FourCCs.
        for (fourcc, codec) in [
            (b"Opus", "opus"),
            (b"fLaC", "flac"),
            (b"ac-3", "ac3"),
            (b"ec-3", "eac3"),
            (b"mp4a", "aac"),
            (b".mp3", "mp3"),
        ] {
            let mut body = vec![0x91];
            body.extend_from_slice(fourcc);
            assert_eq!(audio_header(&body).codec, codec);
        }
        // mp4a sequence start carries an AudioSpecificConfig.
        let aac = audio_header(&[0x90, b'm', b'p', b'4', b'a', 0x11, 0x90]);
        let config = aac.config.expect("AudioSpecificConfig");
        assert_eq!(
            (config.sample_rate, config.channels),
            (Some(48000), Some(2))
        );
    }

    #[test]
    fn sequence_headers_are_recognised_from_two_bytes() {
        assert!(is_sequence_header(true, 0x17, Some(0)));
        assert!(!is_sequence_header(true, 0x17, Some(1)));
        assert!(is_sequence_header(true, 0x90, None));
        assert!(!is_sequence_header(true, 0x91, None));
        assert!(is_sequence_header(false, 0xAF, Some(0)));
        assert!(!is_sequence_header(false, 0xAF, Some(1)));
        assert!(!is_sequence_header(false, 0xAF, None));
        assert!(is_sequence_header(false, 0x90, None));
        assert!(is_sequence_header(false, 0x94, None));
        assert!(!is_sequence_header(false, 0x2F, Some(0)));
    }
}
