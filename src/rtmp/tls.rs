//! RTMPS seen from outside: TLS records counted in each direction, and the ServerHello read
//! for the version and cipher suite the server chose. Nothing inside the records is
//! decrypted.

use serde::Serialize;

use super::reader::Reader;
use super::variant::{tls_version_name, MAX_TLS_RECORD};
use crate::event::Direction;

/// Record content type of a handshake.
const HANDSHAKE: u8 = 22;
/// Record content type of application data.
const APPLICATION_DATA: u8 = 23;
/// Handshake message type of a ServerHello.
const SERVER_HELLO: u8 = 2;
/// Extension carrying the chosen version in TLS 1.3.
const SUPPORTED_VERSIONS: u16 = 43;

/// What the records showed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TlsSummary {
    /// The version the server chose (TLS 1.3 from supported_versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The cipher suite the server chose, by its IANA name where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<String>,
    /// Records sent by the client.
    pub records_c2s: u64,
    /// Records sent by the server.
    pub records_s2c: u64,
    /// Application-data payload bytes (encrypted RTMP) each way.
    pub application_bytes_c2s: u64,
    /// Application-data bytes from the server.
    pub application_bytes_s2c: u64,
}

/// Follows the record framing of both directions.
#[derive(Debug, Default)]
pub struct TlsTracker {
    sides: [RecordFraming; 2],
    /// The first server handshake record, kept until it is complete (bounded).
    server_hello: Option<Vec<u8>>,
    summary: TlsSummary,
}

/// Where one direction is in its records.
#[derive(Debug, Default)]
struct RecordFraming {
    header: Vec<u8>,
    remaining: usize,
    content_type: u8,
    lost: bool,
}

impl TlsTracker {
    /// Reads the next bytes of a direction.
    pub fn feed(&mut self, dir: Direction, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let side = dir.of_mut(&mut self.sides);
            if side.lost {
                return;
            }
            if side.remaining > 0 {
                let take = side.remaining.min(bytes.len());
                let (body, rest) = bytes.split_at(take);
                side.remaining -= take;
                let content_type = side.content_type;
                bytes = rest;
                self.body(dir, content_type, body);
                continue;
            }
            let need = 5 - side.header.len();
            let take = need.min(bytes.len());
            side.header
                .extend_from_slice(bytes.get(..take).unwrap_or_default());
            bytes = bytes.get(take..).unwrap_or_default();
            if side.header.len() < 5 {
                return;
            }
            let mut header = Reader::new(&side.header);
            let (Some(content_type), Some(_version), Some(length)) =
                (header.u8(), header.be_u16(), header.be_u16())
            else {
                return;
            };
            side.header.clear();
            if !(20..=24).contains(&content_type) || usize::from(length) > MAX_TLS_RECORD {
                side.lost = true; // not TLS framing (or lost in a gap): stop counting
                return;
            }
            side.content_type = content_type;
            side.remaining = usize::from(length);
            match dir {
                Direction::ClientToServer => self.summary.records_c2s += 1,
                Direction::ServerToClient => self.summary.records_s2c += 1,
            }
            if dir == Direction::ServerToClient
                && content_type == HANDSHAKE
                && self.summary.cipher_suite.is_none()
                && self.server_hello.is_none()
            {
                self.server_hello = Some(Vec::new());
            }
        }
    }

    /// Bytes were lost in a direction: its record boundaries are unknown from here on.
    pub fn gap(&mut self, dir: Direction) {
        dir.of_mut(&mut self.sides).lost = true;
    }

    fn body(&mut self, dir: Direction, content_type: u8, body: &[u8]) {
        if content_type == APPLICATION_DATA {
            match dir {
                Direction::ClientToServer => {
                    self.summary.application_bytes_c2s += body.len() as u64
                }
                Direction::ServerToClient => {
                    self.summary.application_bytes_s2c += body.len() as u64
                }
            }
        }
        if dir != Direction::ServerToClient {
            return;
        }
        let Some(hello) = self.server_hello.as_mut() else {
            return;
        };
        hello.extend_from_slice(body);
        if dir.of(&self.sides).remaining == 0 {
            let hello = self.server_hello.take().unwrap_or_default();
            read_server_hello(&hello, &mut self.summary);
        }
    }

    /// What was seen so far.
    pub fn summary(&self) -> TlsSummary {
        self.summary.clone()
    }
}

