//! RTMPT tunnels: each one's RTMP [`Session`], fed the bytes its request and response bodies
//! carry in request-sequence order, whichever TCP connection carried them.
//!
//! Bodies stream straight into the session when they are next in order (the usual case: one
//! keep-alive connection); a body that runs ahead of a missing one is held, charged to the
//! memory budget and capped, and the wait is given up (as a gap) when the cap is reached or no
//! other connection could still bring the missing request.

use crate::common::{DetectedBy, WarningCode};
use std::collections::{BTreeMap, VecDeque};

use crate::transport::rtmpt::TunnelInfo;
use crate::transport::tls::{KeyOrigin, TlsInfo};

use crate::common::budget::{Charge, MemoryBudget};
use crate::common::fasthash::FastHashMap;
use crate::common::{Direction, Endpoints, PacketMeta, Timestamp};
use crate::reassembly::{CloseReason, GapReason};
use crate::session::decoder::{Session, SessionConfig, StartMode};
use crate::session::event::{EventSink, SessionStart};
use crate::session::variant::Variant;

/// Most tunnels followed at once; past it the longest idle one is ended.
const MAX_TUNNELS: usize = 4096;
/// A tunnel with no request or response for this long has ended (as TCP flows time out).
const IDLE_TIMEOUT_MICROS: i64 = 600_000_000;
/// Most bodies held, per direction of a tunnel, waiting for an earlier one.
const MAX_HELD_BODIES: usize = 32;
/// Most bytes held, per direction of a tunnel, waiting for an earlier body.
const MAX_HELD_BYTES: usize = 8 << 20;
/// Ended tunnels remembered, so that their late requests start nothing.
const MAX_ENDED: usize = 256;

/// The TLS a tunnel's HTTP is carried in (RTMPTS), decrypted with a key log's secrets: what
/// its session start shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsLayer {
    /// The hellos' facts.
    pub info: TlsInfo,
    /// The key log lines that decrypted it.
    pub keys: Option<KeyOrigin>,
}

/// Names a tunnel in [`Tunnels`]; cheap to copy, unlike its session id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TunnelKey(u64);

/// A body held until the bodies before it have been fed.
#[derive(Debug, Default)]
struct Held {
    bytes: Vec<u8>,
    complete: bool,
}

/// One direction's bodies, put back in request-sequence order.
#[derive(Debug, Default)]
struct Reorder {
    /// The sequence number whose bytes go to the session next (`None`: whichever comes).
    next: Option<u64>,
    held: BTreeMap<u64, Held>,
    held_bytes: usize,
}

/// One tunnel.
#[derive(Debug)]
struct Tunnel {
    session: Box<Session>,
    /// Its connections are inside TLS (RTMPTS).
    in_tls: bool,
    order: [Reorder; 2],
    info: TunnelInfo,
    /// Connections that carried it and are still open.
    open_connections: u32,
    /// The client asked for /close.
    closed: bool,
    last_seen: Timestamp,
    /// The held bodies' bytes, charged to the decoders' budget.
    charge: Charge,
}

/// Where a tunnel's session reports, and how a new one is made.
pub struct Context<'a, S> {
    /// Where events go.
    pub sink: &'a mut S,
    /// The packet being processed.
    pub meta: &'a PacketMeta,
    /// The TCP connection it arrived on (client and server of a tunnel's first connection
    /// stand for the tunnel).
    pub endpoints: &'a Endpoints,
    /// The next session number (shared with the plain RTMP sessions).
    pub next_session: &'a mut u64,
}

/// Every tunnel, by session id.
#[derive(Debug)]
pub struct Tunnels {
    /// Plain tunnels, then tunnels inside TLS: a TLS terminator in front of an RTMPT server
    /// relays the same session ids in the clear, and the two are different sessions.
    by_id: [FastHashMap<String, TunnelKey>; 2],
    tunnels: BTreeMap<TunnelKey, Tunnel>,
    next_key: u64,
    /// Tunnels that ended, most recent last.
    ended: VecDeque<(bool, String)>,
    config: SessionConfig,
    budget: MemoryBudget,
}

impl Tunnels {
    /// No tunnels yet; sessions will use `config` and charge `budget`.
    pub fn new(config: SessionConfig, budget: MemoryBudget) -> Self {
        Tunnels {
            by_id: [FastHashMap::default(), FastHashMap::default()],
            tunnels: BTreeMap::new(),
            next_key: 0,
            ended: VecDeque::new(),
            config,
            budget,
        }
    }

