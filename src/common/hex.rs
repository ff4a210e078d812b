//! Hex formatting without allocation.

use std::fmt;

/// Displays bytes as lowercase hex with no separators.
pub struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// Parses hex written in a test (two digits a byte, no separators).
#[cfg(test)]
pub fn parse_hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digits"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Hex;

    #[test]
    fn formats_lowercase() {
        assert_eq!(Hex(&[0x00, 0xab, 0x10]).to_string(), "00ab10");
        assert_eq!(Hex(&[]).to_string(), "");
    }
}
