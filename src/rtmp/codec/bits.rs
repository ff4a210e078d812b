//! Bit-level reading for codec parameter sets: MSB-first fields and Exp-Golomb codes (H.264,
//! H.265; AV1's `uvlc()` is the same code), over RBSP bytes with emulation prevention removed.

/// Most bits an Exp-Golomb or uvlc prefix may have before the code is treated as corrupt.
const MAX_PREFIX_ZEROS: u32 = 31;

/// Reads bits most significant first. Every read returns `None` past the end.
pub struct BitReader<'a> {
    bytes: &'a [u8],
    /// Position in bits from the start.
    position: usize,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        BitReader { bytes, position: 0 }
    }

    /// Position in bits from the start.
    pub fn position(&self) -> usize {
        self.position
    }

    /// One bit.
    pub fn bit(&mut self) -> Option<bool> {
        let byte = self.bytes.get(self.position / 8)?;
        let bit = (byte >> (7 - self.position % 8)) & 1;
        self.position += 1;
        Some(bit == 1)
    }

    /// `count` bits (at most 32) as an unsigned number.
    pub fn bits(&mut self, count: u32) -> Option<u32> {
        debug_assert!(count <= 32);
        let mut value: u64 = 0;
        for _ in 0..count {
            value = (value << 1) | u64::from(self.bit()?);
        }
        u32::try_from(value).ok()
    }

    /// Skips `count` bits.
    pub fn skip(&mut self, count: usize) -> Option<()> {
        let end = self.position.checked_add(count)?;
        if end > self.bytes.len().saturating_mul(8) {
            return None;
        }
        self.position = end;
        Some(())
    }

    /// An unsigned Exp-Golomb code, `ue(v)`.
    pub fn ue(&mut self) -> Option<u32> {
        let zeros = self.leading_zeros()?;
        let suffix = self.bits(zeros)?;
        let value = (1u64 << zeros) - 1 + u64::from(suffix);
        u32::try_from(value).ok()
    }

    /// A signed Exp-Golomb code, `se(v)`.
    pub fn se(&mut self) -> Option<i32> {
        let code = i64::from(self.ue()?);
        let magnitude = (code + 1) / 2;
        let value = if code % 2 == 1 { magnitude } else { -magnitude };
        i32::try_from(value).ok()
    }

    /// Counts zero bits up to and including the first one bit.
    fn leading_zeros(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while !self.bit()? {
            zeros += 1;
            if zeros > MAX_PREFIX_ZEROS {
                return None;
            }
        }
        Some(zeros)
    }
}

/// A NAL unit's payload with emulation prevention bytes removed (`00 00 03` becomes `00 00`).
///
/// Parameter sets are a few dozen bytes; `limit` bounds the copy for hostile input.
pub fn unescape_rbsp(nal: &[u8], limit: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len().min(limit));
    let mut zeros = 0;
    for &byte in nal.iter().take(limit) {
        if zeros >= 2 && byte == 3 {
            zeros = 0;
            continue;
        }
        zeros = if byte == 0 { zeros + 1 } else { 0 };
        out.push(byte);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_fields_and_exp_golomb() {
        // 1 | 010 | 011 | 00100 | 1 : bit 1, ue 1, ue 2, ue 3, ue 0.
        let bytes = [0b1010_0110, 0b0100_1000];
        let mut reader = BitReader::new(&bytes);
        assert_eq!(reader.bit(), Some(true));
        assert_eq!(reader.ue(), Some(1));
        assert_eq!(reader.ue(), Some(2));
        assert_eq!(reader.ue(), Some(3));
        assert_eq!(reader.ue(), Some(0));
        assert_eq!(reader.bits(3), Some(0));
        assert_eq!(reader.bit(), None);
    }

    #[test]
    fn signed_codes_alternate() {
        // ue 1, 2, 3, 4 -> se +1, -1, +2, -2.
        let bytes = [0b0100_1100, 0b1000_0101, 0];
        let mut reader = BitReader::new(&bytes);
        assert_eq!(
            [reader.se(), reader.se(), reader.se(), reader.se()],
            [Some(1), Some(-1), Some(2), Some(-2)]
        );
    }

    #[test]
    fn corrupt_prefix_and_short_input_end_in_none() {
        assert_eq!(BitReader::new(&[0; 8]).ue(), None);
        assert_eq!(BitReader::new(&[0xFF]).bits(9), None);
        assert_eq!(BitReader::new(&[0xFF]).skip(9), None);
    }

    #[test]
    fn emulation_prevention_is_removed() {
        assert_eq!(
            unescape_rbsp(&[0x67, 0, 0, 3, 1, 0, 0, 3], 64),
            vec![0x67, 0, 0, 1, 0, 0]
        );
        assert_eq!(unescape_rbsp(&[1, 2, 3, 4], 2), vec![1, 2]);
    }
}
