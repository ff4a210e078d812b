//! TLS as RTMPS carries it: what the hello messages show in the clear (versions offered and
//! chosen, the cipher suite, the server name, application protocols), then the record layer
//! counted each way. Everything after the hellos is encrypted: the RTMP inside cannot be read
//! without the session keys, which a passive observer does not have.
//!
//! No-panic contract: every length comes from the wire and is checked before use; the only
//! buffer (the server's first handshake message) is capped at one record.

use serde::Serialize;

use crate::common::reader::Reader;
use crate::common::Direction;

/// Largest TLS record: 16 KiB of plaintext plus the 5-byte header and some expansion.
pub const MAX_TLS_RECORD: usize = 5 + MAX_RECORD_BODY;
/// Largest record body: 2^14 bytes plus the 2048 bytes of expansion TLS 1.2 allows.
const MAX_RECORD_BODY: usize = (16 << 10) + 2048;
/// Record header: content type, version, length.
const RECORD_HEADER: usize = 5;

/// Record content types.
const CHANGE_CIPHER_SPEC: u8 = 20;
const ALERT: u8 = 21;
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;
const HEARTBEAT: u8 = 24;

/// Handshake message types.
const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;

/// Extensions read from the hellos.
const EXT_SERVER_NAME: u16 = 0;
const EXT_ALPN: u16 = 16;
const EXT_SUPPORTED_VERSIONS: u16 = 43;

/// How many of the client's first application-data records are looked at to recognise RTMP.
const SHAPE_RECORDS: usize = 8;
/// C1 (and C2): 1536 bytes, which an RTMP client writes right after the TLS handshake.
const RTMP_BLOCK: usize = 1536;
/// Fewest bytes a record of an AEAD suite adds to its plaintext (the tag).
const MIN_RECORD_OVERHEAD: usize = 16;
/// Most bytes a record adds (explicit IV, MAC, padding of CBC suites; TLS 1.3 padding).
const MAX_RECORD_OVERHEAD: usize = 80;

/// The ServerHello random that marks a HelloRetryRequest (RFC 8446, 4.1.3).
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Facts from the TLS hello messages of an RTMPS connection.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TlsInfo {
    /// The version the ClientHello's legacy field names (`TLS 1.2` for every modern client).
    pub client_version: String,
    /// Whether the client offers TLS 1.3 (supported_versions extension).
    pub offers_tls13: bool,
    /// The server name the client asked for (SNI), if it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// Application protocols offered (ALPN), in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alpn: Vec<String>,
    /// How many cipher suites the client offered.
    pub cipher_suites_offered: usize,
    /// The version the server chose (its supported_versions extension for TLS 1.3, else the
    /// ServerHello's version field). Absent until the ServerHello is seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The cipher suite the server chose, by its IANA name (`0x....` when not known here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<String>,
    /// Its code point, as `0x....`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher_suite_id: Option<String>,
    /// The application protocol the server chose, when the ServerHello says (TLS 1.2; TLS 1.3
    /// hides it in the encrypted extensions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_alpn: Option<String>,
    /// The server first asked the client to try again with other key shares (TLS 1.3).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hello_retry_request: bool,
}

/// The record layer of an RTMPS connection, counted each way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TlsCounts {
    /// TLS records the client sent.
    pub records_c2s: u64,
    /// TLS records the server sent.
    pub records_s2c: u64,
    /// Bytes inside the client's application-data records (the encrypted RTMP, and in TLS 1.3
    /// the encrypted end of the handshake).
    pub application_bytes_c2s: u64,
    /// Bytes inside the server's application-data records.
    pub application_bytes_s2c: u64,
    /// Alert records, both ways (the encrypted close_notify at the end is one).
    pub alerts: u64,
    /// True when a direction lost its record boundaries (a gap, or bytes that are not TLS
    /// records): the counts then stop there.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
}

