//! RTMPT: RTMP tunnelled in HTTP requests. A client opens a tunnel with `POST /open/1` (the
//! response body is the session id), then sends its bytes in `POST /send/ID/SEQ` bodies and
//! polls with `POST /idle/ID/SEQ`; every response body starts with a polling-interval byte,
//! followed by the server's bytes. One tunnel may use several TCP connections.
//!
//! [`HttpFlow`] follows one TCP connection's requests and responses (matched in order, so
//! pipelining works); [`Tunnels`] joins them by session id and feeds the RTMP bytes, in
//! request-sequence order, to one ordinary RTMP [`Session`].

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::http::{Head, HttpEvent, HttpParser, StartLine};
use super::session::Session;
use super::variant::TunnelInfo;
use crate::event::{Direction, EventSink, PacketMeta};
use crate::reassembly::{CloseReason, GapReason};

/// Most RTMP bytes one request or response body may carry before it is cut (and reported).
const MAX_BODY: usize = 4 << 20;
/// Most requests waiting for their response on one connection.
const MAX_PIPELINED: usize = 64;
/// Most bodies held waiting for an earlier sequence number, per direction of a tunnel.
const MAX_OUT_OF_ORDER: usize = 32;
/// Most tunnels tracked at once.
const MAX_TUNNELS: usize = 4096;
/// Longest session id accepted from an /open response.
const MAX_SESSION_ID: usize = 64;

/// What an RTMPT request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    /// `/open/1`: a new tunnel.
    Open,
    /// `/send/ID/SEQ`: client bytes.
    Send,
    /// `/idle/ID/SEQ`: a poll.
    Idle,
    /// `/close/ID/SEQ`: the end.
    Close,
    /// `/fcs/ident2` and other FCS requests: a probe, nothing to decode.
    Ident,
}

/// One request, as its response will need it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    command: Command,
    session_id: Option<String>,
    seq: Option<u64>,
}

/// Classifies a request line: an RTMPT request, or None for other HTTP.
fn rtmpt_request(method: &str, path: &str) -> Option<Request> {
    if method != "POST" {
        return None;
    }
    let mut parts = path.trim_start_matches('/').split('/');
    let command = match parts.next()? {
        "open" => Command::Open,
        "send" => Command::Send,
        "idle" => Command::Idle,
        "close" => Command::Close,
        "fcs" => Command::Ident,
        _ => return None,
    };
    let session_id = parts.next().map(str::to_owned);
    let seq = parts.next().and_then(|s| s.parse().ok());
    if matches!(command, Command::Send | Command::Idle | Command::Close)
        && (session_id.is_none() || seq.is_none())
    {
        return None;
    }
    Some(Request {
        command,
        session_id: session_id.filter(|_| command != Command::Open && command != Command::Ident),
        seq,
    })
}

/// A message being read on one direction of a connection.
#[derive(Debug)]
struct Reading {
    request: Request,
    body: Vec<u8>,
    cut: bool,
}

/// One TCP connection of HTTP.
#[derive(Debug, Default)]
pub struct HttpFlow {
    parsers: [HttpParser; 2],
    /// Requests sent, waiting for their responses.
    pending: VecDeque<Request>,
    /// The message being read in each direction.
    reading: [Option<Reading>; 2],
    /// Tunnels this connection carried (to count connections and end them).
    tunnels: Vec<String>,
    /// False once a request turned out not to be RTMPT.
    pub is_rtmpt: bool,
}

/// One tunnel: its RTMP session and the bytes waiting for earlier sequence numbers.
#[derive(Debug)]
pub struct Tunnel {
    session: Box<Session>,
    order: [Reorder; 2],
    info: TunnelInfo,
    connections: u32,
    closed: bool,
}

/// Bodies put back in sequence-number order.
#[derive(Debug, Default)]
struct Reorder {
    next: Option<u64>,
    held: BTreeMap<u64, Vec<u8>>,
}

