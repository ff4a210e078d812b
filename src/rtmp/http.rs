//! An incremental HTTP/1.x message parser for one direction of a connection: heads, then
//! `Content-Length` bodies, message after message (keep-alive, pipelining). Bytes may arrive in
//! any pieces. After a gap it looks for the next request or status line.

/// Most bytes of a message head (request or status line and headers).
const MAX_HEAD: usize = 16 << 10;
/// How the messages a resynchronisation looks for begin.
const START_TOKENS: [&[u8]; 3] = [b"POST /", b"GET /", b"HTTP/1."];

/// The start of an HTTP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// A request: method and path.
    Request {
        /// `POST`, `GET`, …
        method: String,
        /// The request target.
        path: String,
    },
    /// A response: status code.
    Response {
        /// 200, 404, …
        status: u16,
    },
}

/// A parsed message head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Request or status line.
    pub start: StartLine,
    /// `Content-Length`, if given.
    pub content_length: Option<u64>,
    /// `Content-Type`, lowercased, if given.
    pub content_type: Option<String>,
}

/// What the parser found.
#[derive(Debug, PartialEq, Eq)]
pub enum HttpEvent<'a> {
    /// A message head.
    Head(Head),
    /// Body bytes of the current message.
    Body(&'a [u8]),
    /// The current message is complete.
    End,
    /// Something that is not HTTP; the parser searches for the next message.
    Invalid(&'static str),
}

#[derive(Debug)]
enum State {
    Head,
    Body { remaining: u64 },
    Resync,
}

/// One direction's parser.
#[derive(Debug)]
pub struct HttpParser {
    state: State,
    buffer: Vec<u8>,
}

impl Default for HttpParser {
    fn default() -> Self {
        HttpParser {
            state: State::Head,
            buffer: Vec::new(),
        }
    }
}

impl HttpParser {
    /// Feeds the next bytes of the direction.
    pub fn feed(&mut self, mut bytes: &[u8], on: &mut impl FnMut(HttpEvent<'_>)) {
        while !bytes.is_empty() {
            match self.state {
                State::Body { remaining } => {
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    let (body, rest) = bytes.split_at(take);
                    bytes = rest;
                    on(HttpEvent::Body(body));
                    let remaining = remaining - take as u64;
                    self.state = State::Body { remaining };
                    if remaining == 0 {
                        self.state = State::Head;
                        on(HttpEvent::End);
                    }
                }
                State::Head => bytes = self.head(bytes, on),
                State::Resync => bytes = self.resync(bytes),
            }
        }
    }

    /// Bytes of this direction were lost: whatever message was under way is abandoned.
    pub fn gap(&mut self) {
        self.buffer.clear();
        self.state = State::Resync;
    }

    /// Collects a head; returns the bytes after it (or none, while it is incomplete).
    fn head<'a>(&mut self, bytes: &'a [u8], on: &mut impl FnMut(HttpEvent<'_>)) -> &'a [u8] {
        let searched = self.buffer.len().saturating_sub(3);
        let room = MAX_HEAD.saturating_sub(self.buffer.len());
        let take = room.min(bytes.len());
        self.buffer
            .extend_from_slice(bytes.get(..take).unwrap_or_default());
        let Some(end) = find(self.buffer.get(searched..).unwrap_or_default(), b"\r\n\r\n")
            .map(|at| searched + at + 4)
        else {
            if self.buffer.len() >= MAX_HEAD {
                on(HttpEvent::Invalid("an HTTP head longer than 16 KiB"));
                self.gap();
            }
            return bytes.get(take..).unwrap_or_default();
        };
        // Bytes of this piece after the head.
        let used = take - (self.buffer.len() - end);
        let head = parse_head(self.buffer.get(..end).unwrap_or_default());
        self.buffer.clear();
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
                self.state = State::Resync;
            }
        }
        bytes.get(used..).unwrap_or_default()
    }

    /// Looks for the next request or status line; returns the bytes from it on. (A start
    /// line split across pieces is missed; the one after it is found.)
    fn resync<'a>(&mut self, bytes: &'a [u8]) -> &'a [u8] {
        let start = START_TOKENS
            .iter()
            .filter_map(|token| find(bytes, token))
            .min();
        match start {
            Some(at) => {
                self.state = State::Head;
                bytes.get(at..).unwrap_or_default()
            }
            None => &[],
        }
    }
}

/// Parses a complete head (ending with the blank line).
fn parse_head(head: &[u8]) -> Option<Head> {
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
    } else if words.next()?.starts_with("HTTP/1.") && one.bytes().all(|b| b.is_ascii_uppercase()) {
        StartLine::Request {
            method: one.to_owned(),
            path: two.to_owned(),
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
            parsed.content_type = Some(value.to_ascii_lowercase());
        }
    }
    Some(parsed)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(parser: &mut HttpParser, pieces: &[&[u8]]) -> Vec<String> {
        let mut out = Vec::new();
        for piece in pieces {
            parser.feed(piece, &mut |event| {
                out.push(match event {
                    HttpEvent::Head(head) => format!("{:?}", head.start),
                    HttpEvent::Body(body) => format!("body {}", String::from_utf8_lossy(body)),
                    HttpEvent::End => "end".into(),
                    HttpEvent::Invalid(why) => format!("invalid {why}"),
                })
            });
        }
        out
    }

    const TWO: &[u8] = b"POST /send/a/1 HTTP/1.1\r\nContent-Type: application/x-fcs\r\nContent-Length: 3\r\n\r\nabcPOST /idle/a/2 HTTP/1.1\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn pipelined_requests_in_any_pieces() {
        let whole = events(&mut HttpParser::default(), &[TWO]);
        assert_eq!(whole.len(), 5, "{whole:?}");
        let mut bytewise = HttpParser::default();
        let pieces: Vec<&[u8]> = TWO.chunks(1).collect();
        let merged: Vec<String> =
            events(&mut bytewise, &pieces)
                .into_iter()
                .fold(Vec::new(), |mut out, e| {
                    match (out.last_mut(), e.strip_prefix("body ")) {
                        (Some(last), Some(more)) if last.starts_with("body ") => {
                            last.push_str(more)
                        }
                        _ => out.push(e),
                    }
                    out
                });
        assert_eq!(merged, whole);
    }

    #[test]
    fn resynchronises_after_a_gap() {
        let mut parser = HttpParser::default();
        let mut out = events(
            &mut parser,
            &[b"POST /send/a/1 HTTP/1.1\r\nContent-Length: 10\r\n\r\nab"],
        );
        parser.gap();
        out.extend(events(
            &mut parser,
            &[b"garbage HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"],
        ));
        assert_eq!(out.last().map(String::as_str), Some("end"), "{out:?}");
        assert!(out.iter().any(|e| e.contains("status: 200")), "{out:?}");
    }

    #[test]
    fn not_http_is_invalid() {
        let out = events(&mut HttpParser::default(), &[b"\x03\x00\x00\r\n\r\n"]);
        assert_eq!(out, ["invalid not an HTTP message"]);
    }
}
