//! One connection's record decryption, each way: which key opens the next record and with
//! which sequence number.
//!
//! - TLS 1.2: records are protected from the sender's ChangeCipherSpec on (the first one is
//!   its Finished); the keys come from the master secret and both randoms.
//! - TLS 1.3: every record of outer type application_data is protected, first with the
//!   handshake traffic secret, from the sender's Finished on with the application traffic
//!   secret; a KeyUpdate moves that direction to the next secret. ChangeCipherSpec records
//!   (middlebox compatibility) are not protected and are skipped. When the handshake secrets
//!   were not logged (or the handshake's end was lost) the application key is tried too.
//!
//! A record that does not authenticate turns decryption off for its direction: the caller
//! reports it and goes on as without a key. After lost bytes the caller searches for the next
//! record and asks [`Decryptor::open_after_gap`] to find its sequence number.

use super::keylog::{ClientSecrets, Secret};
use super::keys::{suite_params, updated_key, OpenedRecord, RecordKey, SuiteParams, Unsupported};
use super::names::CipherSuite;
use super::{ALERT, APPLICATION_DATA, HANDSHAKE};
use crate::common::Direction;

/// Handshake message types that change keys (TLS 1.3).
const FINISHED: u8 = 20;
const KEY_UPDATE: u8 = 24;

/// Most sequence numbers tried for one candidate record after a gap.
pub const MAX_SEQUENCE_TRIALS: u64 = 4096;
/// Fewest bytes a protected record takes (header and tag): bounds how many records a gap of
/// a given size can have swallowed.
const MIN_PROTECTED_RECORD: u64 = 5 + 16;

/// What opening a record gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Opened {
    /// Authenticated and decrypted in place.
    Plaintext(OpenedRecord),
    /// Not opened, and nothing is wrong: its key was not logged (TLS 1.3 handshake records
    /// when only the application secrets are), or the direction no longer decrypts.
    Skipped,
    /// It did not authenticate: a wrong key or damaged bytes. The direction stops decrypting.
    Failed,
}

/// Finds the ends of handshake messages in decrypted handshake bytes (which may split a
/// message across records), without keeping the messages.
#[derive(Debug, Default, Clone)]
struct MessageScan {
    header: [u8; 4],
    have: usize,
    remaining: u32,
}

impl MessageScan {
    /// Reads `bytes`; calls `done(type)` at the end of every whole message.
    fn feed(&mut self, mut bytes: &[u8], mut done: impl FnMut(u8)) {
        while !bytes.is_empty() {
            if self.have < 4 {
                let take = (4 - self.have).min(bytes.len());
                for (slot, byte) in self.header.iter_mut().skip(self.have).zip(bytes) {
                    *slot = *byte;
                }
                self.have += take;
                bytes = bytes.get(take..).unwrap_or_default();
                if self.have == 4 {
                    let [kind, a, b, c] = self.header;
                    self.remaining = u32::from_be_bytes([0, a, b, c]);
                    if self.remaining == 0 {
                        self.have = 0;
                        done(kind);
                    }
                }
                continue;
            }
            let take = usize::try_from(self.remaining)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            bytes = bytes.get(take..).unwrap_or_default();
            self.remaining = self
                .remaining
                .saturating_sub(u32::try_from(take).unwrap_or(u32::MAX));
            if self.remaining == 0 {
                self.have = 0;
                let [kind, ..] = self.header;
                done(kind);
            }
        }
    }
}

/// One direction's keys.
#[derive(Debug, Default)]
struct Side {
    /// Records are protected (TLS 1.2: after ChangeCipherSpec; TLS 1.3: always).
    active: bool,
    /// The key of the next record (`None`: its secret was not logged).
    key: Option<RecordKey>,
    seq: u64,
    /// TLS 1.3: still under the handshake traffic secret.
    handshake_phase: bool,
    /// TLS 1.3: the application traffic secret (the current one once in that phase).
    traffic: Option<Secret>,
    /// TLS 1.3: the key of `traffic`, while still in the handshake phase.
    application_key: Option<RecordKey>,
    scan: MessageScan,
    /// A record failed: nothing more is decrypted this way.
    off: bool,
}

/// Keys in place, once the ServerHello said the version and the suite.
#[derive(Debug)]
struct Ready {
    params: SuiteParams,
    sides: [Side; 2],
}

/// A connection's decryption.
#[derive(Debug)]
pub(super) struct Decryptor {
    secrets: ClientSecrets,
    client_random: [u8; 32],
    ready: Option<Box<Ready>>,
}

impl Decryptor {
    /// Decryption of the connection whose ClientHello carried `client_random`, with the
    /// secrets logged for it.
    pub(super) fn new(client_random: [u8; 32], secrets: ClientSecrets) -> Self {
        Decryptor {
            secrets,
            client_random,
            ready: None,
        }
    }