    /// The tunnel with session id `id` (carried inside TLS or not), if it is followed.
    pub fn find(&self, id: &str, in_tls: bool) -> Option<TunnelKey> {
        self.ids(in_tls).get(id).copied()
    }

    /// True when tunnel `id` ended (its late requests are not a new tunnel).
    pub fn has_ended(&self, id: &str, in_tls: bool) -> bool {
        self.ended
            .iter()
            .any(|(tls, ended)| *tls == in_tls && ended == id)
    }

    fn ids(&self, in_tls: bool) -> &FastHashMap<String, TunnelKey> {
        let [plain, tls] = &self.by_id;
        if in_tls {
            tls
        } else {
            plain
        }
    }

    fn ids_mut(&mut self, in_tls: bool) -> &mut FastHashMap<String, TunnelKey> {
        let [plain, tls] = &mut self.by_id;
        if in_tls {
            tls
        } else {
            plain
        }
    }

    /// Starts following tunnel `id` (from an /open answer, or from requests naming it when
    /// the /open was not captured), with its RTMP session; `tls` when the connection that
    /// showed it is inside TLS (RTMPTS).
    pub fn open<S: EventSink>(
        &mut self,
        id: &str,
        (mid_stream, detected_by): (bool, DetectedBy),
        tls: Option<&TlsLayer>,
        cx: &mut Context<'_, S>,
    ) -> TunnelKey {
        let in_tls = tls.is_some();
        if let Some(key) = self.find(id, in_tls) {
            return key;
        }
        self.make_room(cx);
        let info = TunnelInfo {
            session_id: Some(id.to_owned()),
            ..TunnelInfo::default()
        };
        let meta = *cx.meta;
        let shown = TunnelInfo {
            connections: 1, // the one that showed the tunnel
            ..info.clone()
        };
        let session = self.start_session(shown, (mid_stream, detected_by), tls, &meta, cx);
        let key = TunnelKey(self.next_key);
        self.next_key += 1;
        self.ids_mut(in_tls).insert(id.to_owned(), key);
        self.tunnels.insert(
            key,
            Tunnel {
                session: Box::new(session),
                in_tls,
                order: [Reorder::default(), Reorder::default()],
                info,
                open_connections: 0,
                closed: false,
                last_seen: cx.meta.time,
                charge: self.budget.charge(),
            },
        );
        key
    }

    /// Reports a tunnel that never opened: an /open (made in packet `asked`) refused or never
    /// answered. It gets a session of its own, so that the attempt shows, with one warning;
    /// the session ends now, for `reason`.
    pub fn failed_open<S: EventSink>(
        &mut self,
        asked: &PacketMeta,
        (mid_stream, tls): (bool, Option<&TlsLayer>),
        (code, message): (WarningCode, String),
        reason: CloseReason,
        cx: &mut Context<'_, S>,
    ) {
        let info = TunnelInfo {
            connections: 1,
            ..TunnelInfo::default()
        };
        let how = (mid_stream, DetectedBy::RtmptOpen);
        let mut session = self.start_session(info.clone(), how, tls, asked, cx);
        session.warning(asked, None, code, message, cx.sink);
        session.end_tunnel(cx.meta, reason, info, cx.sink);
    }

    fn start_session<S: EventSink>(
        &self,
        info: TunnelInfo,
        (mid_stream, detected_by): (bool, DetectedBy),
        tls: Option<&TlsLayer>,
        meta: &PacketMeta,
        cx: &mut Context<'_, S>,
    ) -> Session {
        let id = *cx.next_session;
        *cx.next_session = id.saturating_add(1);
        // RTMPT inside TLS is RTMPS carrying RTMPT.
        let (variant, inner) = match tls {
            Some(_) => (Variant::Rtmps, Some(Variant::Rtmpt)),
            None => (Variant::Rtmpt, None),
        };
        let start = SessionStart {
            variant,
            inner,
            mid_stream,
            detected_by,
            encrypted: tls.is_some(),
            decrypted: tls.is_some(),
            tls_keys: tls.and_then(|layer| layer.keys.clone()),
            tls: tls.map(|layer| layer.info.clone()),
            tunnel: Some(info),
        };
        let mode = if mid_stream {
            StartMode::MidStream
        } else {
            StartMode::Handshake
        };
        Session::start(
            id,
            *cx.endpoints,
            variant,
            mode,
            start,
            self.config,
            &self.budget,
            meta,
            cx.sink,
        )
    }

