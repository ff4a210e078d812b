//! Bytes per second of media time, for average and peak bitrates and the TUI's charts, and
//! the largest lag per second of capture time.
//!
//! Bounded whatever the stream: at most [`MAX_BUCKETS`] buckets, one second each at first;
//! when a stream outlasts them, neighbouring buckets merge and each covers twice as long, so a
//! series of any length costs the same few kilobytes.

use std::collections::VecDeque;

use serde::Serialize;

/// Most buckets a series keeps (512 seconds at one second a bucket).
pub const MAX_BUCKETS: usize = 512;
/// A bucket never covers more than this many seconds (about 17 years at 512 buckets), so a
/// hostile timestamp cannot make the width overflow.
const MAX_BUCKET_SECONDS: u64 = 1 << 20;
/// A forward timestamp jump longer than this starts a new segment instead of a run of empty
/// seconds, so a hostile timestamp cannot make the series allocate.
const MAX_JUMP_SECONDS: u64 = 60;
/// The window the peak bitrate is measured over, in ms.
const PEAK_WINDOW_MS: u64 = 1000;
/// Most messages held in the peak window (a hostile stream may send thousands with one
/// timestamp); past it the oldest leave early, which can only lower the peak. 60 video
/// frames and 50 audio frames a second fit several times over.
const MAX_WINDOW_MESSAGES: usize = 512;

/// Bytes per bucket of media time of one media type, from the stream's first message.
#[derive(Debug, Clone, Default)]
pub struct RateSeries {
    /// Timestamp (ms) that second 0 starts at; moved forward when timestamps jump.
    origin_ms: Option<u64>,
    /// Seconds already recorded before the current segment.
    offset: u64,
    /// Bytes per bucket of media time.
    buckets: Buckets,
    /// Messages (timestamp, bytes) of the last second of media time, and their bytes.
    window: VecDeque<(u64, u64)>,
    window_bytes: u64,
    /// The most bytes any one-second window held.
    peak_bytes: u64,
}

/// Average and peak bitrates of a series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bitrates {
    /// Mean over the media duration, in kbit/s.
    pub average_kbps: f64,
    /// The most carried in any one second of media time (a sliding window), in kbit/s.
    pub peak_kbps: f64,
}

impl RateSeries {
    /// Counts `bytes` at media time `timestamp_ms` (an unwrapped, monotonic-ish timestamp).
    pub fn add(&mut self, timestamp_ms: u64, bytes: u64) {
        self.slide_window(timestamp_ms, bytes);
        let origin = *self.origin_ms.get_or_insert(timestamp_ms);
        let Some(elapsed) = timestamp_ms.checked_sub(origin) else {
            // Earlier than the segment's start: count it in the first second.
            self.bump(self.offset, bytes);
            return;
        };
        let mut second = self.offset.saturating_add(elapsed / 1000);
        if second > self.seconds_covered().saturating_add(MAX_JUMP_SECONDS) {
            // A jump: continue the series in the next second, from this timestamp.
            self.offset = self.seconds_covered();
            self.origin_ms = Some(timestamp_ms);
            second = self.offset;
        }
        self.bump(second, bytes);
    }

    /// Seconds of media time the buckets cover so far.
    fn seconds_covered(&self) -> u64 {
        self.buckets.seconds_covered()
    }

    /// Moves the peak window to end at `timestamp_ms` and adds the message to it.
    fn slide_window(&mut self, timestamp_ms: u64, bytes: u64) {
        while let Some(&(oldest, oldest_bytes)) = self.window.front() {
            let expired = oldest + PEAK_WINDOW_MS <= timestamp_ms;
            if !expired && self.window.len() < MAX_WINDOW_MESSAGES {
                break;
            }
            self.window.pop_front();
            self.window_bytes -= oldest_bytes;
        }
        self.window.push_back((timestamp_ms, bytes));
        self.window_bytes += bytes;
        self.peak_bytes = self.peak_bytes.max(self.window_bytes);
    }

