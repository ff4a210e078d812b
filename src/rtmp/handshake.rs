//! The RTMP handshake (C0/C1/C2, S0/S1/S2): versions, times, the digest scheme, and whether
//! the digests and echoes check out.
//!
//! Each direction sends a version byte, a 1536-byte C1/S1 and a 1536-byte C2/S2; the tracker
//! keeps C1, S1, C2 and S2 (6 KiB per session) and checks them once whole:
//! - Simple handshake (C1/S1 bytes 4..8 zero): C2 echoes S1 and S2 echoes C1 (bytes 8..1536).
//! - Digest handshake (Flash Player and FMS since 9): a 32-byte HMAC-SHA256 digest hides in
//!   C1/S1 at an offset derived from four bytes of the first (scheme 0, bytes 8..772) or second
//!   (scheme 1, bytes 772..1536) half; C2/S2 end with an HMAC keyed by a hash of the peer's
//!   digest. The keys are the published Flash Player and Flash Media Server strings.

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::common::{Direction, PacketMeta, Timestamp};
use crate::rtmp::layout::handshake::{self, SIDE};
use crate::transport::rtmpe::{dh_key, DhKey};

/// Length of C1, C2, S1 and S2.
pub const HANDSHAKE_BLOCK: usize = handshake::BLOCK;
/// Bytes of one direction's whole handshake: version byte and two blocks.
pub const HANDSHAKE_LEN: usize = 1 + 2 * HANDSHAKE_BLOCK;

const DIGEST_LEN: usize = handshake::DIGEST_LEN;
/// The Flash Player key (the first 30 bytes sign C1).
const PLAYER_KEY_TEXT: &[u8] = b"Genuine Adobe Flash Player 001";
/// The Flash Media Server key (the first 36 bytes sign S1).
const SERVER_KEY_TEXT: &[u8] = b"Genuine Adobe Flash Media Server 001";
/// The 32 bytes appended to either key to sign C2/S2.
const KEY_SUFFIX: [u8; 32] = [
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
];

/// What a completed (or cut-short) handshake showed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandshakeSummary {
    /// Both directions' handshakes went by whole (captured, or counted across holes of known
    /// length: see `missing_bytes`).
    pub complete: bool,
    /// Handshake bytes the capture lacks (lost segments, or packets cut by the snap length).
    /// Fields that need them are absent: unknown, not wrong.
    #[serde(skip_serializing_if = "is_zero")]
    pub missing_bytes: u64,
    /// C0: the protocol version the client asked for (3 plain; 6 and 8 are RTMPE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub c0_version: Option<u8>,
    /// S0: the version the server chose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s0_version: Option<u8>,
    /// C1's time field (ms, the client's epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub c1_time: Option<u32>,
    /// C1's version field as `a.b.c.d` (zero for the simple handshake; else the Flash Player
    /// or encoder version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub c1_version: Option<String>,
    /// S1's time field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s1_time: Option<u32>,
    /// S1's version field (the server version for a digest handshake).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s1_version: Option<String>,
    /// How the client signed C1: `digest_scheme_0`, `digest_scheme_1`, or `simple` (no valid
    /// digest found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_scheme: Option<&'static str>,
    /// How the server signed S1, likewise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_scheme: Option<&'static str>,
    /// What C2 shows: `echo_ok`, `echo_mismatch`, `digest_ok`, `digest_mismatch`, or
    /// `unverified_rtmpe8` (RTMPE type 8 scrambles the signature; not checked here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub c2_check: Option<&'static str>,
    /// What S2 shows, likewise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s2_check: Option<&'static str>,
    /// C0 or S0 asked for RTMPE: everything after the handshake is encrypted.
    pub encrypted: bool,
    /// RTMPE: the client's Diffie-Hellman public key in C1 (where the layout of its digest
    /// scheme puts it). Public, like the server's: the session keys need a private one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_dh_key: Option<DhKey>,
    /// RTMPE: the server's Diffie-Hellman public key in S1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_dh_key: Option<DhKey>,
    /// From C0+C1 complete to the first byte of S0+S1, in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<f64>,
    /// From the first handshake byte to the last, in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    /// C0 and C1, then S0 and S1 ([`crate::rtmp::layout::handshake`]), each when seen whole
    /// (S0 and S1 only after C0 and C1): for a viewer to show where each field came from.
    /// Not written out.
    #[serde(skip)]
    pub first_blocks: Option<Box<[u8]>>,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// One direction's handshake bytes.
