//! What one connection's TCP packets say about the network between the peers: segments sent
//! again, zero windows, round-trip times and throughput.
//!
//! Everything here is fixed-size and lives inline in the flow (about 400 bytes, covered by
//! the per-connection cost the flow cap is computed from): round-trip samples are kept in a
//! [`RTT_SAMPLES`]-slot store that halves itself when full, so the median stays a median of
//! samples spread over the whole connection; minimum and maximum are exact.
//!
//! Definitions, chosen to match Wireshark's `tcp.analysis` flags:
//! - a *retransmission* is a segment carrying payload that starts before the highest sequence
//!   number already seen in its direction (a keep-alive, one byte just below it, is not one);
//! - a *zero window* is a segment that is not SYN, FIN or RST advertising a window of 0;
//! - a round-trip *sample* is the time from the client's SYN to its ACK of the SYN-ACK, or from
//!   a segment with new data to the first ACK covering it, timed on one segment per direction at
//!   a time and never on retransmitted data (Karn's rule). Measured where the capture was taken:
//!   next to the sender it is the whole round trip, next to the receiver only the part behind it.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::common::{Direction, Timestamp};
use crate::net::TcpSegment;

/// Round-trip samples kept per connection. When the store is full every second sample is
/// dropped and from then on only every second (fourth, …) sample is taken.
pub const RTT_SAMPLES: usize = 64;

/// The network facts of one connection so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkFacts {
    /// Segments sent again (both directions).
    pub retransmissions: u64,
    /// Payload bytes in those segments.
    pub retransmitted_bytes: u64,
    /// Segments advertising a zero receive window.
    pub zero_windows: u64,
    /// Round-trip samples taken.
    pub rtt_samples: u64,
    /// Smallest, median and largest round trip, in microseconds (0 without samples).
    pub rtt_min_us: u64,
    /// Median round trip of the samples kept.
    pub rtt_median_us: u64,
    /// Largest round trip.
    pub rtt_max_us: u64,
    /// The most payload bytes (first copies and retransmissions) sent by the client in one
    /// second of capture time.
    pub peak_bytes_per_s_c2s: u64,
    /// The same for the server.
    pub peak_bytes_per_s_s2c: u64,
}

impl Serialize for NetworkFacts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Rtt {
            min: f64,
            median: f64,
            max: f64,
        }
        #[derive(Serialize)]
        struct Peak {
            c2s: f64,
            s2c: f64,
        }
        let ms = |us: u64| us as f64 / 1000.0;
        let kbps = |bytes: u64| bytes as f64 * 8.0 / 1000.0;
        let mut out = serializer.serialize_struct("NetworkFacts", 5)?;
        out.serialize_field("retransmissions", &self.retransmissions)?;
        out.serialize_field("retransmitted_bytes", &self.retransmitted_bytes)?;
        out.serialize_field("zero_windows", &self.zero_windows)?;
        if self.rtt_samples > 0 {
            out.serialize_field(
                "rtt_ms",
                &Rtt {
                    min: ms(self.rtt_min_us),
                    median: ms(self.rtt_median_us),
                    max: ms(self.rtt_max_us),
                },
            )?;
        } else {
            out.skip_field("rtt_ms")?;
        }
        out.serialize_field(
            "peak_kbps",
            &Peak {
                c2s: kbps(self.peak_bytes_per_s_c2s),
                s2c: kbps(self.peak_bytes_per_s_s2c),
            },
        )?;
        out.end()
    }
}

/// One direction's sequence-space and timing state.
#[derive(Debug, Default)]
struct DirectionNet {
    /// End (stream offset) of the highest segment seen.
    max_end: Option<u64>,
    /// The segment being timed: the offset that acknowledges it and when it was seen.
    probe: Option<(u64, Timestamp)>,
    /// The second of capture time being counted, its bytes, and the most any second held.
    second: i64,
    second_bytes: u64,
    peak_bytes: u64,
}

