//! One TCP connection of HTTP that may carry RTMPT: its requests are classified by their
//! paths, its responses matched to them in order (so pipelining works), and the RTMP bytes of
//! both go to the tunnel they belong to.
//!
//! What each message carries:
//! - `POST /open/1` (one filler byte): its answer's body is the new tunnel's session id;
//! - `POST /send/ID/SEQ`: the body is the client's RTMP bytes;
//! - `POST /idle/ID/SEQ` and `POST /close/ID/SEQ` (one filler byte): no RTMP;
//! - every answer to send, idle and close: one polling-interval byte, then the server's RTMP
//!   bytes;
//! - `POST /fcs/ident2` and other FCS requests: a probe before /open, nothing to decode.
//!
//! An /open that is refused or never answered still shows: it gets a session of its own with
//! a warning. An answer without its request (the capture started after it was sent) is taken
//! as an /open answer when its body is a session id, else as the next bytes of the
//! connection's tunnel.

use crate::common::{DetectedBy, WarningCode};
use std::collections::VecDeque;

use super::tunnel::{Context, TlsLayer, TunnelKey, Tunnels};
use crate::common::budget::MemoryBudget;
use crate::common::{Direction, PacketMeta};
use crate::reassembly::{CloseReason, GapReason};
use crate::session::event::EventSink;
use crate::transport::http::{Head, HttpEvent, HttpParser, StartLine};

/// Most requests waiting for their answers on one connection.
const MAX_PIPELINED: usize = 64;
/// Longest session id accepted.
const MAX_SESSION_ID: usize = 64;
/// Tunnels one connection may carry.
const MAX_TUNNELS_PER_CONNECTION: usize = 8;
/// HTTP messages read without any sign of RTMPT before the connection is left alone.
const MAX_MESSAGES_WITHOUT_RTMPT: u32 = 8;

/// What an RTMPT request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Open,
    Send,
    Idle,
    Close,
    /// `/fcs/ident2` and the like.
    Ident,
}

/// A request, as its answer needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Request {
    command: Command,
    tunnel: Option<TunnelKey>,
    seq: Option<u64>,
    /// The packet that completed its head.
    at: PacketMeta,
}

/// What the message being read in one direction carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// RTMP bytes of a tunnel; `interval_next`: the next body byte is an answer's polling
    /// interval; `closes`: the answer to /close.
    Rtmp {
        tunnel: TunnelKey,
        seq: Option<u64>,
        interval_next: bool,
        closes: bool,
    },
    /// The session id of a new tunnel; `guessed` when no /open request was seen for it.
    OpenAnswer { guessed: bool },
    /// Nothing to decode; a request still takes its place in its tunnel's order.
    Skip {
        order: Option<(TunnelKey, Option<u64>)>,
    },
}

/// Parses an RTMPT request target: the command, the session id and the sequence number.
fn parse_target<'a>(
    method: &str,
    path: &'a str,
) -> Option<(Command, Option<&'a str>, Option<u64>)> {
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
    if matches!(command, Command::Open | Command::Ident) {
        return Some((command, None, None));
    }
    let id = parts.next().filter(|id| !id.is_empty())?;
    let seq = parts.next()?.parse().ok()?;
    Some((command, Some(id), Some(seq)))
}

/// A session id as servers write them: one line of letters, digits and a few marks.
fn session_id(body: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(body)
        .ok()?
        .trim_end_matches(['\r', '\n']);
    let plausible = !text.is_empty()
        && text.len() <= MAX_SESSION_ID
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~+=".contains(&b));
    plausible.then_some(text)
}

/// One TCP connection of HTTP.
#[derive(Debug)]
pub struct HttpFlow {
    parsers: [HttpParser; 2],
    connection: Connection,
}

/// Everything of a connection but its two readers (so a reader can call back into it).
#[derive(Debug)]
struct Connection {
    reading: [Option<Reading>; 2],
    /// Requests sent, waiting for their answers, oldest first.
    pending: VecDeque<Request>,
    /// The body of an /open answer.
    open_body: Vec<u8>,
    /// Tunnels this connection carried.
    tunnels: Vec<TunnelKey>,
    /// The capture began after the connection did.
    mid_stream: bool,
    /// The connection showed RTMPT (an RTMPT path, or the content type).
    seen_rtmpt: bool,
    /// HTTP messages read so far.
    messages: u32,
    /// False once the connection is known not to carry RTMPT.
    is_rtmpt: bool,
    /// The TLS the connection is inside (RTMPTS), decrypted.
    tls: Option<Box<TlsLayer>>,
}

