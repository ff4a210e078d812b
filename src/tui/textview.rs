//! The full-text view (`v`, or Enter on a field): a row's or a field's whole text, wrapped to
//! the width of the screen and scrolled a line or a page at a time, so that no value is ever
//! cut off.

/// What the full-text view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextView {
    /// What it is the text of (`frame 12: command_amf0`, `command_object.tcUrl`).
    pub title: String,
    /// The text, already escaped for the terminal; lines are kept, long ones wrapped.
    pub text: String,
}

/// `text` wrapped to `width` columns: each of its lines starts a new line; a line longer than
/// `width` breaks after its last space that fits (or, with none, at `width`), and its
/// continuation lines keep its indentation, so a nested field still reads as nested.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in text.lines() {
        let indent = line.chars().take_while(|c| *c == ' ').count();
        // Continuation lines are indented as the line is, two more, while that leaves room.
        let hang = if indent + 2 < width / 2 {
            indent + 2
        } else {
            0
        };
        let mut rest: Vec<char> = line.chars().collect();
        let mut first = true;
        loop {
            let room = if first { width } else { width - hang };
            if rest.len() <= room {
                out.push(continued(&rest, first, hang));
                break;
            }
            // Break at the last space that fits (a space just past the room counts: the line
            // then ends with the word before it), unless only indentation is before it.
            let head = rest.get(..=room).unwrap_or(&rest);
            let cut = head
                .iter()
                .rposition(|c| *c == ' ')
                .filter(|&space| {
                    head.get(..space)
                        .is_some_and(|h| h.iter().any(|c| *c != ' '))
                })
                .map_or(room, |space| space + 1);
            let tail = rest.split_off(cut);
            out.push(continued(&rest, first, hang));
            rest = tail;
            first = false;
        }
    }
    out
}

/// One wrapped line: the piece, after `hang` spaces when it continues a line.
fn continued(piece: &[char], first: bool, hang: usize) -> String {
    let lead = if first { 0 } else { hang };
    let mut line = " ".repeat(lead);
    line.extend(piece.iter());
    line.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_at_spaces_and_keep_their_indentation() {
        let text = "summary: a b c d e f\n  key: \"0123456789abcdef\"";
        assert_eq!(
            wrap(text, 12),
            [
                "summary: a b",
                "  c d e f",
                "  key:",
                "    \"0123456",
                "    789abcde",
                "    f\""
            ]
        );
    }

    #[test]
    fn nothing_is_lost_when_wrapping() {
        let text = "x".repeat(25);
        let lines = wrap(&text, 10);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|line| line.chars().count() <= 10));
        let joined: String = lines.iter().map(|line| line.trim_start()).collect();
        assert_eq!(joined, text);
        assert_eq!(wrap("", 10), Vec::<String>::new());
        assert_eq!(wrap("a\n\nb", 10), ["a", "", "b"]);
    }
}
