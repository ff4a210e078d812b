//! One message stream of a session (a published or played stream): its tracks, codecs,
//! keyframe interval, audio/video drift, declared metadata, media time against capture time
//! and, for a player, how long it waited for its first picture.

use super::metadata::{compare, Declared};
use super::realtime::{round3, Realtime, Stall};
use super::report::{AudioCodec, GopReport, StreamReport, VideoCodec};
use super::series::StreamCharts;
use super::track::{MediaKind, Timing, Track};
use crate::amf::AmfValue;
use crate::common::{Direction, Timestamp};
use crate::rtmp::codec::VideoConfig;
use crate::rtmp::media::{AudioHeader, VideoHeader};

/// What is known of one message stream.
#[derive(Debug, Clone, Default)]
pub struct StreamAnalysis {
    /// Stream name from publish or play.
    pub name: Option<String>,
    /// `publish` or `play`, from the command that started it (or the media's direction).
    pub role: Option<&'static str>,
    /// publish's type argument (`live`, `record`, `append`).
    pub publish_type: Option<String>,
    /// The direction media travelled in.
    pub media_dir: Option<Direction>,
    video: Track,
    audio: Track,
    video_codec: Option<VideoCodec>,
    audio_codec: Option<AudioCodec>,
    gop: Gop,
    drift: Drift,
    /// onMetaData as declared (the last one sent), the fields a report shows.
    metadata: Option<Declared>,
    /// Whether the latest video and audio timestamps were trusted (see [`Timing::trusted`]):
    /// audio and video are compared only then.
    trusted: [bool; 2],
    /// Some media timestamps were relative to a joined stream's first message.
    pub relative_timestamps: bool,
    /// The message stream id was assumed (no full header gave it).
    pub msid_assumed: bool,
    /// Arrival against media time.
    pub(super) realtime: Realtime,
    /// The run of timestamps the latest arrival belonged to.
    arrival_epoch: Option<u32>,
    /// When `play` was sent, and when the first keyframe and audio frame arrived after it.
    play_at: Option<Timestamp>,
    first_keyframe_at: Option<Timestamp>,
    first_audio_at: Option<Timestamp>,
    /// Live statistics since the last `stream_stats` event.
    pub(super) interval: Interval,
    /// A stall that ended and has not been announced live yet.
    pub(super) ended_stall: Option<Stall>,
}

/// What a stream carried since the last `stream_stats` event.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Interval {
    pub(super) video_bytes: u64,
    pub(super) audio_bytes: u64,
    pub(super) video_frames: u64,
    pub(super) keyframes: u64,
    /// Media milliseconds counted when the interval began.
    pub(super) media_ms_at_start: u64,
}

/// Keyframe intervals.
#[derive(Debug, Clone, Default)]
struct Gop {
    /// Frame count and timestamp of the latest keyframe.
    last_keyframe: Option<(u64, u64)>,
    keyframes: u64,
    /// Completed intervals: count, frames and milliseconds summed, frame extremes.
    intervals: u64,
    frames_sum: u64,
    ms_sum: u64,
    frames_min: Option<u64>,
    frames_max: u64,
}

/// Audio/video timestamp drift: video's latest timestamp minus audio's.
#[derive(Debug, Clone, Copy, Default)]
struct Drift {
    latest_ms: Option<i64>,
    largest_ms: i64,
}

impl StreamAnalysis {
    /// `play` was sent at `time`.
    pub fn play(&mut self, time: Timestamp) {
        self.play_at.get_or_insert(time);
    }

    /// A media message with timestamp `timestamp_ms` arrived at `time`. A new run of
    /// timestamps (a gap, or an adopted stream) has another origin, so arrival is measured
    /// against it afresh.
    fn arrival(&mut self, time: Timestamp, timestamp_ms: u64, timing: Timing) {
        if self
            .arrival_epoch
            .replace(timing.epoch)
            .is_some_and(|epoch| epoch != timing.epoch)
        {
            self.realtime.new_run(time, timestamp_ms);
        }
        if let Some(stall) = self.realtime.media(time, timestamp_ms) {
            self.ended_stall = Some(stall);
        }
    }

    /// Counts a video message that arrived at `time`.
    pub fn video(
        &mut self,
        time: Timestamp,
        dir: Direction,
        timestamp_ms: u64,
        length: u32,
        header: &VideoHeader,
        timing: Timing,
    ) {
        self.media_dir.get_or_insert(dir);
        let kind = video_kind(header);
        self.video
            .message(timestamp_ms, u64::from(length), kind, timing);
        self.trusted[0] = timing.trusted;
        self.interval.video_bytes = self.interval.video_bytes.saturating_add(u64::from(length));
        if kind == MediaKind::Frame {
            self.arrival(time, timestamp_ms, timing);
            self.interval.video_frames = self.interval.video_frames.saturating_add(1);
            if header.frame_kind == "keyframe" {
                self.interval.keyframes = self.interval.keyframes.saturating_add(1);
                if self.play_at.is_some() {
                    self.first_keyframe_at.get_or_insert(time);
                }
            }
        }
        let codec = self.video_codec.get_or_insert(VideoCodec {
            codec: header.codec,
            config: None,
            config_source: None,
        });
        if kind == MediaKind::SequenceHeader && header.config.is_some() {
            codec.codec = header.codec;
            codec.config = header.config.as_deref().cloned();
            codec.config_source = None;
        }
        if kind == MediaKind::Frame && header.frame_kind == "keyframe" {
            self.gop.keyframe(self.video.frames, timestamp_ms);
        }
        self.update_drift();
    }