#[derive(Debug, Default)]
struct Side {
    /// The bytes captured, up to the first hole (bytes after a hole are counted, not kept).
    bytes: Vec<u8>,
    /// Bytes gone by: captured or in holes.
    consumed: usize,
    /// Bytes in holes.
    missing: usize,
    /// A hole of unknown length: where the handshake ended is unknown.
    abandoned: bool,
    /// When the version byte and first block were complete.
    first_block_done: Option<Timestamp>,
    /// When its first byte arrived.
    first_byte: Option<Timestamp>,
    /// When the whole handshake was done.
    done_at: Option<Timestamp>,
}

impl Side {
    /// `count` more bytes went by in packet `meta`.
    fn advance(&mut self, count: usize, meta: &PacketMeta) {
        self.first_byte.get_or_insert(meta.time);
        self.consumed = self.consumed.saturating_add(count).min(HANDSHAKE_LEN);
        if self.consumed > HANDSHAKE_BLOCK && self.first_block_done.is_none() {
            self.first_block_done = Some(meta.time);
        }
        if self.consumed == HANDSHAKE_LEN {
            self.done_at = Some(meta.time);
        }
    }

    fn version(&self) -> Option<u8> {
        self.bytes.first().copied()
    }

    /// The time and version fields of C1/S1, when captured (the rest of the block may not be).
    fn head(&self) -> Option<&[u8]> {
        self.bytes.get(1..9)
    }

    fn block(&self, index: usize) -> Option<&[u8]> {
        let start = 1 + index * HANDSHAKE_BLOCK;
        self.bytes.get(start..start + HANDSHAKE_BLOCK)
    }
}

/// Follows both directions of one handshake. Each direction's handshake is 3073 bytes
/// (C0 + C1 + C2, or S0 + S1 + S2); bytes after that belong to the chunk stream.
#[derive(Debug, Default)]
pub struct HandshakeTracker {
    sides: [Side; 2],
}

impl HandshakeTracker {
    /// A tracker at the start of a connection.
    pub fn new() -> Self {
        HandshakeTracker::default()
    }

    /// Feeds bytes of one direction captured in packet `meta`; returns how many of them
    /// belong to the handshake (the rest start that direction's chunk stream).
    pub fn feed(&mut self, dir: Direction, bytes: &[u8], meta: &PacketMeta) -> usize {
        let side = dir.of_mut(&mut self.sides);
        let wanted = HANDSHAKE_LEN.saturating_sub(side.consumed).min(bytes.len());
        if wanted == 0 {
            return 0;
        }
        if side.missing == 0 {
            side.bytes
                .extend_from_slice(bytes.get(..wanted).unwrap_or_default());
        }
        side.advance(wanted, meta);
        wanted
    }

    /// `bytes` of one direction were not captured (their length is known): those that belong
    /// to the handshake are counted as gone by, so the chunk stream still starts where it
    /// does; returns how many that was (the rest belong to the chunk stream).
    /// `0` stands for an unknown number: the rest of the handshake is given up on (the
    /// chunk stream's start is then searched for), and it does not count as complete.
    pub fn gap(&mut self, dir: Direction, bytes: u64, meta: &PacketMeta) -> u64 {
        let side = dir.of_mut(&mut self.sides);
        let room = HANDSHAKE_LEN.saturating_sub(side.consumed);
        if bytes == 0 && room > 0 {
            side.abandoned = true;
            side.missing = side.missing.saturating_add(room);
            side.advance(room, meta);
            return 0;
        }
        let taken = usize::try_from(bytes).unwrap_or(usize::MAX).min(room);
        if taken > 0 {
            side.missing = side.missing.saturating_add(taken);
            side.advance(taken, meta);
        }
        taken as u64
    }