impl HttpFlow {
    /// A connection whose HTTP is to be read; `mid_stream` when the capture began after it.
    pub fn new(budget: &MemoryBudget, mid_stream: bool) -> Self {
        HttpFlow {
            parsers: [
                HttpParser::new(budget, mid_stream),
                HttpParser::new(budget, mid_stream),
            ],
            connection: Connection {
                reading: [None, None],
                pending: VecDeque::new(),
                open_body: Vec::new(),
                tunnels: Vec::new(),
                mid_stream,
                seen_rtmpt: false,
                messages: 0,
                is_rtmpt: true,
                tls: None,
            },
        }
    }

    /// The connection is inside TLS, decrypted (RTMPTS): the tunnels it opens say so.
    pub fn inside_tls(mut self, layer: TlsLayer) -> Self {
        self.connection.tls = Some(Box::new(layer));
        self
    }

    /// False once the connection is known not to carry RTMPT (ordinary web traffic).
    pub fn is_rtmpt(&self) -> bool {
        self.connection.is_rtmpt
    }

    /// Reads the next bytes of one direction.
    pub fn data<S: EventSink>(
        &mut self,
        dir: Direction,
        bytes: &[u8],
        tunnels: &mut Tunnels,
        cx: &mut Context<'_, S>,
    ) {
        let HttpFlow {
            parsers,
            connection,
        } = self;
        dir.of_mut(parsers).feed(bytes, &mut |event| {
            connection.http_event(dir, event, tunnels, cx)
        });
        if !connection.seen_rtmpt && connection.messages >= MAX_MESSAGES_WITHOUT_RTMPT {
            connection.is_rtmpt = false;
        }
    }

    /// Bytes of one direction were lost: the tunnels hear of it, a body under way ends there,
    /// and reading resumes at the next request or status line. (Answers keep being matched
    /// to the requests in order; ones lost whole shift the match, not the order.)
    pub fn gap<S: EventSink>(
        &mut self,
        dir: Direction,
        bytes: u64,
        reason: GapReason,
        tunnels: &mut Tunnels,
        cx: &mut Context<'_, S>,
    ) {
        let connection = &mut self.connection;
        for &key in &connection.tunnels {
            tunnels.gap(key, dir, bytes, reason, cx);
        }
        let reading = dir.of_mut(&mut connection.reading).take();
        if dir.of(&self.parsers).in_body() {
            match reading {
                Some(Reading::Rtmp { tunnel, seq, .. }) => tunnels.body_end(tunnel, dir, seq, cx),
                Some(Reading::Skip {
                    order: Some((tunnel, seq)),
                }) => tunnels.body_end(tunnel, dir, seq, cx),
                _ => {}
            }
        }
        dir.of_mut(&mut self.parsers).gap();
    }

    /// A warning about the connection (from TCP reassembly): its tunnels hear of it.
    pub fn warning<S: EventSink>(
        &mut self,
        dir: Option<Direction>,
        code: WarningCode,
        message: &str,
        tunnels: &mut Tunnels,
        cx: &mut Context<'_, S>,
    ) {
        for &key in &self.connection.tunnels {
            tunnels.warning(key, dir, code, message.to_owned(), cx);
        }
    }

    /// The connection closed (for `reason`): /open requests still unanswered are reported,
    /// and its tunnels go on without it.
    pub fn close<S: EventSink>(
        &mut self,
        reason: CloseReason,
        tunnels: &mut Tunnels,
        cx: &mut Context<'_, S>,
    ) {
        let connection = &mut self.connection;
        for request in &connection.pending {
            if request.command == Command::Open {
                let message = "an RTMPT tunnel was asked for (POST /open/1) but no answer was captured: no session id, nothing to decode";
                tunnels.failed_open(
                    &request.at,
                    (connection.mid_stream, connection.tls.as_deref()),
                    (WarningCode::RtmptOpenUnanswered, message.into()),
                    reason,
                    cx,
                );
            }
        }
        for key in connection.tunnels.drain(..) {
            tunnels.connection_closed(key);
        }
    }
}

