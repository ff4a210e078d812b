//! The flow table: connections by their endpoints, who is client and server, idle timeouts,
//! eviction at the flow cap, and connections remembered after they close.

use super::clock::CaptureClock;
use super::flow::Flow;
use super::{
    CloseReason, FlowId, GapReason, ReassemblyConfig, ReassemblyStats, StreamEvent, StreamSink,
    DORMANT_TIMEOUTS,
};
use crate::common::fasthash::FastHashMap;
use crate::common::NoticeCode;
use crate::common::{Endpoints, Notice, PacketMeta, Timestamp};
use crate::net::TcpSegment;
use std::collections::VecDeque;
use std::net::SocketAddr;

/// The flow table: one entry per TCP connection, each with two [`StreamAssembler`]s.
#[derive(Debug)]
pub struct Reassembler {
    config: ReassemblyConfig,
    stats: ReassemblyStats,
    /// Boxed: the table then holds small entries, so the slack a hash table keeps under
    /// churn (up to four slots a live entry) costs little.
    flows: FastHashMap<FlowKey, Box<Flow>>,
    /// Flow keys in the order they were last admitted to the queue: eviction and idle checks
    /// walk it from the front (see [`Reassembler::evict_one`]).
    queue: VecDeque<(FlowKey, FlowId)>,
    /// Recently closed connections: late packets of these do not open ghost flows.
    closed: FastHashMap<FlowKey, Timestamp>,
    next_id: u64,
    held_total: usize,
    clock: CaptureClock,
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
            queue: VecDeque::new(),
            closed: FastHashMap::default(),
            next_id: 1,
            held_total: 0,
            clock: CaptureClock::default(),
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
        if let Some(notice) = self.clock.observe(meta) {
            sink.notice(&notice);
        }
        let now = self.clock.now();
        if now.micros_since(self.last_idle_check) >= IDLE_CHECK_INTERVAL_MICROS {
            self.last_idle_check = now;
            self.expire_idle(meta, sink);
        }
        let key = FlowKey::new(segment.src, segment.dst);
        if self
            .flows
            .get(&key)
            .is_some_and(|flow| flow.dormant && !flow.resumes_with(segment))
        {
            // The endpoints carry a new connection: the dormant one has ended.
            self.close(meta, &key, CloseReason::Timeout, sink);
            self.closed.remove(&key);
        }
        if !self.flows.contains_key(&key) && !self.admit(meta, &key, segment, sink) {
            return;
        }
        let Some(flow) = self.flows.get_mut(&key) else {
            return;
        };
        if flow.dormant {
            flow.dormant = false;
            self.stats.resumed += 1;
        }
        let held_before = flow.held_bytes();
        let outcome = flow.segment(meta, now, segment, &self.config, &mut self.stats, sink);
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
            self.late(meta, segment, sink);
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
            .insert(*key, Box::new(Flow::new(id, endpoints, self.clock.now())));
        self.queue.push_back((*key, id));
        sink.stream_event(meta, id, &endpoints, StreamEvent::Open { mid_stream });
        true
    }

    /// Evicts the least recently active flow, by the clock (second-chance) rule: a flow seen
    /// since it last passed the front of the queue goes to the back instead. Amortised O(1).
    fn evict_one(&mut self, meta: &PacketMeta, sink: &mut impl StreamSink) -> bool {
        while let Some((key, id)) = self.queue.pop_front() {
            let Some(flow) = self.flows.get_mut(&key) else {
                continue; // closed already
            };
            if flow.id != id {
                continue; // a newer connection reusing the endpoints has its own entry
            }
            if flow.referenced {
                flow.referenced = false;
                self.queue.push_back((key, id));
                continue;
            }
            self.stats.evictions += 1;
            if self.stats.evictions == 1 {
                sink.notice(&Notice {
                    frame: Some(meta.frame),
                    time: Some(meta.time),
                    code: NoticeCode::FlowTableFull,
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

    /// A segment of a connection that closed recently: dropped, and said so once its bytes
    /// matter (a data segment), so nothing is lost without a word.
    fn late(&mut self, meta: &PacketMeta, segment: &TcpSegment<'_>, sink: &mut impl StreamSink) {
        self.stats.late_segments += 1;
        let bytes = segment.payload.len() as u64 + u64::from(segment.missing);
        if bytes == 0 {
            return;
        }
        self.stats.late_bytes += bytes;
        if self.stats.late_bytes == bytes {
            sink.notice(&Notice {
                frame: Some(meta.frame),
                time: Some(meta.time),
                code: NoticeCode::LateData,
                message: format!(
                    "{bytes} bytes from {} to {} arrived after their connection closed; dropped \
                     (the total is reported at the end)",
                    segment.src, segment.dst
                ),
            });
        }
    }

    /// Puts flows quiet for longer than the timeout to sleep (their holes reported), closes
    /// those asleep for [`DORMANT_TIMEOUTS`] timeouts, and forgets old closed connections.
    /// Walks a bounded part of the queue each time, so a huge table costs little per check.
    fn expire_idle(&mut self, meta: &PacketMeta, sink: &mut impl StreamSink) {
        let now = self.clock.now();
        let timeout = self.config.idle_timeout_micros;
        self.closed
            .retain(|_, closed_at| now.micros_since(*closed_at) < CLOSED_MEMORY_MICROS);
        let budget = (self.queue.len() / 16).max(1024).min(self.queue.len());
        for _ in 0..budget {
            let Some((key, id)) = self.queue.pop_front() else {
                break;
            };
            let Some(flow) = self.flows.get_mut(&key).filter(|flow| flow.id == id) else {
                continue;
            };
            let idle = now.micros_since(flow.last_seen);
            if idle > timeout.saturating_mul(DORMANT_TIMEOUTS) {
                self.close(meta, &key, CloseReason::Timeout, sink);
                continue;
            }
            if idle > timeout && !flow.dormant {
                let held = flow.held_bytes();
                flow.flush_holes(meta, GapReason::Idle, &mut self.stats, sink);
                flow.dormant = true;
                self.held_total -= held - flow.held_bytes();
            }
            self.queue.push_back((key, id));
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
            StreamEvent::Close {
                reason,
                network: flow.net.facts(),
            },
        );
        if reason != CloseReason::Evicted {
            self.closed.insert(*key, self.clock.now());
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
        self.queue.clear();
        self.closed.clear();
        sink.finish(meta);
        if self.stats.late_bytes > 0 {
            sink.notice(&Notice {
                frame: Some(meta.frame),
                time: Some(meta.time),
                code: NoticeCode::LateData,
                message: format!(
                    "{} bytes in {} segments arrived after their connection closed and were \
                     dropped",
                    self.stats.late_bytes, self.stats.late_segments
                ),
            });
        }
        if self.stats.evictions > 0 {
            sink.notice(&Notice {
                frame: Some(meta.frame),
                time: Some(meta.time),
                code: NoticeCode::FlowTableFull,
                message: format!(
                    "{} TCP flows were dropped in all to stay within {} at once",
                    self.stats.evictions, self.config.max_flows
                ),
            });
        }
    }
}

/// How often (capture time) idle flows are looked for.
pub(super) const IDLE_CHECK_INTERVAL_MICROS: i64 = 1_000_000;

/// How long a closed connection's endpoints are remembered, so its late packets are ignored.
pub(super) const CLOSED_MEMORY_MICROS: i64 = 60_000_000;

/// Ports taken as the server side when no SYN shows who connected to whom.
pub(super) const SERVER_PORTS: [u16; 5] = [1935, 1936, 80, 443, 8080];

/// A connection, whichever way a packet travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct FlowKey {
    pub(super) low: SocketAddr,
    pub(super) high: SocketAddr,
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
pub(super) fn roles(segment: &TcpSegment<'_>) -> Endpoints {
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
pub(super) fn is_server_port(port: u16, other: u16) -> bool {
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