/// What `session_end` reports of an RTMPS connection: the hellos' facts and the counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsSummary {
    /// From the hello messages.
    #[serde(flatten)]
    pub info: TlsInfo,
    /// From the record layer.
    #[serde(flatten)]
    pub counts: TlsCounts,
}

/// What the first client bytes of a TLS connection gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientHello {
    /// The first record is not whole yet.
    NeedMore,
    /// Not a ClientHello (or too broken to read).
    Invalid,
    /// The ClientHello's facts.
    Hello(TlsInfo),
}

/// Reads the ClientHello in the first TLS record of a connection.
pub fn parse_client_hello(bytes: &[u8]) -> ClientHello {
    let mut record = Reader::new(bytes);
    let (Some(content_type), Some(_), Some(length)) =
        (record.u8(), record.be_u16(), record.be_u16())
    else {
        return ClientHello::NeedMore;
    };
    if content_type != HANDSHAKE {
        return ClientHello::Invalid;
    }
    let Some(body) = record.take(usize::from(length)) else {
        return if bytes.len() < MAX_TLS_RECORD {
            ClientHello::NeedMore
        } else {
            ClientHello::Invalid
        };
    };
    client_hello_facts(body).map_or(ClientHello::Invalid, ClientHello::Hello)
}

/// The start of a hello message: type, length, version, random, session id. Returns the
/// version and the random.
fn hello_start(reader: &mut Reader<'_>, kind: u8) -> Option<(u16, [u8; 32])> {
    if reader.u8()? != kind {
        return None;
    }
    let _length = reader.be_u24()?;
    let version = reader.be_u16()?;
    let random = reader.array::<32>()?;
    let session_id = reader.u8()?;
    reader.take(usize::from(session_id))?;
    Some((version, random))
}

/// Calls `each(kind, data)` for every whole extension of a hello (a list cut short is read as
/// far as it goes).
fn extensions(reader: &mut Reader<'_>, mut each: impl FnMut(u16, &[u8])) {
    let length = reader.be_u16().unwrap_or(0);
    let mut list = Reader::new(
        reader
            .take(usize::from(length))
            .unwrap_or_else(|| reader.rest()),
    );
    while let (Some(kind), Some(length)) = (list.be_u16(), list.be_u16()) {
        let Some(data) = list.take(usize::from(length)) else {
            break;
        };
        each(kind, data);
    }
}

/// The facts of a ClientHello handshake message.
fn client_hello_facts(body: &[u8]) -> Option<TlsInfo> {
    let mut reader = Reader::new(body);
    let (version, _) = hello_start(&mut reader, CLIENT_HELLO)?;
    let suites = reader.be_u16()?;
    reader.take(usize::from(suites))?;
    let compression = reader.u8()?;
    reader.take(usize::from(compression))?;
    let mut info = TlsInfo {
        client_version: version_name(version),
        cipher_suites_offered: usize::from(suites / 2),
        ..TlsInfo::default()
    };
    extensions(&mut reader, |kind, data| match kind {
        EXT_SERVER_NAME => info.sni = server_name(data),
        EXT_ALPN => info.alpn = alpn(data),
        EXT_SUPPORTED_VERSIONS => {
            info.offers_tls13 = data
                .get(1..)
                .unwrap_or_default()
                .chunks(2)
                .any(|v| v == [3, 4])
        }
        _ => {}
    });
    Some(info)
}

/// What a ServerHello chose.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ServerChoice {
    version: u16,
    cipher_suite: u16,
    alpn: Option<String>,
    retry: bool,
}

/// Reads a ServerHello handshake message.
fn server_hello_facts(message: &[u8]) -> Option<ServerChoice> {
    let mut reader = Reader::new(message);
    let (legacy_version, random) = hello_start(&mut reader, SERVER_HELLO)?;
    let cipher_suite = reader.be_u16()?;
    let _compression = reader.u8()?;
    let mut choice = ServerChoice {
        version: legacy_version,
        cipher_suite,
        alpn: None,
        retry: random == HELLO_RETRY_RANDOM,
    };
    extensions(&mut reader, |kind, data| match kind {
        EXT_SUPPORTED_VERSIONS => {
            if let Some(version) = Reader::new(data).be_u16() {
                choice.version = version;
            }
        }
        EXT_ALPN => choice.alpn = alpn(data).into_iter().next(),
        _ => {}
    });
    Some(choice)
}