impl Reorder {
    /// Takes the body of request `seq`; calls `feed` for every body now in order, and `gap`
    /// when it gives up waiting for a missing one.
    fn push(
        &mut self,
        seq: u64,
        body: Vec<u8>,
        feed: &mut impl FnMut(&[u8]),
        gap: &mut impl FnMut(),
    ) {
        let next = *self.next.get_or_insert(seq);
        if seq < next {
            return; // a repeated request: already fed
        }
        self.held.insert(seq, body);
        if self.held.len() > MAX_OUT_OF_ORDER {
            if let Some(&first) = self.held.keys().next() {
                gap();
                self.next = Some(first);
            }
        }
        while let Some(next) = self.next {
            let Some(body) = self.held.remove(&next) else {
                break;
            };
            feed(&body);
            self.next = Some(next + 1);
        }
    }
}

/// Every tunnel, by session id.
#[derive(Debug, Default)]
pub struct Tunnels {
    tunnels: HashMap<String, Tunnel>,
    /// Tunnels that ended (closed), most recent last: a late poll or ffmpeg's one-byte
    /// farewell send must not start a session of its own.
    ended: VecDeque<String>,
}

/// Ended tunnel ids remembered.
const MAX_ENDED: usize = 256;

/// What an [`HttpFlow`] needs from the session table while it reads.
pub struct FlowContext<'a, S, F> {
    /// The tunnels.
    pub tunnels: &'a mut Tunnels,
    /// Where events go.
    pub sink: &'a mut S,
    /// Starts the RTMP session of a new tunnel: (packet, session id, mid-stream, sink).
    pub start: &'a mut F,
    /// The packet being processed.
    pub meta: &'a PacketMeta,
}

impl HttpFlow {
    /// A connection that has shown an HTTP request line.
    pub fn new() -> Self {
        HttpFlow {
            is_rtmpt: true,
            ..HttpFlow::default()
        }
    }

    /// Reads the next bytes of one direction.
    pub fn data<S: EventSink, F: FnMut(&PacketMeta, &str, bool, &mut S) -> Session>(
        &mut self,
        dir: Direction,
        bytes: &[u8],
        context: &mut FlowContext<'_, S, F>,
    ) {
        let HttpFlow {
            parsers,
            pending,
            reading,
            tunnels,
            is_rtmpt,
        } = self;
        let slot = dir.of_mut(reading);
        dir.of_mut(parsers).feed(bytes, &mut |event| match event {
            HttpEvent::Head(head) => {
                *slot = start_message(dir, &head, pending, is_rtmpt);
            }
            HttpEvent::Body(body) => {
                if let Some(message) = slot.as_mut() {
                    let room = MAX_BODY.saturating_sub(message.body.len());
                    message.cut |= body.len() > room;
                    message
                        .body
                        .extend_from_slice(body.get(..room.min(body.len())).unwrap_or_default());
                }
            }
            HttpEvent::End => {
                if let Some(message) = slot.take() {
                    if dir == Direction::ClientToServer && pending.len() < MAX_PIPELINED {
                        pending.push_back(message.request.clone());
                    }
                    finish_message(dir, message, tunnels, context);
                }
            }
            HttpEvent::Invalid(_) => *slot = None,
        });
    }

    /// Bytes of one direction were lost: the message under way is dropped and the tunnel's
    /// RTMP session told.
    pub fn gap<S: EventSink>(
        &mut self,
        meta: &PacketMeta,
        dir: Direction,
        bytes: u64,
        reason: GapReason,
        context: &mut Tunnels,
        sink: &mut S,
    ) {
        dir.of_mut(&mut self.parsers).gap();
        *dir.of_mut(&mut self.reading) = None;
        if dir == Direction::ServerToClient {
            // Responses can no longer be matched to requests.
            self.pending.clear();
        }
        for id in &self.tunnels {
            if let Some(tunnel) = context.tunnels.get_mut(id) {
                dir.of_mut(&mut tunnel.order).next = None;
                tunnel.session.gap(meta, dir, bytes, reason, sink);
            }
        }
    }

