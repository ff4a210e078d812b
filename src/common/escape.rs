//! Text from the wire made safe to print on a terminal: one escaping rule for every text
//! output (readable lines, summaries, findings, notices, file names, the UI).
//!
//! Anything anyone can put in a capture (an app name, a stream name, a status description, an
//! Enhanced RTMP FourCC) could otherwise drive the reader's terminal: ESC and CSI sequences
//! clear the screen or reset the terminal, OSC sequences set titles or write to the
//! clipboard, C1 controls (U+0080–U+009F) act as ESC on some terminals, and bidirectional
//! overrides make text read in another order than it is stored. They are rendered visibly:
//!
//! - C0 controls (U+0000–U+001F, tab and newline included: one event stays on one line) and
//!   DEL (U+007F) as `\x` and two lowercase hex digits: ESC is `\x1b`;
//! - C1 controls (U+0080–U+009F), the bidirectional marks, embeddings, overrides and isolates
//!   (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the line and paragraph
//!   separators (U+2028, U+2029) as `\u{…}` with lowercase hex digits: `\u{9b}`, `\u{202e}`;
//! - a backslash as `\\` when the character after it would otherwise make it read as the
//!   start of an escape: another backslash, `x`, `u`, or a character that is itself escaped.
//!   Every other backslash is written as it is, so printable text (a Windows path, a regular
//!   expression) keeps its look, and reading the output back is still unambiguous
//!   ([`unescape`] inverts it exactly).
//!
//! Everything else, printable text in any script, passes unchanged. Nothing allocates: the
//! escaped text is written straight into the formatter. JSON output does not use this (serde
//! escapes control characters itself and the strings stay exact there).

use std::fmt::{self, Alignment, Display, Formatter, Write};

/// Is `c` written as an escape rather than as itself?
pub fn is_escaped(c: char) -> bool {
    matches!(
        c,
        '\0'..='\x1f'
            | '\x7f'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// Would a backslash followed by `next` read as the start of an escape?
fn continues_escape(next: char) -> bool {
    matches!(next, '\\' | 'x' | 'u') || is_escaped(next)
}

/// Writes `text` escaped into `out`, at most `max_chars` of its characters; `after` is the
/// character that will follow it (it decides whether a final backslash is doubled). Returns
/// whether the text was cut. This is the one place the rule is applied.
fn write_escaped(
    out: &mut impl Write,
    text: &str,
    after: Option<char>,
    max_chars: usize,
) -> Result<bool, fmt::Error> {
    // The common case, text that needs nothing: printable ASCII without a backslash.
    if text.len() <= max_chars && text.bytes().all(|b| matches!(b, 0x20..=0x7e) && b != b'\\') {
        out.write_str(text)?;
        return Ok(false);
    }
    let mut clean_from = 0;
    let mut chars = text.char_indices().enumerate().peekable();
    while let Some((count, (at, c))) = chars.next() {
        if count == max_chars {
            out.write_str(text.get(clean_from..at).unwrap_or_default())?;
            return Ok(true);
        }
        let escape = if c == '\\' {
            let next = chars.peek().map_or(after, |&(_, (_, next))| Some(next));
            next.is_some_and(continues_escape)
        } else {
            is_escaped(c)
        };
        if escape {
            out.write_str(text.get(clean_from..at).unwrap_or_default())?;
            match u32::from(c) {
                0x5c => out.write_str("\\\\")?,
                code @ 0..=0x7f => write!(out, "\\x{code:02x}")?,
                code => write!(out, "\\u{{{code:x}}}")?,
            }
            clean_from = at + c.len_utf8();
        }
    }
    out.write_str(text.get(clean_from..).unwrap_or_default())?;
    Ok(false)
}

/// Counts the characters written through it.
struct CharCount(usize);

impl Write for CharCount {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.chars().count();
        Ok(())
    }
}

/// A string displayed with controls, bidirectional overrides and ambiguous backslashes
/// escaped (see the module documentation). Width, fill and alignment apply to the escaped
/// text; a precision keeps that many characters of the original text.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl Escaped<'_> {
    /// Writes at most `max_chars` characters of the text, escaped, into `out`; returns whether
    /// the text was longer (so the caller can mark the cut).
    pub fn write_cut(&self, out: &mut impl Write, max_chars: usize) -> Result<bool, fmt::Error> {
        write_escaped(out, self.0, None, max_chars)
    }

    /// Does the text need no escape at all (then it is displayed exactly as it is)?
    pub fn is_clean(&self) -> bool {
        let mut chars = self.0.chars().peekable();
        while let Some(c) = chars.next() {
            if is_escaped(c) || (c == '\\' && chars.peek().copied().is_some_and(continues_escape)) {
                return false;
            }
        }
        true
    }
}

