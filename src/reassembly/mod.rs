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
//! - the flow closes (FIN, RST, idle timeout, end of capture): [`GapReason::Closed`];
//! - the packet was cut by the snap length: [`GapReason::Truncated`].
//!
//! Roles: the sender of a SYN is the client. Without a SYN (capture started mid-connection) the
//! side on a well-known port (1935, 1936, 80, 443, 8080, then any port below 1024, then the lower
//! port) is taken as the server. A lone RST or a bare ACK never opens a flow, and packets of a
//! connection closed within the last minute are ignored rather than opening a ghost flow.

// Decoders read bytes anyone can send: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod stream;

use std::collections::VecDeque;
use std::net::SocketAddr;

use serde::Serialize;

use crate::common::fasthash::FastHashMap;
use crate::common::{Direction, Endpoints, Notice, PacketMeta, Timestamp};
use crate::net::TcpSegment;
pub use stream::{Piece, StreamAssembler};

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
    fn notice(&mut self, notice: &Notice) {
        let _ = notice;
    }

    /// The input ended and every flow has been closed: anything that outlives a single flow
    /// (an RTMPT tunnel) ends now.
    fn finish(&mut self, meta: &PacketMeta) {
        let _ = meta;
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
            max_flows: 1 << 18,
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
    /// Flows evicted to stay within `max_flows`.
    pub evictions: u64,
    /// Overlapping retransmissions whose bytes differed from the first copy.
    pub overlap_mismatches: u64,
    /// Segments of recently closed connections, ignored.
    pub late_segments: u64,
}

/// The flow table: one entry per TCP connection, each with two [`StreamAssembler`]s.
#[derive(Debug)]
pub struct Reassembler {
    config: ReassemblyConfig,
    stats: ReassemblyStats,
    /// Boxed: the table then holds small entries, so the slack a hash table keeps under
    /// churn (up to four slots a live entry) costs little.
    flows: FastHashMap<FlowKey, Box<Flow>>,
    /// Flow keys in the order they were last admitted to the clock: eviction and idle checks
    /// walk it from the front (see [`Reassembler::evict_one`]).
    clock: VecDeque<(FlowKey, FlowId)>,
    /// Recently closed connections: late packets of these do not open ghost flows.
    closed: FastHashMap<FlowKey, Timestamp>,
    next_id: u64,
    held_total: usize,
    last_idle_check: Timestamp,
}

impl Default for Reassembler {
    fn default() -> Self {
        Reassembler::new(ReassemblyConfig::default())
    }
}

