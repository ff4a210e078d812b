//! Bytes per second of media time, for average and peak bitrates and the TUI's charts.

use std::collections::VecDeque;

use serde::Serialize;

/// Most seconds a series records (four hours); later seconds still count toward the totals.
const MAX_SECONDS: usize = 4 * 3600;
/// A forward timestamp jump longer than this starts a new segment instead of a run of empty
/// seconds, so a hostile timestamp cannot make the series allocate.
const MAX_JUMP_SECONDS: u64 = 60;
/// The window the peak bitrate is measured over, in ms.
const PEAK_WINDOW_MS: u64 = 1000;
/// Most messages held in the peak window (a hostile stream may send thousands with one
/// timestamp); past it the oldest leave early, which can only lower the peak.
const MAX_WINDOW_MESSAGES: usize = 4096;

/// Bytes per second of one media type, indexed by seconds since the stream's first message.
#[derive(Debug, Clone, Default)]
pub struct RateSeries {
    /// Timestamp (ms) that second 0 starts at; moved forward when timestamps jump.
    origin_ms: Option<u64>,
    /// Seconds already recorded before the current segment.
    offset: usize,
    /// Bytes in each second.
    seconds: Vec<u64>,
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
        let mut index = self.offset + (elapsed / 1000) as usize;
        if index > self.seconds.len() + MAX_JUMP_SECONDS as usize {
            // A jump: continue the series in the next second, from this timestamp.
            self.offset = self.seconds.len();
            self.origin_ms = Some(timestamp_ms);
            index = self.offset;
        }
        self.bump(index, bytes);
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

    fn bump(&mut self, index: usize, bytes: u64) {
        if index >= MAX_SECONDS {
            return;
        }
        if index >= self.seconds.len() {
            self.seconds.resize(index + 1, 0);
        }
        if let Some(slot) = self.seconds.get_mut(index) {
            *slot += bytes;
        }
    }

    /// Bytes per second, from the stream's first second.
    pub fn per_second(&self) -> &[u64] {
        &self.seconds
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_by_second_of_media_time() {
        let mut series = RateSeries::default();
        for (ts, bytes) in [(1000, 100), (1500, 100), (2000, 50), (3999, 10)] {
            series.add(ts, bytes);
        }
        assert_eq!(series.per_second(), &[200, 50, 10]);
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
        assert_eq!(series.per_second(), &[110, 110]);
        assert_eq!(series.bitrates(220, 2.0).peak_kbps, 1.6);
    }

    #[test]
    fn a_jump_does_not_allocate_the_skipped_seconds() {
        let mut series = RateSeries::default();
        series.add(0, 1);
        series.add(4_000_000_000, 2);
        series.add(4_000_000_500, 3);
        assert_eq!(series.per_second(), &[1, 5]);
        series.add(10, 4); // before the new segment: first second of it
        assert_eq!(series.per_second(), &[1, 9]);
    }
}