impl Display for Escaped<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let max = f.precision().unwrap_or(usize::MAX);
        let Some(width) = f.width() else {
            return write_escaped(f, self.0, None, max).map(drop);
        };
        if self.is_clean() {
            return f.pad(self.0);
        }
        let mut count = CharCount(0);
        write_escaped(&mut count, self.0, None, max)?;
        let fill = width.saturating_sub(count.0);
        let (before, after) = match f.align() {
            Some(Alignment::Right) => (fill, 0),
            Some(Alignment::Center) => (fill / 2, fill - fill / 2),
            Some(Alignment::Left) | None => (0, fill),
        };
        let pad = f.fill();
        for _ in 0..before {
            f.write_char(pad)?;
        }
        write_escaped(f, self.0, None, max)?;
        for _ in 0..after {
            f.write_char(pad)?;
        }
        Ok(())
    }
}

/// Any displayed value with every piece of its text escaped as [`Escaped`] does: for values
/// whose `Display` writes wire text (a media header's FourCC, a path). Formatting flags are
/// not passed on.
#[derive(Debug, Clone, Copy)]
pub struct EscapedDisplay<T>(pub T);

impl<T: Display> Display for EscapedDisplay<T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut out = EscapingWriter {
            out: f,
            backslash_held: false,
        };
        write!(out, "{}", self.0)?;
        out.finish()
    }
}

/// Escapes what is written through it. A final backslash is held until the next piece shows
/// what follows it.
struct EscapingWriter<'a, W> {
    out: &'a mut W,
    backslash_held: bool,
}

impl<W: Write> EscapingWriter<'_, W> {
    /// Writes the backslash held back, if any, now that `next` is known to follow it.
    fn release(&mut self, next: Option<char>) -> fmt::Result {
        if std::mem::take(&mut self.backslash_held) {
            write_escaped(self.out, "\\", next, usize::MAX)?;
        }
        Ok(())
    }

    fn finish(mut self) -> fmt::Result {
        self.release(None)
    }
}

impl<W: Write> Write for EscapingWriter<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let Some(first) = s.chars().next() else {
            return Ok(());
        };
        self.release(Some(first))?;
        let (body, held) = match s.strip_suffix('\\') {
            Some(body) => (body, true),
            None => (s, false),
        };
        write_escaped(self.out, body, held.then_some('\\'), usize::MAX)?;
        self.backslash_held = held;
        Ok(())
    }
}

/// The text [`Escaped`] displays, read back; `None` when `text` is not something it writes
/// (a backslash followed by `x` or `u` that is not a well-formed escape of an escaped
/// character). For tests, fuzzing, and tools that read rtmpscope's text output.
pub fn unescape(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(rest.get(..at)?);
        let escape = rest.get(at..)?;
        let (c, len) = if escape.starts_with("\\\\") {
            ('\\', 2)
        } else if let Some(hex) = escape.strip_prefix("\\x") {
            let digits = hex.get(..2)?;
            (escaped_char(digits, 2)?, 4)
        } else if let Some(braced) = escape.strip_prefix("\\u{") {
            let digits = braced.get(..braced.find('}')?)?;
            (escaped_char(digits, 0)?, 4 + digits.len())
        } else {
            ('\\', 1)
        };
        out.push(c);
        rest = escape.get(len..)?;
    }
    out.push_str(rest);
    Some(out)
}

