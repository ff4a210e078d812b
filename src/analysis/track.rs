//! One media type (audio or video) of one stream: frames, bytes, timestamps, codec.

use serde::Serialize;

use super::series::{Bitrates, ChartSeries, RateSeries};

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
    /// Timestamp of the first and the latest frame (ms) of the current run of continuous
    /// timestamps.
    first_ms: Option<u64>,
    last_ms: Option<u64>,
    /// The run the latest message belonged to (see [`Timing::epoch`]).
    epoch: Option<u32>,
    /// Media time covered by earlier runs, and how many of them held frames.
    earlier_span_ms: u64,
    earlier_runs: u64,
    /// Added to timestamps for the bitrate series, so each run of timestamps continues where
    /// the previous one ended; set when a run starts.
    series_shift: Option<i64>,
    /// The latest time given to the series.
    series_last: Option<u64>,
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

/// What is known of a message's timestamp.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timing {
    /// The run of continuous timestamps it belongs to: timestamps of different runs have
    /// different (unknown) origins, so only those of one run are compared.
    pub epoch: u32,
    /// The timestamp is absolute and carried no doubt (not relative to a joined stream's
    /// first message, not carried across a gap).
    pub trusted: bool,
}

impl Track {
    /// Counts one message of this type; `frame` tells whether it is a coded frame.
    pub fn message(&mut self, timestamp_ms: u64, bytes: u64, kind: MediaKind, timing: Timing) {
        if self.epoch.is_some_and(|epoch| epoch != timing.epoch) {
            self.new_run();
        }
        self.epoch = Some(timing.epoch);
        self.messages += 1;
        self.bytes += bytes;
        let interval = self.mean_interval_ms();
        let shift = *self.series_shift.get_or_insert_with(|| {
            // A new run continues one mean frame interval after the last (what lay between
            // the runs is unknown; this only places its bytes for the peak window).
            let next = self
                .series_last
                .map_or(timestamp_ms, |last| last.saturating_add(interval));
            i64::try_from(next).unwrap_or(i64::MAX) - i64::try_from(timestamp_ms).unwrap_or(0)
        });
        let series_ms = u64::try_from(
            i64::try_from(timestamp_ms)
                .unwrap_or(i64::MAX)
                .saturating_add(shift),
        )
        .unwrap_or(0);
        self.series_last = Some(series_ms);
        self.series.add(series_ms, bytes);
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

    /// Timestamps start again from an unknown origin: what was measured so far is kept, and
    /// nothing compares the new timestamps with the old.
    fn new_run(&mut self) {
        if let Some(span) = self.span_ms() {
            self.earlier_span_ms = self.earlier_span_ms.saturating_add(span);
            self.earlier_runs += 1;
        }
        self.first_ms = None;
        self.last_ms = None;
        self.series_shift = None;
    }

    /// The latest frame's timestamp.
    pub fn last_ms(&self) -> Option<u64> {
        self.last_ms
    }

    /// Bytes per second of media time: one value a second while the stream is short, each the
    /// mean over a longer bucket once it outlasts the series' buckets.
    pub fn per_second(&self) -> ChartSeries {
        let width = self.series.bucket_seconds();
        ChartSeries {
            bucket_seconds: width,
            values: self
                .series
                .per_bucket()
                .iter()
                .map(|bytes| bytes / width)
                .collect(),
        }
    }

    /// Frames per second over the span of frame timestamps (each run's frames over its span).
    pub fn frame_rate(&self) -> Option<f64> {
        let span = self.total_span_ms()?;
        let intervals = self.frames.saturating_sub(self.runs());
        (span > 0 && intervals > 0).then(|| intervals as f64 * 1000.0 / span as f64)
    }

    fn span_ms(&self) -> Option<u64> {
        Some(self.last_ms?.saturating_sub(self.first_ms?))
    }

    /// The mean time between frames so far, in whole ms (0 before two frames).
    fn mean_interval_ms(&self) -> u64 {
        self.frame_rate()
            .map_or(0, |rate| (1000.0 / rate).round() as u64)
    }

    /// Runs of continuous timestamps that held frames.
    fn runs(&self) -> u64 {
        self.earlier_runs + u64::from(self.first_ms.is_some())
    }

    /// The media time of every run together.
    fn total_span_ms(&self) -> Option<u64> {
        match (self.span_ms(), self.earlier_runs) {
            (None, 0) => None,
            (span, _) => Some(self.earlier_span_ms.saturating_add(span.unwrap_or(0))),
        }
    }

    /// The report of this track.
    pub fn report(&self) -> TrackReport {
        let frame_rate = self.frame_rate();
        let span_s = self.total_span_ms().unwrap_or(0) as f64 / 1000.0;
        // Each run of timestamps covers its span and one frame interval more (its last frame
        // lasts that long; what lies between runs is unknown).
        let runs = (self.runs().max(1)) as f64;
        let duration_s = span_s + frame_rate.map_or(0.0, |rate| runs / rate);
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
        let timing = Timing::default();
        track.message(0, 40, MediaKind::SequenceHeader, timing);
        for frame in 0..30u64 {
            track.message(frame * 100, 1000, MediaKind::Frame, timing);
        }
        let report = track.report();
        assert_eq!(report.frames, 30);
        assert_eq!(report.frame_rate, Some(10.0));
        assert!((report.duration_s - 3.0).abs() < 1e-9);
        track.message(2000, 1, MediaKind::Frame, timing);
        track.message(9000, 1, MediaKind::Frame, timing);
        let report = track.report();
        assert_eq!(
            (report.timestamps_backwards, report.timestamp_jumps),
            (1, 1)
        );
        assert_eq!(report.largest_jump_ms, 7000);
    }

    #[test]
    fn runs_of_timestamps_with_unknown_origins_are_measured_apart() {
        // Ten frames 100 ms apart from a joined stream's first message, then the absolute
        // timestamps of a full header: 20 frames at 10/s, no jump, no step backwards.
        let mut track = Track::default();
        for frame in 0..10u64 {
            track.message(frame * 100, 10, MediaKind::Frame, Timing::default());
        }
        let absolute = Timing {
            epoch: 1,
            trusted: true,
        };
        for frame in 0..10u64 {
            track.message(5_000_000 + frame * 100, 10, MediaKind::Frame, absolute);
        }
        let report = track.report();
        assert_eq!(report.frame_rate, Some(10.0));
        assert_eq!(
            (report.timestamps_backwards, report.timestamp_jumps),
            (0, 0)
        );
        assert!((report.duration_s - 2.0).abs() < 1e-9);
    }
}
