//! A memory budget shared by every session's buffers, so that the sum over all flows stays
//! under the cap however many flows an input opens (`--memory-cap`).
//!
//! A [`Charge`] is one holder's share: it grows only while the budget allows and gives its
//! bytes back when it is dropped, so no path can leak budget. The counter is atomic, so holders
//! on other threads (the TUI's history, an exporter) can share the decoders' budget; charges
//! change on buffer growth, not per byte, so the atomics cost nothing measurable.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The budget: a limit and what is in use, shared by clones.
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    used: Arc<AtomicUsize>,
    limit: usize,
}

impl MemoryBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Self {
        MemoryBudget {
            used: Arc::new(AtomicUsize::new(0)),
            limit,
        }
    }

    /// A budget that never refuses (for decoders used on their own).
    pub fn unlimited() -> Self {
        MemoryBudget::new(usize::MAX)
    }

    /// Bytes in use across all charges.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A new, empty charge against this budget.
    pub fn charge(&self) -> Charge {
        Charge {
            budget: self.clone(),
            bytes: 0,
        }
    }
}

/// One holder's share of a [`MemoryBudget`]; given back when dropped.
#[derive(Debug)]
pub struct Charge {
    budget: MemoryBudget,
    bytes: usize,
}

impl Charge {
    /// Bytes this charge holds.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Takes `bytes` more if the budget has room; false (and nothing taken) otherwise.
    pub fn try_grow(&mut self, bytes: usize) -> bool {
        let limit = self.budget.limit;
        let taken = self
            .budget
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(bytes).filter(|total| *total <= limit)
            })
            .is_ok();
        if taken {
            self.bytes += bytes;
        }
        taken
    }

    /// Gives back `bytes` (at most what this charge holds).
    pub fn shrink(&mut self, bytes: usize) {
        let bytes = bytes.min(self.bytes);
        self.bytes -= bytes;
        self.budget.used.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Gives back everything this charge holds.
    pub fn clear(&mut self) {
        self.shrink(self.bytes);
    }

    /// Grows or shrinks to `wanted` bytes, or as close as the budget allows; returns the bytes
    /// now held.
    pub fn resize(&mut self, wanted: usize) -> usize {
        if wanted <= self.bytes {
            self.shrink(self.bytes - wanted);
        } else {
            let room = self
                .budget
                .limit
                .saturating_sub(self.budget.used())
                .min(wanted - self.bytes);
            self.try_grow(room);
        }
        self.bytes
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_share_the_limit_and_give_back_on_drop() {
        let budget = MemoryBudget::new(100);
        let mut first = budget.charge();
        let mut second = budget.charge();
        assert!(first.try_grow(60));
        assert!(!second.try_grow(50));
        assert_eq!(second.resize(50), 40);
        assert_eq!(budget.used(), 100);
        first.shrink(10);
        assert_eq!(budget.used(), 90);
        drop(first);
        assert_eq!(budget.used(), 40);
        second.clear();
        assert_eq!(budget.used(), 0);
        assert!(!budget.charge().try_grow(usize::MAX));
    }
}