    /// True once the direction's whole handshake (3073 bytes) has gone by.
    pub fn is_done(&self, dir: Direction) -> bool {
        dir.of(&self.sides).consumed == HANDSHAKE_LEN
    }

    /// What the handshake showed so far.
    pub fn summary(&self) -> HandshakeSummary {
        let [client, server] = &self.sides;
        let c1 = client.block(0);
        let s1 = server.block(0);
        let client_digest = c1.and_then(|c1| find_digest(c1, PLAYER_KEY_TEXT));
        let server_digest = s1.and_then(|s1| find_digest(s1, SERVER_KEY_TEXT));
        let version = |v: Option<u8>| v.is_some_and(|v| v == 6 || v == 8);
        let encrypted = version(client.version()) || version(server.version());
        // RTMPE type 8 signs C2 and S2 with a scrambled digest.
        let scrambled = client.version() == Some(8) || server.version() == Some(8);
        let response = |check: Option<&'static str>| match check {
            Some("digest_mismatch") if scrambled => Some("unverified_rtmpe8"),
            other => other,
        };
        let key = |block: Option<&[u8]>, digest: &Option<Digest>| {
            let (block, digest) = (block?, digest.as_ref()?);
            encrypted.then(|| dh_key(block, digest.scheme)).flatten()
        };
        HandshakeSummary {
            complete: self.is_done(Direction::ClientToServer)
                && self.is_done(Direction::ServerToClient)
                && !client.abandoned
                && !server.abandoned,
            missing_bytes: (client.missing as u64).saturating_add(server.missing as u64),
            c0_version: client.version(),
            s0_version: server.version(),
            c1_time: client.head().and_then(time_field),
            c1_version: client.head().map(version_field),
            s1_time: server.head().and_then(time_field),
            s1_version: server.head().map(version_field),
            client_scheme: c1.map(|_| scheme_name(&client_digest)),
            server_scheme: s1.map(|_| scheme_name(&server_digest)),
            c2_check: response(response_check(
                client.block(1),
                s1,
                server_digest.as_ref(),
                PLAYER_KEY_TEXT,
            )),
            s2_check: response(response_check(
                server.block(1),
                c1,
                client_digest.as_ref(),
                SERVER_KEY_TEXT,
            )),
            encrypted,
            client_dh_key: key(c1, &client_digest),
            server_dh_key: key(s1, &server_digest),
            rtt_ms: match (client.first_block_done, server.first_byte) {
                (Some(sent), Some(answered)) if answered >= sent => {
                    Some(answered.micros_since(sent) as f64 / 1e3)
                }
                _ => None,
            },
            duration_ms: match (client.first_byte, client.done_at, server.done_at) {
                (Some(start), Some(a), Some(b)) => Some(a.max(b).micros_since(start) as f64 / 1e3),
                _ => None,
            },
            // S0 and S1 only after a whole C0 and C1, so that they are always where the
            // layout says.
            first_blocks: client.bytes.get(..SIDE).map(|c0c1| {
                let s0s1 = server.bytes.get(..SIDE).unwrap_or_default();
                [c0c1, s0s1].concat().into_boxed_slice()
            }),
        }
    }
}

/// A digest found in C1 or S1: which scheme, and the digest bytes.
#[derive(Debug, Clone, Copy)]
struct Digest {
    scheme: u8,
    bytes: [u8; DIGEST_LEN],
}

fn scheme_name(digest: &Option<Digest>) -> &'static str {
    match digest {
        Some(Digest { scheme: 0, .. }) => "digest_scheme_0",
        Some(_) => "digest_scheme_1",
        None => "simple",
    }
}

/// The big-endian time field of C1/S1.
fn time_field(block: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(block.get(..4)?.try_into().ok()?))
}

