//! TLS as RTMPS carries it: what the hello messages show in the clear (versions offered and
//! chosen, the cipher suite, the server name, application protocols), then the record layer
//! counted each way. Everything after the hellos is encrypted: the RTMP inside cannot be read
//! without the session keys, which a passive observer does not have.
//!
//! No-panic contract: every length comes from the wire and is checked before use; the only
//! buffer (the server's first handshake message) is capped at one record.

use serde::Serialize;

use crate::common::Direction;

mod decrypt;
mod hello;
pub mod keylog;
pub mod keys;
mod names;
mod records;

pub use hello::{client_random, parse_client_hello, ClientHello};
pub use keylog::{ClientSecrets, KeyLog, KeyOrigin};
pub use names::{CipherSuite, CipherSuiteId, TlsVersion};
pub use records::{TlsEvent, TlsTracker};

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

/// Facts from the TLS hello messages of an RTMPS connection.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TlsInfo {
    /// The version the ClientHello's legacy field names (`TLS 1.2` for every modern client).
    pub client_version: TlsVersion,
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
    pub version: Option<TlsVersion>,
    /// The cipher suite the server chose, by its IANA name (`0x....` when not known here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<CipherSuite>,
    /// Its code point, as `0x....`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher_suite_id: Option<CipherSuiteId>,
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
    /// records): the counts then stop there (or, while decrypting, miss the lost records).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
    /// Records decrypted with a key log's secrets, both ways (absent without a key).
    #[serde(skip_serializing_if = "is_zero")]
    pub records_decrypted: u64,
    /// Records lost in gaps while decrypting, both ways: the sequence numbers skipped when
    /// the records were found again.
    #[serde(skip_serializing_if = "is_zero")]
    pub records_lost: u64,
}

impl TlsCounts {
    /// The records and application-data bytes counters of one direction.
    pub(crate) fn of_direction(&mut self, dir: Direction) -> (&mut u64, &mut u64) {
        match dir {
            Direction::ClientToServer => (&mut self.records_c2s, &mut self.application_bytes_c2s),
            Direction::ServerToClient => (&mut self.records_s2c, &mut self.application_bytes_s2c),
        }
    }
}

fn is_zero(value: &u64) -> bool {
    *value == 0
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
pub(crate) mod rfc8448;
#[cfg(test)]
mod tests;
