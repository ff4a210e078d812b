//! A small blocking HTTP/1.1 client for ClickHouse's HTTP interface, over `std::net::TcpStream`.
//!
//! ClickHouse needs one POST per request (the query in the URL, the rows in the body) and a
//! status line, headers and body back, plain or chunked. That is all this does: plain `http://`
//! only (put a local TLS proxy in front for `https`), one connection per request
//! (`Connection: close`; one request a second or so needs no pooling), a timeout on every step,
//! and a cap on the size of an answer.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use base64::Engine as _;

/// Largest answer read (the sink asks only for counts and row numbers).
const MAX_RESPONSE: u64 = 64 << 20;

/// Where the server is and who we are to it, from `--clickhouse URL`.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerUrl {
    /// Host name or address.
    pub host: String,
    /// TCP port (8123 when the URL names none).
    pub port: u16,
    /// User name, if one is given.
    pub user: Option<String>,
    /// Password, if one is given.
    pub password: Option<String>,
    /// The database the tables live in.
    pub database: String,
}

impl fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never prints the password.
        write!(f, "http://{}:{}/{}", self.host, self.port, self.database)
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The database used when the URL names none.
pub const DEFAULT_DATABASE: &str = "rtmpscope";

impl ServerUrl {
    /// Parses `http://[user[:password]@]host[:port][/database]`; `user` and `password` fill
    /// in what the URL lacks (from `CLICKHOUSE_USER` and `CLICKHOUSE_PASSWORD`).
    pub fn parse(
        url: &str,
        user: Option<String>,
        password: Option<String>,
    ) -> Result<Self, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            format!(
                "{url}: only http:// URLs are supported (ClickHouse's HTTP interface, port 8123)"
            )
        })?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (credentials, hostport) = match authority.rsplit_once('@') {
            Some((credentials, hostport)) => (Some(credentials), hostport),
            None => (None, authority),
        };
        let (url_user, url_password) = match credentials {
            Some(credentials) => match credentials.split_once(':') {
                Some((u, p)) => (Some(percent_decode(u)), Some(percent_decode(p))),
                None => (Some(percent_decode(credentials)), None),
            },
            None => (None, None),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (
                host,
                port.parse::<u16>()
                    .map_err(|_| format!("{url}: bad port {port:?}"))?,
            ),
            _ => (hostport, 8123),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("{url}: no host"));
        }
        let database = path.split(['?', '/']).next().unwrap_or("");
        let database = if database.is_empty() {
            DEFAULT_DATABASE.to_string()
        } else {
            database.to_string()
        };
        if !database
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(format!(
                "{url}: database name {database:?}: use letters, digits and _"
            ));
        }
        Ok(ServerUrl {
            host: host.to_string(),
            port,
            user: url_user.or(user),
            password: url_password.or(password),
            database,
        })
    }
}

/// Why a request failed.
#[derive(Debug)]
pub enum HttpError {
    /// No connection, a timeout, a connection cut: the server may be down.
    Io(io::Error),
    /// The server answered with an error status (its message in the text).
    Status(u16, String),
    /// The answer was not HTTP as expected.
    Protocol(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Io(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                write!(f, "no answer in time ({error})")
            }
            HttpError::Io(error) => write!(f, "{error}"),
            HttpError::Status(status, text) => {
                let first = text.lines().next().unwrap_or("");
                write!(f, "HTTP {status}: {first}")
            }
            HttpError::Protocol(text) => write!(f, "bad answer: {text}"),
        }
    }
}

impl HttpError {
    /// The server's error code (`Code: N` in its answer), when it answered with one.
    pub fn server_code(&self) -> Option<u32> {
        let HttpError::Status(_, text) = self else {
            return None;
        };
        let digits = text.split("Code: ").nth(1)?;
        let end = digits
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        digits.get(..end)?.parse().ok()
    }
}

/// The server's code for a session that does not exist (expired, or never made).
pub const SESSION_NOT_FOUND: u32 = 372;

impl From<io::Error> for HttpError {
    fn from(error: io::Error) -> Self {
        HttpError::Io(error)
    }
}

/// A ClickHouse server reached over HTTP.
#[derive(Debug, Clone)]
pub struct Client {
    url: ServerUrl,
    timeout: Duration,
}

impl Client {
    /// A client for `url`; every connect, read and write waits at most `timeout`.
    pub fn new(url: ServerUrl, timeout: Duration) -> Self {
        Client { url, timeout }
    }

