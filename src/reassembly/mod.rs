//! TCP stream reassembly: per flow, per direction, in order, with gaps made explicit.
//!
//! PLACEHOLDER: the reassembler is to be implemented. The types below are the contract.

use serde::Serialize;

use crate::event::{Direction, Endpoints, PacketMeta};

/// Identifies one TCP connection: 1-based, in order of first appearance in the capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowId(pub u64);

/// Why bytes were declared lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// The peer acknowledged data past the hole, so it will never be retransmitted to us.
    Acked,
    /// The flow's out-of-order buffer cap was reached while waiting.
    BufferFull,
    /// The global memory cap was reached while waiting.
    MemoryCap,
    /// The flow closed (FIN, RST, timeout, end of capture) with the hole still open.
    Closed,
    /// The capture cut the packet short (snap length).
    Truncated,
}

/// Why a flow ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// Both sides sent FIN (or one did and the capture ended).
    Fin,
    /// A side sent RST.
    Rst,
    /// No packet for longer than the idle timeout.
    Timeout,
    /// The capture ended with the flow still open.
    EndOfCapture,
    /// Dropped to stay within the flow-count or memory cap.
    Evicted,
}

/// What the reassembler tells the next stage about one flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEvent<'a> {
    /// A new flow. Always the flow's first event.
    Open {
        /// True when no SYN was seen, so the capture started mid-connection (roles are then
        /// a guess: the lower or well-known port is taken as the server).
        mid_stream: bool,
    },
    /// The next in-order bytes of one direction.
    Data {
        /// Direction.
        dir: Direction,
        /// The bytes.
        bytes: &'a [u8],
    },
    /// Bytes of one direction that will never arrive; the next data follows the hole.
    Gap {
        /// Direction.
        dir: Direction,
        /// Number of bytes missing.
        bytes: u64,
        /// Why the reassembler stopped waiting.
        reason: GapReason,
    },
    /// A TCP anomaly worth telling (overlap with different bytes, data after close, …).
    Warning {
        /// Direction, when it concerns one.
        dir: Option<Direction>,
        /// Stable code, e.g. `"tcp_overlap_mismatch"`.
        code: &'static str,
        /// Detail for a person (no allocation on the common path: only built for anomalies).
        message: &'a str,
    },
    /// The flow ended. Always the flow's last event.
    Close {
        /// Why.
        reason: CloseReason,
    },
}

/// The consumer of reassembled streams (the RTMP session table, or a flow lister).
pub trait StreamSink {
    /// One event of flow `flow`, triggered by the packet described by `meta`.
    fn stream_event(
        &mut self,
        meta: &PacketMeta,
        flow: FlowId,
        endpoints: &Endpoints,
        event: StreamEvent<'_>,
    );

    /// Something about the capture rather than a flow (malformed frame, unknown link type).
    fn notice(&mut self, notice: &crate::event::Notice) {
        let _ = notice;
    }
}

/// Bounds and timeouts of the reassembler. Every bound is named; hitting one is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyConfig {
    /// Most out-of-order bytes held for one direction of one flow, waiting for a hole to fill.
    pub max_buffered_per_direction: usize,
    /// Most out-of-order bytes held across all flows.
    pub memcap: usize,
    /// Most flows tracked at once; the least recently active flow is evicted beyond it.
    pub max_flows: usize,
    /// A flow with no packet for this long (capture time, microseconds) is closed.
    pub idle_timeout_micros: i64,
}

impl Default for ReassemblyConfig {
    fn default() -> Self {
        ReassemblyConfig {
            max_buffered_per_direction: 4 << 20,
            memcap: 128 << 20,
            max_flows: 1 << 20,
            idle_timeout_micros: 600_000_000,
        }
    }
}

/// Counters over a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReassemblyStats {
    /// Flows opened.
    pub flows: u64,
    /// Segments processed.
    pub segments: u64,
    /// In-order payload bytes delivered.
    pub bytes_delivered: u64,
    /// Gap events emitted.
    pub gaps: u64,
    /// Bytes declared lost.
    pub gap_bytes: u64,
    /// Segments that held only bytes already delivered (retransmissions).
    pub retransmissions: u64,
    /// Flows evicted to stay within `max_flows` or `memcap`.
    pub evictions: u64,
}

/// The flow table and per-direction reassemblers. PLACEHOLDER: to be implemented.
#[derive(Debug, Default)]
pub struct Reassembler {
    config: ReassemblyConfig,
    stats: ReassemblyStats,
}

impl Reassembler {
    /// A reassembler with the given bounds.
    pub fn new(config: ReassemblyConfig) -> Self {
        Reassembler {
            config,
            stats: ReassemblyStats::default(),
        }
    }

    /// Processes one TCP segment captured in the packet `meta`, telling `sink` what it makes
    /// deliverable. Also closes flows idle for longer than the timeout (capture time).
    pub fn process(
        &mut self,
        meta: &PacketMeta,
        segment: &crate::net::TcpSegment<'_>,
        sink: &mut impl StreamSink,
    ) {
        let _ = (meta, segment, sink, self.config);
    }

    /// End of input: every open flow reports its remaining holes as gaps and closes.
    pub fn finish(&mut self, meta: &PacketMeta, sink: &mut impl StreamSink) {
        let _ = (meta, sink);
    }

    /// Counters so far.
    pub fn stats(&self) -> ReassemblyStats {
        self.stats
    }
}