impl Reassembler {
    /// A reassembler with the given bounds.
    pub fn new(config: ReassemblyConfig) -> Self {
        Reassembler {
            config,
            stats: ReassemblyStats::default(),
            flows: FastHashMap::default(),
            clock: VecDeque::new(),
            closed: FastHashMap::default(),
            next_id: 1,
            held_total: 0,
            last_idle_check: Timestamp::default(),
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> ReassemblyStats {
        self.stats
    }

    /// Flows currently tracked.
    pub fn flow_count(&self) -> usize {
        self.flows.len()
    }

    /// Out-of-order bytes currently held, all flows.
    pub fn held_bytes(&self) -> usize {
        self.held_total
    }

    /// Processes one TCP segment captured in the packet `meta`, telling `sink` what it makes
    /// deliverable. Also closes flows idle for longer than the timeout (capture time).
    pub fn process(
        &mut self,
        meta: &PacketMeta,
        segment: &TcpSegment<'_>,
        sink: &mut impl StreamSink,
    ) {
        self.stats.segments += 1;
        if meta.time.micros_since(self.last_idle_check) >= IDLE_CHECK_INTERVAL_MICROS {
            self.last_idle_check = meta.time;
            self.expire_idle(meta, sink);
        }
        let key = FlowKey::new(segment.src, segment.dst);
        if !self.flows.contains_key(&key) && !self.admit(meta, &key, segment, sink) {
            return;
        }
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        let held_before = flow.held_bytes();
        let outcome = flow.segment(meta, segment, &self.config, &mut self.stats, sink);
        let held_after = flow.held_bytes();
        self.held_total = self.held_total - held_before + held_after;
        if self.held_total > self.config.memcap {
            // Over the global cap: the flow that just grew gives up its holes.
            flow.flush_holes(meta, GapReason::MemoryCap, &mut self.stats, sink);
            self.held_total -= held_after - flow.held_bytes();
        }
        if let Some(reason) = outcome.close {
            self.close(meta, &key, reason, sink);
        }
    }

    /// Creates the flow for a segment of an unknown connection; false if it should not have one.
    fn admit(
        &mut self,
        meta: &PacketMeta,
        key: &FlowKey,
        segment: &TcpSegment<'_>,
        sink: &mut impl StreamSink,
    ) -> bool {
        let flags = segment.flags;
        let has_content = !segment.payload.is_empty() || segment.missing > 0 || flags.fin;
        // A lone RST, or a bare ACK of an unknown or just-closed connection, opens nothing.
        if flags.rst || !(flags.syn || has_content) {
            return false;
        }
        if !flags.syn && self.closed.contains_key(key) {
            self.stats.late_segments += 1;
            return false;
        }
        self.closed.remove(key);
        while self.flows.len() >= self.config.max_flows.max(1) {
            if !self.evict_one(meta, sink) {
                break;
            }
        }
        let endpoints = roles(segment);
        let id = FlowId(self.next_id);
        self.next_id += 1;
        self.stats.flows += 1;
        let mid_stream = !flags.syn;
        self.flows
            .insert(*key, Box::new(Flow::new(id, endpoints, meta.time)));
        self.clock.push_back((*key, id));
        sink.stream_event(meta, id, &endpoints, StreamEvent::Open { mid_stream });
        true
    }

    /// Evicts the least recently active flow, by the clock (second-chance) rule: a flow seen
    /// since it last passed the front of the queue goes to the back instead. Amortised O(1).
    fn evict_one(&mut self, meta: &PacketMeta, sink: &mut impl StreamSink) -> bool {
        while let Some((key, id)) = self.clock.pop_front() {
            let Some(flow) = self.flows.get_mut(&key) else {
                continue; // closed already
            };
            if flow.id != id {
                continue; // a newer connection reusing the endpoints has its own entry
            }
            if flow.referenced {
                flow.referenced = false;
                self.clock.push_back((key, id));
                continue;
            }
            self.stats.evictions += 1;
            if self.stats.evictions == 1 {
                sink.notice(&Notice {
                    frame: Some(meta.frame),
                    time: Some(meta.time),
                    code: "flow_table_full",
                    message: format!(
                        "more than {} TCP flows at once: the least recently active are dropped",
                        self.config.max_flows
                    ),
                });
            }
            self.close(meta, &key, CloseReason::Evicted, sink);
            return true;
        }
        false
    }

    /// Closes flows idle longer than the timeout, and forgets old closed connections. Walks a
    /// bounded part of the clock each time, so a huge table costs little per check.
    fn expire_idle(&mut self, meta: &PacketMeta, sink: &mut impl StreamSink) {
        let timeout = self.config.idle_timeout_micros;
        self.closed
            .retain(|_, closed_at| meta.time.micros_since(*closed_at) < CLOSED_MEMORY_MICROS);
        let budget = (self.clock.len() / 16).max(1024).min(self.clock.len());
        for _ in 0..budget {
            let Some((key, id)) = self.clock.pop_front() else {
                break;
            };
            let Some(flow) = self.flows.get(&key).filter(|flow| flow.id == id) else {
                continue;
            };
            if meta.time.micros_since(flow.last_seen) > timeout {
                self.close(meta, &key, CloseReason::Timeout, sink);
            } else {
                self.clock.push_back((key, id));
            }
        }
    }

    /// Flushes and removes a flow, telling the sink it closed.
    fn close(
        &mut self,
        meta: &PacketMeta,
        key: &FlowKey,
        reason: CloseReason,
        sink: &mut impl StreamSink,
    ) {
        let Some(mut flow) = self.flows.remove(key) else {
            return;
        };
        let held = flow.held_bytes();
        flow.flush_holes(meta, GapReason::Closed, &mut self.stats, sink);
        self.held_total -= held;
        sink.stream_event(
            meta,
            flow.id,
            &flow.endpoints,
            StreamEvent::Close { reason },
        );
        if reason != CloseReason::Evicted {
            self.closed.insert(*key, meta.time);
        }
    }

    /// End of input: every open flow reports its remaining holes as gaps and closes, in
    /// flow-id order.
    pub fn finish(&mut self, meta: &PacketMeta, sink: &mut impl StreamSink) {
        let mut open: Vec<(FlowId, FlowKey)> = self
            .flows
            .iter()
            .map(|(key, flow)| (flow.id, *key))
            .collect();
        open.sort_unstable_by_key(|(id, _)| *id);
        for (_, key) in open {
            self.close(meta, &key, CloseReason::EndOfCapture, sink);
        }
        self.clock.clear();
        self.closed.clear();
        sink.finish(meta);
        if self.stats.evictions > 0 {
            sink.notice(&Notice {
                frame: Some(meta.frame),
                time: Some(meta.time),
                code: "flow_table_full",
                message: format!(
                    "{} TCP flows were dropped in all to stay within {} at once",
                    self.stats.evictions, self.config.max_flows
                ),
            });
        }
    }
}

/// How often (capture time) idle flows are looked for.
const IDLE_CHECK_INTERVAL_MICROS: i64 = 1_000_000;
/// How long a closed connection's endpoints are remembered, so its late packets are ignored.
const CLOSED_MEMORY_MICROS: i64 = 60_000_000;
/// Packets of a flow to wait, after the peer acknowledged past a hole, before declaring the
/// hole lost: fast loopback captures record some ACKs before the data they acknowledge.
const ACKED_HOLE_GRACE_PACKETS: u32 = 16;
/// Ports taken as the server side when no SYN shows who connected to whom.
const SERVER_PORTS: [u16; 5] = [1935, 1936, 80, 443, 8080];

/// A connection, whichever way a packet travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FlowKey {
    low: SocketAddr,
    high: SocketAddr,
}

impl FlowKey {
    fn new(a: SocketAddr, b: SocketAddr) -> Self {
        if a <= b {
            FlowKey { low: a, high: b }
        } else {
            FlowKey { low: b, high: a }
        }
    }
}

/// Who is client and who is server, from the first segment seen.
fn roles(segment: &TcpSegment<'_>) -> Endpoints {
    let (src, dst) = (segment.src, segment.dst);
    let sender_is_client = if segment.flags.syn {
        !segment.flags.ack // SYN: sender connects; SYN+ACK: sender accepts
    } else {
        is_server_port(dst.port(), src.port())
    };
    if sender_is_client {
        Endpoints {
            client: src,
            server: dst,
        }
    } else {
        Endpoints {
            client: dst,
            server: src,
        }
    }
}

/// Without a SYN: is `port` more likely the server's than `other`?
fn is_server_port(port: u16, other: u16) -> bool {
    let rank = |p: u16| {
        if SERVER_PORTS.contains(&p) {
            0
        } else if p < 1024 {
            1
        } else {
            2
        }
    };
    (rank(port), port) <= (rank(other), other)
}

/// One direction: the mapping from sequence numbers to offsets, and the assembler.
#[derive(Debug, Default)]
struct DirectionState {
    /// Sequence number of offset 0, once known.
    base: Option<u32>,
    stream: StreamAssembler,
    /// Offset of the FIN, once seen.
    fin: Option<u64>,
    /// The FIN has been delivered in order.
    finished: bool,
    /// The peer acknowledged past a hole; the packet count of the flow when it did.
    acked_hole: Option<(u64, u32)>,
}

impl DirectionState {
    /// Maps a sequence number to a stream offset near the next expected one (±2 GiB).
    fn offset_of(&self, seq: u32) -> Option<u64> {
        let base = self.base?;
        let next = self.stream.next_offset();
        let next_seq = base.wrapping_add(next as u32);
        let delta = i64::from(seq.wrapping_sub(next_seq) as i32);
        u64::try_from(next as i64 + delta).ok()
    }
}

/// What handling one segment asks of the table.
#[derive(Debug, Default)]
struct SegmentOutcome {
    close: Option<CloseReason>,
}

/// One TCP connection.
#[derive(Debug)]
struct Flow {
    id: FlowId,
    endpoints: Endpoints,
    dirs: [DirectionState; 2],
    last_seen: Timestamp,
    /// Seen since it last passed the clock's front (second-chance eviction).
    referenced: bool,
    packets: u32,
    mismatch_warnings: u32,
}

/// Most overlap-mismatch warnings per flow (the count goes on in the stats).
const MAX_MISMATCH_WARNINGS: u32 = 8;

impl Flow {
    fn new(id: FlowId, endpoints: Endpoints, now: Timestamp) -> Self {
        Flow {
            id,
            endpoints,
            dirs: [DirectionState::default(), DirectionState::default()],
            last_seen: now,
            referenced: false,
            packets: 0,
            mismatch_warnings: 0,
        }
    }

