//! The key schedule and the record protection of the suites RTMPS peers negotiate, on
//! RustCrypto's primitives (hmac, hkdf, sha2, aes-gcm, chacha20poly1305):
//!
//! - TLS 1.2 (RFC 5246, 5288, 7905): the PRF (P_SHA256, or P_SHA384 for the SHA-384 suites)
//!   expands the logged master secret with both randoms into the write keys and IVs. AES-GCM
//!   records carry an 8-byte explicit nonce after the 4-byte salt; ChaCha20-Poly1305 records
//!   use the 12-byte IV xor the sequence number. The additional data is the sequence number,
//!   the record's type and version, and the plaintext length.
//! - TLS 1.3 (RFC 8446): each logged traffic secret gives its key and IV with
//!   HKDF-Expand-Label; the nonce is the IV xor the sequence number; the additional data is the
//!   record header; a KeyUpdate moves to the next secret ("traffic upd").
//!
//! Nothing here panics on what the wire says: lengths are checked before every split, and an
//! authentication failure is an answer (`None`), never an error path that aborts.

use std::ops::Range;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384};

use super::keylog::{Secret, MAX_SECRET};

/// Bytes of an AEAD authentication tag (every suite here).
pub const TAG_LEN: usize = 16;
/// Bytes of the explicit nonce a TLS 1.2 AES-GCM record starts with.
pub const EXPLICIT_NONCE_LEN: usize = 8;
/// Bytes of a nonce.
const NONCE_LEN: usize = 12;

/// The hash of a suite's PRF or HKDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

impl HashAlg {
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
        }
    }
}

/// A suite's record protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AeadAlg {
    /// AES-128 in GCM.
    Aes128Gcm,
    /// AES-256 in GCM.
    Aes256Gcm,
    /// ChaCha20-Poly1305.
    ChaCha20Poly1305,
}

impl AeadAlg {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            AeadAlg::Aes128Gcm => 16,
            AeadAlg::Aes256Gcm | AeadAlg::ChaCha20Poly1305 => 32,
        }
    }
}

/// What a negotiated cipher suite needs to be decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteParams {
    /// Record protection.
    pub aead: AeadAlg,
    /// PRF (TLS 1.2) or HKDF (TLS 1.3) hash.
    pub hash: HashAlg,
    /// TLS 1.3 (else TLS 1.2).
    pub tls13: bool,
}

/// Why a connection's records are not decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsupported {
    /// A CBC suite (MAC-then-encrypt, padding): not decrypted here.
    Cbc,
    /// A protocol version other than TLS 1.2 and 1.3.
    Version,
    /// Any other suite (CCM, NULL, stream ciphers, …).
    Suite,
}

/// The record protection of `suite` under protocol `version`, or why it is not decrypted.
/// `cbc` tells whether the suite is a CBC one (from its name).
pub fn suite_params(version: u16, suite: u16, cbc: bool) -> Result<SuiteParams, Unsupported> {
    use AeadAlg::*;
    use HashAlg::*;
    let (aead, hash, tls13) = match (version, suite) {
        (0x0304, 0x1301) => (Aes128Gcm, Sha256, true),
        (0x0304, 0x1302) => (Aes256Gcm, Sha384, true),
        (0x0304, 0x1303) => (ChaCha20Poly1305, Sha256, true),
        // ECDHE_ECDSA, ECDHE_RSA, RSA, DHE_RSA with AES-128-GCM.
        (0x0303, 0xC02B | 0xC02F | 0x009C | 0x009E) => (Aes128Gcm, Sha256, false),
        // The same with AES-256-GCM, whose PRF is SHA-384.
        (0x0303, 0xC02C | 0xC030 | 0x009D | 0x009F) => (Aes256Gcm, Sha384, false),
        // ECDHE_RSA, ECDHE_ECDSA, DHE_RSA with ChaCha20-Poly1305 (RFC 7905).
        (0x0303, 0xCCA8..=0xCCAA) => (ChaCha20Poly1305, Sha256, false),
        (0x0303 | 0x0304, _) if cbc => return Err(Unsupported::Cbc),
        (0x0303 | 0x0304, _) => return Err(Unsupported::Suite),
        _ if cbc => return Err(Unsupported::Cbc),
        _ => return Err(Unsupported::Version),
    };
    Ok(SuiteParams { aead, hash, tls13 })
}

/// A MAC output of either hash.
struct MacOut {
    bytes: [u8; MAX_SECRET],
    len: usize,
}

