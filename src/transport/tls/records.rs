//! The record layer, followed each way: records counted by content type, alerts in the clear
//! read, the server's first handshake message read, and whether the records' sizes show an
//! RTMP handshake inside. With the connection's secrets from a key log, protected records are
//! also opened (see [`super::decrypt`]) and their application data handed on.

use super::decrypt::{Decryptor, Opened};
use super::hello::{server_hello_facts, SERVER_HELLO};
use super::keylog::{ClientSecrets, KeyOrigin};
use super::names::{alert_name, CipherSuite, TlsVersion};
use super::{
    TlsCounts, TlsInfo, TlsSummary, ALERT, APPLICATION_DATA, CHANGE_CIPHER_SPEC, HANDSHAKE,
    HEARTBEAT, MAX_RECORD_BODY, MAX_TLS_RECORD, RECORD_HEADER,
};
use crate::common::reader::Reader;
use crate::common::{Direction, WarningCode};

/// Most bytes held while searching for the next record after a gap: a whole record after
/// whatever one packet brought.
const MAX_SEARCH_BYTES: usize = 8 * MAX_TLS_RECORD;

/// Something the record layer showed. `'a` borrows decrypted bytes from the tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsEvent<'a> {
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
    /// Application data decrypted from one record.
    Plaintext {
        /// Who sent it.
        dir: Direction,
        /// The plaintext.
        bytes: &'a [u8],
    },
    /// The key log has this connection's secrets, but its records cannot be decrypted: why
    /// (a CBC or other suite not decrypted here, a secret missing).
    DecryptUnavailable {
        /// Why.
        reason: String,
    },
    /// A record did not authenticate with the logged key (a wrong key, or damaged bytes):
    /// nothing more is decrypted this way.
    DecryptFailed {
        /// The direction.
        dir: Direction,
        /// What happened.
        reason: String,
    },
    /// After lost bytes, the records were found again (by the next record whose tag checks).
    Resynced {
        /// The direction.
        dir: Direction,
        /// Bytes after the gap searched past before the record.
        skipped: usize,
        /// Records lost in all (their sequence numbers were skipped).
        records_lost: u64,
    },
}

impl TlsEvent<'_> {
    /// The warning this event is, if it is one: its direction (if it has one), code and
    /// sentence. A close_notify alert, the ServerHello and plaintext are not warnings.
    pub fn warning(&self) -> Option<(Option<Direction>, WarningCode, String)> {
        Some(match self {
            TlsEvent::ServerHello(_) | TlsEvent::Plaintext { .. } => return None,
            TlsEvent::Alert { description, .. } if description == "close_notify" => return None,
            TlsEvent::Alert {
                dir,
                level,
                description,
            } => {
                let who = match dir {
                    Direction::ClientToServer => "client",
                    Direction::ServerToClient => "server",
                };
                let message =
                    format!("the {who} sent a {level} TLS alert in the clear: {description}");
                (Some(*dir), WarningCode::TlsAlert, message)
            }
            TlsEvent::Invalid { dir, reason } => {
                (Some(*dir), WarningCode::TlsRecordInvalid, reason.clone())
            }
            TlsEvent::DecryptFailed { dir, reason } => {
                (Some(*dir), WarningCode::TlsDecryptFailed, reason.clone())
            }
            TlsEvent::DecryptUnavailable { reason } => {
                (None, WarningCode::TlsDecryptUnavailable, reason.clone())
            }
            TlsEvent::Resynced {
                dir,
                skipped,
                records_lost,
            } => (
                Some(*dir),
                WarningCode::TlsRecordResync,
                format!("TLS records found again after lost bytes ({skipped} bytes searched past, {records_lost} record(s) lost); decryption goes on"),
            ),
        })
    }
}