    fn held_bytes(&self) -> usize {
        self.dirs[0].stream.held_bytes() + self.dirs[1].stream.held_bytes()
    }

    fn direction_of(&self, segment: &TcpSegment<'_>) -> Direction {
        if segment.src == self.endpoints.client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        }
    }

    fn segment(
        &mut self,
        meta: &PacketMeta,
        segment: &TcpSegment<'_>,
        config: &ReassemblyConfig,
        stats: &mut ReassemblyStats,
        sink: &mut impl StreamSink,
    ) -> SegmentOutcome {
        self.last_seen = meta.time;
        self.referenced = true;
        self.packets = self.packets.saturating_add(1);
        let dir = self.direction_of(segment);
        if segment.flags.rst {
            return SegmentOutcome {
                close: Some(CloseReason::Rst),
            };
        }
        self.data(meta, dir, segment, config, stats, sink);
        if segment.flags.ack {
            self.acknowledgement(dir.reverse(), segment.ack);
        }
        self.check_acked_hole(meta, dir.reverse(), stats, sink);
        let close = self
            .dirs
            .iter()
            .all(|d| d.finished)
            .then_some(CloseReason::Fin);
        SegmentOutcome { close }
    }

    /// The sending direction's part: sequence mapping, payload, FIN.
    fn data(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        segment: &TcpSegment<'_>,
        config: &ReassemblyConfig,
        stats: &mut ReassemblyStats,
        sink: &mut impl StreamSink,
    ) {
        let side = dir.of_mut(&mut self.dirs);
        if segment.flags.syn {
            // Data starts after the SYN's own sequence number.
            side.base.get_or_insert(segment.seq.wrapping_add(1));
            return;
        }
        side.base.get_or_insert(segment.seq);
        let Some(offset) = side.offset_of(segment.seq) else {
            return;
        };
        let end = offset
            .saturating_add(segment.payload.len() as u64)
            .saturating_add(u64::from(segment.missing));
        if offset > side.stream.next_offset().saturating_add(MAX_AHEAD_BYTES) {
            let message = format!(
                "segment {offset} bytes into the stream lies far beyond the window; dropped"
            );
            self.warn(meta, dir, "tcp_out_of_window", &message, sink);
            return;
        }
        if segment.flags.fin {
            side.fin.get_or_insert(end);
        }
        let (id, endpoints) = (self.id, self.endpoints);
        let mut mismatch = None;
        let outcome = side.stream.insert(
            offset,
            segment.payload,
            u64::from(segment.missing),
            &mut |piece| {
                deliver(meta, id, &endpoints, dir, piece, stats, sink, &mut mismatch);
            },
        );
        if outcome.duplicate && (!segment.payload.is_empty() || segment.missing > 0) {
            stats.retransmissions += 1;
        }
        if side.stream.held_bytes() > config.max_buffered_per_direction {
            side.stream.skip_hole(GapReason::BufferFull, &mut |piece| {
                deliver(meta, id, &endpoints, dir, piece, stats, sink, &mut mismatch);
            });
        }
        self.report_mismatch(meta, dir, mismatch, stats, sink);
        self.check_fin(dir);
    }