impl MacOut {
    fn bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// HMAC of `parts` under `key` (any key length is valid for HMAC).
fn hmac(hash: HashAlg, key: &[u8], parts: &[&[u8]]) -> MacOut {
    let mut out = MacOut {
        bytes: [0; MAX_SECRET],
        len: hash.output_len(),
    };
    match hash {
        HashAlg::Sha256 => {
            if let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) {
                for part in parts {
                    mac.update(part);
                }
                copy_into(&mut out.bytes, &mac.finalize().into_bytes());
            }
        }
        HashAlg::Sha384 => {
            if let Ok(mut mac) = <Hmac<Sha384> as Mac>::new_from_slice(key) {
                for part in parts {
                    mac.update(part);
                }
                copy_into(&mut out.bytes, &mac.finalize().into_bytes());
            }
        }
    }
    out
}

/// Copies as much of `from` as fits at the start of `to`.
fn copy_into(to: &mut [u8], from: &[u8]) {
    for (slot, byte) in to.iter_mut().zip(from) {
        *slot = *byte;
    }
}

/// The TLS 1.2 PRF (RFC 5246, 5): P_hash(secret, label + seed), filling `out`.
pub fn prf(hash: HashAlg, secret: &[u8], label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    let mut parts: Vec<&[u8]> = Vec::with_capacity(seed.len() + 2);
    parts.push(label);
    parts.extend_from_slice(seed);
    // A(1) = HMAC(secret, label + seed); A(i) = HMAC(secret, A(i-1)).
    let mut a = hmac(hash, secret, &parts);
    let mut done = 0;
    while done < out.len() {
        let mut block_parts: Vec<&[u8]> = Vec::with_capacity(parts.len() + 1);
        block_parts.push(a.bytes());
        block_parts.extend_from_slice(&parts);
        let block = hmac(hash, secret, &block_parts);
        let rest = out.get_mut(done..).unwrap_or_default();
        copy_into(rest, block.bytes());
        done = done.saturating_add(block.len);
        a = hmac(hash, secret, &[a.bytes()]);
    }
}

/// HKDF-Expand-Label (RFC 8446, 7.1) of `secret`, filling `out`; `None` when the secret is
/// shorter than the hash.
pub fn hkdf_expand_label(
    hash: HashAlg,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Option<()> {
    let full_label_len = u8::try_from(label.len().checked_add(6)?).ok()?;
    let mut info = Vec::with_capacity(usize::from(full_label_len) + context.len() + 4);
    info.extend_from_slice(&u16::try_from(out.len()).ok()?.to_be_bytes());
    info.push(full_label_len);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(u8::try_from(context.len()).ok()?);
    info.extend_from_slice(context);
    match hash {
        HashAlg::Sha256 => Hkdf::<Sha256>::from_prk(secret)
            .ok()?
            .expand(&info, out)
            .ok(),
        HashAlg::Sha384 => Hkdf::<Sha384>::from_prk(secret)
            .ok()?
            .expand(&info, out)
            .ok(),
    }
}

/// The next TLS 1.3 traffic secret after a KeyUpdate.
pub fn next_traffic_secret(hash: HashAlg, secret: &Secret) -> Option<Secret> {
    let mut out = [0u8; MAX_SECRET];
    let next = out.get_mut(..hash.output_len())?;
    hkdf_expand_label(hash, secret.bytes(), b"traffic upd", b"", next)?;
    Secret::new(next)
}

/// The additional data a TLS 1.2 AEAD record authenticates: its sequence number, type and
/// version, and the plaintext's length.
fn tls12_additional_data(seq: u64, type_and_version: [u8; 3], length: u16) -> [u8; 13] {
    let mut aad = [0u8; 13];
    copy_into(&mut aad, &seq.to_be_bytes());
    let [content_type, major, minor] = type_and_version;
    let [high, low] = length.to_be_bytes();
    for (slot, byte) in aad
        .iter_mut()
        .skip(8)
        .zip([content_type, major, minor, high, low])
    {
        *slot = byte;
    }
    aad
}

/// One suite of each record protection and version, as the samples and tests use them:
/// TLS 1.2 ECDHE_RSA with AES-128-GCM, AES-256-GCM (SHA-384) and ChaCha20-Poly1305, and the
/// three TLS 1.3 suites, as (version, suite).
pub const ONE_SUITE_EACH: [(u16, u16); 6] = [
    (0x0303, 0xC02F),
    (0x0303, 0xC030),
    (0x0303, 0xCCA8),
    (0x0304, 0x1301),
    (0x0304, 0x1302),
    (0x0304, 0x1303),
];

/// After a TLS 1.3 KeyUpdate: the next traffic secret and its record key.
pub fn updated_key(
    params: SuiteParams,
    secret: Option<Secret>,
) -> (Option<Secret>, Option<RecordKey>) {
    let next = secret.and_then(|secret| next_traffic_secret(params.hash, &secret));
    (
        next,
        next.and_then(|secret| RecordKey::tls13(params, &secret)),
    )
}

/// An AEAD cipher keyed for one direction.
#[derive(Clone)]
enum Cipher {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
}

impl Cipher {
    fn new(aead: AeadAlg, key: &[u8]) -> Option<Self> {
        Some(match aead {
            AeadAlg::Aes128Gcm => Cipher::Aes128(Box::new(Aes128Gcm::new_from_slice(key).ok()?)),
            AeadAlg::Aes256Gcm => Cipher::Aes256(Box::new(Aes256Gcm::new_from_slice(key).ok()?)),
            AeadAlg::ChaCha20Poly1305 => {
                Cipher::ChaCha(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
            }
        })
    }

    /// Decrypts `buffer` in place if `tag` authenticates it; leaves it as it was otherwise
    /// (both crates check the tag before they decrypt).
    fn open(&self, nonce: [u8; NONCE_LEN], aad: &[u8], buffer: &mut [u8], tag: [u8; 16]) -> bool {
        let nonce = aes_gcm::Nonce::from(nonce);
        let tag = aes_gcm::Tag::from(tag);
        match self {
            Cipher::Aes128(c) => c.decrypt_in_place_detached(&nonce, aad, buffer, &tag),
            Cipher::Aes256(c) => c.decrypt_in_place_detached(&nonce, aad, buffer, &tag),
            Cipher::ChaCha(c) => c.decrypt_in_place_detached(&nonce, aad, buffer, &tag),
        }
        .is_ok()
    }

    /// Encrypts `buffer` in place, returning the tag (tests and benchmarks build records).
    fn seal(&self, nonce: [u8; NONCE_LEN], aad: &[u8], buffer: &mut [u8]) -> Option<[u8; 16]> {
        let nonce = aes_gcm::Nonce::from(nonce);
        let tag = match self {
            Cipher::Aes128(c) => c.encrypt_in_place_detached(&nonce, aad, buffer),
            Cipher::Aes256(c) => c.encrypt_in_place_detached(&nonce, aad, buffer),
            Cipher::ChaCha(c) => c.encrypt_in_place_detached(&nonce, aad, buffer),
        }
        .ok()?;
        Some(tag.into())
    }
}

/// How a record's nonce is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NonceKind {
    /// TLS 1.2 AES-GCM: 4-byte salt, then the record's 8-byte explicit nonce.
    Explicit,
    /// TLS 1.2 ChaCha20-Poly1305 and TLS 1.3: the IV xor the sequence number.
    XorSequence,
}

/// One direction's record key: the cipher, its IV and how records use them.
#[derive(Clone)]
pub struct RecordKey {
    cipher: Cipher,
    iv: [u8; NONCE_LEN],
    nonce: NonceKind,
    tls13: bool,
}

impl std::fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecordKey({:?}, tls13: {})", self.nonce, self.tls13)
    }
}

