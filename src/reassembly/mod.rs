//! TCP stream reassembly: per flow, per direction, in order, with gaps made explicit.
//!
//! The [`Reassembler`] keeps a flow table keyed by the connection's endpoints. Each flow maps
//! sequence numbers to 64-bit stream offsets per direction (so wrap-around is invisible past
//! this point) and hands in-order bytes to a [`StreamSink`] as slices of the packet. Holes
//! become explicit [`StreamEvent::Gap`]s when they cannot fill any more:
//! - the peer acknowledged past the hole (after a grace of a few packets, because fast
//!   loopback captures record some ACKs before the data they acknowledge): [`GapReason::Acked`];
//! - the direction holds more than `max_buffered_per_direction` bytes: [`GapReason::BufferFull`];
//! - all flows together hold more than `memcap` bytes: [`GapReason::MemoryCap`];
//! - the flow goes quiet for longer than the idle timeout: [`GapReason::Idle`];
//! - the flow closes (FIN, RST, timeout, end of capture): [`GapReason::Closed`];
//! - the packet was cut by the snap length: [`GapReason::Truncated`].
//!
//! Roles: the sender of a SYN is the client. Without a SYN (capture started mid-connection) the
//! side on a well-known port (1935, 1936, 80, 443, 8080, then any port below 1024, then the lower
//! port) is taken as the server. A lone RST or a bare ACK never opens a flow, and packets of a
//! connection closed within the last minute do not open a ghost flow (their bytes are reported
//! as a `late_data` notice).
//!
//! Time: timeouts run on a [`clock::CaptureClock`] that a lone outlier timestamp cannot move.
//! A flow quiet for longer than the idle timeout goes dormant (its holes are reported, its
//! buffers freed) and stays the same flow if it resumes with continuous sequence numbers; it is
//! closed as timed out only after [`DORMANT_TIMEOUTS`] idle timeouts, when the flow table
//! needs room, or when its endpoints carry a new connection.

// Decoders read bytes anyone can send: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod clock;
mod flow;
mod network;
mod stream;
mod table;

use serde::Serialize;

use crate::common::{Direction, Endpoints, Notice, PacketMeta, WarningCode};

pub use network::{NetworkFacts, RTT_SAMPLES};
pub use stream::{Piece, StreamAssembler};
pub use table::Reassembler;

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
    /// The flow went quiet for longer than the idle timeout with the hole still open.
    Idle,
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

impl CloseReason {
    /// The JSON spelling (`fin`, `rst`, `timeout`, `end_of_capture`, `evicted`).
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Fin => "fin",
            CloseReason::Rst => "rst",
            CloseReason::Timeout => "timeout",
            CloseReason::EndOfCapture => "end_of_capture",
            CloseReason::Evicted => "evicted",
        }
    }
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
        /// Stable code, e.g. `WarningCode::TcpOverlapMismatch`.
        code: WarningCode,
        /// Detail for a person (no allocation on the common path: only built for anomalies).
        message: &'a str,
    },
    /// The connection's network facts so far, when retransmissions or zero windows were
    /// counted since the last such event (at most one a second; only with
    /// [`ReassemblyConfig::network_updates`]).
    Network(NetworkFacts),
    /// The flow ended. Always the flow's last event.
    Close {
        /// Why.
        reason: CloseReason,
        /// What its packets said about the network.
        network: NetworkFacts,
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
    fn notice(&mut self, notice: &Notice) {
        let _ = notice;
    }

    /// The input ended and every flow has been closed: anything that outlives a single flow
    /// (an RTMPT tunnel) ends now.
    fn finish(&mut self, meta: &PacketMeta) {
        let _ = meta;
    }

    /// A live capture is quiet and capture time has reached `now` (see
    /// [`crate::session::event::EventSink::tick`]); never called on a file.
    fn tick(&mut self, now: crate::common::Timestamp) {
        let _ = now;
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
    /// A flow with no packet for this long (capture time, microseconds) goes dormant; it is
    /// closed after [`DORMANT_TIMEOUTS`] times as long.
    pub idle_timeout_micros: i64,
    /// Send [`StreamEvent::Network`] updates while a connection is open (live statistics).
    pub network_updates: bool,
}

impl Default for ReassemblyConfig {
    fn default() -> Self {
        ReassemblyConfig {
            max_buffered_per_direction: 4 << 20,
            memcap: 128 << 20,
            max_flows: 1 << 18,
            idle_timeout_micros: 600_000_000,
            network_updates: false,
        }
    }
}

/// A dormant flow is closed (as timed out) once it has been quiet for this many idle
/// timeouts: long enough for a stream paused for a while to resume as the same session, short
/// enough that a live monitor reports dead connections within the hour (at the default
/// 10-minute timeout).
pub const DORMANT_TIMEOUTS: i64 = 6;

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
    /// Flows evicted to stay within `max_flows`.
    pub evictions: u64,
    /// Overlapping retransmissions whose bytes differed from the first copy.
    pub overlap_mismatches: u64,
    /// Segments of recently closed connections, ignored.
    pub late_segments: u64,
    /// Payload bytes those segments carried.
    pub late_bytes: u64,
    /// Dormant flows that resumed with continuous sequence numbers.
    pub resumed: u64,
}