/// The version field (bytes 4..8) as `a.b.c.d`.
fn version_field(block: &[u8]) -> String {
    let field = block.get(4..8).unwrap_or_default();
    field
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The bytes of the digest of a C1/S1 block signed under `scheme` (0 or 1), from the start
/// of the block.
pub fn digest_range(block: &[u8], scheme: u8) -> Option<std::ops::Range<usize>> {
    let offset = digest_offset(block, scheme)?;
    Some(offset..offset + DIGEST_LEN)
}

/// Where the digest of a C1/S1 block sits under `scheme` (0 or 1).
fn digest_offset(block: &[u8], scheme: u8) -> Option<usize> {
    let base = if scheme == 0 { 8 } else { 772 };
    let sum: usize = block
        .get(base..base + 4)?
        .iter()
        .map(|&b| usize::from(b))
        .sum();
    Some(sum % 728 + base + 4)
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; DIGEST_LEN] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return [0; DIGEST_LEN];
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Finds a digest in C1/S1 that verifies with `key`, trying both schemes.
fn find_digest(block: &[u8], key: &[u8]) -> Option<Digest> {
    [0u8, 1].into_iter().find_map(|scheme| {
        let offset = digest_offset(block, scheme)?;
        let stored = block.get(offset..offset + DIGEST_LEN)?;
        let before = block.get(..offset)?;
        let after = block.get(offset + DIGEST_LEN..)?;
        let computed = hmac_sha256(key, &[before, after]);
        (computed.as_slice() == stored).then_some(Digest {
            scheme,
            bytes: computed,
        })
    })
}

/// Checks C2 (against S1) or S2 (against C1). With a digest in the peer's first block, the
/// response ends with an HMAC keyed by HMAC(full key, peer digest); otherwise it echoes it.
fn response_check(
    response: Option<&[u8]>,
    peer_first: Option<&[u8]>,
    peer_digest: Option<&Digest>,
    key_text: &[u8],
) -> Option<&'static str> {
    let response = response?;
    let peer_first = peer_first?;
    if let Some(digest) = peer_digest {
        let full_key: Vec<u8> = key_text.iter().chain(KEY_SUFFIX.iter()).copied().collect();
        let key = hmac_sha256(&full_key, &[&digest.bytes]);
        let split = HANDSHAKE_BLOCK - DIGEST_LEN;
        let signed = hmac_sha256(&key, &[response.get(..split)?]);
        if response.get(split..)? == signed.as_slice() {
            return Some("digest_ok");
        }
        // Many servers answer a digest handshake with a plain echo.
        if response.get(8..) == peer_first.get(8..) {
            return Some("echo_ok");
        }
        return Some("digest_mismatch");
    }
    Some(if response.get(8..) == peer_first.get(8..) {
        "echo_ok"
    } else {
        "echo_mismatch"
    })
}