/// A record opened: its content type and where its plaintext lies in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedRecord {
    /// The content type (TLS 1.3: from the inner plaintext).
    pub content_type: u8,
    /// The plaintext, as a range of the record body it was decrypted in.
    pub plaintext: Range<usize>,
}

impl RecordKey {
    /// The TLS 1.3 record key of a traffic secret.
    pub fn tls13(params: SuiteParams, secret: &Secret) -> Option<Self> {
        let mut key = [0u8; 32];
        let key = key.get_mut(..params.aead.key_len())?;
        hkdf_expand_label(params.hash, secret.bytes(), b"key", b"", key)?;
        let mut iv = [0u8; NONCE_LEN];
        hkdf_expand_label(params.hash, secret.bytes(), b"iv", b"", &mut iv)?;
        Some(RecordKey {
            cipher: Cipher::new(params.aead, key)?,
            iv,
            nonce: NonceKind::XorSequence,
            tls13: true,
        })
    }

    /// The TLS 1.2 record keys (client's, server's) from the master secret and both randoms.
    pub fn tls12(
        params: SuiteParams,
        master: &Secret,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Option<(Self, Self)> {
        let key_len = params.aead.key_len();
        let (iv_len, nonce) = match params.aead {
            AeadAlg::ChaCha20Poly1305 => (NONCE_LEN, NonceKind::XorSequence),
            AeadAlg::Aes128Gcm | AeadAlg::Aes256Gcm => (4, NonceKind::Explicit),
        };
        // client_write_key, server_write_key, client_write_IV, server_write_IV (no MAC keys
        // for AEAD suites).
        let mut block = [0u8; 2 * 32 + 2 * NONCE_LEN];
        let block = block.get_mut(..2 * key_len + 2 * iv_len)?;
        prf(
            params.hash,
            master.bytes(),
            b"key expansion",
            &[server_random, client_random],
            block,
        );
        let key_of = |at: usize, iv_at: usize| -> Option<RecordKey> {
            let mut iv = [0u8; NONCE_LEN];
            copy_into(&mut iv, block.get(iv_at..iv_at + iv_len)?);
            Some(RecordKey {
                cipher: Cipher::new(params.aead, block.get(at..at + key_len)?)?,
                iv,
                nonce,
                tls13: false,
            })
        };
        Some((
            key_of(0, 2 * key_len)?,
            key_of(key_len, 2 * key_len + iv_len)?,
        ))
    }

    /// The nonce of the record with sequence number `seq` (and, for TLS 1.2 AES-GCM, its
    /// explicit nonce).
    fn nonce(&self, seq: u64, explicit: Option<&[u8]>) -> Option<[u8; NONCE_LEN]> {
        let mut nonce = self.iv;
        match self.nonce {
            NonceKind::Explicit => copy_into(nonce.get_mut(4..)?, explicit?),
            NonceKind::XorSequence => {
                for (slot, byte) in nonce.iter_mut().skip(4).zip(seq.to_be_bytes()) {
                    *slot ^= byte;
                }
            }
        }
        Some(nonce)
    }

    /// The explicit nonce of a TLS 1.2 AES-GCM record body, as a number (implementations
    /// send the sequence number there): a hint where the sequence is after lost records.
    pub fn explicit_sequence(&self, body: &[u8]) -> Option<u64> {
        if self.nonce != NonceKind::Explicit {
            return None;
        }
        Some(u64::from_be_bytes(
            body.get(..EXPLICIT_NONCE_LEN)?.try_into().ok()?,
        ))
    }

    /// Smallest record body this key can open (an empty plaintext).
    pub fn min_body(&self) -> usize {
        match (self.nonce, self.tls13) {
            (NonceKind::Explicit, _) => EXPLICIT_NONCE_LEN + TAG_LEN,
            (_, true) => TAG_LEN + 1,
            (_, false) => TAG_LEN,
        }
    }

    /// Opens the record with header `header` whose body is `body`, as sequence number `seq`:
    /// the plaintext is decrypted in place. `None` when the record does not authenticate
    /// (`body` is then as it was).
    pub fn open(&self, seq: u64, header: [u8; 5], body: &mut [u8]) -> Option<OpenedRecord> {
        let [content_type, major, minor, _, _] = header;
        let (start, explicit) = match self.nonce {
            NonceKind::Explicit => (EXPLICIT_NONCE_LEN, body.get(..EXPLICIT_NONCE_LEN)),
            NonceKind::XorSequence => (0, None),
        };
        let nonce = self.nonce(seq, explicit)?;
        let end = body.len().checked_sub(TAG_LEN)?;
        if end < start {
            return None;
        }
        let tag: [u8; 16] = body.get(end..)?.try_into().ok()?;
        let length = u16::try_from(end - start).ok()?;
        let tls12_aad = tls12_additional_data(seq, [content_type, major, minor], length);
        let aad: &[u8] = if self.tls13 { &header } else { &tls12_aad };
        let ciphertext = body.get_mut(start..end)?;
        if !self.cipher.open(nonce, aad, ciphertext, tag) {
            return None;
        }
        if !self.tls13 {
            return Some(OpenedRecord {
                content_type,
                plaintext: start..end,
            });
        }
        // TLS 1.3: content, then the real content type, then zero padding.
        let inner = ciphertext.iter().rposition(|&b| b != 0)?;
        Some(OpenedRecord {
            content_type: *ciphertext.get(inner)?,
            plaintext: 0..inner,
        })
    }

    /// Builds a record of `content_type` carrying `plaintext` as sequence number `seq` (the
    /// inverse of [`RecordKey::open`], for tests and benchmarks): header and body.
    pub fn seal(&self, seq: u64, content_type: u8, plaintext: &[u8]) -> Option<Vec<u8>> {
        let mut body = Vec::new();
        if self.nonce == NonceKind::Explicit {
            body.extend_from_slice(&seq.to_be_bytes());
        }
        let start = body.len();
        body.extend_from_slice(plaintext);
        if self.tls13 {
            body.push(content_type);
        }
        let outer = if self.tls13 { 23 } else { content_type };
        let total = u16::try_from(body.len() + TAG_LEN).ok()?;
        let header = [outer, 3, 3, (total >> 8) as u8, total as u8];
        let inner_len = u16::try_from(body.len() - start).ok()?;
        let tls12_aad = tls12_additional_data(seq, [outer, 3, 3], inner_len);
        let aad: &[u8] = if self.tls13 { &header } else { &tls12_aad };
        let nonce = self.nonce(seq, body.get(..EXPLICIT_NONCE_LEN))?;
        let tag = self.cipher.seal(nonce, aad, body.get_mut(start..)?)?;
        let mut record = header.to_vec();
        record.extend_from_slice(&body);
        record.extend_from_slice(&tag);
        Some(record)
    }
}

#[cfg(test)]
mod tests;