    /// Adds `bytes` to the bucket of `second`.
    fn bump(&mut self, second: u64, bytes: u64) {
        self.buckets.add(second, bytes, u64::saturating_add);
    }

    /// Bytes in each bucket, from the stream's first second ([`RateSeries::bucket_seconds`]
    /// long each).
    pub fn per_bucket(&self) -> &[u64] {
        &self.buckets.values
    }

    /// Seconds each bucket of [`RateSeries::per_bucket`] covers (1 until the stream outlasts
    /// [`MAX_BUCKETS`] seconds).
    pub fn bucket_seconds(&self) -> u64 {
        self.buckets.bucket_seconds()
    }

    /// The peak one-second bitrate, in kbit/s; the average is `bytes` over `duration_s`.
    pub fn bitrates(&self, bytes: u64, duration_s: f64) -> Bitrates {
        let peak = self.peak_bytes;
        Bitrates {
            average_kbps: if duration_s > 0.0 {
                bytes as f64 * 8.0 / duration_s / 1000.0
            } else {
                0.0
            },
            peak_kbps: peak as f64 * 8.0 / 1000.0,
        }
    }
}

/// One line of a chart: a value per bucket, each bucket [`ChartSeries::bucket_seconds`] long
/// (1 until the series outlasts [`MAX_BUCKETS`] seconds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartSeries {
    /// Seconds each value covers.
    pub bucket_seconds: u64,
    /// The values, from the first second.
    pub values: Vec<u64>,
}

impl ChartSeries {
    /// Each value with the second its bucket starts at.
    pub fn points(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        let width = self.bucket_seconds.max(1);
        (0u64..)
            .map(move |i| i.saturating_mul(width))
            .zip(self.values.iter().copied())
    }

    /// Seconds the series covers.
    pub fn seconds(&self) -> u64 {
        (self.values.len() as u64).saturating_mul(self.bucket_seconds.max(1))
    }
}

/// The charts of one stream: video and audio bytes per second of media time, and the largest
/// lag (ms) per second of capture time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamCharts {
    /// Video bytes per second.
    pub video: ChartSeries,
    /// Audio bytes per second.
    pub audio: ChartSeries,
    /// How far arrival fell behind media time, ms, the most in each second.
    pub lag_ms: ChartSeries,
}

impl StreamCharts {
    /// Values held (for memory accounting).
    pub fn len(&self) -> usize {
        self.video.values.len() + self.audio.values.len() + self.lag_ms.values.len()
    }

    /// True when no series has a value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Values per bucket of seconds, at most [`MAX_BUCKETS`] of them: when a value lies past the
/// last, neighbouring buckets merge (`combine`d) and each covers twice as long.
#[derive(Debug, Clone, Default)]
struct Buckets {
    /// Seconds each bucket covers (a power of two; 0 until the first value, then 1).
    bucket_seconds: u64,
    values: Vec<u64>,
}

impl Buckets {
    /// Combines `value` into the bucket of `second`, merging buckets while it lies past the
    /// last.
    fn add(&mut self, second: u64, value: u64, combine: fn(u64, u64) -> u64) {
        self.bucket_seconds = self.bucket_seconds.max(1);
        while second / self.bucket_seconds >= MAX_BUCKETS as u64
            && self.bucket_seconds < MAX_BUCKET_SECONDS
        {
            self.values = self
                .values
                .chunks(2)
                .map(|pair| pair.iter().fold(0, |merged, &v| combine(merged, v)))
                .collect();
            self.bucket_seconds = self.bucket_seconds.saturating_mul(2);
        }
        let index = usize::try_from(second / self.bucket_seconds)
            .unwrap_or(usize::MAX)
            .min(MAX_BUCKETS - 1);
        if index >= self.values.len() {
            self.values.resize(index + 1, 0);
        }
        if let Some(slot) = self.values.get_mut(index) {
            *slot = combine(*slot, value);
        }
    }

    /// Seconds the buckets cover so far.
    fn seconds_covered(&self) -> u64 {
        (self.values.len() as u64).saturating_mul(self.bucket_seconds)
    }