/// A bounded store of round-trip samples (microseconds).
#[derive(Debug, Clone)]
struct RttStore {
    kept: [u32; RTT_SAMPLES],
    len: usize,
    /// One sample in `stride` is kept (a power of two).
    stride: u64,
    count: u64,
    min: u64,
    max: u64,
}

impl Default for RttStore {
    fn default() -> Self {
        RttStore {
            kept: [0; RTT_SAMPLES],
            len: 0,
            stride: 1,
            count: 0,
            min: 0,
            max: 0,
        }
    }
}

impl RttStore {
    fn add(&mut self, micros: u64) {
        if self.count == 0 {
            self.min = micros;
        }
        self.min = self.min.min(micros);
        self.max = self.max.max(micros);
        let take = self.count.is_multiple_of(self.stride);
        self.count = self.count.saturating_add(1);
        if !take {
            return;
        }
        if self.len == RTT_SAMPLES {
            for index in 0..RTT_SAMPLES / 2 {
                let kept = self.kept.get(index * 2).copied().unwrap_or(0);
                if let Some(slot) = self.kept.get_mut(index) {
                    *slot = kept;
                }
            }
            self.len = RTT_SAMPLES / 2;
            self.stride = self.stride.saturating_mul(2);
        }
        if let Some(slot) = self.kept.get_mut(self.len) {
            *slot = u32::try_from(micros).unwrap_or(u32::MAX);
            self.len += 1;
        }
    }

    fn median(&self) -> u64 {
        let mut sorted = self.kept;
        let kept = sorted.get_mut(..self.len).unwrap_or_default();
        kept.sort_unstable();
        kept.get(kept.len() / 2).map_or(0, |&us| u64::from(us))
    }
}

/// The network state of one connection.
#[derive(Debug, Default)]
pub(super) struct NetworkState {
    dirs: [DirectionNet; 2],
    /// When the client's SYN was seen (cleared when it is sent again, or once timed).
    syn_at: Option<Timestamp>,
    syn_ack_seen: bool,
    retransmissions: u64,
    retransmitted_bytes: u64,
    zero_windows: u64,
    rtt: RttStore,
    /// Counters at the last live update, and its time.
    reported: Option<(Timestamp, u64, u64)>,
}

impl NetworkState {
    /// Flags and window of a segment sent in direction `dir`, before its data is placed.
    pub(super) fn flags(&mut self, dir: Direction, segment: &TcpSegment<'_>, time: Timestamp) {
        let flags = segment.flags;
        if segment.window == 0 && !flags.syn && !flags.fin && !flags.rst {
            self.zero_windows = self.zero_windows.saturating_add(1);
        }
        match (dir, flags.syn, flags.ack) {
            (Direction::ClientToServer, true, false) => {
                // A SYN sent again cannot be timed (Karn's rule).
                self.syn_at = if self.syn_at.is_some() || self.syn_ack_seen {
                    None
                } else {
                    Some(time)
                };
            }
            (Direction::ServerToClient, true, true) => self.syn_ack_seen = true,
            (Direction::ClientToServer, false, true) if self.syn_ack_seen => {
                if let Some(sent) = self.syn_at.take() {
                    self.sample(time, sent);
                }
            }
            _ => {}
        }
    }

    /// A segment of direction `dir` covering stream offsets `offset..end` (`end > offset`).
    pub(super) fn data(&mut self, dir: Direction, offset: u64, end: u64, time: Timestamp) {
        let side = dir.of_mut(&mut self.dirs);
        let bytes = end.saturating_sub(offset);
        let second = time.0.div_euclid(1_000_000);
        if second != side.second {
            side.second = second;
            side.second_bytes = 0;
        }
        side.second_bytes = side.second_bytes.saturating_add(bytes);
        side.peak_bytes = side.peak_bytes.max(side.second_bytes);
        match side.max_end {
            Some(max_end) if offset < max_end => {
                let keep_alive = bytes <= 1 && offset.saturating_add(1) == max_end;
                if !keep_alive {
                    self.retransmissions = self.retransmissions.saturating_add(1);
                    self.retransmitted_bytes = self.retransmitted_bytes.saturating_add(bytes);
                    if side.probe.is_some_and(|(acked_at, _)| offset < acked_at) {
                        side.probe = None;
                    }
                }
                side.max_end = Some(max_end.max(end));
            }
            _ => {
                side.max_end = Some(end);
                side.probe.get_or_insert((end, time));
            }
        }
    }