#[cfg(test)]
impl TlsEvent<'_> {
    /// The event without borrowed bytes (plaintext becomes its length), for tests to keep.
    pub(crate) fn detached(&self) -> TlsEvent<'static> {
        match self {
            TlsEvent::ServerHello(info) => TlsEvent::ServerHello(info.clone()),
            TlsEvent::Alert {
                dir,
                level,
                description,
            } => TlsEvent::Alert {
                dir: *dir,
                level,
                description: description.clone(),
            },
            TlsEvent::Invalid { dir, reason } => TlsEvent::Invalid {
                dir: *dir,
                reason: reason.clone(),
            },
            TlsEvent::Plaintext { dir, bytes } => TlsEvent::Resynced {
                dir: *dir,
                skipped: bytes.len(),
                records_lost: u64::MAX,
            },
            TlsEvent::DecryptUnavailable { reason } => TlsEvent::DecryptUnavailable {
                reason: reason.clone(),
            },
            TlsEvent::DecryptFailed { dir, reason } => TlsEvent::DecryptFailed {
                dir: *dir,
                reason: reason.clone(),
            },
            TlsEvent::Resynced {
                dir,
                skipped,
                records_lost,
            } => TlsEvent::Resynced {
                dir: *dir,
                skipped: *skipped,
                records_lost: *records_lost,
            },
        }
    }
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
    /// Decryption, when a key log has the connection's secrets.
    decrypt: Option<Box<Decrypting>>,
}

/// A connection being decrypted: the decryptor and each direction's record being read.
#[derive(Debug)]
struct Decrypting {
    decryptor: Decryptor,
    /// Each direction's current record (header and body) while it is to be opened.
    record: [Vec<u8>; 2],
    /// The current record is to be opened when whole.
    opening: [bool; 2],
    /// The current record lost bytes in a gap: it takes its sequence number unopened.
    damaged: [bool; 2],
    /// After a gap whose end is not a known record boundary: bytes searched for the next
    /// record, and how many bytes the gap lost.
    search: [Option<Search>; 2],
}