    /// Tells the sink about a TCP anomaly on one direction of this flow.
    fn warn(
        &self,
        meta: &PacketMeta,
        dir: Direction,
        code: &'static str,
        message: &str,
        sink: &mut impl StreamSink,
    ) {
        let warning = StreamEvent::Warning {
            dir: Some(dir),
            code,
            message,
        };
        sink.stream_event(meta, self.id, &self.endpoints, warning);
    }

    fn report_mismatch(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        mismatch: Option<u64>,
        stats: &mut ReassemblyStats,
        sink: &mut impl StreamSink,
    ) {
        let Some(offset) = mismatch else {
            return;
        };
        stats.overlap_mismatches += 1;
        if self.mismatch_warnings < MAX_MISMATCH_WARNINGS {
            self.mismatch_warnings += 1;
            let message = format!("retransmitted bytes at stream offset {offset} differ from the first copy; the first copy was kept");
            self.warn(meta, dir, "tcp_overlap_mismatch", &message, sink);
        }
    }

    fn check_fin(&mut self, dir: Direction) {
        let side = dir.of_mut(&mut self.dirs);
        if side.fin.is_some_and(|fin| side.stream.next_offset() >= fin) {
            side.finished = true;
        }
    }

    /// The peer acknowledges `ack` of direction `dir`: remember a hole it acknowledged past.
    fn acknowledgement(&mut self, dir: Direction, ack: u32) {
        let packets = self.packets;
        let side = dir.of_mut(&mut self.dirs);
        let Some(acked) = side.offset_of(ack) else {
            return;
        };
        if acked > side.stream.next_offset() && !side.stream.is_idle() && side.acked_hole.is_none()
        {
            side.acked_hole = Some((acked, packets));
        }
    }