    /// Takes a decoder configuration found in the stream's frames (an encoder that repeats its
    /// parameter sets in keyframes), when no sequence header has given one.
    pub fn in_band_video_config(&mut self, config: VideoConfig) {
        if let Some(codec) = self.video_codec.as_mut().filter(|c| c.config.is_none()) {
            codec.config = Some(config);
            codec.config_source = Some("in_band");
        }
    }

    /// True when the video codec has no configuration yet (none seen).
    pub fn lacks_video_config(&self) -> bool {
        self.video_codec
            .as_ref()
            .is_some_and(|c| c.config.is_none())
    }

    /// Video minus audio, when both latest timestamps are trusted.
    fn update_drift(&mut self) {
        if self.trusted == [true, true] {
            self.drift
                .update(self.video.last_ms(), self.audio.last_ms());
        }
    }

    /// Counts an audio message that arrived at `time`.
    pub fn audio(
        &mut self,
        time: Timestamp,
        dir: Direction,
        timestamp_ms: u64,
        length: u32,
        header: &AudioHeader,
        timing: Timing,
    ) {
        self.media_dir.get_or_insert(dir);
        let kind = audio_kind(header);
        self.audio
            .message(timestamp_ms, u64::from(length), kind, timing);
        self.trusted[1] = timing.trusted;
        self.interval.audio_bytes = self.interval.audio_bytes.saturating_add(u64::from(length));
        if kind == MediaKind::Frame {
            self.arrival(time, timestamp_ms, timing);
            if self.play_at.is_some() {
                self.first_audio_at.get_or_insert(time);
            }
        }
        let codec = self.audio_codec.get_or_insert(AudioCodec {
            codec: header.codec,
            header_rate: header.sound_rate,
            header_channels: header.channels,
            config: None,
        });
        // A multichannel configuration also counts as a sequence header but carries no
        // decoder configuration: keep the one the sequence start gave.
        if kind == MediaKind::SequenceHeader && header.config.is_some() {
            codec.config = header.config.as_deref().cloned();
        }
        self.update_drift();
    }

    /// Records onMetaData as declared.
    pub fn metadata(&mut self, values: &AmfValue) {
        self.metadata = Some(Declared::from_metadata(values));
    }

    /// Bytes per second of video and of audio, and the lag per second, for charts.
    pub fn per_second(&self) -> StreamCharts {
        StreamCharts {
            video: self.video.per_second(),
            audio: self.audio.per_second(),
            lag_ms: self.realtime.lag_chart(),
        }
    }

    /// What the capture did not show of this stream (for a session it saw only in part).
    fn not_seen(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.role.is_none() {
            missing.push("publish_or_play");
        }
        let needs_config = |codec: &str| {
            matches!(
                codec,
                "avc" | "hevc" | "av1" | "vp9" | "aac" | "opus" | "flac"
            )
        };
        if self
            .video_codec
            .as_ref()
            .is_some_and(|c| c.config.is_none() && needs_config(c.codec))
        {
            missing.push("video_config");
        }
        if self
            .audio_codec
            .as_ref()
            .is_some_and(|c| c.config.is_none() && needs_config(c.codec))
        {
            missing.push("audio_config");
        }
        if self.relative_timestamps {
            missing.push("absolute_timestamps");
        }
        if self.msid_assumed {
            missing.push("message_stream_id");
        }
        missing
    }

    /// The stream's report; `partial` when the capture saw the session only in part (it
    /// started mid-connection, or lost bytes), so what it did not show is listed.
    pub fn report(&self, msid: u32, partial: bool) -> StreamReport {
        let video = (self.video.messages > 0).then(|| self.video.report());
        let audio = (self.audio.messages > 0).then(|| self.audio.report());
        let metadata = self
            .metadata
            .as_ref()
            .map(|declared| {
                compare(
                    declared,
                    self.video_codec.as_ref(),
                    video.as_ref(),
                    self.audio_codec.as_ref(),
                    audio.as_ref(),
                )
            })
            .unwrap_or_default();
        let both = video.is_some() && audio.is_some();
        // A player's first picture: the first keyframe, or the first audio without video.
        let first_frame_at = if self.video.frames > 0 {
            self.first_keyframe_at
        } else {
            self.first_audio_at
        };
        let first_frame_s = self
            .play_at
            .zip(first_frame_at)
            .filter(|_| self.role == Some("play"))
            .map(|(play, first)| round3(first.micros_since(play) as f64 / 1e6));
        StreamReport {
            msid,
            name: self.name.clone(),
            role: self.role,
            publish_type: self.publish_type.clone(),
            video_codec: self.video_codec.clone(),
            gop: video.as_ref().map(|_| self.gop.report()),
            video,
            audio_codec: self.audio_codec.clone(),
            audio,
            av_drift_ms: self.drift.latest_ms.filter(|_| both),
            av_drift_max_ms: self
                .drift
                .latest_ms
                .filter(|_| both)
                .map(|_| self.drift.largest_ms),
            metadata,
            inferred_role: match (partial, self.role, self.media_dir) {
                (true, None, Some(Direction::ClientToServer)) => Some("publish"),
                (true, None, Some(Direction::ServerToClient)) => Some("play"),
                _ => None,
            },
            not_seen: if partial { self.not_seen() } else { Vec::new() },
            realtime: self.realtime.report(),
            first_frame_s,
        }
    }
}

