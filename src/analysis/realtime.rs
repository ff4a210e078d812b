//! Media time against capture time: does a stream arrive as fast as it plays?
//!
//! A live stream's media timestamps advance one second per second. Measured at the capture
//! point, a publisher that cannot push its media through the network (or an encoder that
//! cannot keep up) falls behind: media seconds per capture second (`ratio`) drops below 1 and
//! the arrival of each message lags further behind its timestamp (`lag`). A frozen sender
//! shows as a *stall*: no media arriving for longer than [`STALL_MICROS`], after which it
//! bursts to catch up (its timestamps are continuous, so only arrival times show it).
//!
//! Lag is measured against the best moment so far: `(arrival − first arrival) − (media − first
//! media)`, minus the smallest such value seen, so a burst at the start (a server's cached
//! keyframe) does not count as lag. A forward timestamp step longer than [`MAX_MEDIA_STEP_MS`]
//! (a jump, reported on its own) adds only that much media time, so one wild timestamp cannot
//! make lag meaningless.

use serde::Serialize;

use super::series::{ChartSeries, PeakSeries};
use crate::common::Timestamp;

/// No media for longer than this while a stream is live is a stall: a viewer's player has
/// usually drained its buffer by then (players start with 1–3 s of buffer and live low-latency
/// modes keep under a second), and a healthy stream has media every frame interval (40 ms at
/// 25 fps) and audio every ~23 ms.
pub const STALL_MICROS: i64 = 1_000_000;
/// Stalls kept per stream; more are counted (`stalls_dropped`).
pub const MAX_STALLS: usize = 32;
/// A forward timestamp step longer than this counts as only this much media time.
pub const MAX_MEDIA_STEP_MS: u64 = 1_000;

/// One spell with no media arriving.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stall {
    /// Capture time of the last media message before it.
    pub at: Timestamp,
    /// How long no media arrived.
    pub seconds: f64,
}

/// Media time against capture time for one stream, as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RealtimeReport {
    /// Media seconds received (timestamp advance).
    pub media_s: f64,
    /// Capture seconds from the first media message to the last.
    pub wall_s: f64,
    /// `media_s / wall_s`: below 1 the stream arrives slower than it plays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// The furthest arrival fell behind media time (relative to the best moment), seconds.
    pub max_lag_s: f64,
    /// Spells with no media for longer than a second, in order (at most 32).
    pub stalls: Vec<Stall>,
    /// Stalls not kept.
    #[serde(skip_serializing_if = "is_zero")]
    pub stalls_dropped: u64,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// Arrival against media time of one stream.
#[derive(Debug, Clone, Default)]
pub struct Realtime {
    /// Capture time of the first media message.
    first_arrival: Option<Timestamp>,
    last_arrival: Timestamp,
    /// Latest (largest) timestamp and the media time counted up to it.
    last_media_ms: u64,
    media_ms: u64,
    /// Lag of the best moment, and the largest lag beyond it, in microseconds.
    min_lag_us: i64,
    max_lag_us: i64,
    /// Lag at the latest message, beyond the best moment.
    lag_us: i64,
    stalls: Vec<Stall>,
    stalls_dropped: u64,
    /// The lag (ms) at its largest in each second of capture time.
    lag_series: PeakSeries,
    /// Live: a stall under way has been announced.
    pub(super) stall_announced: bool,
}

impl Realtime {
    /// A new run of timestamps starts at `media_ms` (their origin changed: a gap in the
    /// capture or a stream adopted mid-way). What lay between the runs is unknown, so it is
    /// taken to have kept pace with the capture: no false lag, no false step in media time.
    pub fn new_run(&mut self, time: Timestamp, media_ms: u64) {
        if self.first_arrival.is_none() {
            return;
        }
        let quiet_ms = u64::try_from(time.micros_since(self.last_arrival) / 1000).unwrap_or(0);
        self.media_ms = self.media_ms.saturating_add(quiet_ms);
        self.last_media_ms = media_ms;
    }