    /// The connection closed. Its tunnels go on: a client may open a new connection for
    /// every request; a tunnel ends with its /close, or at the end of the capture.
    pub fn close(&mut self, context: &mut Tunnels) {
        for id in std::mem::take(&mut self.tunnels) {
            if let Some(tunnel) = context.tunnels.get_mut(&id) {
                tunnel.connections = tunnel.connections.saturating_sub(1);
            }
        }
    }
}

/// Starts reading a message: a request is classified, a response matched to its request.
fn start_message(
    dir: Direction,
    head: &Head,
    pending: &mut VecDeque<Request>,
    is_rtmpt: &mut bool,
) -> Option<Reading> {
    let request = match (&head.start, dir) {
        (StartLine::Request { method, path }, Direction::ClientToServer) => {
            let request = rtmpt_request(method, path);
            if request.is_none() {
                *is_rtmpt = false;
            }
            request?
        }
        (StartLine::Response { status }, Direction::ServerToClient) => {
            let request = pending.pop_front()?;
            if *status != 200 {
                return None;
            }
            request
        }
        _ => return None,
    };
    Some(Reading {
        request,
        body: Vec::new(),
        cut: false,
    })
}

/// A complete request or response: its RTMP bytes go to the tunnel.
fn finish_message<S: EventSink, F: FnMut(&PacketMeta, &str, bool, &mut S) -> Session>(
    dir: Direction,
    message: Reading,
    connection_tunnels: &mut Vec<String>,
    context: &mut FlowContext<'_, S, F>,
) {
    let Reading { request, body, cut } = message;
    if request.command == Command::Open && dir == Direction::ServerToClient {
        let id = String::from_utf8_lossy(
            body.get(..MAX_SESSION_ID.min(body.len()))
                .unwrap_or_default(),
        )
        .trim()
        .to_owned();
        if !id.is_empty() {
            context.open(&id, false);
            connection_tunnels.push(id);
        }
        return;
    }
    let (Some(id), Some(seq)) = (request.session_id.clone(), request.seq) else {
        return;
    };
    if !context.tunnels.tunnels.contains_key(&id) {
        let rtmp_bytes = match dir {
            Direction::ClientToServer => body.len(),
            Direction::ServerToClient => body.len().saturating_sub(1),
        };
        // The late /close, poll or one-byte farewell send (ffmpeg's) of a tunnel already
        // reported is not a new session.
        if rtmp_bytes <= 1 && context.tunnels.ended.contains(&id) {
            return;
        }
        // The tunnel's /open was not captured.
        context.open(&id, true);
    }
    if !connection_tunnels.contains(&id) {
        if let Some(tunnel) = context.tunnels.tunnels.get_mut(&id) {
            tunnel.connections += 1;
            tunnel.info.connections += 1;
        }
        connection_tunnels.push(id.clone());
    }
    let Some(tunnel) = context.tunnels.tunnels.get_mut(&id) else {
        return;
    };
    let rtmp = match dir {
        Direction::ClientToServer => {
            tunnel.info.requests += 1;
            match request.command {
                Command::Idle => tunnel.info.idle_polls += 1,
                Command::Close => tunnel.closed = true,
                _ => {}
            }
            body
        }
        Direction::ServerToClient => {
            if let Some(&interval) = body.first() {
                tunnel.info.observe_interval(interval);
            }
            body.get(1..).unwrap_or_default().to_vec()
        }
    };
    let Tunnel { session, order, .. } = tunnel;
    let meta = context.meta;
    let sink = &mut *context.sink;
    if cut {
        session.warning(
            meta,
            Some(dir),
            "rtmpt_body_cut",
            format!("an RTMPT body longer than {MAX_BODY} bytes was cut"),
            sink,
        );
    }
    let mut lost = false;
    dir.of_mut(order).push(
        seq,
        rtmp,
        &mut |bytes| session.data(meta, dir, bytes, sink),
        &mut || lost = true,
    );
    if lost {
        session.gap(meta, dir, 0, GapReason::BufferFull, sink);
    }
    if request.command == Command::Close && dir == Direction::ServerToClient {
        context
            .tunnels
            .end(&id, context.meta, CloseReason::Fin, context.sink);
    }
}

