//! One media type (audio or video) of one stream: frames, bytes, timestamps, codec.

use serde::Serialize;

use super::series::{Bitrates, RateSeries};

/// A forward step between consecutive timestamps of one media type longer than this is a jump.
pub const JUMP_MS: u64 = 1000;

/// Counters and timing of one media type.
#[derive(Debug, Clone, Default)]
pub struct Track {
    /// Coded frames (sequence headers and commands excluded).
    pub frames: u64,
    /// Messages of this type, all kinds.
    pub messages: u64,
    /// Body bytes of all messages of this type.
    pub bytes: u64,
    /// Sequence headers (decoder configurations) seen.
    pub sequence_headers: u64,
    /// Timestamp of the first and the latest frame (ms).
    first_ms: Option<u64>,
    last_ms: Option<u64>,
    /// Timestamps that went backwards, and forward jumps, between consecutive frames.
    backwards: u64,
    jumps: u64,
    largest_jump_ms: u64,
    /// Bytes per second of media time.
    series: RateSeries,
}

/// The timing and size of a track, as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackReport {
    /// Messages of this type.
    pub messages: u64,
    /// Coded frames.
    pub frames: u64,
    /// Body bytes.
    pub bytes: u64,
    /// Sequence headers seen (a mid-stream change of configuration shows as more than one).
    pub sequence_headers: u64,
    /// Media time covered, in seconds: first to last frame plus one frame interval.
    pub duration_s: f64,
    /// Frames per second measured from the timestamps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    /// Bitrates from the body bytes over media time.
    #[serde(flatten)]
    pub bitrates: Bitrates,
    /// Timestamps that went backwards between consecutive frames.
    pub timestamps_backwards: u64,
    /// Forward steps longer than a second between consecutive frames.
    pub timestamp_jumps: u64,
    /// The longest such step, in ms.
    #[serde(skip_serializing_if = "is_zero")]
    pub largest_jump_ms: u64,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

impl Track {
    /// Counts one message of this type; `frame` tells whether it is a coded frame.
    pub fn message(&mut self, timestamp_ms: u64, bytes: u64, kind: MediaKind) {
        self.messages += 1;
        self.bytes += bytes;
        self.series.add(timestamp_ms, bytes);
        match kind {
            MediaKind::SequenceHeader => self.sequence_headers += 1,
            MediaKind::Other => {}
            MediaKind::Frame => {
                self.frames += 1;
                if let Some(last) = self.last_ms {
                    if timestamp_ms < last {
                        self.backwards += 1;
                    } else if timestamp_ms - last > JUMP_MS {
                        self.jumps += 1;
                        self.largest_jump_ms = self.largest_jump_ms.max(timestamp_ms - last);
                    }
                }
                self.first_ms.get_or_insert(timestamp_ms);
                self.last_ms = Some(timestamp_ms);
            }
        }
    }

    /// The latest frame's timestamp.
    pub fn last_ms(&self) -> Option<u64> {
        self.last_ms
    }

    /// Bytes per second of media time: one value a second while the stream is short, each the
    /// mean over a longer bucket once it outlasts the series' buckets.
    pub fn per_second(&self) -> Vec<u64> {
        let width = self.series.bucket_seconds();
        self.series
            .per_bucket()
            .iter()
            .map(|bytes| bytes / width)
            .collect()
    }

    /// Frames per second over the span of frame timestamps.
    pub fn frame_rate(&self) -> Option<f64> {
        let span = self.span_ms()?;
        (span > 0 && self.frames > 1).then(|| (self.frames - 1) as f64 * 1000.0 / span as f64)
    }

    fn span_ms(&self) -> Option<u64> {
        Some(self.last_ms?.saturating_sub(self.first_ms?))
    }

    /// The report of this track.
    pub fn report(&self) -> TrackReport {
        let frame_rate = self.frame_rate();
        let span_s = self.span_ms().unwrap_or(0) as f64 / 1000.0;
        let duration_s = span_s + frame_rate.map_or(0.0, |rate| 1.0 / rate);
        TrackReport {
            messages: self.messages,
            frames: self.frames,
            bytes: self.bytes,
            sequence_headers: self.sequence_headers,
            duration_s,
            frame_rate,
            bitrates: self.series.bitrates(self.bytes, duration_s),
            timestamps_backwards: self.backwards,
            timestamp_jumps: self.jumps,
            largest_jump_ms: self.largest_jump_ms,
        }
    }
}

/// What a media message is, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// A coded audio or video frame.
    Frame,
    /// A decoder configuration.
    SequenceHeader,
    /// Anything else (end of sequence, video command, metadata).
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rate_duration_and_anomalies() {
        let mut track = Track::default();
        track.message(0, 40, MediaKind::SequenceHeader);
        for frame in 0..30u64 {
            track.message(frame * 100, 1000, MediaKind::Frame);
        }
        let report = track.report();
        assert_eq!(report.frames, 30);
        assert_eq!(report.frame_rate, Some(10.0));
        assert!((report.duration_s - 3.0).abs() < 1e-9);
        track.message(2000, 1, MediaKind::Frame);
        track.message(9000, 1, MediaKind::Frame);
        let report = track.report();
        assert_eq!(
            (report.timestamps_backwards, report.timestamp_jumps),
            (1, 1)
        );
        assert_eq!(report.largest_jump_ms, 7000);
    }
}