    /// Ends tunnels idle too long, and the longest idle one if the table is full.
    fn make_room<S: EventSink>(&mut self, cx: &mut Context<'_, S>) {
        let now = cx.meta.time;
        let stale: Vec<TunnelKey> = self
            .tunnels
            .iter()
            .filter(|(_, t)| now.micros_since(t.last_seen) > IDLE_TIMEOUT_MICROS)
            .map(|(&key, _)| key)
            .collect();
        for key in stale {
            self.end(key, CloseReason::Timeout, cx.meta, cx.sink);
        }
        if self.tunnels.len() >= MAX_TUNNELS {
            let oldest = self
                .tunnels
                .iter()
                .min_by_key(|(_, t)| t.last_seen)
                .map(|(&key, _)| key);
            if let Some(key) = oldest {
                self.end(key, CloseReason::Evicted, cx.meta, cx.sink);
            }
        }
    }

    /// A connection starts carrying tunnel `key`.
    pub fn connection_opened(&mut self, key: TunnelKey) {
        if let Some(tunnel) = self.tunnels.get_mut(&key) {
            tunnel.open_connections += 1;
            tunnel.info.connections += 1;
        }
    }

    /// A connection that carried tunnel `key` closed. The tunnel goes on: a client may open
    /// a new connection for any request; it ends with /close or the end of the capture.
    pub fn connection_closed(&mut self, key: TunnelKey) {
        if let Some(tunnel) = self.tunnels.get_mut(&key) {
            tunnel.open_connections = tunnel.open_connections.saturating_sub(1);
        }
    }

    /// The client made a request (`idle` for a poll, `close` for the end).
    pub fn request(&mut self, key: TunnelKey, idle: bool, close: bool) {
        if let Some(tunnel) = self.tunnels.get_mut(&key) {
            tunnel.info.requests += 1;
            tunnel.info.idle_polls += u64::from(idle);
            tunnel.closed |= close;
        }
    }

    /// A response's polling-interval byte.
    pub fn interval(&mut self, key: TunnelKey, interval: u8) {
        if let Some(tunnel) = self.tunnels.get_mut(&key) {
            tunnel.info.observe_interval(interval);
        }
    }

    /// RTMP bytes of the body answering (or making) request `seq`; `None` when which request
    /// is not known (they are then taken in arrival order).
    pub fn body<S: EventSink>(
        &mut self,
        key: TunnelKey,
        dir: Direction,
        seq: Option<u64>,
        bytes: &[u8],
        cx: &mut Context<'_, S>,
    ) {
        let Some(tunnel) = self.tunnels.get_mut(&key) else {
            return;
        };
        tunnel.last_seen = cx.meta.time;
        let Some(seq) = seq else {
            tunnel.session.data(cx.meta, dir, bytes, cx.sink);
            return;
        };
        let order = dir.of_mut(&mut tunnel.order);
        let next = *order.next.get_or_insert(seq);
        if seq == next {
            tunnel.session.data(cx.meta, dir, bytes, cx.sink);
        } else if seq > next {
            if tunnel.open_connections <= 1 {
                // No other connection can still bring the missing requests: they are lost.
                order.next = Some(seq);
                tunnel.session.data(cx.meta, dir, bytes, cx.sink);
            } else if order.held_bytes.saturating_add(bytes.len()) <= MAX_HELD_BYTES
                && tunnel.charge.try_grow(bytes.len())
            {
                order.held_bytes += bytes.len();
                order
                    .held
                    .entry(seq)
                    .or_default()
                    .bytes
                    .extend_from_slice(bytes);
                if order.held.len() > MAX_HELD_BODIES {
                    tunnel.give_up_waiting(dir, cx);
                }
            } else {
                tunnel.give_up_waiting(dir, cx);
                let order = dir.of_mut(&mut tunnel.order);
                order.next = Some(seq);
                tunnel.session.data(cx.meta, dir, bytes, cx.sink);
            }
        }
        // seq < next: a repeated request whose bytes were already taken.
    }

    /// The body of request `seq` is complete (bodies without RTMP bytes, such as an idle
    /// poll's, still take their place in the order).
    pub fn body_end<S: EventSink>(
        &mut self,
        key: TunnelKey,
        dir: Direction,
        seq: Option<u64>,
        cx: &mut Context<'_, S>,
    ) {
        let (Some(tunnel), Some(seq)) = (self.tunnels.get_mut(&key), seq) else {
            return;
        };
        let order = dir.of_mut(&mut tunnel.order);
        let next = *order.next.get_or_insert(seq);
        if seq == next {
            order.next = Some(seq + 1);
            tunnel.feed_held(dir, cx);
        } else if seq > next {
            if tunnel.open_connections <= 1 {
                order.next = Some(seq + 1);
                tunnel.feed_held(dir, cx);
            } else {
                order.held.entry(seq).or_default().complete = true;
                if order.held.len() > MAX_HELD_BODIES {
                    tunnel.give_up_waiting(dir, cx);
                }
            }
        }
    }

