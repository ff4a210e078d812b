//! RTMPE, Adobe's encrypted RTMP: what its handshake shows in the clear.
//!
//! An RTMPE client sends C0 = 6 (or 8, whose C2/S2 signatures are further scrambled) and a C1
//! laid out like the digest handshake's, with a 128-byte Diffie-Hellman public key (1024-bit
//! MODP group of RFC 2409) hidden at an offset derived from four bytes of the block; S1 carries
//! the server's key the same way. Both public keys travel in the clear, but the RC4 keys that
//! encrypt everything after the handshake come from the shared secret, which needs a private
//! exponent that never leaves either peer: a passive observer cannot decrypt the session.
//!
//! Layout (the published RTMPE description): with the digest in the first half of the block
//! (scheme 0, digest offset from bytes 8..12), the key sits at `sum(bytes 1532..1536) % 632 +
//! 772`; with the digest in the second half (scheme 1), at `sum(bytes 768..772) % 632 + 8`.

use serde::Serialize;

use crate::common::hex::Hex;

/// Length of an RTMPE Diffie-Hellman public key.
pub const DH_KEY_LEN: usize = 128;
/// Bytes of the key shown in reports.
const SHOWN_KEY_BYTES: usize = 8;

/// The 1024-bit MODP prime of RFC 2409 (Oakley group 2), big-endian.
const P1024: [u8; DH_KEY_LEN] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC9, 0x0F, 0xDA, 0xA2, 0x21, 0x68, 0xC2, 0x34,
    0xC4, 0xC6, 0x62, 0x8B, 0x80, 0xDC, 0x1C, 0xD1, 0x29, 0x02, 0x4E, 0x08, 0x8A, 0x67, 0xCC, 0x74,
    0x02, 0x0B, 0xBE, 0xA6, 0x3B, 0x13, 0x9B, 0x22, 0x51, 0x4A, 0x08, 0x79, 0x8E, 0x34, 0x04, 0xDD,
    0xEF, 0x95, 0x19, 0xB3, 0xCD, 0x3A, 0x43, 0x1B, 0x30, 0x2B, 0x0A, 0x6D, 0xF2, 0x5F, 0x14, 0x37,
    0x4F, 0xE1, 0x35, 0x6D, 0x6D, 0x51, 0xC2, 0x45, 0xE4, 0x85, 0xB5, 0x76, 0x62, 0x5E, 0x7E, 0xC6,
    0xF4, 0x4C, 0x42, 0xE9, 0xA6, 0x37, 0xED, 0x6B, 0x0B, 0xFF, 0x5C, 0xB6, 0xF4, 0x06, 0xB7, 0xED,
    0xEE, 0x38, 0x6B, 0xFB, 0x5A, 0x89, 0x9F, 0xA5, 0xAE, 0x9F, 0x24, 0x11, 0x7C, 0x4B, 0x1F, 0xE6,
    0x49, 0x28, 0x66, 0x51, 0xEC, 0xE6, 0x53, 0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
];

/// A Diffie-Hellman public key found in C1 or S1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DhKey {
    /// Where the key starts in the 1536-byte block.
    pub offset: usize,
    /// The key is a proper public value for the group: 1 < key < p - 1.
    pub valid: bool,
    /// Its first bytes, in hex.
    pub head: String,
}

/// Where a block signed under digest `scheme` (0 or 1) keeps its Diffie-Hellman key.
pub fn dh_key_offset(block: &[u8], scheme: u8) -> Option<usize> {
    let (pointer, base) = if scheme == 0 { (1532, 772) } else { (768, 8) };
    let sum: usize = block
        .get(pointer..pointer + 4)?
        .iter()
        .map(|&b| usize::from(b))
        .sum();
    Some(sum % 632 + base)
}

/// The Diffie-Hellman public key of a C1 or S1 block signed under digest `scheme`.
pub fn dh_key(block: &[u8], scheme: u8) -> Option<DhKey> {
    let offset = dh_key_offset(block, scheme)?;
    let key = block.get(offset..offset + DH_KEY_LEN)?;
    Some(DhKey {
        offset,
        valid: is_public_value(key),
        head: Hex(key.get(..SHOWN_KEY_BYTES).unwrap_or_default()).to_string(),
    })
}

/// 1 < key < p - 1, comparing big-endian byte strings of equal length.
fn is_public_value(key: &[u8]) -> bool {
    let (last, high) = key.split_last().unwrap_or((&0, &[]));
    let above_one = high.iter().any(|&b| b != 0) || *last > 1;
    let mut p_minus_1 = P1024;
    if let Some(last) = p_minus_1.last_mut() {
        *last -= 1;
    }
    above_one && key < &p_minus_1[..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_sits_where_the_layout_says() {
        // Scheme 1 (digest in the second half): pointer bytes 768..772 sum to 700 -> offset
        // 700 % 632 + 8 = 76.
        let mut block = vec![0u8; 1536];
        block[768..772].copy_from_slice(&[200, 200, 200, 100]);
        block[76..76 + DH_KEY_LEN].copy_from_slice(&[0x5A; DH_KEY_LEN]);
        let key = dh_key(&block, 1).unwrap();
        assert_eq!(key.offset, 76);
        assert!(key.valid);
        assert_eq!(key.head, "5a5a5a5a5a5a5a5a");
        // Scheme 0: pointer bytes 1532..1536 sum to 1000 -> 1000 % 632 + 772 = 1140.
        block[1532..1536].copy_from_slice(&[250, 250, 250, 250]);
        assert_eq!(dh_key_offset(&block, 0), Some(1140));
        // The farthest offset still leaves room for the whole key (631 + 772 + 128 <= 1532).
        block[1532..1536].copy_from_slice(&[255, 255, 121, 0]);
        assert_eq!(dh_key_offset(&block, 0), Some(631 + 772));
        assert!(dh_key(&block, 0).is_some());
        assert_eq!(dh_key(&block[..100], 0), None, "block too short");
    }

    #[test]
    fn only_proper_public_values_are_valid() {
        let mut key = [0u8; DH_KEY_LEN];
        assert!(!is_public_value(&key), "0");
        key[DH_KEY_LEN - 1] = 1;
        assert!(!is_public_value(&key), "1");
        key[DH_KEY_LEN - 1] = 2;
        assert!(is_public_value(&key), "2");
        assert!(!is_public_value(&P1024), "p");
        let mut p_minus_1 = P1024;
        p_minus_1[DH_KEY_LEN - 1] -= 1;
        assert!(!is_public_value(&p_minus_1), "p - 1");
        p_minus_1[DH_KEY_LEN - 1] -= 1;
        assert!(is_public_value(&p_minus_1), "p - 2");
        assert!(!is_public_value(&[0xFF; DH_KEY_LEN]), "above p");
    }
}
