//! The pipeline's clock: capture timestamps, and where a packet sits in the capture.

use std::fmt;

use serde::{Serialize, Serializer};

/// A capture timestamp: microseconds since the Unix epoch.
///
/// The pipeline's only clock is the packet timestamp, so replays are deterministic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Builds a timestamp from a `timeval`-style pair (seconds and microseconds).
    pub fn from_secs_micros(secs: i64, micros: i64) -> Self {
        Timestamp(secs.saturating_mul(1_000_000).saturating_add(micros))
    }

    /// Microseconds elapsed from `earlier` to `self` (negative if `earlier` is later).
    pub fn micros_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Seconds since the epoch as a float; exact to the microsecond for any real date.
    pub fn as_secs_f64(self) -> f64 {
        // Dividing the exact integer count gives the float nearest to `secs.micros`, which
        // JSON writers then print as exactly six (or fewer) decimals.
        self.0 as f64 / 1e6
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(1_000_000);
        let micros = self.0.rem_euclid(1_000_000);
        write!(f, "{secs}.{micros:06}")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_secs_f64())
    }
}

/// Where a packet sits in the capture: its 1-based frame number (as Wireshark counts) and time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketMeta {
    /// 1-based index of the packet in the capture.
    pub frame: u64,
    /// Capture time of the packet.
    pub time: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_prints_six_decimals() {
        let t = Timestamp::from_secs_micros(1_196_541_506, 793_783);
        assert_eq!(t.to_string(), "1196541506.793783");
        assert_eq!(serde_json::to_string(&t).unwrap(), "1196541506.793783");
        let t = Timestamp::from_secs_micros(1_196_541_506, 4_000);
        assert_eq!(t.to_string(), "1196541506.004000");
        assert_eq!(serde_json::to_string(&t).unwrap(), "1196541506.004");
    }
}
