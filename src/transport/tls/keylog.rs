//! TLS session secrets in the NSS key log format (what `SSLKEYLOGFILE` makes GnuTLS, NSS,
//! OpenSSL-based and other clients write, and what a pcapng Decryption Secrets Block holds):
//! one `LABEL CLIENT_RANDOM SECRET` line per secret, in hex.
//!
//! Read: `CLIENT_RANDOM` (the TLS 1.2 master secret) and the TLS 1.3 traffic secrets
//! `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_HANDSHAKE_TRAFFIC_SECRET`,
//! `CLIENT_TRAFFIC_SECRET_0`, `SERVER_TRAFFIC_SECRET_0`. Labels a passive decoder has no use for
//! (exporter and early-data secrets) are skipped; anything else that cannot be used (a malformed
//! line, an unknown label, an `RSA` line) is counted, never fatal.
//!
//! Secrets are sensitive: nothing here prints them (`Debug` shows counts and origins only).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// Longest secret in a key log: 48 bytes (a TLS 1.2 master secret, a SHA-384 traffic secret).
pub const MAX_SECRET: usize = 48;
/// Most client randoms kept: a key log of a million connections is far past any capture.
pub const MAX_KEYLOG_ENTRIES: usize = 1 << 20;

/// One secret, at most [`MAX_SECRET`] bytes. Never printed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Secret {
    bytes: [u8; MAX_SECRET],
    len: u8,
}

impl Secret {
    /// A secret from its bytes; `None` when empty or longer than [`MAX_SECRET`].
    pub fn new(bytes: &[u8]) -> Option<Self> {
        if bytes.is_empty() || bytes.len() > MAX_SECRET {
            return None;
        }
        let mut secret = Secret {
            bytes: [0; MAX_SECRET],
            len: u8::try_from(bytes.len()).ok()?,
        };
        secret.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(secret)
    }

    /// The secret's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes)", self.len)
    }
}

/// Where a connection's secrets came from: the key log (its file name, or the capture's
/// Decryption Secrets Block) and the line numbers that matched, in the order read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyOrigin {
    /// The key log: a file name as given, or `CAPTURE (decryption secrets block N)` with the
    /// capture file's name.
    #[serde(serialize_with = "shared_str")]
    pub source: Arc<str>,
    /// The 1-based lines that gave this connection's secrets.
    pub lines: Vec<u32>,
}

fn shared_str<S: serde::Serializer>(text: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(text)
}

/// Every secret logged for one connection (one client random).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecrets {
    /// TLS 1.2: the master secret (`CLIENT_RANDOM`).
    pub master: Option<Secret>,
    /// TLS 1.3: `CLIENT_HANDSHAKE_TRAFFIC_SECRET`.
    pub client_handshake: Option<Secret>,
    /// TLS 1.3: `SERVER_HANDSHAKE_TRAFFIC_SECRET`.
    pub server_handshake: Option<Secret>,
    /// TLS 1.3: `CLIENT_TRAFFIC_SECRET_0`.
    pub client_traffic: Option<Secret>,
    /// TLS 1.3: `SERVER_TRAFFIC_SECRET_0`.
    pub server_traffic: Option<Secret>,
    /// Which lines of which key log gave them.
    pub origin: KeyOrigin,
}

/// Which secret a line gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Master,
    ClientHandshake,
    ServerHandshake,
    ClientTraffic,
    ServerTraffic,
    /// A label of the format that a passive decoder does not need.
    Unneeded,
}

impl Label {
    fn parse(text: &str) -> Option<Label> {
        Some(match text {
            "CLIENT_RANDOM" => Label::Master,
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET" => Label::ClientHandshake,
            "SERVER_HANDSHAKE_TRAFFIC_SECRET" => Label::ServerHandshake,
            "CLIENT_TRAFFIC_SECRET_0" => Label::ClientTraffic,
            "SERVER_TRAFFIC_SECRET_0" => Label::ServerTraffic,
            "EXPORTER_SECRET" | "EARLY_EXPORTER_SECRET" | "CLIENT_EARLY_TRAFFIC_SECRET" => {
                Label::Unneeded
            }
            _ => return None,
        })
    }
}

