//! A bounds-checked cursor over a byte slice: every read returns `None` instead of panicking
//! when the bytes run out, and advances only when it succeeds.

/// Reads big- and little-endian integers and byte runs from a slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, position: 0 }
    }

    /// Offset of the next byte.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.position)
    }

    /// The bytes left, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.position..).unwrap_or_default()
    }

    /// The next byte, without consuming it.
    pub fn peek(&self) -> Option<u8> {
        self.rest().first().copied()
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.position.checked_add(n)?;
        let taken = self.bytes.get(self.position..end)?;
        self.position = end;
        Some(taken)
    }

    /// Takes `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    /// One byte.
    pub fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    /// Big-endian u16.
    pub fn be_u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    /// Big-endian 24-bit unsigned.
    pub fn be_u24(&mut self) -> Option<u32> {
        self.array::<3>()
            .map(|[a, b, c]| u32::from_be_bytes([0, a, b, c]))
    }

    /// Big-endian u32.
    pub fn be_u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    /// Little-endian u32.
    pub fn le_u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    /// Big-endian i16.
    pub fn be_i16(&mut self) -> Option<i16> {
        self.array().map(i16::from_be_bytes)
    }

    /// Big-endian i32.
    pub fn be_i32(&mut self) -> Option<i32> {
        self.array().map(i32::from_be_bytes)
    }

    /// Big-endian IEEE 754 double.
    pub fn be_f64(&mut self) -> Option<f64> {
        self.array().map(f64::from_be_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::Reader;

    #[test]
    fn reads_and_stops_at_the_end() {
        let mut r = Reader::new(&[1, 2, 3, 4, 5]);
        assert_eq!(r.be_u16(), Some(0x0102));
        assert_eq!(r.be_u24(), Some(0x030405));
        assert_eq!(r.u8(), None);
        assert_eq!(r.position(), 5);
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.be_u32(), None, "a failed read does not advance");
        assert_eq!(r.le_u32(), None);
        assert_eq!(r.remaining(), 3);
        assert_eq!(r.take(usize::MAX), None);
    }
}