/// The character `digits` (lowercase hex, exactly `exact` of them when not 0, no leading zero
/// otherwise) names, if it is one that is escaped with that form.
fn escaped_char(digits: &str, exact: usize) -> Option<char> {
    let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if digits.is_empty() || !digits.bytes().all(lower_hex) {
        return None;
    }
    if (exact != 0 && digits.len() != exact) || (exact == 0 && digits.starts_with('0')) {
        return None;
    }
    let c = char::from_u32(u32::from_str_radix(digits, 16).ok()?)?;
    let ascii = u32::from(c) < 0x80;
    (is_escaped(c) && ascii == (exact != 0)).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        Escaped(text).to_string()
    }

    #[test]
    fn printable_text_is_unchanged() {
        for text in [
            "live",
            "rtmp://127.0.0.1:1935/live?token=abc",
            "FMLE/3.0 (compatible; Lavf59.27.100)",
            "Größe ниже 直播 🎥 …",
            "C:\\Program Files\\a",
            "a\\b \\d+ end\\",
            "",
        ] {
            assert_eq!(shown(text), text);
            assert!(Escaped(text).is_clean(), "{text}");
        }
    }

    #[test]
    fn controls_and_overrides_are_visible() {
        assert_eq!(shown("\x1b[2J"), "\\x1b[2J");
        assert_eq!(shown("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
        assert_eq!(shown("a\nb\tc\r\0"), "a\\x0ab\\x09c\\x0d\\x00");
        assert_eq!(shown("\x7f\u{80}\u{9b}"), "\\x7f\\u{80}\\u{9b}");
        assert_eq!(shown("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(
            shown("\u{61c}\u{200e}\u{200f}\u{2028}\u{2029}\u{202a}\u{2066}\u{2069}"),
            "\\u{61c}\\u{200e}\\u{200f}\\u{2028}\\u{2029}\\u{202a}\\u{2066}\\u{2069}"
        );
        // Neighbours of the escaped ranges pass.
        assert_eq!(
            shown(" ~\u{a0}\u{200d}\u{202f}\u{2065}\u{206a}"),
            " ~\u{a0}\u{200d}\u{202f}\u{2065}\u{206a}"
        );
    }

    #[test]
    fn backslashes_are_doubled_only_where_they_would_mislead() {
        assert_eq!(shown("\\x1b"), "\\\\x1b");
        assert_eq!(shown("\\u{202e}"), "\\\\u{202e}");
        assert_eq!(shown("\\\\"), "\\\\\\");
        assert_eq!(shown("\\\x1b"), "\\\\\\x1b");
        assert_eq!(shown("\\n"), "\\n");
    }

    #[test]
    fn unescape_inverts_and_rejects_what_is_never_written() {
        for text in [
            "\\x1b",
            "\\\\",
            "\\\x1b",
            "a\\",
            "\\u{41}",
            "\u{9b}\\\u{202e}x",
            "C:\\x\\y\\",
            "\x1b[2J\x07\u{7f}",
        ] {
            assert_eq!(unescape(&shown(text)).as_deref(), Some(text), "{text:?}");
        }
        for bad in [
            "\\x", "\\x1", "\\x41", "\\x1B", "\\u{1b}", "\\u{09b}", "\\u{202e", "\\u{}", "\\u{41}",
        ] {
            assert_eq!(unescape(bad), None, "{bad}");
        }
    }

    #[test]
    fn width_precision_and_cuts() {
        assert_eq!(format!("[{:<6}]", Escaped("ab")), "[ab    ]");
        assert_eq!(format!("[{:>8}]", Escaped("a\x1b")), "[   a\\x1b]");
        assert_eq!(format!("[{:^9}]", Escaped("\x1b")), "[  \\x1b   ]");
        assert_eq!(format!("[{:.2}]", Escaped("\x1b\x1b\x1b")), "[\\x1b\\x1b]");
        let mut out = String::new();
        assert_eq!(Escaped("ab\x07cd").write_cut(&mut out, 3), Ok(true));
        assert_eq!(out, "ab\\x07");
    }

    #[test]
    fn displayed_values_are_escaped_across_pieces() {
        struct Pieces(&'static [&'static str]);
        impl Display for Pieces {
            fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
                self.0.iter().try_for_each(|piece| f.write_str(piece))
            }
        }
        for pieces in [
            &["a\\", "x1b"][..],
            &["a\\", "", "\\", "b\\"],
            &["\x1b", "[2J", "\\"],
            &["\\", "\\", "\u{202e}"],
        ] {
            let whole: String = pieces.concat();
            assert_eq!(EscapedDisplay(Pieces(pieces)).to_string(), shown(&whole));
        }
    }
}
