//! Splits an expression into tokens, each with its byte span.

use std::ops::Range;

use super::error::FilterError;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `contains` (ASCII case-insensitive substring).
    Contains,
    /// `matches` or `~` (regular expression, case-insensitive).
    Matches,
}

impl CmpOp {
    /// How the operator is written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Contains => "contains",
            CmpOp::Matches => "matches",
        }
    }
}

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Token<'s> {
    /// A bare word: a field name, a value or text to search (any run of characters that are
    /// not white space, quotes, parentheses or operator characters).
    Word(&'s str),
    /// A double-quoted string, escapes (`\"`, `\\`, `\n`, `\t`) resolved, others kept.
    Quoted(String),
    /// A comparison.
    Cmp(CmpOp),
    /// `and`, `&&`
    And,
    /// `or`, `||`
    Or,
    /// `not`, `!`
    Not,
    /// `(`
    Open,
    /// `)`
    Close,
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<'s> {
    /// The token.
    pub token: Token<'s>,
    /// Its bytes in the expression.
    pub span: Range<usize>,
}

/// Characters that end a bare word.
fn is_special(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '=' | '!' | '<' | '>' | '&' | '|' | '~')
}

/// The tokens of `source`, or the first thing that cannot be a token.
pub fn tokens(source: &str) -> Result<Vec<Spanned<'_>>, FilterError> {
    let mut out = Vec::new();
    let mut rest = source.char_indices().peekable();
    while let Some((start, c)) = rest.next() {
        if c.is_whitespace() {
            continue;
        }
        let next = rest.peek().map(|&(_, n)| n);
        let double = matches!(
            (c, next),
            ('=' | '!' | '<' | '>', Some('=')) | ('&', Some('&')) | ('|', Some('|'))
        );
        let two = |token| (token, start..start + 2);
        let one = |token| (token, start..start + c.len_utf8());
        let (token, span) = match (c, next) {
            ('(', _) => one(Token::Open),
            (')', _) => one(Token::Close),
            ('=', Some('=')) => two(Token::Cmp(CmpOp::Eq)),
            ('!', Some('=')) => two(Token::Cmp(CmpOp::Ne)),
            ('<', Some('=')) => two(Token::Cmp(CmpOp::Le)),
            ('>', Some('=')) => two(Token::Cmp(CmpOp::Ge)),
            ('&', Some('&')) => two(Token::And),
            ('|', Some('|')) => two(Token::Or),
            ('<', _) => one(Token::Cmp(CmpOp::Lt)),
            ('>', _) => one(Token::Cmp(CmpOp::Gt)),
            ('~', _) => one(Token::Cmp(CmpOp::Matches)),
            ('!', _) => one(Token::Not),
            ('=', _) => {
                return Err(FilterError::new(
                    start..start + 1,
                    "= alone: write == to compare",
                ))
            }
            ('&', _) => {
                return Err(FilterError::new(
                    start..start + 1,
                    "& alone: write && or and",
                ))
            }
            ('|', _) => {
                return Err(FilterError::new(
                    start..start + 1,
                    "| alone: write || or or",
                ))
            }
            ('"', _) => {
                let (text, end) = quoted(source, start, &mut rest)?;
                (Token::Quoted(text), start..end)
            }
            _ => {
                let mut end = start + c.len_utf8();
                while let Some(&(at, n)) = rest.peek() {
                    if is_special(n) {
                        break;
                    }
                    end = at + n.len_utf8();
                    rest.next();
                }
                let word = source.get(start..end).unwrap_or_default();
                let token = match word {
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    "contains" => Token::Cmp(CmpOp::Contains),
                    "matches" => Token::Cmp(CmpOp::Matches),
                    _ => Token::Word(word),
                };
                (token, start..end)
            }
        };
        if double {
            rest.next();
        }
        out.push(Spanned { token, span });
    }
    Ok(out)
}

/// The string that starts with the quote at `start`; returns it and the byte after its
/// closing quote.
fn quoted(
    source: &str,
    start: usize,
    rest: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<(String, usize), FilterError> {
    let mut text = String::new();
    while let Some((at, c)) = rest.next() {
        match c {
            '"' => return Ok((text, at + 1)),
            '\\' => match rest.next() {
                Some((_, escaped @ ('"' | '\\'))) => text.push(escaped),
                Some((_, 'n')) => text.push('\n'),
                Some((_, 't')) => text.push('\t'),
                // Kept as written, so regular expressions read naturally ("^a\.b").
                Some((_, other)) => {
                    text.push('\\');
                    text.push(other);
                }
                None => break,
            },
            _ => text.push(c),
        }
    }
    Err(FilterError::new(
        start..source.len(),
        "this string has no closing \"",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<Token<'_>> {
        tokens(source)
            .unwrap()
            .into_iter()
            .map(|t| t.token)
            .collect()
    }

    #[test]
    fn every_operator_is_a_token() {
        assert_eq!(
            kinds("a==b != < <= > >= ~ contains matches"),
            [
                Token::Word("a"),
                Token::Cmp(CmpOp::Eq),
                Token::Word("b"),
                Token::Cmp(CmpOp::Ne),
                Token::Cmp(CmpOp::Lt),
                Token::Cmp(CmpOp::Le),
                Token::Cmp(CmpOp::Gt),
                Token::Cmp(CmpOp::Ge),
                Token::Cmp(CmpOp::Matches),
                Token::Cmp(CmpOp::Contains),
                Token::Cmp(CmpOp::Matches),
            ]
        );
        assert_eq!(
            kinds("!(x)&&y||not z and w or v"),
            [
                Token::Not,
                Token::Open,
                Token::Word("x"),
                Token::Close,
                Token::And,
                Token::Word("y"),
                Token::Or,
                Token::Not,
                Token::Word("z"),
                Token::And,
                Token::Word("w"),
                Token::Or,
                Token::Word("v"),
            ]
        );
    }

    #[test]
    fn words_keep_urls_versions_and_addresses_whole() {
        assert_eq!(
            kinds("rtmp://h:1935/live?k FMS/3,0,1,123 127.0.0.1:1935"),
            [
                Token::Word("rtmp://h:1935/live?k"),
                Token::Word("FMS/3,0,1,123"),
                Token::Word("127.0.0.1:1935"),
            ]
        );
    }

    #[test]
    fn strings_resolve_escapes_and_spans_cover_the_quotes() {
        let t = tokens(r#"x == "a \"b\" \\ é""#).unwrap();
        assert_eq!(t[2].token, Token::Quoted(r#"a "b" \ é"#.into()));
        assert_eq!(t[2].span, 5..20);
    }

    #[test]
    fn lone_characters_and_open_strings_are_errors_with_their_span() {
        assert_eq!(tokens("a = b").unwrap_err().span, 2..3);
        assert_eq!(tokens("a & b").unwrap_err().span, 2..3);
        assert_eq!(tokens("a | b").unwrap_err().span, 2..3);
        assert_eq!(tokens(r#"x == "abc"#).unwrap_err().span, 5..9);
        let kept = tokens(r#""a\.b""#).unwrap();
        assert_eq!(kept[0].token, Token::Quoted(r"a\.b".into()));
    }
}