    /// The server's URL.
    pub fn url(&self) -> &ServerUrl {
        &self.url
    }

    /// Runs `sql` (in the body) in `database` (or none), returning the answer's body.
    pub fn query(&self, sql: &str, database: Option<&str>) -> Result<String, HttpError> {
        let mut params = Vec::new();
        if let Some(database) = database {
            params.push(("database", database));
        }
        let body = self.post(&params, sql.as_bytes())?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// Sends `rows` with the `query` in the URL (`INSERT INTO t FORMAT JSONEachRow`), with
    /// `query_id` so that a second copy cannot run while the first still does; with a
    /// `session`, only inside that session while it lives (`session_check`: once it has
    /// expired, this request is refused, however late it reaches the server).
    pub fn insert(
        &self,
        query: &str,
        query_id: &str,
        rows: &[u8],
        session: Option<(&str, Duration)>,
    ) -> Result<(), HttpError> {
        let mut params = vec![
            ("database", self.url.database.as_str()),
            ("query", query),
            ("query_id", query_id),
            ("input_format_skip_unknown_fields", "1"),
        ];
        let timeout = session.map(|(_, timeout)| timeout.as_secs().max(1).to_string());
        if let (Some((id, _)), Some(timeout)) = (session, &timeout) {
            params.extend([
                ("session_id", id),
                ("session_check", "1"),
                ("session_timeout", timeout.as_str()),
            ]);
        }
        self.post(&params, rows).map(|_| ())
    }

    /// Opens session `id`, which the server forgets once it has been idle for `timeout`.
    pub fn open_session(&self, id: &str, timeout: Duration) -> Result<(), HttpError> {
        let timeout = timeout.as_secs().max(1).to_string();
        self.post(
            &[("session_id", id), ("session_timeout", timeout.as_str())],
            b"SELECT 1",
        )
        .map(|_| ())
    }

    /// Whether session `id` still exists (asking keeps it alive for `timeout` more).
    pub fn session_exists(&self, id: &str, timeout: Duration) -> Result<bool, HttpError> {
        let timeout = timeout.as_secs().max(1).to_string();
        let asked = self.post(
            &[
                ("session_id", id),
                ("session_check", "1"),
                ("session_timeout", timeout.as_str()),
            ],
            b"SELECT 1",
        );
        match asked {
            Ok(_) => Ok(true),
            Err(error) if error.server_code() == Some(SESSION_NOT_FOUND) => Ok(false),
            // Locked by a request still running in it, or any other refusal: taken to exist
            // (the safe side: the batch waits).
            Err(HttpError::Status(..)) => Ok(true),
            Err(error) => Err(error),
        }
    }

    /// One POST to `/` with `params` in the query string.
    fn post(&self, params: &[(&str, &str)], body: &[u8]) -> Result<Vec<u8>, HttpError> {
        let address = (self.url.host.as_str(), self.url.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "host has no address"))?;
        let mut stream = TcpStream::connect_timeout(&address, self.timeout)?;
        stream.set_read_timeout(Some(self.timeout))?;
        stream.set_write_timeout(Some(self.timeout))?;
        stream.set_nodelay(true)?;
        let query: Vec<String> = params
            .iter()
            .map(|(key, value)| format!("{key}={}", percent_encode(value)))
            .collect();
        let mut head = format!(
            "POST /?{} HTTP/1.1\r\nHost: {}:{}\r\nContent-Length: {}\r\nConnection: close\r\n",
            query.join("&"),
            self.url.host,
            self.url.port,
            body.len()
        );
        if let Some(user) = &self.url.user {
            let pair = format!("{user}:{}", self.url.password.as_deref().unwrap_or(""));
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            head.push_str(&format!("Authorization: Basic {encoded}\r\n"));
        }
        head.push_str("\r\n");
        let sent = stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body))
            .and_then(|()| stream.flush());
        let mut answer = Vec::new();
        let read = (&mut stream).take(MAX_RESPONSE).read_to_end(&mut answer);
        // A server that refuses a request before reading its body (a session that does not
        // exist, say) answers and resets the connection: its refusal counts, whatever the
        // writing or the reading met. Success counts only from a whole exchange.
        let (status, body) = match (parse_response(&answer), sent, read) {
            (Ok(parsed), Ok(()), Ok(_)) => parsed,
            (Ok((status, body)), _, _) if status != 200 => (status, body),
            (_, Err(error), _) | (_, Ok(()), Err(error)) => return Err(error.into()),
            (Err(error), Ok(()), Ok(_)) => return Err(error),
        };
        if status == 200 {
            Ok(body)
        } else {
            Err(HttpError::Status(
                status,
                String::from_utf8_lossy(&body).trim().to_string(),
            ))
        }
    }
}