impl std::fmt::Display for HandshakeSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: Option<u8>| v.map_or("?".to_owned(), |v| v.to_string());
        write!(
            f,
            "C0={} S0={}",
            show(self.c0_version),
            show(self.s0_version)
        )?;
        if let Some(version) = &self.c1_version {
            write!(f, " client {} {version}", self.client_scheme.unwrap_or("?"))?;
        }
        if let Some(version) = &self.s1_version {
            write!(f, " server {} {version}", self.server_scheme.unwrap_or("?"))?;
        }
        if let Some(check) = self.c2_check {
            write!(f, " C2 {check}")?;
        }
        if let Some(check) = self.s2_check {
            write!(f, " S2 {check}")?;
        }
        if let Some(rtt) = self.rtt_ms {
            write!(f, " rtt {rtt:.3} ms")?;
        }
        for (who, key) in [
            ("client", &self.client_dh_key),
            ("server", &self.server_dh_key),
        ] {
            if let Some(key) = key {
                let block = if who == "client" { "C1" } else { "S1" };
                write!(f, " {who} DH key at {block}[{}] {}…", key.offset, key.head)?;
                if !key.valid {
                    f.write_str(" (not a valid public value)")?;
                }
            }
        }
        if self.encrypted {
            f.write_str(" ENCRYPTED (RTMPE)")?;
        }
        if self.missing_bytes > 0 {
            write!(
                f,
                " ({} bytes not captured: what needs them is unknown)",
                self.missing_bytes
            )?;
        }
        if !self.complete {
            f.write_str(" INCOMPLETE")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(micros: i64) -> PacketMeta {
        PacketMeta {
            frame: 1,
            time: Timestamp(micros),
        }
    }

    /// A C1/S1 block signed with `key` under `scheme`, as a Flash peer builds it.
    fn signed_block(key: &[u8], scheme: u8, version: [u8; 4], seed: u8) -> Vec<u8> {
        let mut block: Vec<u8> = (0..HANDSHAKE_BLOCK)
            .map(|i| (i as u8).wrapping_mul(seed))
            .collect();
        block[4..8].copy_from_slice(&version);
        sign(block, key, scheme)
    }

    /// Writes the digest of `block` under `scheme`, as the published layout has it.
    fn sign(mut block: Vec<u8>, key: &[u8], scheme: u8) -> Vec<u8> {
        let offset = digest_offset(&block, scheme).unwrap();
        let digest = hmac_sha256(key, &[&block[..offset], &block[offset + DIGEST_LEN..]]);
        block[offset..offset + DIGEST_LEN].copy_from_slice(&digest);
        block
    }

    /// A C2/S2 answering a peer digest.
    fn signed_response(key_text: &[u8], peer_digest: &[u8; 32]) -> Vec<u8> {
        let mut block: Vec<u8> = (0..HANDSHAKE_BLOCK).map(|i| (i % 251) as u8).collect();
        let full_key: Vec<u8> = key_text.iter().chain(KEY_SUFFIX.iter()).copied().collect();
        let key = hmac_sha256(&full_key, &[peer_digest]);
        let split = HANDSHAKE_BLOCK - DIGEST_LEN;
        let signature = hmac_sha256(&key, &[&block[..split]]);
        block[split..].copy_from_slice(&signature);
        block
    }

    fn feed_all(
        tracker: &mut HandshakeTracker,
        dir: Direction,
        bytes: &[u8],
        piece: usize,
        time: i64,
    ) {
        for chunk in bytes.chunks(piece) {
            let consumed = tracker.feed(dir, chunk, &meta(time));
            assert_eq!(consumed, chunk.len());
        }
    }

    #[test]
    fn digest_handshake_verifies() {
        let c1 = signed_block(PLAYER_KEY_TEXT, 1, [9, 0, 124, 2], 3);
        let s1 = signed_block(SERVER_KEY_TEXT, 0, [3, 5, 7, 1], 5);
        let c1_digest = find_digest(&c1, PLAYER_KEY_TEXT).unwrap().bytes;
        let s1_digest = find_digest(&s1, SERVER_KEY_TEXT).unwrap().bytes;
        let c2 = signed_response(PLAYER_KEY_TEXT, &s1_digest);
        let s2 = signed_response(SERVER_KEY_TEXT, &c1_digest);
        for piece in [1, 7, 1536, 4000] {
            let mut tracker = HandshakeTracker::new();
            feed_all(
                &mut tracker,
                Direction::ClientToServer,
                &[&[3u8][..], &c1].concat(),
                piece,
                0,
            );
            feed_all(
                &mut tracker,
                Direction::ServerToClient,
                &[&[3u8][..], &s1, &s2].concat(),
                piece,
                2_500,
            );
            feed_all(&mut tracker, Direction::ClientToServer, &c2, piece, 3_000);
            let summary = tracker.summary();
            assert!(summary.complete);
            assert_eq!(summary.client_scheme, Some("digest_scheme_1"));
            assert_eq!(summary.server_scheme, Some("digest_scheme_0"));
            assert_eq!(summary.c1_version.as_deref(), Some("9.0.124.2"));
            assert_eq!(
                (summary.c2_check, summary.s2_check),
                (Some("digest_ok"), Some("digest_ok"))
            );
            assert_eq!(summary.rtt_ms, Some(2.5));
        }
    }

    #[test]
    fn a_flipped_byte_breaks_the_digest() {
        let mut c1 = signed_block(PLAYER_KEY_TEXT, 0, [10, 0, 32, 18], 7);
        c1[1000] ^= 1;
        let mut tracker = HandshakeTracker::new();
        feed_all(
            &mut tracker,
            Direction::ClientToServer,
            &[&[3u8][..], &c1].concat(),
            100,
            0,
        );
        assert_eq!(
            tracker.summary().client_scheme,
            Some("simple"),
            "no digest verifies any more"
        );
    }

    #[test]
    fn simple_handshake_echo_checks_and_bytes_after_it() {
        let c1: Vec<u8> = (0..HANDSHAKE_BLOCK).map(|i| (i * 3) as u8).collect();
        let s1: Vec<u8> = (0..HANDSHAKE_BLOCK).map(|i| (i * 5) as u8).collect();
        let mut c2 = s1.clone();
        c2[4..8].copy_from_slice(&[1, 2, 3, 4]); // time2 may differ
        let mut s2 = c1.clone();
        s2[700] ^= 0xFF; // a broken echo
        let mut tracker = HandshakeTracker::new();
        let mut client = [&[3u8][..], &c1, &c2, b"chunk"].concat();
        let consumed = tracker.feed(Direction::ClientToServer, &client, &meta(0));
        assert_eq!(
            consumed, HANDSHAKE_LEN,
            "the chunk stream's bytes are left over"
        );
        client.clear();
        tracker.feed(
            Direction::ServerToClient,
            &[&[3u8][..], &s1, &s2].concat(),
            &meta(10),
        );
        let summary = tracker.summary();
        assert_eq!(
            (summary.client_scheme, summary.server_scheme),
            (Some("simple"), Some("simple"))
        );
        assert_eq!(
            (summary.c2_check, summary.s2_check),
            (Some("echo_ok"), Some("echo_mismatch"))
        );
        assert!(!summary.encrypted);
    }

    #[test]
    fn holes_of_known_length_keep_the_handshake_in_place() {
        // A snap length of 96 keeps 30 bytes of each handshake packet: C0 and C1's first 29.
        let mut tracker = HandshakeTracker::new();
        let client = Direction::ClientToServer;
        let server = Direction::ServerToClient;
        let mut c0c1 = vec![3, 0, 0, 1, 0, 9, 0, 124, 2];
        c0c1.resize(30, 0xAA);
        assert_eq!(tracker.feed(client, &c0c1, &meta(0)), 30);
        assert_eq!(tracker.gap(client, 1507, &meta(0)), 1507);
        assert_eq!(tracker.feed(server, &[3; 30], &meta(10)), 30);
        // S1's rest, S2 and 100 bytes of the chunk stream in one hole: 100 are not the handshake's.
        assert_eq!(tracker.gap(server, 3043 + 100, &meta(10)), 3043);
        assert!(!tracker.is_done(client));
        assert_eq!(tracker.gap(client, 1536, &meta(20)), 1536);
        assert!(tracker.is_done(client) && tracker.is_done(server));
        let summary = tracker.summary();
        assert!(summary.complete);
        assert_eq!(summary.missing_bytes, 1507 + 1536 + 3043);
        assert_eq!(summary.c1_time, Some(256));
        assert_eq!(summary.c1_version.as_deref(), Some("9.0.124.2"));
        // What needs the missing bytes is unknown, not failed.
        assert_eq!((summary.client_scheme, summary.c2_check), (None, None));
        // A hole of unknown length: the rest is given up on and the handshake is not complete.
        let mut tracker = HandshakeTracker::new();
        tracker.feed(client, &c0c1, &meta(0));
        assert_eq!(tracker.gap(client, 0, &meta(0)), 0);
        assert!(tracker.is_done(client));
        assert!(!tracker.summary().complete);
    }

    #[test]
    fn rtmpe_and_cut_short_handshakes() {
        let mut tracker = HandshakeTracker::new();
        tracker.feed(Direction::ClientToServer, &[6; 100], &meta(0));
        let summary = tracker.summary();
        assert!(summary.encrypted && !summary.complete);
        assert_eq!(summary.c0_version, Some(6));
        // C1 is not whole, its time field is captured; the digest scheme needs all of it.
        assert_eq!(summary.c1_time, Some(0x0606_0606));
        assert_eq!(summary.client_scheme, None);
        assert!(summary.to_string().contains("ENCRYPTED"));
    }

    /// An RTMPE C1/S1 built from the published layout: version field, the Diffie-Hellman public
    /// key where the digest scheme puts it, then the digest over everything else.
    fn rtmpe_block(key_text: &[u8], scheme: u8, dh: &[u8; 128], seed: u8) -> Vec<u8> {
        let mut block: Vec<u8> = (0..HANDSHAKE_BLOCK)
            .map(|i| (i as u8).wrapping_mul(seed) ^ 0x3C)
            .collect();
        block[4..8].copy_from_slice(&[128, 0, 3, 2]);
        let at = crate::transport::rtmpe::dh_key_offset(&block, scheme).unwrap();
        block[at..at + 128].copy_from_slice(dh);
        sign(block, key_text, scheme)
    }

    #[test]
    fn rtmpe_public_keys_are_found_where_the_layout_puts_them() {
        let client_key = [0x42; 128];
        let mut server_key = [0x17; 128];
        server_key[0] = 0x80;
        for (c0, s0, scheme) in [(6u8, 6u8, 0u8), (6, 8, 1), (8, 8, 0)] {
            let c1 = rtmpe_block(PLAYER_KEY_TEXT, scheme, &client_key, 7);
            let s1 = rtmpe_block(SERVER_KEY_TEXT, 1 - scheme, &server_key, 11);
            let c1_digest = find_digest(&c1, PLAYER_KEY_TEXT).unwrap().bytes;
            let s1_digest = find_digest(&s1, SERVER_KEY_TEXT).unwrap().bytes;
            let mut tracker = HandshakeTracker::new();
            feed_all(
                &mut tracker,
                Direction::ClientToServer,
                &[&[c0][..], &c1].concat(),
                100,
                0,
            );
            let s2 = signed_response(SERVER_KEY_TEXT, &c1_digest);
            feed_all(
                &mut tracker,
                Direction::ServerToClient,
                &[&[s0][..], &s1, &s2].concat(),
                100,
                1_500,
            );
            let mut c2 = signed_response(PLAYER_KEY_TEXT, &s1_digest);
            if c0 == 8 || s0 == 8 {
                c2[0] ^= 1; // stands in for type 8's scrambled signature
            }
            feed_all(&mut tracker, Direction::ClientToServer, &c2, 100, 2_000);
            let summary = tracker.summary();
            assert!(summary.encrypted && summary.complete);
            let client = summary.client_dh_key.as_ref().unwrap();
            assert_eq!(
                Some(client.offset),
                crate::transport::rtmpe::dh_key_offset(&c1, scheme)
            );
            assert_eq!(client.head, "4242424242424242");
            assert!(client.valid);
            let server = summary.server_dh_key.as_ref().unwrap();
            assert_eq!(server.head, "8017171717171717");
            assert_eq!(summary.rtt_ms, Some(1.5));
            let expected_c2 = if c0 == 8 || s0 == 8 {
                "unverified_rtmpe8"
            } else {
                "digest_ok"
            };
            assert_eq!(summary.c2_check, Some(expected_c2), "C0={c0} S0={s0}");
            assert_eq!(summary.s2_check, Some("digest_ok"));
            assert!(summary.to_string().contains("client DH key at C1["));
        }
        // Plain RTMP with the same blocks shows no keys: only RTMPE puts one there.
        let c1 = rtmpe_block(PLAYER_KEY_TEXT, 0, &client_key, 7);
        let mut tracker = HandshakeTracker::new();
        feed_all(
            &mut tracker,
            Direction::ClientToServer,
            &[&[3u8][..], &c1].concat(),
            1537,
            0,
        );
        assert_eq!(tracker.summary().client_dh_key, None);
    }
}