/// Secrets by client random, from any number of key logs.
#[derive(Default, Clone)]
pub struct KeyLog {
    entries: HashMap<[u8; 32], ClientSecrets>,
    /// Lines that could not be used.
    unusable: u64,
    /// Secrets read (lines that gave one).
    secrets: u64,
    /// Key logs read.
    sources: Vec<Arc<str>>,
}

impl fmt::Debug for KeyLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyLog")
            .field("connections", &self.entries.len())
            .field("secrets", &self.secrets)
            .field("unusable", &self.unusable)
            .field("sources", &self.sources)
            .finish()
    }
}

impl KeyLog {
    /// An empty key log.
    pub fn new() -> Self {
        KeyLog::default()
    }

    /// Reads the lines of one key log named `source` (for reports). Lines that cannot be used
    /// are counted ([`KeyLog::unusable`]); returns how many secrets this text gave.
    pub fn add(&mut self, text: &[u8], source: &str) -> u64 {
        let source: Arc<str> = Arc::from(source);
        self.sources.push(Arc::clone(&source));
        let mut found = 0u64;
        for (index, line) in text.split(|&b| b == b'\n').enumerate() {
            let number = u32::try_from(index.saturating_add(1)).unwrap_or(u32::MAX);
            match self.line(line, number, &source) {
                LineKind::Secret => found = found.saturating_add(1),
                LineKind::Unusable => self.unusable = self.unusable.saturating_add(1),
                LineKind::Skipped => {}
            }
        }
        self.secrets = self.secrets.saturating_add(found);
        found
    }

    fn line(&mut self, line: &[u8], number: u32, source: &Arc<str>) -> LineKind {
        let Ok(text) = std::str::from_utf8(line) else {
            return LineKind::Unusable;
        };
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            return LineKind::Skipped;
        }
        let mut fields = text.split_ascii_whitespace();
        let (Some(label), Some(random), Some(secret), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return LineKind::Unusable;
        };
        let Some(label) = Label::parse(label) else {
            return LineKind::Unusable;
        };
        let (Some(random), Some(secret)) = (hex_array::<32>(random), hex_secret(secret)) else {
            return LineKind::Unusable;
        };
        if label == Label::Unneeded {
            return LineKind::Skipped;
        }
        if label == Label::Master && secret.bytes().len() != MAX_SECRET {
            return LineKind::Unusable;
        }
        if !self.entries.contains_key(&random) && self.entries.len() >= MAX_KEYLOG_ENTRIES {
            return LineKind::Unusable;
        }
        let entry = self.entries.entry(random).or_insert_with(|| ClientSecrets {
            master: None,
            client_handshake: None,
            server_handshake: None,
            client_traffic: None,
            server_traffic: None,
            origin: KeyOrigin {
                source: Arc::clone(source),
                lines: Vec::new(),
            },
        });
        let slot = match label {
            Label::Master => &mut entry.master,
            Label::ClientHandshake => &mut entry.client_handshake,
            Label::ServerHandshake => &mut entry.server_handshake,
            Label::ClientTraffic => &mut entry.client_traffic,
            Label::ServerTraffic => &mut entry.server_traffic,
            Label::Unneeded => return LineKind::Skipped,
        };
        // The first line for a secret wins (a log read twice changes nothing).
        if slot.is_none() {
            *slot = Some(secret);
            if Arc::ptr_eq(&entry.origin.source, source) || entry.origin.lines.is_empty() {
                entry.origin.source = Arc::clone(source);
                entry.origin.lines.push(number);
            }
        }
        LineKind::Secret
    }

    /// The secrets logged for the connection whose ClientHello carried `client_random`.
    pub fn find(&self, client_random: &[u8; 32]) -> Option<&ClientSecrets> {
        self.entries.get(client_random)
    }

    /// Lines that could not be used (malformed, unknown label, no client random).
    pub fn unusable(&self) -> u64 {
        self.unusable
    }

    /// Secrets read, all key logs together.
    pub fn secrets(&self) -> u64 {
        self.secrets
    }

    /// Connections with at least one secret.
    pub fn connections(&self) -> usize {
        self.entries.len()
    }

    /// No secret at all: nothing will be decrypted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The key logs read, in order.
    pub fn sources(&self) -> &[Arc<str>] {
        &self.sources
    }
}