impl Connection {
    fn http_event<S: EventSink>(
        &mut self,
        dir: Direction,
        event: HttpEvent<'_>,
        tunnels: &mut Tunnels,
        cx: &mut Context<'_, S>,
    ) {
        match event {
            HttpEvent::Head(head) => {
                self.messages = self.messages.saturating_add(1);
                self.seen_rtmpt |= head.is_fcs();
                let reading = match dir {
                    Direction::ClientToServer => self.request(&head, tunnels, cx),
                    Direction::ServerToClient => self.response(&head, tunnels, cx),
                };
                *dir.of_mut(&mut self.reading) = reading;
            }
            HttpEvent::Body(body) => self.body(dir, body, tunnels, cx),
            HttpEvent::End => self.end(dir, tunnels, cx),
            HttpEvent::Invalid(why) => {
                *dir.of_mut(&mut self.reading) = None;
                let message = format!("{why}; reading resumes at the next request or status line");
                self.warn(dir, WarningCode::RtmptHttpInvalid, message, tunnels, cx);
            }
            HttpEvent::Resynced { skipped } => {
                let message = format!(
                    "HTTP reading resumed at the next request or status line, {skipped} bytes on"
                );
                self.warn(dir, WarningCode::RtmptHttpResync, message, tunnels, cx);
            }
        }
    }

    fn warn<S: EventSink>(
        &self,
        dir: Direction,
        code: WarningCode,
        message: String,
        tunnels: &mut Tunnels,
        cx: &mut Context<'_, S>,
    ) {
        for &key in &self.tunnels {
            tunnels.warning(key, Some(dir), code, message.clone(), cx);
        }
    }

    /// A request head: what its body carries, and what its answer will.
    fn request<S: EventSink>(
        &mut self,
        head: &Head<'_>,
        tunnels: &mut Tunnels,
        cx: &mut Context<'_, S>,
    ) -> Option<Reading> {
        let StartLine::Request { method, path } = head.start else {
            return None;
        };
        let Some((command, id, seq)) = parse_target(method, path) else {
            if !self.seen_rtmpt {
                self.is_rtmpt = false; // ordinary web traffic
            }
            return None;
        };
        self.seen_rtmpt = true;
        let tunnel = id.and_then(|id| self.tunnel_named(id, tunnels, cx));
        if let Some(key) = tunnel {
            tunnels.request(key, command == Command::Idle, command == Command::Close);
        }
        if self.pending.len() < MAX_PIPELINED {
            self.pending.push_back(Request {
                command,
                tunnel,
                seq,
                at: *cx.meta,
            });
        }
        Some(match (command, tunnel) {
            (Command::Send, Some(tunnel)) => Reading::Rtmp {
                tunnel,
                seq,
                interval_next: false,
                closes: false,
            },
            (_, tunnel) => Reading::Skip {
                order: tunnel.map(|key| (key, seq)),
            },
        })
    }

    /// The tunnel a request names: followed already, or started now (its /open was not
    /// captured); none for a tunnel that ended.
    fn tunnel_named<S: EventSink>(
        &mut self,
        id: &str,
        tunnels: &mut Tunnels,
        cx: &mut Context<'_, S>,
    ) -> Option<TunnelKey> {
        let in_tls = self.tls.is_some();
        let key = match tunnels.find(id, in_tls) {
            Some(key) => key,
            None if tunnels.has_ended(id, in_tls) || session_id(id.as_bytes()).is_none() => {
                return None
            }
            None => tunnels.open(
                id,
                (true, DetectedBy::RtmptRequest),
                self.tls.as_deref(),
                cx,
            ),
        };
        self.carry(key, tunnels);
        Some(key)
    }

    /// Notes that this connection carries tunnel `key`.
    fn carry(&mut self, key: TunnelKey, tunnels: &mut Tunnels) {
        if !self.tunnels.contains(&key) && self.tunnels.len() < MAX_TUNNELS_PER_CONNECTION {
            self.tunnels.push(key);
            tunnels.connection_opened(key);
        }
    }

    /// A response head, matched to the oldest unanswered request.
    fn response<S: EventSink>(
        &mut self,
        head: &Head<'_>,
        tunnels: &mut Tunnels,
        cx: &mut Context<'_, S>,
    ) -> Option<Reading> {
        let StartLine::Response { status } = head.start else {
            return None;
        };
        let ok = status == 200;
        let Some(request) = self.pending.pop_front() else {
            return ok.then(|| self.unmatched_answer(head)).flatten();
        };
        match (request.command, request.tunnel) {
            (Command::Open, _) if ok => Some(Reading::OpenAnswer { guessed: false }),
            (Command::Open, _) => {
                let message = format!(
                    "the server refused an RTMPT tunnel: POST /open/1 was answered {status}"
                );
                tunnels.failed_open(
                    &request.at,
                    (self.mid_stream, self.tls.as_deref()),
                    (WarningCode::RtmptOpenRefused, message),
                    CloseReason::Fin,
                    cx,
                );
                None
            }
            (Command::Send | Command::Idle | Command::Close, Some(tunnel)) if ok => {
                Some(Reading::Rtmp {
                    tunnel,
                    seq: request.seq,
                    interval_next: true,
                    closes: request.command == Command::Close,
                })
            }
            (_, tunnel) => Some(Reading::Skip {
                order: tunnel.map(|key| (key, request.seq)),
            }),
        }
    }