    /// Seconds each bucket covers.
    fn bucket_seconds(&self) -> u64 {
        self.bucket_seconds.max(1)
    }
}

/// The largest value seen in each second of capture time (how far a stream's arrival lagged
/// behind its media time), bounded as [`RateSeries`] is; merged buckets keep the larger.
#[derive(Debug, Clone, Default)]
pub struct PeakSeries {
    buckets: Buckets,
}

impl PeakSeries {
    /// Records `value` in `second` (counted from the series' start).
    pub fn add(&mut self, second: u64, value: u64) {
        self.buckets.add(second, value, u64::max);
    }

    /// The largest value in each bucket, from the first second.
    pub fn per_bucket(&self) -> &[u64] {
        &self.buckets.values
    }

    /// Seconds each bucket of [`PeakSeries::per_bucket`] covers.
    pub fn bucket_seconds(&self) -> u64 {
        self.buckets.bucket_seconds()
    }

    /// The series for a chart.
    pub fn chart(&self) -> ChartSeries {
        ChartSeries {
            bucket_seconds: self.bucket_seconds(),
            values: self.per_bucket().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_by_second_of_media_time() {
        let mut series = RateSeries::default();
        for (ts, bytes) in [(1000, 100), (1500, 100), (2000, 50), (3999, 10)] {
            series.add(ts, bytes);
        }
        assert_eq!(series.per_bucket(), &[200, 50, 10]);
        let rates = series.bitrates(260, 2.0);
        // The window from 1500 to 2499 ms holds 150 bytes; from 1000 to 1999, 200.
        assert_eq!(rates.peak_kbps, 1.6);
        assert_eq!(rates.average_kbps, 1.04);
    }

    #[test]
    fn the_peak_window_slides_across_bucket_boundaries() {
        let mut series = RateSeries::default();
        for (ts, bytes) in [(0, 10), (900, 100), (1100, 100), (1950, 10)] {
            series.add(ts, bytes);
        }
        // Buckets say at most 110 bytes a second; 900..1899 holds 200.
        assert_eq!(series.per_bucket(), &[110, 110]);
        assert_eq!(series.bitrates(220, 2.0).peak_kbps, 1.6);
    }

    #[test]
    fn a_jump_does_not_allocate_the_skipped_seconds() {
        let mut series = RateSeries::default();
        series.add(0, 1);
        series.add(4_000_000_000, 2);
        series.add(4_000_000_500, 3);
        assert_eq!(series.per_bucket(), &[1, 5]);
        series.add(10, 4); // before the new segment: first second of it
        assert_eq!(series.per_bucket(), &[1, 9]);
    }

    #[test]
    fn a_long_stream_merges_buckets_instead_of_growing() {
        let mut series = RateSeries::default();
        for second in 0..(4 * MAX_BUCKETS as u64) {
            series.add(second * 1000, 10);
        }
        assert_eq!(series.bucket_seconds(), 4);
        assert_eq!(series.per_bucket().len(), MAX_BUCKETS);
        assert!(series.per_bucket().iter().all(|&bytes| bytes == 40));
        // Minute steps for four hours: 240 messages, still one bounded series.
        let mut steps = RateSeries::default();
        for minute in 0..240u64 {
            steps.add(minute * 60_000, 1);
        }
        assert!(steps.per_bucket().len() <= MAX_BUCKETS);
        assert_eq!(steps.per_bucket().iter().sum::<u64>(), 240);
    }

    #[test]
    fn a_peak_series_keeps_the_largest_value_through_merges() {
        let mut lag = PeakSeries::default();
        for second in 0..(MAX_BUCKETS as u64 * 2) {
            lag.add(second, second % 7);
        }
        lag.add(3, 900);
        assert_eq!(lag.bucket_seconds(), 2);
        assert_eq!(lag.per_bucket().len(), MAX_BUCKETS);
        assert_eq!(lag.per_bucket()[1], 900);
        assert_eq!(lag.per_bucket()[0], 1);
    }
}
