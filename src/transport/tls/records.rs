//! The record layer, followed each way: records counted by content type, alerts in the clear
//! read, the server's first handshake message read, and whether the records' sizes show an
//! RTMP handshake inside.

use super::hello::{server_hello_facts, SERVER_HELLO};
use super::names::{alert_name, CipherSuite, TlsVersion};
use super::{
    TlsCounts, TlsInfo, TlsSummary, ALERT, APPLICATION_DATA, CHANGE_CIPHER_SPEC, HANDSHAKE,
    HEARTBEAT, MAX_RECORD_BODY, MAX_TLS_RECORD, RECORD_HEADER,
};
use crate::common::reader::Reader;
use crate::common::Direction;

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
pub(super) struct RecordStream {
    pub(super) header: [u8; RECORD_HEADER],
    pub(super) header_len: usize,
    /// Body bytes of the current record still to come (0 while reading a header).
    pub(super) remaining: usize,
    pub(super) content_type: u8,
    /// The first two body bytes of the current alert record, and its length.
    pub(super) alert: [u8; 2],
    pub(super) alert_length: usize,
    /// Boundaries lost: nothing more is parsed or counted on this direction.
    pub(super) stopped: bool,
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
            let suite = CipherSuite(choice.cipher_suite);
            self.info.version = Some(TlsVersion(choice.version));
            self.info.cipher_suite = Some(suite);
            self.info.cipher_suite_id = Some(suite.id());
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

/// How many of the client's first application-data records are looked at to recognise RTMP.
pub(super) const SHAPE_RECORDS: usize = 8;

/// C1 (and C2): 1536 bytes, which an RTMP client writes right after the TLS handshake.
pub(super) const RTMP_BLOCK: usize = 1536;

/// Fewest bytes a record of an AEAD suite adds to its plaintext (the tag).
pub(super) const MIN_RECORD_OVERHEAD: usize = 16;

/// Most bytes a record adds (explicit IV, MAC, padding of CBC suites; TLS 1.3 padding).
pub(super) const MAX_RECORD_OVERHEAD: usize = 80;