    /// An RTMPT answer whose request was not captured: an /open answer if its body turns out
    /// to be a session id, else more bytes of the connection's one tunnel.
    fn unmatched_answer(&self, head: &Head<'_>) -> Option<Reading> {
        if !head.is_fcs() {
            return None;
        }
        match self.tunnels.as_slice() {
            [] => Some(Reading::OpenAnswer { guessed: true }),
            [tunnel] => Some(Reading::Rtmp {
                tunnel: *tunnel,
                seq: None,
                interval_next: true,
                closes: false,
            }),
            _ => None,
        }
    }

    fn body<S: EventSink>(
        &mut self,
        dir: Direction,
        mut body: &[u8],
        tunnels: &mut Tunnels,
        cx: &mut Context<'_, S>,
    ) {
        match dir.of_mut(&mut self.reading) {
            Some(Reading::Rtmp {
                tunnel,
                seq,
                interval_next,
                ..
            }) => {
                if *interval_next {
                    let Some((&interval, rest)) = body.split_first() else {
                        return;
                    };
                    tunnels.interval(*tunnel, interval);
                    *interval_next = false;
                    body = rest;
                }
                if !body.is_empty() {
                    tunnels.body(*tunnel, dir, *seq, body, cx);
                }
            }
            Some(Reading::OpenAnswer { .. }) => {
                // One byte more than an id may have, to tell a long body from an id.
                let room = (MAX_SESSION_ID + 2).saturating_sub(self.open_body.len());
                self.open_body
                    .extend_from_slice(body.get(..room.min(body.len())).unwrap_or_default());
            }
            Some(Reading::Skip { .. }) | None => {}
        }
    }

    fn end<S: EventSink>(
        &mut self,
        dir: Direction,
        tunnels: &mut Tunnels,
        cx: &mut Context<'_, S>,
    ) {
        match dir.of_mut(&mut self.reading).take() {
            Some(Reading::Rtmp {
                tunnel,
                seq,
                closes,
                ..
            }) => {
                tunnels.body_end(tunnel, dir, seq, cx);
                if closes {
                    tunnels.closed(tunnel, cx.meta, cx.sink);
                }
            }
            Some(Reading::OpenAnswer { guessed }) => {
                let body = std::mem::take(&mut self.open_body);
                if let Some(id) = session_id(&body) {
                    let in_tls = self.tls.is_some();
                    if tunnels.find(id, in_tls).is_none() && !tunnels.has_ended(id, in_tls) {
                        let (mid_stream, detected_by) = if guessed {
                            (true, DetectedBy::RtmptOpenAnswer)
                        } else {
                            (self.mid_stream, DetectedBy::RtmptOpen)
                        };
                        let how = (mid_stream, detected_by);
                        let key = tunnels.open(id, how, self.tls.as_deref(), cx);
                        self.carry(key, tunnels);
                    }
                }
                self.open_body = body;
                self.open_body.clear();
            }
            Some(Reading::Skip {
                order: Some((tunnel, seq)),
            }) => tunnels.body_end(tunnel, dir, seq, cx),
            Some(Reading::Skip { order: None }) | None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_targets() {
        assert_eq!(
            parse_target("POST", "/send/W4amdz02wSLYyN8Z/7"),
            Some((Command::Send, Some("W4amdz02wSLYyN8Z"), Some(7)))
        );
        assert_eq!(
            parse_target("POST", "/open/1"),
            Some((Command::Open, None, None))
        );
        assert_eq!(
            parse_target("POST", "/fcs/ident2"),
            Some((Command::Ident, None, None))
        );
        assert_eq!(parse_target("GET", "/open/1"), None);
        assert_eq!(parse_target("POST", "/send/x"), None);
        assert_eq!(parse_target("POST", "/send//3"), None);
        assert_eq!(parse_target("POST", "/index.html"), None);
    }

    #[test]
    fn session_ids() {
        assert_eq!(session_id(b"W4amdz02wSLYyN8Z\n"), Some("W4amdz02wSLYyN8Z"));
        assert_eq!(
            session_id(b"63210fb91146c01f\r\n"),
            Some("63210fb91146c01f")
        );
        assert_eq!(session_id(b"\x01\x03\x00"), None);
        assert_eq!(session_id(b"<html>"), None);
        assert_eq!(session_id(&[b'a'; 65]), None);
        assert_eq!(session_id(b""), None);
    }
}
