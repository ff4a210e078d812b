//! One TCP connection's state: per direction, the sequence-number mapping, the assembler, the
//! FIN, and a hole the peer acknowledged past; and how its pieces reach the sink.

use super::network::NetworkState;
use super::{
    CloseReason, FlowId, GapReason, Piece, ReassemblyConfig, ReassemblyStats, StreamAssembler,
    StreamEvent, StreamSink,
};
use crate::common::WarningCode;
use crate::common::{Direction, Endpoints, PacketMeta, Timestamp};
use crate::net::TcpSegment;

/// One direction: the mapping from sequence numbers to offsets, and the assembler.
#[derive(Debug, Default)]
pub(super) struct DirectionState {
    /// Sequence number of offset 0, once known.
    pub(super) base: Option<u32>,
    pub(super) stream: StreamAssembler,
    /// Offset of the FIN, once seen.
    pub(super) fin: Option<u64>,
    /// The FIN has been delivered in order.
    pub(super) finished: bool,
    /// The peer acknowledged past a hole; the packet count of the flow when it did.
    pub(super) acked_hole: Option<(u64, u32)>,
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
pub(super) struct SegmentOutcome {
    pub(super) close: Option<CloseReason>,
}

/// One TCP connection.
#[derive(Debug)]
pub(super) struct Flow {
    pub(super) id: FlowId,
    pub(super) endpoints: Endpoints,
    pub(super) dirs: [DirectionState; 2],
    pub(super) last_seen: Timestamp,
    /// Seen since it last passed the clock's front (second-chance eviction).
    pub(super) referenced: bool,
    /// Quiet for longer than the idle timeout: holes reported, waiting to resume or close.
    pub(super) dormant: bool,
    pub(super) packets: u32,
    pub(super) mismatch_warnings: u32,
    /// Retransmissions, windows, round trips and throughput.
    pub(super) net: NetworkState,
}

/// Most overlap-mismatch warnings per flow (the count goes on in the stats).
pub(super) const MAX_MISMATCH_WARNINGS: u32 = 8;

impl Flow {
    pub(super) fn new(id: FlowId, endpoints: Endpoints, now: Timestamp) -> Self {
        Flow {
            id,
            endpoints,
            dirs: [DirectionState::default(), DirectionState::default()],
            last_seen: now,
            referenced: false,
            dormant: false,
            packets: 0,
            mismatch_warnings: 0,
            net: NetworkState::default(),
        }
    }

    pub(super) fn held_bytes(&self) -> usize {
        self.dirs[0].stream.held_bytes() + self.dirs[1].stream.held_bytes()
    }

    /// Does `segment` continue this (dormant) connection? Not a SYN, and its sequence number
    /// lies within [`RESUME_WINDOW_BYTES`] of where its direction stopped (a direction that
    /// never carried data continues whatever it carries).
    pub(super) fn resumes_with(&self, segment: &TcpSegment<'_>) -> bool {
        if segment.flags.syn {
            return false;
        }
        let side = self.direction_of(segment).of(&self.dirs);
        let Some(offset) = side.offset_of(segment.seq) else {
            return side.base.is_none();
        };
        offset.abs_diff(side.stream.next_offset()) <= RESUME_WINDOW_BYTES
    }

    fn direction_of(&self, segment: &TcpSegment<'_>) -> Direction {
        if segment.src == self.endpoints.client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        }
    }

    pub(super) fn segment(
        &mut self,
        meta: &PacketMeta,
        now: Timestamp,
        segment: &TcpSegment<'_>,
        config: &ReassemblyConfig,
        stats: &mut ReassemblyStats,
        sink: &mut impl StreamSink,
    ) -> SegmentOutcome {
        self.last_seen = now.max(meta.time);
        self.referenced = true;
        self.packets = self.packets.saturating_add(1);
        let dir = self.direction_of(segment);
        self.net.flags(dir, segment, meta.time);
        if segment.flags.rst {
            return SegmentOutcome {
                close: Some(CloseReason::Rst),
            };
        }
        self.data(meta, dir, segment, config, stats, sink);
        if segment.flags.ack {
            self.acknowledgement(dir.reverse(), segment.ack, meta.time);
        }
        if config.network_updates {
            if let Some(facts) = self.net.update(meta.time) {
                sink.stream_event(meta, self.id, &self.endpoints, StreamEvent::Network(facts));
            }
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
        let flow = (self.id, self.endpoints);
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
            self.warn(meta, dir, WarningCode::TcpOutOfWindow, &message, sink);
            return;
        }
        if end > offset {
            self.net.data(dir, offset, end, meta.time);
        }
        if segment.flags.fin {
            side.fin.get_or_insert(end);
        }
        let mut to = Delivery::new(meta, flow, dir, stats, sink);
        let outcome = side.stream.insert(
            offset,
            segment.payload,
            u64::from(segment.missing),
            &mut |piece| to.piece(piece),
        );
        if outcome.duplicate && (!segment.payload.is_empty() || segment.missing > 0) {
            to.stats.retransmissions += 1;
        }
        if side.stream.held_bytes() > config.max_buffered_per_direction {
            side.stream
                .skip_hole(GapReason::BufferFull, &mut |piece| to.piece(piece));
        }
        let mismatch = to.mismatch;
        self.report_mismatch(meta, dir, mismatch, stats, sink);
        self.check_fin(dir);
    }