/// Whether a video message is a frame, a sequence header or neither.
fn video_kind(header: &VideoHeader) -> MediaKind {
    const COMMAND_FRAME: u8 = 5;
    if header.frame_type == COMMAND_FRAME {
        return MediaKind::Other;
    }
    match (header.avc_packet_type, header.packet_type) {
        (Some(0), _) | (_, Some("sequence_start" | "mpeg2ts_sequence_start")) => {
            MediaKind::SequenceHeader
        }
        (Some(1), _) | (_, Some("coded_frames" | "coded_frames_x" | "multitrack")) => {
            MediaKind::Frame
        }
        (None, None) => MediaKind::Frame,
        _ => MediaKind::Other,
    }
}

/// Whether an audio message is a frame, a sequence header or neither.
fn audio_kind(header: &AudioHeader) -> MediaKind {
    match (header.aac_packet_type, header.packet_type) {
        (Some(0), _) | (_, Some("sequence_start" | "multichannel_config")) => {
            MediaKind::SequenceHeader
        }
        (Some(1), _) | (_, Some("coded_frames" | "multitrack")) | (None, None) => MediaKind::Frame,
        _ => MediaKind::Other,
    }
}

impl Gop {
    fn keyframe(&mut self, frame_count: u64, timestamp_ms: u64) {
        self.keyframes += 1;
        if let Some((frames_then, ms_then)) = self.last_keyframe {
            let frames = frame_count - frames_then;
            self.intervals += 1;
            self.frames_sum += frames;
            self.ms_sum += timestamp_ms.saturating_sub(ms_then);
            self.frames_min = Some(self.frames_min.map_or(frames, |min| min.min(frames)));
            self.frames_max = self.frames_max.max(frames);
        }
        self.last_keyframe = Some((frame_count, timestamp_ms));
    }

    fn report(&self) -> GopReport {
        let mean = |sum: u64| (self.intervals > 0).then(|| sum as f64 / self.intervals as f64);
        GopReport {
            keyframes: self.keyframes,
            frames: mean(self.frames_sum),
            frames_min: self.frames_min,
            frames_max: (self.intervals > 0).then_some(self.frames_max),
            seconds: mean(self.ms_sum).map(|ms| ms / 1000.0),
        }
    }
}

impl Drift {
    fn update(&mut self, video_ms: Option<u64>, audio_ms: Option<u64>) {
        let (Some(video), Some(audio)) = (video_ms, audio_ms) else {
            return;
        };
        let drift = i64::try_from(video).unwrap_or(i64::MAX) - i64::try_from(audio).unwrap_or(0);
        self.latest_ms = Some(drift);
        if drift.abs() > self.largest_ms.abs() {
            self.largest_ms = drift;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtmp::media::{audio_header, video_header};

    #[test]
    fn gop_and_drift_from_a_two_second_keyframe_interval() {
        let mut stream = StreamAnalysis::default();
        let key = video_header(&[0x17, 1, 0, 0, 0]);
        let inter = video_header(&[0x27, 1, 0, 0, 0]);
        let aac = audio_header(&[0xAF, 1]);
        let dir = Direction::ClientToServer;
        let timing = Timing {
            epoch: 0,
            trusted: true,
        };
        for frame in 0..100u64 {
            let header = if frame % 50 == 0 { &key } else { &inter };
            stream.video(
                Timestamp(frame as i64 * 40_000),
                dir,
                frame * 40,
                500,
                header,
                timing,
            );
            stream.audio(
                Timestamp(frame as i64 * 40_000 + 20_000),
                dir,
                frame * 40 + 20,
                100,
                &aac,
                timing,
            );
        }
        let report = stream.report(1, false);
        let gop = report.gop.expect("video");
        assert_eq!(
            (gop.keyframes, gop.frames, gop.seconds),
            (2, Some(50.0), Some(2.0))
        );
        assert_eq!(report.av_drift_ms, Some(-20));
        let video = report.video.expect("video");
        assert_eq!(video.frame_rate, Some(25.0));
        assert!((video.bitrates.average_kbps - 100.0).abs() < 1e-9);
    }
}