/// The search for the next record after a gap.
#[derive(Debug, Default)]
struct Search {
    bytes: Vec<u8>,
    /// Where the next candidate header may start.
    next: usize,
    /// Bytes before `bytes` that went unseen or were searched past.
    lost: u64,
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
            decrypt: None,
        }
    }

    /// Decrypts the connection with the secrets a key log has for it (`client_random` is its
    /// ClientHello's). The keys are made when the ServerHello is read.
    pub fn with_keys(mut self, client_random: [u8; 32], secrets: ClientSecrets) -> Self {
        self.decrypt = Some(Box::new(Decrypting {
            decryptor: Decryptor::new(client_random, secrets),
            record: [Vec::new(), Vec::new()],
            opening: [false; 2],
            damaged: [false; 2],
            search: [None, None],
        }));
        self
    }

    /// Stops decrypting: the connection is followed as without a key from here on.
    pub fn stop_decrypting(&mut self) {
        self.decrypt = None;
    }

    /// Where the secrets decrypting this connection came from (while it is decrypted).
    pub fn key_origin(&self) -> Option<&KeyOrigin> {
        self.decrypt
            .as_ref()
            .map(|decrypt| &decrypt.decryptor.secrets().origin)
    }

    /// Does `dir` still decrypt (a key, keys made or to be made, no failure)?
    pub fn decrypts(&self, dir: Direction) -> bool {
        self.decrypt
            .as_ref()
            .is_some_and(|decrypt| !self.server_hello_done || decrypt.decryptor.decrypts(dir))
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

    /// Does the connection carry RTMPT (RTMPTS), as far as its record sizes can tell? An RTMPT
    /// client that writes its HTTP request head and its body in records of their own (ffmpeg
    /// does) sends C0+C1 (1537 bytes) as one record right after a request head's. HTTPS
    /// uploading a body of that size would look the same: it is "HTTPS or RTMPTS". Asked once
    /// [`TlsTracker::carries_rtmp`] said no.
    pub fn carries_rtmpt(&self) -> bool {
        let lengths = self.shape.get(..self.shape_len).unwrap_or_default();
        let body = RTMP_BLOCK + 1 + MIN_RECORD_OVERHEAD..=RTMP_BLOCK + 1 + MAX_RECORD_OVERHEAD;
        lengths.windows(2).any(|pair| {
            matches!(pair, [head, block] if HTTP_HEAD_RECORD.contains(head) && body.contains(block))
        })
    }

    /// `bytes` of one direction were lost. Without decryption its record boundaries are gone
    /// and nothing more is counted that way. While decrypting, the record the gap fell in is
    /// lost, and the records are found again: right after it when the gap ended inside it,
    /// else by searching for the next record whose tag checks. Returns whether the direction
    /// goes on giving plaintext.
    pub fn gap(&mut self, dir: Direction, bytes: u64) -> bool {
        self.counts.incomplete = true;
        let decrypting = self.server_hello_done
            && self
                .decrypt
                .as_ref()
                .is_some_and(|decrypt| decrypt.decryptor.decrypts(dir));
        let side = dir.of_mut(&mut self.sides);
        let Some(decrypt) = self
            .decrypt
            .as_mut()
            .filter(|_| decrypting && !side.stopped)
        else {
            side.stopped = true;
            if dir == Direction::ServerToClient {
                self.end_server_hello_search();
            }
            return false;
        };
        if let Some(search) = dir.of_mut(&mut decrypt.search) {
            search.lost = search.lost.saturating_add(bytes);
            return true;
        }
        let inside = side.header_len == 0
            && side.remaining > 0
            && usize::try_from(bytes).is_ok_and(|lost| lost < side.remaining);
        if side.remaining > 0 && *dir.of(&decrypt.opening) {
            // The protected record under way loses its sequence number unopened.
            *dir.of_mut(&mut decrypt.damaged) = true;
            *dir.of_mut(&mut decrypt.opening) = false;
            dir.of_mut(&mut decrypt.record).clear();
        }
        if inside {
            side.remaining = side
                .remaining
                .saturating_sub(usize::try_from(bytes).unwrap_or(usize::MAX));
            if side.remaining == 0 && decrypt.end_damaged(dir) {
                self.counts.records_lost = self.counts.records_lost.saturating_add(1);
            }
            return true;
        }
        let lost_in_record = u64::try_from(side.remaining).unwrap_or(u64::MAX);
        if decrypt.end_damaged(dir) {
            self.counts.records_lost = self.counts.records_lost.saturating_add(1);
        }
        side.remaining = 0;
        side.header_len = 0;
        *dir.of_mut(&mut decrypt.search) = Some(Search {
            lost: bytes.saturating_sub(lost_in_record),
            ..Search::default()
        });
        true
    }

    /// Feeds the next in-order bytes of one direction.
    pub fn feed(&mut self, dir: Direction, mut bytes: &[u8], on: &mut impl FnMut(TlsEvent)) {
        while !bytes.is_empty() && !dir.of(&self.sides).stopped {
            if self.searching(dir) {
                self.search(dir, bytes, on);
                return;
            }
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
        let (records, data) = self.counts.of_direction(dir);
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
        if let Some(decrypt) = self.decrypt.as_mut() {
            decrypt.record_start(dir, dir.of(&self.sides).header, length);
        }
    }

    /// Body bytes of the current record.
    fn record_body(&mut self, dir: Direction, body: &[u8], on: &mut impl FnMut(TlsEvent)) {
        if let Some(decrypt) = self.decrypt.as_mut() {
            let done = dir.of(&self.sides).remaining == 0;
            decrypt.record_body(dir, body, done, &mut self.counts, on);
        }
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
            if let Some(decrypt) = self.decrypt.as_mut() {
                if let Err(reason) = decrypt.decryptor.server_hello(
                    choice.version,
                    choice.cipher_suite,
                    &choice.random,
                ) {
                    self.decrypt = None;
                    on(TlsEvent::DecryptUnavailable { reason });
                }
            }
            return;
        }
    }

    /// Is `dir` searching for its next record after a gap?
    fn searching(&self, dir: Direction) -> bool {
        self.decrypt
            .as_ref()
            .is_some_and(|decrypt| dir.of(&decrypt.search).is_some())
    }

    /// After a gap: looks in `bytes` (and what came before them) for the next record whose
    /// tag checks; once found, it is opened and reading goes on after it.
    fn search(&mut self, dir: Direction, bytes: &[u8], on: &mut impl FnMut(TlsEvent)) {
        let Some(decrypt) = self.decrypt.as_mut() else {
            return;
        };
        let tls13 = decrypt.decryptor.is_tls13();
        let min_body = decrypt.decryptor.min_body(dir);
        let Some(search) = dir.of_mut(&mut decrypt.search) else {
            return;
        };
        if search.bytes.len().saturating_add(bytes.len()) > MAX_SEARCH_BYTES {
            // Searched long enough: what cannot hold a record's start any more goes.
            let drop = search.next.min(search.bytes.len());
            search.bytes.drain(..drop);
            search.lost = search.lost.saturating_add(drop as u64);
            search.next = 0;
        }
        let room = MAX_SEARCH_BYTES.saturating_sub(search.bytes.len());
        search
            .bytes
            .extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
        loop {
            let Some(start) = candidate(&search.bytes, search.next, tls13, min_body) else {
                // Keep the last bytes, which may start a header.
                let keep = search.bytes.len().saturating_sub(RECORD_HEADER - 1);
                search.next = search.next.max(keep);
                return;
            };
            let Some(&[content_type, major, minor, high, low]) =
                search.bytes.get(start..start + RECORD_HEADER)
            else {
                return;
            };
            let length = usize::from(u16::from_be_bytes([high, low]));
            let end = start + RECORD_HEADER + length;
            if end > search.bytes.len() {
                // Wait for the whole candidate record.
                search.next = start;
                return;
            }
            let header = [content_type, major, minor, high, low];
            let lost = search.lost.saturating_add(start as u64);
            let body = search.bytes.get_mut(start + RECORD_HEADER..end);
            let opened =
                body.and_then(|body| decrypt.decryptor.open_after_gap(dir, header, body, lost));
            let Some((opened, lost_records)) = opened else {
                search.next = start + 1;
                continue;
            };
            // Found: count the record, hand on its plaintext, read on after it.
            let mut search = dir.of_mut(&mut decrypt.search).take().unwrap_or_default();
            let records_lost = lost_records;
            self.counts.records_lost = self.counts.records_lost.saturating_add(records_lost);
            on(TlsEvent::Resynced {
                dir,
                skipped: start,
                records_lost,
            });
            let (records, data) = self.counts.of_direction(dir);
            *records += 1;
            if content_type == APPLICATION_DATA {
                *data += length as u64;
            }
            let body = search
                .bytes
                .get(start + RECORD_HEADER..end)
                .unwrap_or_default();
            emit_plaintext(dir, &opened, body, &mut self.counts, on);
            let rest = search.bytes.split_off(end.min(search.bytes.len()));
            self.feed(dir, &rest, on);
            return;
        }
    }

    fn end_server_hello_search(&mut self) {
        self.server_hello_done = true;
        self.server_handshake = Vec::new();
    }
}