    /// Bytes of one direction of a connection carrying tunnel `key` were lost.
    pub fn gap<S: EventSink>(
        &mut self,
        key: TunnelKey,
        dir: Direction,
        bytes: u64,
        reason: GapReason,
        cx: &mut Context<'_, S>,
    ) {
        if let Some(tunnel) = self.tunnels.get_mut(&key) {
            tunnel
                .session
                .gap_in_tunnel(cx.meta, dir, bytes, reason, cx.sink);
        }
    }

    /// A warning about a connection carrying tunnel `key`.
    pub fn warning<S: EventSink>(
        &mut self,
        key: TunnelKey,
        dir: Option<Direction>,
        code: WarningCode,
        message: String,
        cx: &mut Context<'_, S>,
    ) {
        if let Some(tunnel) = self.tunnels.get_mut(&key) {
            tunnel.session.warning(cx.meta, dir, code, message, cx.sink);
        }
    }

    /// The server answered /close: the tunnel ends.
    pub fn closed<S: EventSink>(&mut self, key: TunnelKey, meta: &PacketMeta, sink: &mut S) {
        self.end(key, CloseReason::Fin, meta, sink);
    }

    /// Ends every tunnel still open (the capture ended), in the order they started.
    pub fn end_all<S: EventSink>(&mut self, meta: &PacketMeta, sink: &mut S) {
        let keys: Vec<TunnelKey> = self.tunnels.keys().copied().collect();
        for key in keys {
            self.end(key, CloseReason::EndOfCapture, meta, sink);
        }
    }

    /// Ends tunnel `key`: what it held is fed, and its session reports the tunnel's facts.
    fn end<S: EventSink>(
        &mut self,
        key: TunnelKey,
        reason: CloseReason,
        meta: &PacketMeta,
        sink: &mut S,
    ) {
        let Some(mut tunnel) = self.tunnels.remove(&key) else {
            return;
        };
        let reason = if tunnel.closed {
            CloseReason::Fin
        } else {
            reason
        };
        for dir in Direction::BOTH {
            let order = dir.of_mut(&mut tunnel.order);
            let held = std::mem::take(&mut order.held);
            for body in held.into_values() {
                tunnel.session.data(meta, dir, &body.bytes, sink);
            }
        }
        tunnel
            .session
            .end_tunnel(meta, reason, tunnel.info.clone(), sink);
        if let Some(id) = tunnel.info.session_id {
            self.ids_mut(tunnel.in_tls).remove(&id);
            if self.ended.len() >= MAX_ENDED {
                self.ended.pop_front();
            }
            self.ended.push_back((tunnel.in_tls, id));
        }
    }
}

impl Tunnel {
    /// Feeds the held bodies that are now next in order.
    fn feed_held<S: EventSink>(&mut self, dir: Direction, cx: &mut Context<'_, S>) {
        let order = dir.of_mut(&mut self.order);
        while let Some(next) = order.next {
            let Some(body) = order.held.remove(&next) else {
                break;
            };
            order.held_bytes = order.held_bytes.saturating_sub(body.bytes.len());
            self.charge.shrink(body.bytes.len());
            self.session.data(cx.meta, dir, &body.bytes, cx.sink);
            if !body.complete {
                // Still arriving on another connection: the rest streams in directly.
                break;
            }
            order.next = Some(next + 1);
        }
    }