    /// The logged secrets (for their origin).
    pub(super) fn secrets(&self) -> &ClientSecrets {
        &self.secrets
    }

    /// The ServerHello chose `version` and `suite` with `server_random`: the keys are made,
    /// or the reason they cannot be is returned.
    pub(super) fn server_hello(
        &mut self,
        version: u16,
        suite: u16,
        server_random: &[u8; 32],
    ) -> Result<(), String> {
        let name = CipherSuite(suite).to_string();
        let params = suite_params(version, suite, name.contains("_CBC_")).map_err(|why| match why {
            Unsupported::Cbc => format!("{name} is a CBC suite: CBC suites are not decrypted (only AES-GCM and ChaCha20-Poly1305)"),
            Unsupported::Suite => format!("{name} is not decrypted (only the AES-GCM and ChaCha20-Poly1305 suites are)"),
            Unsupported::Version => format!("{} is not decrypted (only TLS 1.2 and TLS 1.3 are)", super::TlsVersion(version)),
        })?;
        let secrets = &self.secrets;
        let sides = if params.tls13 {
            if secrets.client_traffic.is_none() && secrets.server_traffic.is_none() {
                return Err("the key log has no TLS 1.3 traffic secret (CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0) for this connection".into());
            }
            let side = |handshake: &Option<Secret>, traffic: &Option<Secret>| Side {
                active: true,
                key: handshake.and_then(|s| RecordKey::tls13(params, &s)),
                handshake_phase: true,
                traffic: *traffic,
                application_key: traffic.and_then(|s| RecordKey::tls13(params, &s)),
                ..Side::default()
            };
            [
                side(&secrets.client_handshake, &secrets.client_traffic),
                side(&secrets.server_handshake, &secrets.server_traffic),
            ]
        } else {
            let Some(master) = secrets.master else {
                return Err("the key log has no CLIENT_RANDOM line (the TLS 1.2 master secret) for this connection".into());
            };
            let (client, server) =
                RecordKey::tls12(params, &master, &self.client_random, server_random)
                    .ok_or_else(|| "the TLS 1.2 keys could not be derived".to_owned())?;
            let side = |key: RecordKey| Side {
                key: Some(key),
                ..Side::default()
            };
            [side(client), side(server)]
        };
        self.ready = Some(Box::new(Ready { params, sides }));
        Ok(())
    }

    /// The sender of `dir` changed cipher spec: TLS 1.2 protects its records from now on.
    pub(super) fn change_cipher_spec(&mut self, dir: Direction) {
        if let Some(ready) = self.ready.as_mut() {
            if !ready.params.tls13 {
                let side = dir.of_mut(&mut ready.sides);
                side.active = true;
                side.seq = 0;
            }
        }
    }

    /// Is a record of `content_type` from `dir` to be opened?
    pub(super) fn protects(&self, dir: Direction, content_type: u8) -> bool {
        let Some(ready) = self.ready.as_ref() else {
            return false;
        };
        let side = dir.of(&ready.sides);
        if side.off || !side.active {
            return false;
        }
        if ready.params.tls13 {
            content_type == APPLICATION_DATA
        } else {
            matches!(content_type, ALERT | HANDSHAKE | APPLICATION_DATA)
        }
    }

    /// Does `dir` still decrypt (keys in place, no failure)?
    pub(super) fn decrypts(&self, dir: Direction) -> bool {
        self.ready
            .as_ref()
            .is_some_and(|ready| !dir.of(&ready.sides).off)
    }

    /// The smallest body a protected record of `dir` can have.
    pub(super) fn min_body(&self, dir: Direction) -> usize {
        self.ready
            .as_ref()
            .and_then(|ready| {
                let side = dir.of(&ready.sides);
                side.key.as_ref().or(side.application_key.as_ref())
            })
            .map_or(16, RecordKey::min_body)
    }

    /// TLS 1.3 (records carry their type inside).
    pub(super) fn is_tls13(&self) -> bool {
        self.ready.as_ref().is_some_and(|ready| ready.params.tls13)
    }

    /// A record of `dir` lost some of its bytes: it takes its sequence number unopened.
    pub(super) fn skip_record(&mut self, dir: Direction) {
        if let Some(ready) = self.ready.as_mut() {
            let side = dir.of_mut(&mut ready.sides);
            side.seq = side.seq.saturating_add(1);
        }
    }

