//! The messages pane's time column and a session's duration.
//!
//! Times count from the first event of the capture, as the text output does (frame 12 of a
//! capture reads the same in both). Capture timestamps are data: a step forward larger than
//! the reassembler's clock trusts at once ([`MAX_TRUSTED_STEP_MICROS`]) is a clock jump (or a
//! long pause) and adds nothing to a session's duration.

use crate::common::Timestamp;
use crate::reassembly::clock::MAX_TRUSTED_STEP_MICROS;

/// How the time column reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeFormat {
    /// Seconds since the first event of the capture (the text output's time).
    #[default]
    SinceStart,
    /// Seconds since the row listed above it.
    Delta,
    /// Wall clock, UTC, to the microsecond.
    Absolute,
}

impl TimeFormat {
    /// The next format (`t` cycles through them).
    pub fn next(self) -> Self {
        match self {
            TimeFormat::SinceStart => TimeFormat::Delta,
            TimeFormat::Delta => TimeFormat::Absolute,
            TimeFormat::Absolute => TimeFormat::SinceStart,
        }
    }

    /// The column's header.
    pub fn header(self) -> &'static str {
        match self {
            TimeFormat::SinceStart => "time",
            TimeFormat::Delta => "delta",
            TimeFormat::Absolute => "time (UTC)",
        }
    }

    /// The column's width.
    pub fn width(self) -> u16 {
        match self {
            TimeFormat::SinceStart | TimeFormat::Delta => 11,
            TimeFormat::Absolute => 15,
        }
    }

    /// `time` as this format reads it: `origin` is the capture's first event, `previous` the
    /// time of the row listed before (None for the first).
    pub fn show(self, time: Timestamp, origin: Timestamp, previous: Option<Timestamp>) -> String {
        match self {
            TimeFormat::SinceStart => seconds(time.micros_since(origin), self.width()),
            TimeFormat::Delta => seconds(
                previous.map_or(0, |previous| time.micros_since(previous)),
                self.width(),
            ),
            TimeFormat::Absolute => {
                let of_day = time.0.rem_euclid(86_400_000_000);
                let (seconds, micros) = (of_day / 1_000_000, of_day % 1_000_000);
                format!(
                    "{:02}:{:02}:{:02}.{micros:06}",
                    seconds / 3600,
                    seconds / 60 % 60,
                    seconds % 60
                )
            }
        }
    }
}

/// Seconds with as many decimals (at most six) as fit in `width` characters.
fn seconds(micros: i64, width: u16) -> String {
    let value = micros as f64 / 1e6;
    (0..=6)
        .rev()
        .map(|decimals| format!("{value:.decimals$}"))
        .find(|text| text.len() <= usize::from(width))
        .unwrap_or_else(|| format!("{value:.0}"))
}

/// Time a session was active: the steps between its events, except steps the capture clock
/// would not trust at once (clock jumps, long pauses), which count nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveTime {
    last: Timestamp,
    micros: i64,
}

impl ActiveTime {
    /// Starting at `time`.
    pub fn new(time: Timestamp) -> Self {
        ActiveTime {
            last: time,
            micros: 0,
        }
    }

    /// An event at `time` (earlier ones change nothing).
    pub fn observe(&mut self, time: Timestamp) {
        let step = time.micros_since(self.last);
        if step <= 0 {
            return;
        }
        if step <= MAX_TRUSTED_STEP_MICROS {
            self.micros += step;
        }
        self.last = time;
    }

    /// Seconds active.
    pub fn seconds(self) -> f64 {
        self.micros as f64 / 1e6
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_fit_their_column() {
        let origin = Timestamp(1_700_000_000_000_000);
        let at = |micros| Timestamp(origin.0 + micros);
        let start = TimeFormat::SinceStart;
        assert_eq!(start.show(at(44_730), origin, None), "0.044730");
        // The nDPI capture's clock jump: fewer decimals, never wider than the column.
        assert_eq!(
            start.show(at(469_670_298_633_750), origin, None),
            "469670298.6"
        );
        let delta = TimeFormat::Delta;
        assert_eq!(delta.show(at(1_500), origin, Some(at(1_000))), "0.000500");
        assert_eq!(delta.show(at(1_500), origin, None), "0.000000");
        // 2023-11-14 22:13:20 UTC.
        assert_eq!(
            TimeFormat::Absolute.show(at(44_730), origin, None),
            "22:13:20.044730"
        );
        assert_eq!(start.next().next().next(), start);
    }

    #[test]
    fn a_clock_jump_adds_nothing_to_a_session() {
        let mut active = ActiveTime::new(Timestamp(0));
        active.observe(Timestamp(500_000));
        active.observe(Timestamp(469_670_298_000_000));
        active.observe(Timestamp(469_670_299_000_000));
        active.observe(Timestamp(469_670_298_500_000));
        assert_eq!(active.seconds(), 1.5);
    }
}
