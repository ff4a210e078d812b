//! What a bad expression gets: a one-line message and the byte span it is about.

use std::fmt;
use std::ops::Range;

/// An expression that cannot be compiled: what is wrong, and where (a byte range of the
/// expression, empty at its end when something is missing there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// The bytes of the expression the message is about.
    pub span: Range<usize>,
    /// One line for a person, e.g. `unknown field "tpye" (did you mean "type"?)`.
    pub message: String,
}

impl FilterError {
    /// An error about `span`.
    pub fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        FilterError {
            span,
            message: message.into(),
        }
    }

    /// The span in characters (not bytes) of `expression`, for drawing a marker under it:
    /// (characters before it, its length in characters, at least 1).
    pub fn char_span(&self, expression: &str) -> (usize, usize) {
        let chars_before = |at: usize| {
            expression
                .char_indices()
                .take_while(|&(i, _)| i < at)
                .count()
        };
        let start = chars_before(self.span.start);
        let end = chars_before(self.span.end);
        (start, end.saturating_sub(start).max(1))
    }

    /// Three lines: the message, then the expression and carets under the span, both
    /// indented by two spaces.
    pub fn caret(&self, expression: &str) -> Caret<'_> {
        Caret {
            error: self,
            expression: expression.to_owned(),
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at {}..{})",
            self.message, self.span.start, self.span.end
        )
    }
}

impl std::error::Error for FilterError {}

/// An error shown under the expression it is about:
///
/// ```text
/// unknown field "tpye" (did you mean "type"?)
///   tpye == video
///   ^^^^
/// ```
pub struct Caret<'e> {
    error: &'e FilterError,
    expression: String,
}

impl fmt::Display for Caret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (before, width) = self.error.char_span(&self.expression);
        // Control characters would move the caret away from what it points at.
        let shown: String = self
            .expression
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        write!(
            f,
            "{}\n  {shown}\n  {}{}",
            self.error.message,
            " ".repeat(before),
            "^".repeat(width)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caret_sits_under_the_span_in_characters() {
        let error = FilterError::new(8..10, "bad");
        assert_eq!(
            error.caret("é == x ==").to_string(),
            "bad\n  é == x ==\n         ^^"
        );
        let at_end = FilterError::new(4..4, "missing");
        assert_eq!(at_end.caret("a ==").to_string(), "missing\n  a ==\n      ^");
    }
}