    /// Opens the next record of `dir` (its header and body; the body is decrypted in place).
    pub(super) fn open(&mut self, dir: Direction, header: [u8; 5], body: &mut [u8]) -> Opened {
        let Some(ready) = self.ready.as_mut() else {
            return Opened::Skipped;
        };
        let params = ready.params;
        let side = dir.of_mut(&mut ready.sides);
        if side.off {
            return Opened::Skipped;
        }
        let seq = side.seq;
        let opened = side
            .key
            .as_ref()
            .and_then(|key| key.open(seq, header, body));
        if let Some(opened) = opened {
            side.seq = seq.saturating_add(1);
            side.after(params, &opened, body);
            return Opened::Plaintext(opened);
        }
        if side.handshake_phase {
            // The handshake secrets were not logged, or the handshake's end was missed: the
            // application secret may open it.
            let opened = side
                .application_key
                .as_ref()
                .and_then(|key| key.open(0, header, body));
            if let Some(opened) = opened {
                side.enter_application_phase();
                side.seq = 1;
                side.after(params, &opened, body);
                return Opened::Plaintext(opened);
            }
            if side.key.is_none() {
                side.seq = seq.saturating_add(1);
                return Opened::Skipped;
            }
        }
        side.off = true;
        Opened::Failed
    }

    /// After `lost` bytes of `dir` went missing (`skipped` more were searched past), opens a
    /// candidate record by trying the sequence numbers the loss allows; on success the
    /// direction goes on from there and the number of records lost is returned with it.
    /// `None` when no sequence number opens it (not a record, or not this key's).
    pub(super) fn open_after_gap(
        &mut self,
        dir: Direction,
        header: [u8; 5],
        body: &mut [u8],
        lost: u64,
    ) -> Option<(OpenedRecord, u64)> {
        let ready = self.ready.as_mut()?;
        let params = ready.params;
        let side = dir.of_mut(&mut ready.sides);
        if side.off {
            return None;
        }
        let trials = (lost / MIN_PROTECTED_RECORD)
            .saturating_add(2)
            .min(MAX_SEQUENCE_TRIALS);
        let first = side.seq;
        let key = side.key.as_ref();
        // TLS 1.2 AES-GCM senders put the sequence number in the explicit nonce: try it first.
        let hint = key
            .and_then(|key| key.explicit_sequence(body))
            .filter(|&hint| {
                hint >= first && hint.saturating_sub(first) < MAX_SEQUENCE_TRIALS.saturating_mul(64)
            });
        let found = key.and_then(|key| {
            hint.into_iter()
                .chain((0..trials).map(|n| first.saturating_add(n)))
                .find_map(|seq| key.open(seq, header, body).map(|opened| (opened, seq)))
        });
        if let Some((opened, seq)) = found {
            side.seq = seq.saturating_add(1);
            side.after(params, &opened, body);
            return Some((opened, seq.saturating_sub(first)));
        }
        if side.handshake_phase {
            let application = side.application_key.as_ref()?;
            let (opened, seq) = (0..trials).find_map(|seq| {
                application
                    .open(seq, header, body)
                    .map(|opened| (opened, seq))
            })?;
            side.enter_application_phase();
            side.seq = seq.saturating_add(1);
            side.after(params, &opened, body);
            return Some((opened, seq));
        }
        None
    }
}

impl Side {
    fn enter_application_phase(&mut self) {
        self.handshake_phase = false;
        self.key = self.application_key.take();
        self.seq = 0;
        self.scan = MessageScan::default();
    }

    /// What an opened record changes: in TLS 1.3 a Finished ends the handshake phase and a
    /// KeyUpdate moves to the next secret, both from the next record on.
    fn after(&mut self, params: SuiteParams, opened: &OpenedRecord, body: &[u8]) {
        if !params.tls13 || opened.content_type != HANDSHAKE {
            return;
        }
        let (mut finished, mut key_update) = (false, false);
        let plaintext = body.get(opened.plaintext.clone()).unwrap_or_default();
        self.scan.feed(plaintext, |kind| match kind {
            FINISHED => finished = true,
            KEY_UPDATE => key_update = true,
            _ => {}
        });
        if finished && self.handshake_phase {
            self.enter_application_phase();
        } else if key_update && !self.handshake_phase {
            (self.traffic, self.key) = updated_key(params, self.traffic);
            self.seq = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_messages_are_found_across_records() {
        let mut scan = MessageScan::default();
        let mut seen = Vec::new();
        // EncryptedExtensions (2 bytes body), then a Finished split over three pieces.
        scan.feed(&[8, 0, 0, 2, 0, 0, 20, 0], |k| seen.push(k));
        scan.feed(&[0, 3, 1], |k| seen.push(k));
        scan.feed(&[2, 3, 24, 0, 0, 1, 0], |k| seen.push(k));
        assert_eq!(seen, [8, 20, 24]);
    }
}