/// Reads the version and cipher suite from a ServerHello handshake message.
fn read_server_hello(body: &[u8], summary: &mut TlsSummary) {
    let mut reader = Reader::new(body);
    if reader.u8() != Some(SERVER_HELLO) {
        return;
    }
    let (Some(_), Some(version)) = (reader.be_u24(), reader.be_u16()) else {
        return;
    };
    summary.version = Some(tls_version_name(version));
    let Some(_random) = reader.take(32) else {
        return;
    };
    let Some(session_id) = reader.u8() else {
        return;
    };
    let _ = reader.take(usize::from(session_id));
    let Some(suite) = reader.be_u16() else {
        return;
    };
    summary.cipher_suite = Some(cipher_suite_name(suite));
    let _compression = reader.u8();
    let Some(length) = reader.be_u16() else {
        return;
    };
    let mut extensions = Reader::new(reader.take(usize::from(length)).unwrap_or_default());
    while let (Some(kind), Some(length)) = (extensions.be_u16(), extensions.be_u16()) {
        let Some(data) = extensions.take(usize::from(length)) else {
            break;
        };
        if kind == SUPPORTED_VERSIONS {
            if let Some(chosen) = Reader::new(data).be_u16() {
                summary.version = Some(tls_version_name(chosen));
            }
        }
    }
}

/// The IANA name of common cipher suites; others as hex.
fn cipher_suite_name(suite: u16) -> String {
    match suite {
        0x1301 => "TLS_AES_128_GCM_SHA256".into(),
        0x1302 => "TLS_AES_256_GCM_SHA384".into(),
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256".into(),
        0xC02B => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into(),
        0xC02C => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384".into(),
        0xC02F => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into(),
        0xC030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".into(),
        0xCCA8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256".into(),
        0xCCA9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256".into(),
        0x009C => "TLS_RSA_WITH_AES_128_GCM_SHA256".into(),
        0x009D => "TLS_RSA_WITH_AES_256_GCM_SHA384".into(),
        other => format!("0x{other:04x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ServerHello record choosing TLS 1.3 (supported_versions) and TLS_AES_256_GCM_SHA384.
    fn server_hello_record() -> Vec<u8> {
        let mut hello = vec![SERVER_HELLO, 0, 0, 0, 3, 3];
        hello.extend_from_slice(&[7; 32]);
        hello.push(0); // session id
        hello.extend_from_slice(&[0x13, 0x02, 0]);
        hello.extend_from_slice(&[0, 6, 0, 43, 0, 2, 3, 4]);
        let length = hello.len() - 4;
        hello[3] = length as u8;
        let mut record = vec![HANDSHAKE, 3, 3, 0, hello.len() as u8];
        record.extend_from_slice(&hello);
        record
    }

    #[test]
    fn server_hello_and_records_in_any_pieces() {
        let mut bytes = server_hello_record();
        bytes.extend_from_slice(&[APPLICATION_DATA, 3, 3, 0, 4, 1, 2, 3, 4]);
        for piece in [1, 3, 100] {
            let mut tracker = TlsTracker::default();
            for chunk in bytes.chunks(piece) {
                tracker.feed(Direction::ServerToClient, chunk);
            }
            tracker.feed(
                Direction::ClientToServer,
                &[APPLICATION_DATA, 3, 3, 0, 1, 9],
            );
            let summary = tracker.summary();
            assert_eq!(summary.version.as_deref(), Some("TLS 1.3"));
            assert_eq!(
                summary.cipher_suite.as_deref(),
                Some("TLS_AES_256_GCM_SHA384")
            );
            assert_eq!((summary.records_s2c, summary.records_c2s), (2, 1));
            assert_eq!(summary.application_bytes_s2c, 4);
        }
    }
}