impl Decrypting {
    /// A record header of `dir` was read: is the record to be opened?
    fn record_start(&mut self, dir: Direction, header: [u8; RECORD_HEADER], length: usize) {
        let [content_type, ..] = header;
        if content_type == CHANGE_CIPHER_SPEC {
            self.decryptor.change_cipher_spec(dir);
        }
        *dir.of_mut(&mut self.damaged) = false;
        let open = length > 0 && self.decryptor.protects(dir, content_type);
        *dir.of_mut(&mut self.opening) = open;
        let record = dir.of_mut(&mut self.record);
        record.clear();
        if open {
            record.extend_from_slice(&header);
        }
    }

    /// Body bytes of the current record of `dir` (`done`: its last ones): once whole, a
    /// protected record is opened.
    fn record_body(
        &mut self,
        dir: Direction,
        body: &[u8],
        done: bool,
        counts: &mut TlsCounts,
        on: &mut impl FnMut(TlsEvent),
    ) {
        if !*dir.of(&self.opening) {
            if done && self.end_damaged(dir) {
                counts.records_lost = counts.records_lost.saturating_add(1);
            }
            return;
        }
        let record = dir.of_mut(&mut self.record);
        record.extend_from_slice(body);
        if !done {
            return;
        }
        *dir.of_mut(&mut self.opening) = false;
        let Some((head, body)) = record.split_at_mut_checked(RECORD_HEADER) else {
            return;
        };
        let Ok(header) = <[u8; RECORD_HEADER]>::try_from(&*head) else {
            return;
        };
        match self.decryptor.open(dir, header, body) {
            Opened::Plaintext(opened) => emit_plaintext(dir, &opened, body, counts, on),
            Opened::Skipped => {}
            Opened::Failed => {
                let reason = format!(
                    "a TLS record ({} bytes) did not authenticate with the logged key (a wrong key, or damaged bytes): nothing more is decrypted this way",
                    body.len()
                );
                on(TlsEvent::DecryptFailed { dir, reason });
            }
        }
    }