fn server_name(data: &[u8]) -> Option<String> {
    let mut reader = Reader::new(data);
    let _list_length = reader.be_u16()?;
    if reader.u8()? != 0 {
        return None; // not a host name
    }
    let length = reader.be_u16()?;
    Some(String::from_utf8_lossy(reader.take(usize::from(length))?).into_owned())
}

fn alpn(data: &[u8]) -> Vec<String> {
    let mut reader = Reader::new(data.get(2..).unwrap_or_default());
    let mut protocols = Vec::new();
    while let Some(length) = reader.u8() {
        match reader.take(usize::from(length)) {
            Some(name) => protocols.push(String::from_utf8_lossy(name).into_owned()),
            None => break,
        }
    }
    protocols
}

/// `TLS 1.2` and so on; unknown values as `0x....`.
fn version_name(version: u16) -> String {
    match version {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        other => format!("0x{other:04x}"),
    }
}

/// IANA names of the cipher suites TLS libraries offer today (and a few older ones).
const CIPHER_SUITES: [(u16, &str); 40] = [
    (0x1301, "TLS_AES_128_GCM_SHA256"),
    (0x1302, "TLS_AES_256_GCM_SHA384"),
    (0x1303, "TLS_CHACHA20_POLY1305_SHA256"),
    (0x1304, "TLS_AES_128_CCM_SHA256"),
    (0x1305, "TLS_AES_128_CCM_8_SHA256"),
    (0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    (0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    (0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    (0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    (0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    (0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    (0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    (0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
    (0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
    (0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
    (0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"),
    (0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"),
    (0xC09C, "TLS_RSA_WITH_AES_128_CCM"),
    (0xC09D, "TLS_RSA_WITH_AES_256_CCM"),
    (0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM"),
    (0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM"),
    (0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    (0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    (0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"),
    (0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
    (0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"),
    (0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256"),
    (0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256"),
    (0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x0005, "TLS_RSA_WITH_RC4_128_SHA"),
    (0x0004, "TLS_RSA_WITH_RC4_128_MD5"),
    (0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
];

/// The IANA name of a cipher suite, or its code point as `0x....`.
pub fn cipher_suite_name(id: u16) -> String {
    CIPHER_SUITES
        .iter()
        .find(|(code, _)| *code == id)
        .map_or_else(|| format!("0x{id:04x}"), |(_, name)| (*name).to_owned())
}

/// Alert descriptions (RFC 8446, 6; RFC 5246, 7.2).
const ALERTS: [(u8, &str); 26] = [
    (0, "close_notify"),
    (10, "unexpected_message"),
    (20, "bad_record_mac"),
    (22, "record_overflow"),
    (40, "handshake_failure"),
    (42, "bad_certificate"),
    (43, "unsupported_certificate"),
    (44, "certificate_revoked"),
    (45, "certificate_expired"),
    (46, "certificate_unknown"),
    (47, "illegal_parameter"),
    (48, "unknown_ca"),
    (49, "access_denied"),
    (50, "decode_error"),
    (51, "decrypt_error"),
    (70, "protocol_version"),
    (71, "insufficient_security"),
    (80, "internal_error"),
    (86, "inappropriate_fallback"),
    (90, "user_canceled"),
    (100, "no_renegotiation"),
    (109, "missing_extension"),
    (110, "unsupported_extension"),
    (112, "unrecognized_name"),
    (116, "certificate_required"),
    (120, "no_application_protocol"),
];

fn alert_name(description: u8) -> String {
    ALERTS
        .iter()
        .find(|(code, _)| *code == description)
        .map_or_else(
            || format!("alert {description}"),
            |(_, name)| (*name).to_owned(),
        )
}

/// Something the record layer showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsEvent {
    /// The ServerHello was read: both hellos' facts.
    ServerHello(TlsInfo),
    /// An alert sent in the clear (during the handshake): e.g. a refused certificate.
    Alert {
        /// Who sent it.
        dir: Direction,
        /// `warning` or `fatal`.
        level: &'static str,
        /// Its description (`bad_certificate`, …).
        description: String,
    },
    /// The bytes stopped looking like TLS records; the counts stop on this direction.
    Invalid {
        /// The direction.
        dir: Direction,
        /// What was wrong.
        reason: String,
    },
}

/// One direction's record layer.
#[derive(Debug, Default)]
struct RecordStream {
    header: [u8; RECORD_HEADER],
    header_len: usize,
    /// Body bytes of the current record still to come (0 while reading a header).
    remaining: usize,
    content_type: u8,
    /// The first two body bytes of the current alert record, and its length.
    alert: [u8; 2],
    alert_length: usize,
    /// Boundaries lost: nothing more is parsed or counted on this direction.
    stopped: bool,
}

/// Follows an RTMPS connection's TLS: reads the ServerHello, counts records each way.
#[derive(Debug)]
pub struct TlsTracker {
    info: TlsInfo,
    counts: TlsCounts,
    /// Lengths of the client's first application-data records.
    shape: [usize; SHAPE_RECORDS],
    shape_len: usize,
    sides: [RecordStream; 2],
    /// The server's handshake bytes until its ServerHello is whole (at most one record's).
    server_handshake: Vec<u8>,
    /// The ServerHello was read (or cannot be).
    server_hello_done: bool,
}

impl TlsTracker {
    /// A tracker for a connection whose ClientHello showed `info`.
    pub fn new(info: TlsInfo) -> Self {
        TlsTracker {
            info,
            counts: TlsCounts::default(),
            shape: [0; SHAPE_RECORDS],
            shape_len: 0,
            sides: [RecordStream::default(), RecordStream::default()],
            server_handshake: Vec::new(),
            server_hello_done: false,
        }
    }

    /// The hellos' facts so far.
    pub fn info(&self) -> &TlsInfo {
        &self.info
    }

    /// The record counts so far.
    pub fn counts(&self) -> &TlsCounts {
        &self.counts
    }

    /// The facts and counts, for the end of the session.
    pub fn summary(&self) -> TlsSummary {
        TlsSummary {
            info: self.info.clone(),
            counts: self.counts,
        }
    }

    /// Does the connection carry RTMP? RTMP over TLS starts with the client writing C0+C1
    /// (1537 bytes, or C0 alone then C1) and, once the server answered, C2 (1536 bytes): two
    /// consecutive application-data records of the same length (or one byte apart) just over
    /// 1536 bytes. `None` until the client's first records are seen.
    pub fn carries_rtmp(&self) -> Option<bool> {
        let lengths = self.shape.get(..self.shape_len).unwrap_or_default();
        let low = RTMP_BLOCK + MIN_RECORD_OVERHEAD;
        let high = RTMP_BLOCK + 1 + MAX_RECORD_OVERHEAD;
        let found = lengths.windows(2).any(|pair| {
            let (first, second) = (pair.first().copied(), pair.get(1).copied());
            matches!((first, second), (Some(a), Some(b))
                if (low..=high).contains(&a) && (a == b || a == b + 1))
        });
        if found {
            Some(true)
        } else if self.shape_len == SHAPE_RECORDS {
            Some(false)
        } else {
            None
        }
    }

    /// Bytes of one direction were lost: its record boundaries are gone.
    pub fn gap(&mut self, dir: Direction) {
        dir.of_mut(&mut self.sides).stopped = true;
        self.counts.incomplete = true;
        if dir == Direction::ServerToClient {
            self.end_server_hello_search();
        }
    }

    /// Feeds the next in-order bytes of one direction.
    pub fn feed(&mut self, dir: Direction, mut bytes: &[u8], on: &mut impl FnMut(TlsEvent)) {
        while !bytes.is_empty() && !dir.of(&self.sides).stopped {
            let side = dir.of_mut(&mut self.sides);
            if side.remaining == 0 {
                let take = (RECORD_HEADER - side.header_len).min(bytes.len());
                let (head, rest) = bytes.split_at(take);
                if let Some(slot) = side.header.get_mut(side.header_len..side.header_len + take) {
                    slot.copy_from_slice(head);
                }
                side.header_len += take;
                bytes = rest;
                if side.header_len == RECORD_HEADER {
                    side.header_len = 0;
                    self.record_header(dir, on);
                }
            } else {
                let take = side.remaining.min(bytes.len());
                let (body, rest) = bytes.split_at(take);
                side.remaining -= take;
                bytes = rest;
                self.record_body(dir, body, on);
            }
        }
    }

    /// A whole record header: validated and counted.
    fn record_header(&mut self, dir: Direction, on: &mut impl FnMut(TlsEvent)) {
        let side = dir.of_mut(&mut self.sides);
        let [content_type, major, _, high, low] = side.header;
        let length = usize::from(u16::from_be_bytes([high, low]));
        if !(CHANGE_CIPHER_SPEC..=HEARTBEAT).contains(&content_type)
            || major != 3
            || length > MAX_RECORD_BODY
        {
            side.stopped = true;
            self.counts.incomplete = true;
            let reason = format!(
                "a TLS record header that is not one (type {content_type}, version {major}.x, length {length}); records are no longer counted this way"
            );
            on(TlsEvent::Invalid { dir, reason });
            return;
        }
        side.content_type = content_type;
        side.remaining = length;
        side.alert_length = length;
        let (records, data) = match dir {
            Direction::ClientToServer => (
                &mut self.counts.records_c2s,
                &mut self.counts.application_bytes_c2s,
            ),
            Direction::ServerToClient => (
                &mut self.counts.records_s2c,
                &mut self.counts.application_bytes_s2c,
            ),
        };
        *records += 1;
        match content_type {
            APPLICATION_DATA => {
                *data += length as u64;
                if dir == Direction::ClientToServer {
                    if let Some(slot) = self.shape.get_mut(self.shape_len) {
                        *slot = length;
                        self.shape_len += 1;
                    }
                }
            }
            ALERT => self.counts.alerts += 1,
            // Anything but handshake records before the ServerHello: there will be none.
            CHANGE_CIPHER_SPEC | HEARTBEAT if dir == Direction::ServerToClient => {
                self.end_server_hello_search()
            }
            _ => {}
        }
    }

    /// Body bytes of the current record.
    fn record_body(&mut self, dir: Direction, body: &[u8], on: &mut impl FnMut(TlsEvent)) {
        let side = dir.of_mut(&mut self.sides);
        match side.content_type {
            HANDSHAKE if dir == Direction::ServerToClient && !self.server_hello_done => {
                let room = MAX_TLS_RECORD.saturating_sub(self.server_handshake.len());
                self.server_handshake
                    .extend_from_slice(body.get(..room.min(body.len())).unwrap_or_default());
                self.read_server_hello(on);
            }
            // An alert in the clear is two bytes; longer ones are encrypted.
            ALERT if side.alert_length == 2 => {
                let done = 2usize.saturating_sub(side.remaining + body.len());
                for (slot, byte) in side.alert.iter_mut().skip(done).zip(body) {
                    *slot = *byte;
                }
                if side.remaining == 0 {
                    let [level, description] = side.alert;
                    on(TlsEvent::Alert {
                        dir,
                        level: if level == 2 { "fatal" } else { "warning" },
                        description: alert_name(description),
                    });
                }
            }
            _ => {}
        }
    }

    /// Reads the server's handshake messages until the ServerHello (skipping a
    /// HelloRetryRequest, after which the real ServerHello follows).
    fn read_server_hello(&mut self, on: &mut impl FnMut(TlsEvent)) {
        loop {
            let mut reader = Reader::new(&self.server_handshake);
            let (Some(kind), Some(length)) = (reader.u8(), reader.be_u24()) else {
                return;
            };
            let whole = 4 + length as usize;
            let Some(message) = self.server_handshake.get(..whole) else {
                if whole > MAX_TLS_RECORD {
                    self.end_server_hello_search();
                }
                return;
            };
            let choice = (kind == SERVER_HELLO)
                .then(|| server_hello_facts(message))
                .flatten();
            let Some(choice) = choice else {
                self.end_server_hello_search();
                return;
            };
            self.info.version = Some(version_name(choice.version));
            self.info.cipher_suite = Some(cipher_suite_name(choice.cipher_suite));
            self.info.cipher_suite_id = Some(format!("0x{:04x}", choice.cipher_suite));
            self.info.server_alpn = choice.alpn;
            if choice.retry {
                self.info.hello_retry_request = true;
                self.server_handshake.drain(..whole);
                continue;
            }
            self.end_server_hello_search();
            on(TlsEvent::ServerHello(self.info.clone()));
            return;
        }
    }

    fn end_server_hello_search(&mut self) {
        self.server_hello_done = true;
        self.server_handshake = Vec::new();
    }
}

/// Test-only builders of hello records.
#[cfg(test)]
pub(crate) mod test_support {
    /// Wraps a handshake message body of `kind` in a handshake record.
    fn record(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut message = vec![kind];
        message.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        message.extend_from_slice(body);
        let mut record = vec![0x16, 3, 1];
        record.extend_from_slice(&(message.len() as u16).to_be_bytes());
        record.extend_from_slice(&message);
        record
    }

    /// A ClientHello record: TLS 1.2 legacy version, 2 suites, SNI, ALPN, supported_versions.
    pub(crate) fn client_hello(sni: &str, alpn: &[&str]) -> Vec<u8> {
        let mut extensions = Vec::new();
        let name = sni.as_bytes();
        extensions.extend_from_slice(&[0, 0]);
        extensions.extend_from_slice(&((name.len() + 5) as u16).to_be_bytes());
        extensions.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
        extensions.push(0);
        extensions.extend_from_slice(&(name.len() as u16).to_be_bytes());
        extensions.extend_from_slice(name);
        if !alpn.is_empty() {
            let list: Vec<u8> = alpn
                .iter()
                .flat_map(|p| std::iter::once(p.len() as u8).chain(p.bytes()))
                .collect();
            extensions.extend_from_slice(&[0, 16]);
            extensions.extend_from_slice(&((list.len() + 2) as u16).to_be_bytes());
            extensions.extend_from_slice(&(list.len() as u16).to_be_bytes());
            extensions.extend_from_slice(&list);
        }
        extensions.extend_from_slice(&[0, 43, 0, 5, 4, 3, 4, 3, 3]);
        let mut hello = vec![3, 3];
        hello.extend_from_slice(&[0x11; 32]);
        hello.push(0);
        hello.extend_from_slice(&[0, 4, 0x13, 0x01, 0xC0, 0x2F, 1, 0]);
        hello.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
        hello.extend_from_slice(&extensions);
        record(1, &hello)
    }

    /// A ServerHello record choosing `suite`; with `tls13`, a supported_versions extension
    /// naming TLS 1.3 (the legacy field stays TLS 1.2, as RFC 8446 has it).
    pub(crate) fn server_hello(suite: u16, tls13: bool, random: [u8; 32]) -> Vec<u8> {
        let mut hello = vec![3, 3];
        hello.extend_from_slice(&random);
        hello.push(32);
        hello.extend_from_slice(&[0x22; 32]); // the session id echoed
        hello.extend_from_slice(&suite.to_be_bytes());
        hello.push(0);
        let extensions: &[u8] = if tls13 {
            &[0, 43, 0, 2, 3, 4]
        } else {
            &[0xFF, 1, 0, 1, 0] // renegotiation_info
        };
        hello.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
        hello.extend_from_slice(extensions);
        record(2, &hello)
    }

    /// A record of `content_type` with `length` body bytes.
    pub(crate) fn opaque_record(content_type: u8, length: usize) -> Vec<u8> {
        let mut record = vec![content_type, 3, 3];
        record.extend_from_slice(&(length as u16).to_be_bytes());
        record.resize(5 + length, 0xA5);
        record
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{client_hello, opaque_record, server_hello};
    use super::*;

    #[test]
    fn reads_the_client_hello() {
        let record = client_hello("live.example.com", &["rtmp"]);
        let ClientHello::Hello(info) = parse_client_hello(&record) else {
            panic!()
        };
        assert_eq!(info.sni.as_deref(), Some("live.example.com"));
        assert_eq!(info.alpn, ["rtmp"]);
        assert_eq!(info.client_version, "TLS 1.2"); // the hello's field, not the record's 3.1
        assert!(info.offers_tls13);
        assert_eq!(info.cipher_suites_offered, 2);
        for cut in 0..record.len() {
            assert_eq!(
                parse_client_hello(&record[..cut]),
                ClientHello::NeedMore,
                "cut at {cut}"
            );
        }
        assert_eq!(parse_client_hello(b"GET / HTTP/1.1"), ClientHello::Invalid);
    }

    /// A TLS 1.3-shaped exchange: hellos, compatibility change_cipher_spec, encrypted records.
    fn exchange(suite: u16, tls13: bool) -> (Vec<u8>, Vec<u8>) {
        let mut client = client_hello("localhost", &[]);
        client.extend(opaque_record(20, 1));
        client.extend(opaque_record(23, 1561));
        client.extend(opaque_record(23, 100));
        let mut server = server_hello(suite, tls13, [7; 32]);
        server.extend(opaque_record(20, 1));
        server.extend(opaque_record(23, 3000));
        server.extend(opaque_record(21, 26)); // an encrypted close_notify
        (client, server)
    }

    fn run(client: &[u8], server: &[u8], piece: usize) -> (TlsTracker, Vec<TlsEvent>) {
        let ClientHello::Hello(info) = parse_client_hello(client) else {
            panic!("no hello")
        };
        let mut tracker = TlsTracker::new(info);
        let mut events = Vec::new();
        for chunk in client.chunks(piece) {
            tracker.feed(Direction::ClientToServer, chunk, &mut |e| events.push(e));
        }
        for chunk in server.chunks(piece) {
            tracker.feed(Direction::ServerToClient, chunk, &mut |e| events.push(e));
        }
        (tracker, events)
    }

    #[test]
    fn reads_the_server_hello_and_counts_records_in_any_pieces() {
        let (client, server) = exchange(0x1302, true);
        for piece in [1, 2, 5, 7, 100, 100_000] {
            let (tracker, events) = run(&client, &server, piece);
            assert!(
                matches!(events.as_slice(), [TlsEvent::ServerHello(_)]),
                "piece {piece}"
            );
            let summary = tracker.summary();
            assert_eq!(summary.info.version.as_deref(), Some("TLS 1.3"));
            assert_eq!(
                summary.info.cipher_suite.as_deref(),
                Some("TLS_AES_256_GCM_SHA384")
            );
            assert_eq!(summary.info.cipher_suite_id.as_deref(), Some("0x1302"));
            assert_eq!(summary.counts.records_c2s, 4);
            assert_eq!(summary.counts.records_s2c, 4);
            assert_eq!(summary.counts.application_bytes_c2s, 1661);
            assert_eq!(summary.counts.application_bytes_s2c, 3000);
            assert_eq!(summary.counts.alerts, 1);
            assert!(!summary.counts.incomplete);
        }
    }

    #[test]
    fn rtmp_inside_is_recognised_by_its_record_sizes() {
        let (client, server) = exchange(0x1302, true);
        let (tracker, _) = run(&client, &server, 1000);
        assert_eq!(tracker.carries_rtmp(), None, "C2 not seen yet");
        let shapes: [(&[usize], Option<bool>); 5] = [
            (&[53, 1554, 1553], Some(true)),  // TLS 1.3: Finished, C0+C1, C2
            (&[1561, 1560, 200], Some(true)), // TLS 1.2 GCM: C0+C1, C2, connect
            (&[17, 1553, 1553], Some(true)),  // C0 alone, then C1 and C2
            (&[900, 1600, 40, 1600, 16384, 300, 5000, 77], Some(false)), // HTTPS
            (&[1554, 400], None),
        ];
        for (lengths, expected) in shapes {
            let mut client = client_hello("www.example.com", &[]);
            for &length in lengths {
                client.extend(opaque_record(23, length));
            }
            let (tracker, _) = run(&client, &[], 100_000);
            assert_eq!(tracker.carries_rtmp(), expected, "{lengths:?}");
        }
    }

    #[test]
    fn tls12_keeps_the_legacy_version_and_names_unknown_suites() {
        let (client, server) = exchange(0xC030, false);
        let (tracker, _) = run(&client, &server, 3);
        assert_eq!(tracker.info().version.as_deref(), Some("TLS 1.2"));
        assert_eq!(
            tracker.info().cipher_suite.as_deref(),
            Some("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
        );
        assert_eq!(cipher_suite_name(0xABCD), "0xabcd");
    }

    #[test]
    fn a_hello_retry_request_is_noted_and_the_real_hello_read() {
        let client = client_hello("localhost", &[]);
        let mut server = server_hello(0x1301, true, HELLO_RETRY_RANDOM);
        server.extend(server_hello(0x1303, true, [9; 32]));
        let (tracker, events) = run(&client, &server, 11);
        assert!(matches!(events.as_slice(), [TlsEvent::ServerHello(_)]));
        assert!(tracker.info().hello_retry_request);
        assert_eq!(
            tracker.info().cipher_suite.as_deref(),
            Some("TLS_CHACHA20_POLY1305_SHA256")
        );
    }

    #[test]
    fn alerts_in_the_clear_are_reported() {
        let client = client_hello("localhost", &[]);
        let mut alert = opaque_record(21, 2);
        alert[5..].copy_from_slice(&[2, 48]);
        let mut events = Vec::new();
        let ClientHello::Hello(info) = parse_client_hello(&client) else {
            panic!()
        };
        let mut tracker = TlsTracker::new(info);
        for byte in alert.chunks(1) {
            tracker.feed(Direction::ClientToServer, byte, &mut |e| events.push(e));
        }
        assert_eq!(
            events,
            [TlsEvent::Alert {
                dir: Direction::ClientToServer,
                level: "fatal",
                description: "unknown_ca".into()
            }]
        );
    }

    #[test]
    fn bytes_that_are_not_records_stop_the_count() {
        let client = client_hello("localhost", &[]);
        let mut server = server_hello(0x1301, true, [1; 32]);
        server.extend_from_slice(b"HTTP/1.1 400 Bad Request\r\n");
        server.extend(opaque_record(23, 10));
        let (tracker, events) = run(&client, &server, 4);
        assert!(matches!(
            events.as_slice(),
            [
                TlsEvent::ServerHello(_),
                TlsEvent::Invalid {
                    dir: Direction::ServerToClient,
                    ..
                }
            ]
        ));
        assert_eq!(tracker.summary().counts.records_s2c, 1);
        assert!(tracker.summary().counts.incomplete);
    }
}