    /// Tells the sink about a TCP anomaly on one direction of this flow.
    fn warn(
        &self,
        meta: &PacketMeta,
        dir: Direction,
        code: WarningCode,
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
            self.warn(meta, dir, WarningCode::TcpOverlapMismatch, &message, sink);
        }
    }

    fn check_fin(&mut self, dir: Direction) {
        let side = dir.of_mut(&mut self.dirs);
        if side.fin.is_some_and(|fin| side.stream.next_offset() >= fin) {
            side.finished = true;
        }
    }

    /// The peer acknowledges `ack` of direction `dir` at `time`: time the segment waiting for
    /// it, and remember a hole it acknowledged past.
    fn acknowledgement(&mut self, dir: Direction, ack: u32, time: Timestamp) {
        let packets = self.packets;
        let side = dir.of_mut(&mut self.dirs);
        let Some(acked) = side.offset_of(ack) else {
            return;
        };
        self.net.ack(dir, acked, time);
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
        let mut to = Delivery::new(meta, (self.id, self.endpoints), dir, stats, sink);
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
        side.stream
            .skip_to(acked, GapReason::Acked, &mut |piece| to.piece(piece));
        self.check_fin(dir);
    }

    /// Skips every hole in both directions (the flow is closing or over a memory cap).
    pub(super) fn flush_holes(
        &mut self,
        meta: &PacketMeta,
        reason: GapReason,
        stats: &mut ReassemblyStats,
        sink: &mut impl StreamSink,
    ) {
        for dir in Direction::BOTH {
            let flow = (self.id, self.endpoints);
            let mut to = Delivery::new(meta, flow, dir, &mut *stats, &mut *sink);
            let side = dir.of_mut(&mut self.dirs);
            side.stream.flush(reason, &mut |piece| to.piece(piece));
            // A FIN beyond everything delivered: the bytes before it were never seen.
            if let Some(fin) = side.fin.filter(|_| reason == GapReason::Closed) {
                side.stream
                    .skip_to(fin, reason, &mut |piece| to.piece(piece));
            }
        }
    }
}

/// Packets of a flow to wait, after the peer acknowledged past a hole, before declaring the
/// hole lost: fast loopback captures record some ACKs before the data they acknowledge.
pub(super) const ACKED_HOLE_GRACE_PACKETS: u32 = 16;

/// How far from where a dormant connection stopped its next segment may start and still
/// continue it (a retransmission from before the pause, or data the capture missed).
const RESUME_WINDOW_BYTES: u64 = 1 << 20;

/// Segments further ahead than this are junk, not a hole to wait for.
pub(super) const MAX_AHEAD_BYTES: u64 = 1 << 30;

/// Where one direction's assembler pieces go: to the sink as stream events, counted.
struct Delivery<'a, S> {
    meta: &'a PacketMeta,
    id: FlowId,
    endpoints: Endpoints,
    dir: Direction,
    stats: &'a mut ReassemblyStats,
    sink: &'a mut S,
    /// Where a retransmission first differed from the copy kept, if one did.
    mismatch: Option<u64>,
}

impl<'a, S: StreamSink> Delivery<'a, S> {
    /// Where pieces of direction `dir` of flow `flow` go.
    fn new(
        meta: &'a PacketMeta,
        flow: (FlowId, Endpoints),
        dir: Direction,
        stats: &'a mut ReassemblyStats,
        sink: &'a mut S,
    ) -> Self {
        let (id, endpoints) = flow;
        Delivery {
            meta,
            id,
            endpoints,
            dir,
            stats,
            sink,
            mismatch: None,
        }
    }

    /// Hands one assembler piece to the sink as a stream event, counting it.
    fn piece(&mut self, piece: Piece<'_>) {
        let dir = self.dir;
        let event = match piece {
            Piece::Data(bytes) => {
                self.stats.bytes_delivered += bytes.len() as u64;
                StreamEvent::Data { dir, bytes }
            }
            Piece::Gap(bytes, reason) => {
                self.stats.gaps += 1;
                self.stats.gap_bytes += bytes;
                StreamEvent::Gap { dir, bytes, reason }
            }
            Piece::Mismatch(offset) => {
                self.mismatch.get_or_insert(offset);
                return;
            }
        };
        self.sink
            .stream_event(self.meta, self.id, &self.endpoints, event);
    }
}
