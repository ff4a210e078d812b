//! Copying to the clipboard of the terminal the UI runs in (`y` a value, `Y` its hex), with
//! the OSC 52 escape sequence: it works over ssh and inside tmux (with `set-clipboard on`),
//! and needs no clipboard program on the machine the capture is read on.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The OSC 52 sequence that puts `text` on the clipboard (`c`), its bytes in base64 and ended
/// by BEL, which every terminal that knows OSC 52 accepts. Whatever `text` holds, the sequence
/// is printable ASCII between its introducer and its end: wire text cannot end it early.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_carries_the_text_in_base64() {
        assert_eq!(osc52("rtmp://a/live"), "\x1b]52;c;cnRtcDovL2EvbGl2ZQ==\x07");
        assert_eq!(osc52(""), "\x1b]52;c;\x07");
        // Escape sequences in the text cannot reach the terminal.
        let hostile = osc52("\x07\x1b]52;c;AAAA\x07\x1b[2J");
        let inner = &hostile[7..hostile.len() - 1];
        assert!(inner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
    }
}
