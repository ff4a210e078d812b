//! The clock timeouts run on: capture time, but not trusted blindly.
//!
//! Packet timestamps are data. A single packet stamped far in the future (a clock step on the
//! capturing host, a corrupt record, a crafted file) must not make every flow look idle and
//! close it, nor make the real packets after it look "late". So the clock advances freely by
//! small steps, never goes back, and takes a big step forward only when two packets in a row
//! agree on the new time: a lone outlier is reported and ignored for timeouts, while a real
//! pause in the traffic (all later packets stamped after it) is followed.

use crate::common::{Notice, NoticeCode, PacketMeta, Timestamp};

/// The largest step forward the clock takes on one packet's word alone.
pub const MAX_TRUSTED_STEP_MICROS: i64 = 60_000_000;
/// Clock notices reported in full; later ones are only counted.
const MAX_CLOCK_NOTICES: u64 = 8;

/// The reassembler's clock.
#[derive(Debug, Default)]
pub struct CaptureClock {
    /// The trusted time: the latest packet time not suspected of being an outlier.
    now: Option<Timestamp>,
    /// A packet stamped far ahead of `now`, waiting for a second one to confirm the jump.
    suspect: Option<PacketMeta>,
    /// Outliers ignored and jumps followed, for the notice count.
    notices: u64,
}

impl CaptureClock {
    /// The trusted time (the epoch before any packet).
    pub fn now(&self) -> Timestamp {
        self.now.unwrap_or_default()
    }

    /// Takes one packet's time into account; returns a notice when the packet shows a clock
    /// outlier that was ignored, or confirms a jump that was followed.
    pub fn observe(&mut self, meta: &PacketMeta) -> Option<Notice> {
        let Some(now) = self.now else {
            self.now = Some(meta.time);
            return None;
        };
        let step = meta.time.micros_since(now);
        if step <= MAX_TRUSTED_STEP_MICROS {
            // In step (or behind: out-of-order packets never move the clock back). A suspect
            // that the traffic did not follow was an outlier.
            self.now = Some(now.max(meta.time));
            return self.suspect.take().and_then(|outlier| {
                let ahead = outlier.time.micros_since(now);
                self.notice(
                    &outlier,
                    format!(
                        "frame {} is stamped {} s after the packets around it; its time was not \
                         trusted for timeouts",
                        outlier.frame,
                        ahead / 1_000_000
                    ),
                )
            });
        }
        match self.suspect.take() {
            Some(first) if meta.time.micros_since(first.time).abs() <= MAX_TRUSTED_STEP_MICROS => {
                self.now = Some(meta.time);
                self.notice(
                    &first,
                    format!(
                        "the capture clock moves forward by {} s at frame {} (a pause in the \
                         traffic, or the capturing host's clock was set)",
                        step / 1_000_000,
                        first.frame
                    ),
                )
            }
            earlier => {
                self.suspect = Some(*meta);
                earlier.and_then(|outlier| {
                    self.notice(
                        &outlier,
                        format!(
                            "frame {} is stamped far from the packets around it; its time was \
                             not trusted for timeouts",
                            outlier.frame
                        ),
                    )
                })
            }
        }
    }

    /// A clock notice, or `None` once enough were reported.
    fn notice(&mut self, at: &PacketMeta, message: String) -> Option<Notice> {
        self.notices = self.notices.saturating_add(1);
        (self.notices <= MAX_CLOCK_NOTICES).then_some(Notice {
            frame: Some(at.frame),
            time: Some(at.time),
            code: NoticeCode::ClockJump,
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(frame: u64, secs: i64) -> PacketMeta {
        PacketMeta {
            frame,
            time: Timestamp::from_secs_micros(secs, 0),
        }
    }

    #[test]
    fn a_lone_outlier_does_not_move_the_clock() {
        let mut clock = CaptureClock::default();
        assert!(clock.observe(&at(1, 1000)).is_none());
        assert!(clock.observe(&at(2, 1001)).is_none());
        assert!(
            clock.observe(&at(3, 1711)).is_none(),
            "suspect, not yet judged"
        );
        assert_eq!(clock.now(), Timestamp::from_secs_micros(1001, 0));
        let notice = clock
            .observe(&at(4, 1002))
            .expect("the outlier is reported");
        assert_eq!(notice.frame, Some(3));
        assert_eq!(notice.code, NoticeCode::ClockJump);
        assert_eq!(clock.now(), Timestamp::from_secs_micros(1002, 0));
    }

    #[test]
    fn a_real_pause_is_followed_once_two_packets_agree() {
        let mut clock = CaptureClock::default();
        clock.observe(&at(1, 1000));
        assert!(clock.observe(&at(2, 1660)).is_none());
        assert_eq!(clock.now(), Timestamp::from_secs_micros(1000, 0));
        let notice = clock.observe(&at(3, 1660)).expect("the jump is reported");
        assert_eq!(notice.frame, Some(2));
        assert_eq!(clock.now(), Timestamp::from_secs_micros(1660, 0));
    }

    #[test]
    fn the_clock_never_goes_back() {
        let mut clock = CaptureClock::default();
        clock.observe(&at(1, 1000));
        clock.observe(&at(2, 990));
        assert_eq!(clock.now(), Timestamp::from_secs_micros(1000, 0));
    }
}