impl<S: EventSink, F: FnMut(&PacketMeta, &str, bool, &mut S) -> Session> FlowContext<'_, S, F> {
    /// Creates the tunnel `id` (within the cap) and its RTMP session.
    fn open(&mut self, id: &str, mid_stream: bool) {
        if self.tunnels.tunnels.contains_key(id) || self.tunnels.tunnels.len() >= MAX_TUNNELS {
            return;
        }
        let session = (self.start)(self.meta, id, mid_stream, self.sink);
        self.tunnels.tunnels.insert(
            id.to_owned(),
            Tunnel {
                session: Box::new(session),
                order: [Reorder::default(), Reorder::default()],
                info: TunnelInfo {
                    session_id: Some(id.to_owned()),
                    connections: 1,
                    ..TunnelInfo::default()
                },
                connections: 1,
                closed: false,
            },
        );
    }
}

impl Tunnels {
    /// Ends every tunnel still open (the capture ended).
    pub fn end_all<S: EventSink>(&mut self, meta: &PacketMeta, sink: &mut S) {
        let mut ids: Vec<(u64, String)> = self
            .tunnels
            .iter()
            .map(|(id, tunnel)| (tunnel.session.id(), id.clone()))
            .collect();
        ids.sort_unstable();
        for (_, id) in ids {
            self.end(&id, meta, CloseReason::EndOfCapture, sink);
        }
    }

    /// Ends tunnel `id`: its session reports the tunnel's facts and ends.
    fn end<S: EventSink>(
        &mut self,
        id: &str,
        meta: &PacketMeta,
        reason: CloseReason,
        sink: &mut S,
    ) {
        if let Some(mut tunnel) = self.tunnels.remove(id) {
            let reason = if tunnel.closed {
                CloseReason::Fin
            } else {
                reason
            };
            tunnel.session.end_tunnel(meta, reason, tunnel.info, sink);
            if self.ended.len() >= MAX_ENDED {
                self.ended.pop_front();
            }
            self.ended.push_back(id.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_classified_by_path() {
        let send = rtmpt_request("POST", "/send/W4amdz02wSLYyN8Z/7").expect("send");
        assert_eq!(send.command, Command::Send);
        assert_eq!(send.session_id.as_deref(), Some("W4amdz02wSLYyN8Z"));
        assert_eq!(send.seq, Some(7));
        assert_eq!(
            rtmpt_request("POST", "/open/1").map(|r| r.command),
            Some(Command::Open)
        );
        assert_eq!(
            rtmpt_request("POST", "/fcs/ident2").map(|r| r.command),
            Some(Command::Ident)
        );
        assert_eq!(rtmpt_request("GET", "/open/1"), None);
        assert_eq!(rtmpt_request("POST", "/send/x"), None);
        assert_eq!(rtmpt_request("POST", "/index.html"), None);
    }

    #[test]
    fn bodies_are_fed_in_sequence_order() {
        let mut order = Reorder::default();
        let mut fed = Vec::new();
        let mut gaps = 0;
        for (seq, body) in [(1, "a"), (3, "c"), (2, "b"), (2, "b"), (4, "d")] {
            order.push(
                seq,
                body.as_bytes().to_vec(),
                &mut |bytes| fed.push(String::from_utf8_lossy(bytes).into_owned()),
                &mut || gaps += 1,
            );
        }
        assert_eq!(fed, ["a", "b", "c", "d"]);
        assert_eq!(gaps, 0);
    }
}
