//! An incremental HTTP/1.x message reader for one direction of a connection: heads, then
//! `Content-Length` bodies, message after message (keep-alive, pipelining). Bytes may arrive in
//! any pieces; a head that arrives whole in one piece is read in place, without a copy.
//! After a gap (or bytes that are not HTTP) it looks for the next request or status line,
//! also when that line is split across pieces.
//!
//! Bounded: a head may not pass [`MAX_HEAD`] bytes, and the bytes it holds are charged to the
//! decoders' memory budget.

use crate::common::budget::{Charge, MemoryBudget};

/// Most bytes of a message head (request or status line and headers).
pub const MAX_HEAD: usize = 16 << 10;
/// How the messages a resynchronisation looks for begin.
const START_TOKENS: [&[u8]; 3] = [b"POST /", b"GET /", b"HTTP/1."];
/// Longest start token, less one: the bytes kept between pieces while searching.
const TOKEN_CARRY: usize = 6;
/// The blank line that ends a head.
const HEAD_END: &[u8] = b"\r\n\r\n";

/// The start of an HTTP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartLine<'a> {
    /// A request: method and target.
    Request {
        /// `POST`, `GET`, …
        method: &'a str,
        /// The request target.
        path: &'a str,
    },
    /// A response: its status code.
    Response {
        /// 200, 404, …
        status: u16,
    },
}

/// A parsed message head, borrowing the bytes it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head<'a> {
    /// Request or status line.
    pub start: StartLine<'a>,
    /// `Content-Length`, if given.
    pub content_length: Option<u64>,
    /// `Content-Type`, as sent, if given.
    pub content_type: Option<&'a str>,
}

impl Head<'_> {
    /// The content type RTMPT uses for every request and response.
    pub fn is_fcs(&self) -> bool {
        self.content_type
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/x-fcs"))
    }
}