    /// The peer acknowledged direction `dir` up to stream offset `acked`.
    pub(super) fn ack(&mut self, dir: Direction, acked: u64, time: Timestamp) {
        let side = dir.of_mut(&mut self.dirs);
        if let Some((until, sent)) = side.probe {
            if acked >= until {
                side.probe = None;
                self.sample(time, sent);
            }
        }
    }

    fn sample(&mut self, time: Timestamp, sent: Timestamp) {
        if let Ok(micros) = u64::try_from(time.micros_since(sent)) {
            self.rtt.add(micros);
        }
    }

    /// The facts so far.
    pub(super) fn facts(&self) -> NetworkFacts {
        let [c2s, s2c] = &self.dirs;
        NetworkFacts {
            retransmissions: self.retransmissions,
            retransmitted_bytes: self.retransmitted_bytes,
            zero_windows: self.zero_windows,
            rtt_samples: self.rtt.count,
            rtt_min_us: self.rtt.min,
            rtt_median_us: self.rtt.median(),
            rtt_max_us: self.rtt.max,
            peak_bytes_per_s_c2s: c2s.peak_bytes,
            peak_bytes_per_s_s2c: s2c.peak_bytes,
        }
    }

    /// For live updates: the facts, when retransmissions or zero windows were counted since
    /// the last update and that update is at least [`UPDATE_INTERVAL_MICROS`] old.
    pub(super) fn update(&mut self, time: Timestamp) -> Option<NetworkFacts> {
        let counters = (self.retransmissions, self.zero_windows);
        let due = match self.reported {
            None => counters != (0, 0),
            Some((at, retransmissions, zero_windows)) => {
                counters != (retransmissions, zero_windows)
                    && time.micros_since(at) >= UPDATE_INTERVAL_MICROS
            }
        };
        if !due {
            return None;
        }
        self.reported = Some((time, counters.0, counters.1));
        Some(self.facts())
    }
}

/// Live updates of a connection's network facts come at most this often (capture time).
pub const UPDATE_INTERVAL_MICROS: i64 = 1_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retransmissions_keep_alives_and_round_trips() {
        let mut net = NetworkState::default();
        let c2s = Direction::ClientToServer;
        let t = |ms: i64| Timestamp(ms * 1000);
        net.data(c2s, 0, 100, t(0));
        net.data(c2s, 100, 200, t(1));
        net.ack(c2s, 100, t(20)); // times the first segment: 20 ms
        net.data(c2s, 100, 200, t(30)); // sent again
        net.data(c2s, 199, 200, t(40)); // keep-alive
        net.data(c2s, 200, 300, t(50));
        net.ack(c2s, 300, t(60)); // times the segment at 200: 10 ms
        let facts = net.facts();
        assert_eq!((facts.retransmissions, facts.retransmitted_bytes), (1, 100));
        assert_eq!(
            (facts.rtt_samples, facts.rtt_min_us, facts.rtt_max_us),
            (2, 10_000, 20_000)
        );
    }

    #[test]
    fn the_sample_store_stays_bounded_and_keeps_the_median() {
        let mut store = RttStore::default();
        for micros in 1..=1000u64 {
            store.add(micros);
        }
        assert!(store.len <= RTT_SAMPLES);
        assert_eq!((store.min, store.max, store.count), (1, 1000, 1000));
        let median = store.median();
        assert!((450..=550).contains(&median), "{median}");
    }
}