/// Status and body of a whole HTTP/1.1 answer (plain, with Content-Length, or chunked).
fn parse_response(answer: &[u8]) -> Result<(u16, Vec<u8>), HttpError> {
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| HttpError::Protocol("no end of headers".into()))?;
    let head = String::from_utf8_lossy(answer.get(..end).unwrap_or_default());
    let body = answer.get(end.saturating_add(4)..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| HttpError::Protocol(format!("status line {status_line:?}")))?;
    let chunked = lines.any(|line| {
        let lower = line.to_ascii_lowercase();
        lower.starts_with("transfer-encoding:") && lower.contains("chunked")
    });
    if chunked {
        Ok((status, dechunk(body)?))
    } else {
        Ok((status, body.to_vec()))
    }
}

/// The body of a chunked answer.
fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| HttpError::Protocol("chunk size line cut".into()))?;
        let size_text = String::from_utf8_lossy(rest.get(..line_end).unwrap_or_default());
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| HttpError::Protocol(format!("chunk size {size_text:?}")))?;
        let start = line_end.saturating_add(2);
        if size == 0 {
            return Ok(body);
        }
        let chunk = rest
            .get(start..start.saturating_add(size))
            .ok_or_else(|| HttpError::Protocol("chunk cut short".into()))?;
        body.extend_from_slice(chunk);
        rest = rest
            .get(start.saturating_add(size).saturating_add(2)..)
            .unwrap_or_default();
    }
}

/// Percent-encodes everything but unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (user names and passwords in URLs).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let hex = bytes
            .get(i.saturating_add(1)..i.saturating_add(3))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (byte, hex) {
            (b'%', Some(value)) => {
                out.push(value);
                i = i.saturating_add(3);
            }
            _ => {
                out.push(byte);
                i = i.saturating_add(1);
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let url = ServerUrl::parse("http://127.0.0.1:8123/", None, None).unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.database.as_str()),
            ("127.0.0.1", 8123, "rtmpscope")
        );
        assert_eq!(url.user, None);
        let url = ServerUrl::parse(
            "http://bob:p%40ss@ch.example:9000/fleet",
            Some("x".into()),
            Some("y".into()),
        )
        .unwrap();
        assert_eq!(
            (url.user.as_deref(), url.password.as_deref()),
            (Some("bob"), Some("p@ss"))
        );
        assert_eq!(
            (url.host.as_str(), url.port, url.database.as_str()),
            ("ch.example", 9000, "fleet")
        );
        let url = ServerUrl::parse("http://[::1]", Some("u".into()), Some("p".into())).unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 8123));
        assert_eq!(
            (url.user.as_deref(), url.password.as_deref()),
            (Some("u"), Some("p"))
        );
        assert!(!format!("{url}").contains('p') || !format!("{url:?}").contains(":p@"));
        assert!(ServerUrl::parse("https://x/", None, None).is_err());
        assert!(ServerUrl::parse("http://x/a;b", None, None).is_err());
    }

    #[test]
    fn responses() {
        let (status, body) =
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").unwrap();
        assert_eq!((status, body.as_slice()), (200, &b"ok"[..]));
        let chunked = b"HTTP/1.1 500 Internal\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let (status, body) = parse_response(chunked).unwrap();
        assert_eq!((status, body.as_slice()), (500, &b"abcde"[..]));
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err()
        );
        assert!(parse_response(b"garbage").is_err());
        assert_eq!(percent_encode("INSERT INTO t"), "INSERT%20INTO%20t");
        // 18.16's error text, and a current release's.
        let old = HttpError::Status(
            500,
            "Code: 372, e.displayText() = DB::Exception: Session not found., e.what() = DB::Exception".into(),
        );
        let new = HttpError::Status(
            404,
            "Code: 372. DB::Exception: Session not found. (SESSION_NOT_FOUND) (version 26.9)"
                .into(),
        );
        assert_eq!(
            (old.server_code(), new.server_code()),
            (Some(372), Some(372))
        );
        assert_eq!(HttpError::Status(500, "oops".into()).server_code(), None);
    }
}