/// What the reader found.
#[derive(Debug, PartialEq, Eq)]
pub enum HttpEvent<'a> {
    /// A message head.
    Head(Head<'a>),
    /// Body bytes of the current message.
    Body(&'a [u8]),
    /// The current message is complete.
    End,
    /// Something that is not HTTP (or too long to be): the reader looks for the next message.
    Invalid(&'static str),
    /// After a gap or invalid bytes, the next request or status line was found; `skipped`
    /// bytes were passed over to reach it.
    Resynced {
        /// Bytes passed over.
        skipped: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Body { remaining: u64 },
    Resync { skipped: u64 },
}

/// One direction's reader.
#[derive(Debug)]
pub struct HttpParser {
    state: State,
    /// A head split across pieces, or the tail of the last piece while resynchronising.
    buffer: Vec<u8>,
    charge: Charge,
}

impl HttpParser {
    /// A reader at the start of a message; `mid_stream` when the capture began after the
    /// connection did (the first bytes may be in the middle of a message).
    pub fn new(budget: &MemoryBudget, mid_stream: bool) -> Self {
        HttpParser {
            state: if mid_stream {
                State::Resync { skipped: 0 }
            } else {
                State::Head
            },
            buffer: Vec::new(),
            charge: budget.charge(),
        }
    }

    /// Feeds the next bytes of the direction.
    pub fn feed(&mut self, mut bytes: &[u8], on: &mut impl FnMut(HttpEvent<'_>)) {
        while !bytes.is_empty() {
            bytes = match self.state {
                State::Body { remaining } => {
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    let (body, rest) = bytes.split_at(take);
                    on(HttpEvent::Body(body));
                    let remaining = remaining.saturating_sub(take as u64);
                    self.state = State::Body { remaining };
                    if remaining == 0 {
                        self.state = State::Head;
                        on(HttpEvent::End);
                    }
                    rest
                }
                State::Head => self.head(bytes, on),
                State::Resync { skipped } => self.resync(bytes, skipped, on),
            }
        }
    }

    /// Bytes of this direction were lost: whatever message was under way is abandoned and the
    /// next request or status line is looked for.
    pub fn gap(&mut self) {
        self.clear_buffer();
        self.state = State::Resync { skipped: 0 };
    }

    /// True while a message body is being read (bytes lost now cut that body).
    pub fn in_body(&self) -> bool {
        matches!(self.state, State::Body { .. })
    }

    fn clear_buffer(&mut self) {
        self.buffer.clear();
        self.charge.clear();
    }

    /// Reads a head; returns the bytes after it (or none, while it is incomplete).
    fn head<'a>(&mut self, bytes: &'a [u8], on: &mut impl FnMut(HttpEvent<'_>)) -> &'a [u8] {
        if self.buffer.is_empty() {
            // The common case: the whole head is in this piece; read it in place.
            if let Some(at) = find(bytes.get(..MAX_HEAD).unwrap_or(bytes), HEAD_END) {
                let end = at + HEAD_END.len();
                let (head, rest) = bytes.split_at(end);
                self.parsed(parse_head(head), on);
                return rest;
            }
        }
        let searched = self.buffer.len().saturating_sub(HEAD_END.len() - 1);
        let take = MAX_HEAD.saturating_sub(self.buffer.len()).min(bytes.len());
        if !self.charge.try_grow(take) {
            on(HttpEvent::Invalid("the memory budget is spent"));
            self.gap();
            return bytes;
        }
        self.buffer
            .extend_from_slice(bytes.get(..take).unwrap_or_default());
        let found = find(self.buffer.get(searched..).unwrap_or_default(), HEAD_END);
        let Some(end) = found.map(|at| searched + at + HEAD_END.len()) else {
            if self.buffer.len() >= MAX_HEAD {
                on(HttpEvent::Invalid("an HTTP head longer than 16 KiB"));
                self.gap();
            }
            return bytes.get(take..).unwrap_or_default();
        };
        // The bytes of this piece that belong to the head.
        let used = take.saturating_sub(self.buffer.len() - end);
        let buffer = std::mem::take(&mut self.buffer);
        self.parsed(parse_head(buffer.get(..end).unwrap_or_default()), on);
        self.buffer = buffer;
        self.clear_buffer();
        bytes.get(used..).unwrap_or_default()
    }

    /// Reports a parsed head and moves to its body.
    fn parsed(&mut self, head: Option<Head<'_>>, on: &mut impl FnMut(HttpEvent<'_>)) {
        match head {
            Some(head) => {
                let length = head.content_length.unwrap_or(0);
                on(HttpEvent::Head(head));
                if length == 0 {
                    on(HttpEvent::End);
                } else {
                    self.state = State::Body { remaining: length };
                }
            }
            None => {
                on(HttpEvent::Invalid("not an HTTP message"));
                self.state = State::Resync { skipped: 0 };
            }
        }
    }

    /// Looks for the next request or status line (one split across pieces too); returns the
    /// bytes from it on.
    fn resync<'a>(
        &mut self,
        bytes: &'a [u8],
        skipped: u64,
        on: &mut impl FnMut(HttpEvent<'_>),
    ) -> &'a [u8] {
        // A start token begun at the end of the last piece.
        let carried = self.buffer.len();
        if carried > 0 {
            let head = bytes
                .get(..bytes.len().min(TOKEN_CARRY))
                .unwrap_or_default();
            let mut joined = [0u8; 2 * TOKEN_CARRY];
            for (slot, byte) in joined.iter_mut().zip(self.buffer.iter().chain(head)) {
                *slot = *byte;
            }
            let window = joined.get(..carried + head.len()).unwrap_or_default();
            if let Some(at) = first_token(window).filter(|&at| at < carried) {
                // The head begins with the carried bytes from the token on.
                self.buffer.drain(..at);
                self.charge.shrink(at);
                self.state = State::Head;
                on(HttpEvent::Resynced {
                    skipped: skipped.saturating_add(at as u64),
                });
                return bytes;
            }
        }
        match first_token(bytes) {
            Some(at) => {
                let skipped = skipped
                    .saturating_add(carried as u64)
                    .saturating_add(at as u64);
                self.clear_buffer();
                self.state = State::Head;
                on(HttpEvent::Resynced { skipped });
                bytes.get(at..).unwrap_or_default()
            }
            None => {
                // Keep the last bytes (of the carried ones and this piece): a token may
                // continue in the next piece.
                let from_piece = bytes.len().min(TOKEN_CARRY);
                let from_carried = (TOKEN_CARRY - from_piece).min(carried);
                let old = carried - from_carried;
                self.buffer.drain(..old);
                self.charge.shrink(old);
                let tail = bytes.get(bytes.len() - from_piece..).unwrap_or_default();
                if self.charge.try_grow(tail.len()) {
                    self.buffer.extend_from_slice(tail);
                }
                let dropped = old + (bytes.len() - from_piece);
                self.state = State::Resync {
                    skipped: skipped.saturating_add(dropped as u64),
                };
                &[]
            }
        }
    }
}

/// Where the first start token begins.
fn first_token(bytes: &[u8]) -> Option<usize> {
    START_TOKENS
        .iter()
        .filter_map(|token| find(bytes, token))
        .min()
}

/// Parses a complete head (ending with the blank line).
fn parse_head(head: &[u8]) -> Option<Head<'_>> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let first = lines.next()?;
    let mut words = first.split(' ');
    let one = words.next()?;
    let two = words.next()?;
    let start = if one.starts_with("HTTP/1.") {
        StartLine::Response {
            status: two.parse().ok()?,
        }
    } else if words.next()?.starts_with("HTTP/1.")
        && !one.is_empty()
        && one.bytes().all(|b| b.is_ascii_uppercase())
    {
        StartLine::Request {
            method: one,
            path: two,
        }
    } else {
        return None;
    };
    let mut parsed = Head {
        start,
        content_length: None,
        content_type: None,
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            parsed.content_length = Some(value.parse().ok()?);
        } else if name.eq_ignore_ascii_case("content-type") {
            parsed.content_type = Some(value);
        }
    }
    Some(parsed)
}

/// Where `needle` first occurs in `haystack`: memchr's memmem, the same linear-time search
/// `--redact` uses.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event as text, bodies merged, so that different splits compare equal.
    fn events(parser: &mut HttpParser, pieces: &[&[u8]]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for piece in pieces {
            parser.feed(piece, &mut |event| {
                let text = match event {
                    HttpEvent::Head(head) => format!("{:?} {:?}", head.start, head.content_type),
                    HttpEvent::Body(body) => format!("body {}", String::from_utf8_lossy(body)),
                    HttpEvent::End => "end".into(),
                    HttpEvent::Invalid(why) => format!("invalid {why}"),
                    HttpEvent::Resynced { skipped } => format!("resynced after {skipped}"),
                };
                match (out.last_mut(), text.strip_prefix("body ")) {
                    (Some(last), Some(more)) if last.starts_with("body ") => last.push_str(more),
                    _ => out.push(text),
                }
            });
        }
        out
    }

    fn parser(mid_stream: bool) -> HttpParser {
        HttpParser::new(&MemoryBudget::unlimited(), mid_stream)
    }

    const TWO: &[u8] = b"POST /send/a/1 HTTP/1.1\r\nContent-Type: application/x-fcs\r\nContent-Length: 3\r\n\r\nabcPOST /idle/a/2 HTTP/1.1\r\nContent-Length: 1\r\n\r\n\0";

    #[test]
    fn pipelined_requests_in_any_pieces() {
        let whole = events(&mut parser(false), &[TWO]);
        assert_eq!(whole.len(), 6, "{whole:?}");
        assert!(whole[0].contains("application/x-fcs"));
        for size in 1..TWO.len() {
            let pieces: Vec<&[u8]> = TWO.chunks(size).collect();
            assert_eq!(
                events(&mut parser(false), &pieces),
                whole,
                "pieces of {size}"
            );
        }
    }

    #[test]
    fn resynchronises_after_a_gap_even_on_a_split_start_line() {
        let response = b"garbage HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
        for split in 0..response.len() {
            let mut reader = parser(false);
            let mut out = events(
                &mut reader,
                &[b"POST /send/a/1 HTTP/1.1\r\nContent-Length: 10\r\n\r\nab"],
            );
            reader.gap();
            out.extend(events(
                &mut reader,
                &[&response[..split], &response[split..]],
            ));
            assert_eq!(
                &out[out.len() - 4..],
                [
                    "resynced after 8",
                    "Response { status: 200 } None",
                    "body x",
                    "end"
                ],
                "split at {split}: {out:?}"
            );
        }
    }

    #[test]
    fn resynchronises_when_fed_a_byte_at_a_time() {
        let bytes = b"end of a body POST /idle/a/2 HTTP/1.1\r\nContent-Length: 1\r\n\r\n\0";
        let pieces: Vec<&[u8]> = bytes.chunks(1).collect();
        let whole = events(&mut parser(true), &[bytes]);
        assert_eq!(whole[0], "resynced after 14");
        assert_eq!(events(&mut parser(true), &pieces), whole);
    }

    #[test]
    fn a_mid_stream_reader_starts_at_the_first_start_line() {
        let out = events(
            &mut parser(true),
            &[b"tail of a body", b"HTTP/1.1 404 Not Found\r\n\r\n"],
        );
        assert_eq!(
            out,
            ["resynced after 14", "Response { status: 404 } None", "end"]
        );
    }

    #[test]
    fn not_http_is_invalid_and_heads_are_bounded() {
        let out = events(&mut parser(false), &[b"\x03\x00\x00\r\n\r\n"]);
        assert_eq!(out, ["invalid not an HTTP message"]);
        let endless = vec![b'a'; MAX_HEAD + 10];
        let out = events(&mut parser(false), &[&endless]);
        assert_eq!(out, ["invalid an HTTP head longer than 16 KiB"]);
        let budget = MemoryBudget::new(100);
        let mut small = HttpParser::new(&budget, false);
        let out = events(&mut small, &[b"POST /open/1 HTTP/1.1\r\n", &[b'x'; 200]]);
        assert_eq!(out, ["invalid the memory budget is spent"]);
        assert!(budget.used() <= 100);
    }
}