    /// A media message with timestamp `media_ms` arrived at `time`; returns the stall it ends,
    /// if it ends one.
    pub fn media(&mut self, time: Timestamp, media_ms: u64) -> Option<Stall> {
        let Some(first) = self.first_arrival else {
            self.first_arrival = Some(time);
            self.last_arrival = time;
            self.last_media_ms = media_ms;
            return None;
        };
        let quiet = time.micros_since(self.last_arrival);
        let stall = (quiet > STALL_MICROS).then(|| Stall {
            at: self.last_arrival,
            seconds: quiet as f64 / 1e6,
        });
        if let Some(stall) = stall {
            if self.stalls.len() < MAX_STALLS {
                self.stalls.push(stall);
            } else {
                self.stalls_dropped = self.stalls_dropped.saturating_add(1);
            }
        }
        self.stall_announced = false;
        self.last_arrival = self.last_arrival.max(time);
        if media_ms > self.last_media_ms {
            let step = (media_ms - self.last_media_ms).min(MAX_MEDIA_STEP_MS);
            self.media_ms = self.media_ms.saturating_add(step);
            self.last_media_ms = media_ms;
        }
        let media_us = i64::try_from(self.media_ms.saturating_mul(1000)).unwrap_or(i64::MAX);
        let lag = time.micros_since(first).saturating_sub(media_us);
        self.min_lag_us = self.min_lag_us.min(lag);
        self.lag_us = lag.saturating_sub(self.min_lag_us);
        self.max_lag_us = self.max_lag_us.max(self.lag_us);
        let second = u64::try_from(time.micros_since(first) / 1_000_000).unwrap_or(0);
        let lag_ms = u64::try_from(self.lag_us / 1000).unwrap_or(0);
        self.lag_series.add(second, lag_ms);
        stall
    }

    /// Capture time of the latest media message, once there was one.
    pub fn last_arrival(&self) -> Option<Timestamp> {
        self.first_arrival.map(|_| self.last_arrival)
    }

    /// Media milliseconds counted so far.
    pub fn media_ms(&self) -> u64 {
        self.media_ms
    }

    /// How far the latest message lagged behind media time (beyond the best moment), seconds.
    pub fn lag_s(&self) -> f64 {
        self.lag_us as f64 / 1e6
    }

    /// The lag (ms) at its largest in each second of capture time, for a chart.
    pub fn lag_chart(&self) -> ChartSeries {
        self.lag_series.chart()
    }

    /// The report, once media arrived.
    pub fn report(&self) -> Option<RealtimeReport> {
        let first = self.first_arrival?;
        let wall_s = self.last_arrival.micros_since(first) as f64 / 1e6;
        let media_s = self.media_ms as f64 / 1000.0;
        Some(RealtimeReport {
            media_s,
            wall_s,
            ratio: (wall_s > 0.0).then(|| round3(media_s / wall_s)),
            max_lag_s: self.max_lag_us as f64 / 1e6,
            stalls: self.stalls.clone(),
            stalls_dropped: self.stalls_dropped,
        })
    }
}

/// Rounded to three decimals (ratios are estimates; more digits only churn goldens).
pub fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp(ms * 1000)
    }

    #[test]
    fn a_frozen_sender_shows_as_one_stall_and_lag() {
        let mut realtime = Realtime::default();
        // 25 fps for 4 s, frozen 3 s, then the 3 s held back arrive in a burst.
        for frame in 0..100i64 {
            assert_eq!(realtime.media(at(frame * 40), frame as u64 * 40), None);
        }
        let stall = realtime.media(at(7000), 4000).expect("a stall");
        assert_eq!(stall.at, at(3960));
        assert!((stall.seconds - 3.04).abs() < 1e-9);
        for frame in 101..200i64 {
            realtime.media(at(7000 + (frame - 100) * 10), frame as u64 * 40);
        }
        let report = realtime.report().expect("media");
        assert_eq!(report.stalls.len(), 1);
        assert!(
            (report.max_lag_s - 3.0).abs() < 0.05,
            "{}",
            report.max_lag_s
        );
    }

    #[test]
    fn a_slow_link_shows_as_a_low_ratio() {
        let mut realtime = Realtime::default();
        // Each second of media takes four seconds to arrive.
        for frame in 0..250i64 {
            realtime.media(at(frame * 160), frame as u64 * 40);
        }
        let report = realtime.report().expect("media");
        assert_eq!(report.ratio, Some(0.25));
        assert!(report.stalls.is_empty());
        assert!(report.max_lag_s > 29.0);
    }
}