/// What one line was.
enum LineKind {
    Secret,
    Unusable,
    Skipped,
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hex into `out`, which it must fill exactly.
fn hex_into(text: &str, out: &mut [u8]) -> Option<()> {
    let digits = text.as_bytes();
    if digits.len() != out.len().checked_mul(2)? {
        return None;
    }
    for (slot, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let (high, low) = (pair.first().copied()?, pair.get(1).copied()?);
        *slot = (hex_digit(high)? << 4) | hex_digit(low)?;
    }
    Some(())
}

fn hex_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex_into(text, &mut out)?;
    Some(out)
}

fn hex_secret(text: &str) -> Option<Secret> {
    let len = text.len() / 2;
    if len == 0 || len > MAX_SECRET {
        return None;
    }
    let mut out = [0u8; MAX_SECRET];
    hex_into(text, out.get_mut(..len)?)?;
    Secret::new(out.get(..len)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANDOM: &str = "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7";

    #[test]
    fn reads_every_label_and_counts_what_it_cannot_use() {
        let master = "ab".repeat(48);
        let traffic = "cd".repeat(32);
        let text = format!(
            "# a comment\n\
             \n\
             CLIENT_RANDOM {RANDOM} {master}\n\
             CLIENT_HANDSHAKE_TRAFFIC_SECRET {RANDOM} {traffic}\n\
             SERVER_HANDSHAKE_TRAFFIC_SECRET {RANDOM} {traffic}\r\n\
             CLIENT_TRAFFIC_SECRET_0 {RANDOM} {traffic}\n\
             SERVER_TRAFFIC_SECRET_0 {RANDOM} {traffic}\n\
             EXPORTER_SECRET {RANDOM} {traffic}\n\
             RSA 0011223344556677 {master}\n\
             CLIENT_RANDOM {RANDOM}\n\
             CLIENT_RANDOM zz{} {master}\n\
             CLIENT_RANDOM {RANDOM} {traffic}\n\
             SOMETHING_ELSE {RANDOM} {traffic}",
            &RANDOM[2..]
        );
        let mut log = KeyLog::new();
        assert_eq!(log.add(text.as_bytes(), "keys.txt"), 5);
        assert_eq!(
            log.unusable(),
            5,
            "RSA, too few fields, bad hex, short master, unknown"
        );
        let mut random = [0u8; 32];
        hex_into(RANDOM, &mut random).unwrap();
        let secrets = log.find(&random).expect("the connection");
        assert_eq!(secrets.master.unwrap().bytes(), [0xAB; 48]);
        assert_eq!(secrets.server_traffic.unwrap().bytes(), [0xCD; 32]);
        assert_eq!(&*secrets.origin.source, "keys.txt");
        assert_eq!(secrets.origin.lines, [3, 4, 5, 6, 7]);
        // Nothing secret is ever shown.
        let shown = format!("{log:?} {secrets:?}");
        assert!(!shown.to_lowercase().contains("abab") && !shown.contains("cdcd"));
        assert!(log.find(&[0; 32]).is_none());
    }

    #[test]
    fn a_log_read_twice_changes_nothing() {
        let line = format!("CLIENT_RANDOM {RANDOM} {}\n", "01".repeat(48));
        let mut log = KeyLog::new();
        log.add(line.as_bytes(), "a");
        log.add(line.as_bytes(), "b");
        let mut random = [0u8; 32];
        hex_into(RANDOM, &mut random).unwrap();
        assert_eq!(log.connections(), 1);
        assert_eq!(&*log.find(&random).unwrap().origin.source, "a");
        assert_eq!(log.find(&random).unwrap().origin.lines, [1]);
    }
}