    /// Stops waiting for the missing body: a gap, then the held bodies from the first on.
    fn give_up_waiting<S: EventSink>(&mut self, dir: Direction, cx: &mut Context<'_, S>) {
        let order = dir.of_mut(&mut self.order);
        let Some(&first) = order.held.keys().next() else {
            return;
        };
        let missing = first.saturating_sub(order.next.unwrap_or(first));
        order.next = Some(first);
        self.session.warning(
            cx.meta,
            Some(dir),
            WarningCode::RtmptRequestMissing,
            format!("gave up waiting for {missing} RTMPT request(s) before number {first}; their bytes are missing"),
            cx.sink,
        );
        self.session
            .gap(cx.meta, dir, 0, GapReason::BufferFull, cx.sink);
        self.feed_held(dir, cx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::event::Event;

    #[derive(Default)]
    struct Sink(Vec<serde_json::Value>);

    impl EventSink for Sink {
        fn event(&mut self, event: &Event<'_>) {
            self.0.push(serde_json::to_value(event).unwrap());
        }
    }

    fn endpoints() -> Endpoints {
        Endpoints {
            client: "10.0.0.1:50000".parse().unwrap(),
            server: "10.0.0.2:80".parse().unwrap(),
        }
    }

    /// A tunnel and a context to drive it: (tunnels, key, sink, next session).
    fn tunnel(connections: u32) -> (Tunnels, TunnelKey, Sink) {
        let mut tunnels = Tunnels::new(SessionConfig::default(), MemoryBudget::unlimited());
        let mut sink = Sink::default();
        let mut next = 1;
        let meta = PacketMeta::default();
        let ends = endpoints();
        let mut cx = Context {
            sink: &mut sink,
            meta: &meta,
            endpoints: &ends,
            next_session: &mut next,
        };
        let key = tunnels.open("T", (true, DetectedBy::RtmptRequest), None, &mut cx);
        for _ in 0..connections {
            tunnels.connection_opened(key);
        }
        (tunnels, key, sink)
    }

    /// Feeds (seq, body, complete) to the client side; returns the messages' stream ids in the
    /// order the session decoded them.
    fn feed(connections: u32, bodies: &[(u64, Vec<u8>, bool)]) -> (Vec<u64>, Sink) {
        let (mut tunnels, key, mut sink) = tunnel(connections);
        let meta = PacketMeta::default();
        let ends = endpoints();
        let mut next = 2;
        let mut cx = Context {
            sink: &mut sink,
            meta: &meta,
            endpoints: &ends,
            next_session: &mut next,
        };
        for (seq, body, complete) in bodies {
            tunnels.body(key, Direction::ClientToServer, Some(*seq), body, &mut cx);
            if *complete {
                tunnels.body_end(key, Direction::ClientToServer, Some(*seq), &mut cx);
            }
        }
        tunnels.end_all(&meta, cx.sink);
        let order = sink
            .0
            .iter()
            .filter(|e| e["event"] == "message")
            .map(|e| e["stream_id"].as_u64().unwrap())
            .collect();
        (order, sink)
    }

    /// A Stream Begin user control message for stream `n`, as a whole chunk on csid 2.
    fn stream_begin(n: u32) -> Vec<u8> {
        let mut bytes = vec![0x02, 0, 0, 0, 0, 0, 6, 0x04, 0, 0, 0, 0, 0, 0];
        bytes.extend_from_slice(&n.to_be_bytes());
        bytes
    }

    #[test]
    fn bodies_from_several_connections_are_fed_in_request_order() {
        let (a, b, c) = (stream_begin(1), stream_begin(2), stream_begin(3));
        // 3 and 2 arrive before 1 finishes; 2 arrives in two pieces, one before 1 is whole.
        let (order, _) = feed(
            3,
            &[
                (1, a[..5].to_vec(), false),
                (3, c.clone(), true),
                (2, b[..4].to_vec(), false),
                (1, a[5..].to_vec(), true),
                (2, b[4..].to_vec(), true),
                (2, b.clone(), true), // a repeated request
            ],
        );
        assert_eq!(order, [1, 2, 3]);
    }

    #[test]
    fn on_one_connection_a_missing_request_is_not_waited_for() {
        let (order, _) = feed(1, &[(1, stream_begin(1), true), (3, stream_begin(3), true)]);
        assert_eq!(order, [1, 3]);
    }

    #[test]
    fn waiting_is_given_up_past_the_cap() {
        let mut bodies = vec![(1, stream_begin(1), true)];
        for seq in 3..(3 + MAX_HELD_BODIES as u64 + 1) {
            bodies.push((seq, stream_begin(seq as u32), true));
        }
        let (order, sink) = feed(2, &bodies);
        // Everything held is fed, in order, once the wait for request 2 is given up. (The
        // session is a mid-stream one: its first lone message cannot be confirmed.)
        let held: Vec<u64> = (3..(3 + MAX_HELD_BODIES as u64 + 1)).collect();
        assert!(order.ends_with(&held), "{order:?}");
        assert!(!order.contains(&2));
        assert!(sink.0.iter().any(|e| e["code"] == "rtmpt_request_missing"));
    }
}