    /// The end of a record of `dir` that lost bytes: it takes its sequence number unopened.
    /// True if there was one.
    fn end_damaged(&mut self, dir: Direction) -> bool {
        if !std::mem::take(dir.of_mut(&mut self.damaged)) {
            return false;
        }
        self.decryptor.skip_record(dir);
        true
    }
}

/// Counts an opened record and hands on its application data.
fn emit_plaintext(
    dir: Direction,
    opened: &super::keys::OpenedRecord,
    body: &[u8],
    counts: &mut TlsCounts,
    on: &mut impl FnMut(TlsEvent),
) {
    counts.records_decrypted = counts.records_decrypted.saturating_add(1);
    if opened.content_type != APPLICATION_DATA {
        return;
    }
    let bytes = body.get(opened.plaintext.clone()).unwrap_or_default();
    if !bytes.is_empty() {
        on(TlsEvent::Plaintext { dir, bytes });
    }
}

/// The first position at or after `from` where a protected record header may start: a
/// protected content type, version 3.3, a length a protected record can have.
fn candidate(bytes: &[u8], from: usize, tls13: bool, min_body: usize) -> Option<usize> {
    let tail = bytes.get(from..)?;
    tail.windows(RECORD_HEADER)
        .position(|header| {
            let &[content_type, major, minor, high, low] = header else {
                return false;
            };
            let length = usize::from(u16::from_be_bytes([high, low]));
            let protected = if tls13 {
                content_type == APPLICATION_DATA
            } else {
                matches!(content_type, ALERT | HANDSHAKE | APPLICATION_DATA)
            };
            protected && major == 3 && minor == 3 && (min_body..=MAX_RECORD_BODY).contains(&length)
        })
        .map(|at| at + from)
}

/// How many of the client's first application-data records are looked at to recognise RTMP.
pub(super) const SHAPE_RECORDS: usize = 8;

/// C1 (and C2): 1536 bytes, which an RTMP client writes right after the TLS handshake.
pub(super) const RTMP_BLOCK: usize = 1536;

/// Sizes of a record holding an HTTP request head (with the record's overhead).
pub(super) const HTTP_HEAD_RECORD: std::ops::RangeInclusive<usize> = 100..=1024;

/// Fewest bytes a record of an AEAD suite adds to its plaintext (the tag).
pub(super) const MIN_RECORD_OVERHEAD: usize = 16;

/// Most bytes a record adds (explicit IV, MAC, padding of CBC suites; TLS 1.3 padding).
pub(super) const MAX_RECORD_OVERHEAD: usize = 80;