    /// Declares an acknowledged hole lost once the grace period has passed without it filling.
    fn check_acked_hole(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        stats: &mut ReassemblyStats,
        sink: &mut impl StreamSink,
    ) {
        let packets = self.packets;
        let (id, endpoints) = (self.id, self.endpoints);
        let side = dir.of_mut(&mut self.dirs);
        let Some((acked, since)) = side.acked_hole else {
            return;
        };
        if side.stream.next_offset() >= acked {
            side.acked_hole = None;
            return;
        }
        if packets.saturating_sub(since) < ACKED_HOLE_GRACE_PACKETS {
            return;
        }
        side.acked_hole = None;
        let mut mismatch = None;
        side.stream.skip_to(acked, GapReason::Acked, &mut |piece| {
            deliver(meta, id, &endpoints, dir, piece, stats, sink, &mut mismatch);
        });
        self.check_fin(dir);
    }

    /// Skips every hole in both directions (the flow is closing or over a memory cap).
    fn flush_holes(
        &mut self,
        meta: &PacketMeta,
        reason: GapReason,
        stats: &mut ReassemblyStats,
        sink: &mut impl StreamSink,
    ) {
        let (id, endpoints) = (self.id, self.endpoints);
        for dir in Direction::BOTH {
            let side = dir.of_mut(&mut self.dirs);
            let mut mismatch = None;
            side.stream.flush(reason, &mut |piece| {
                deliver(meta, id, &endpoints, dir, piece, stats, sink, &mut mismatch);
            });
            // A FIN beyond everything delivered: the bytes before it were never seen.
            if let Some(fin) = side.fin.filter(|_| reason == GapReason::Closed) {
                side.stream.skip_to(fin, reason, &mut |piece| {
                    deliver(meta, id, &endpoints, dir, piece, stats, sink, &mut mismatch);
                });
            }
        }
    }
}

/// Segments further ahead than this are junk, not a hole to wait for.
const MAX_AHEAD_BYTES: u64 = 1 << 30;

/// Hands one assembler piece to the sink as a stream event, counting it.
#[allow(clippy::too_many_arguments)]
fn deliver(
    meta: &PacketMeta,
    id: FlowId,
    endpoints: &Endpoints,
    dir: Direction,
    piece: Piece<'_>,
    stats: &mut ReassemblyStats,
    sink: &mut impl StreamSink,
    mismatch: &mut Option<u64>,
) {
    let event = match piece {
        Piece::Data(bytes) => {
            stats.bytes_delivered += bytes.len() as u64;
            StreamEvent::Data { dir, bytes }
        }
        Piece::Gap(bytes, reason) => {
            stats.gaps += 1;
            stats.gap_bytes += bytes;
            StreamEvent::Gap { dir, bytes, reason }
        }
        Piece::Mismatch(offset) => {
            mismatch.get_or_insert(offset);
            return;
        }
    };
    sink.stream_event(meta, id, endpoints, event);
}
