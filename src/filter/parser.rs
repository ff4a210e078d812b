//! Tokens to an expression tree whose leaves index a flat list of tests ([`Atom`]s).
//!
//! ```text
//! expr    := and ( ("or" | "||") and )*
//! and     := unary ( ["and" | "&&"] unary )*       two terms side by side: and
//! unary   := ("not" | "!") unary | primary
//! primary := "(" expr ")" | FIELD OP VALUE | FIELD | WORD | "STRING"
//! OP      := == | != | < | <= | > | >= | contains | matches | ~
//! VALUE   := WORD | "STRING"
//! ```

use std::ops::Range;

use super::error::FilterError;
use super::fields::{resolve, suggestion, Resolved};
use super::lexer::{CmpOp, Spanned, Token};
use super::value::{Literal, Needle, Test};

/// Most tests one expression may hold (they are evaluated as one bit set).
pub const MAX_TESTS: usize = 128;
/// Most nesting of parentheses and `not`s (the parser recurses on them).
pub const MAX_DEPTH: usize = 64;
/// Most memory one regular expression may compile to.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// What a test looks at.
#[derive(Debug, Clone)]
pub enum Target {
    /// A JSON key and the keys below it.
    Path(Vec<String>),
    /// A property of this name anywhere in a command or data body.
    Amf(String),
    /// The text: what the row shows, and the keys and strings of command and data bodies.
    Text,
}

/// One test of an expression.
#[derive(Debug, Clone)]
pub struct Atom {
    /// What it looks at.
    pub target: Target,
    /// What it does with it.
    pub test: Test,
}

/// An expression over the atoms' results.
#[derive(Debug, Clone)]
pub enum Expr {
    /// Everything matches (an empty filter).
    All,
    /// The result of atom N.
    Atom(usize),
    /// Not.
    Not(Box<Expr>),
    /// Both.
    And(Box<Expr>, Box<Expr>),
    /// Either.
    Or(Box<Expr>, Box<Expr>),
}

/// Parses `tokens` of `source`.
pub fn parse(source: &str, tokens: Vec<Spanned<'_>>) -> Result<(Expr, Vec<Atom>), FilterError> {
    let mut parser = Parser {
        source,
        tokens,
        at: 0,
        atoms: Vec::new(),
        depth: 0,
    };
    if parser.tokens.is_empty() {
        return Ok((Expr::All, Vec::new()));
    }
    let expr = parser.or()?;
    if let Some(extra) = parser.tokens.get(parser.at) {
        let message = match extra.token {
            Token::Close => "this ) has no ( before it".to_owned(),
            Token::Cmp(op) => format!(
                "{} cannot follow a comparison: join comparisons with and / or",
                op.as_str()
            ),
            _ => "unexpected here".to_owned(),
        };
        return Err(FilterError::new(extra.span.clone(), message));
    }
    Ok((expr, parser.atoms))
}

struct Parser<'s> {
    source: &'s str,
    tokens: Vec<Spanned<'s>>,
    at: usize,
    atoms: Vec<Atom>,
    depth: usize,
}

impl<'s> Parser<'s> {
    fn peek(&self) -> Option<&Token<'s>> {
        self.tokens.get(self.at).map(|t| &t.token)
    }

    /// The span of the next token, or an empty span at the end.
    fn here(&self) -> Range<usize> {
        self.tokens
            .get(self.at)
            .map_or(self.source.len()..self.source.len(), |t| t.span.clone())
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        loop {
            match self.peek() {
                Some(Token::And) => self.at += 1,
                // Side by side: both must match (as typing several words did before).
                Some(Token::Word(_) | Token::Quoted(_) | Token::Not | Token::Open) => {}
                _ => return Ok(left),
            }
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if self.depth >= MAX_DEPTH {
            return Err(FilterError::new(
                self.here(),
                format!("nested too deep (at most {MAX_DEPTH} levels)"),
            ));
        }
        self.depth += 1;
        let result = if self.peek() == Some(&Token::Not) {
            self.at += 1;
            self.unary().map(|inner| Expr::Not(Box::new(inner)))
        } else {
            self.primary()
        };
        self.depth -= 1;
        result
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        let Some(Spanned { token, span }) = self.tokens.get(self.at).cloned() else {
            return Err(FilterError::new(
                self.here(),
                "expected a field, a word or ( here",
            ));
        };
        self.at += 1;
        match token {
            Token::Open => {
                let inner = self.or()?;
                if self.peek() == Some(&Token::Close) {
                    self.at += 1;
                    Ok(inner)
                } else {
                    Err(FilterError::new(span, "this ( is never closed"))
                }
            }
            Token::Word(word) => match self.peek() {
                Some(&Token::Cmp(op)) => self.comparison(word, span, op),
                _ => self.bare(word, span),
            },
            Token::Quoted(text) => {
                if let Some(Token::Cmp(op)) = self.peek() {
                    let message = format!(
                        "expected a field name before {}; field names take no quotes",
                        op.as_str()
                    );
                    return Err(FilterError::new(span, message));
                }
                self.atom(Target::Text, Test::Contains(Needle::new(&text)), span)
            }
            Token::Cmp(op) => Err(FilterError::new(
                span,
                format!("expected a field name before {}", op.as_str()),
            )),
            Token::Close => Err(FilterError::new(
                span,
                "expected a field, a word or ( before )",
            )),
            Token::And | Token::Or => Err(FilterError::new(
                span,
                "expected a field, a word or ( before and / or",
            )),
            Token::Not => Err(FilterError::new(span, "unexpected not")),
        }
    }

    /// A word alone: a field's presence if it names one, else text to search for.
    fn bare(&mut self, word: &str, span: Range<usize>) -> Result<Expr, FilterError> {
        match resolve(word) {
            Some(Resolved::Path(path)) => self.atom(Target::Path(path), Test::Present, span),
            Some(Resolved::Amf(key)) => self.atom(Target::Amf(key), Test::Present, span),
            Some(Resolved::Event(name)) => self.event(name, span),
            Some(Resolved::Type(name)) => self.is("type", name, span),
            None => self.atom(Target::Text, Test::Contains(Needle::new(word)), span),
        }
    }

    /// An event name as a yes/no field: `event == NAME` (`warning` also `capture_warning`).
    fn event(&mut self, name: &str, span: Range<usize>) -> Result<Expr, FilterError> {
        let expr = self.is("event", name, span.clone())?;
        if name != "warning" {
            return Ok(expr);
        }
        let capture = self.is("event", "capture_warning", span)?;
        Ok(Expr::Or(Box::new(expr), Box::new(capture)))
    }

    /// `field == value`.
    fn is(&mut self, field: &str, value: &str, span: Range<usize>) -> Result<Expr, FilterError> {
        let test = Test::Compare(CmpOp::Eq, Literal::new(value.to_owned()));
        self.atom(Target::Path(vec![field.to_owned()]), test, span)
    }

    fn comparison(
        &mut self,
        field: &str,
        field_span: Range<usize>,
        op: CmpOp,
    ) -> Result<Expr, FilterError> {
        let target = match resolve(field) {
            Some(Resolved::Path(path)) => Target::Path(path),
            Some(Resolved::Amf(key)) => Target::Amf(key),
            Some(Resolved::Event(name) | Resolved::Type(name)) => {
                let message =
                    format!("{name} is true or false: write it alone, or compare event or type");
                return Err(FilterError::new(field_span, message));
            }
            None => {
                let message = match suggestion(field) {
                    Some(known) => format!("unknown field \"{field}\" (did you mean \"{known}\"?)"),
                    None => {
                        format!("unknown field \"{field}\" (see \"Display filters\" in the README)")
                    }
                };
                return Err(FilterError::new(field_span, message));
            }
        };
        self.at += 1;
        let Some(Spanned { token, span }) = self.tokens.get(self.at).cloned() else {
            return Err(FilterError::new(
                self.here(),
                format!("expected a value after {}", op.as_str()),
            ));
        };
        let text = match token {
            Token::Word(word) => word.to_owned(),
            Token::Quoted(text) => text,
            _ => {
                return Err(FilterError::new(
                    span,
                    format!(
                        "expected a value after {} (quote words such as \"and\")",
                        op.as_str()
                    ),
                ))
            }
        };
        self.at += 1;
        let test = match op {
            CmpOp::Contains => Test::Contains(Needle::new(&text)),
            CmpOp::Matches => {
                let regex = regex::RegexBuilder::new(&text)
                    .case_insensitive(true)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| {
                        let first = e.to_string();
                        let last = first.lines().last().unwrap_or("").trim().to_owned();
                        FilterError::new(span.clone(), format!("bad regular expression: {last}"))
                    })?;
                Test::Matches(Box::new(regex))
            }
            _ => Test::Compare(op, Literal::new(text)),
        };
        self.atom(target, test, field_span.start..span.end)
    }

    fn atom(
        &mut self,
        target: Target,
        test: Test,
        span: Range<usize>,
    ) -> Result<Expr, FilterError> {
        if self.atoms.len() >= MAX_TESTS {
            return Err(FilterError::new(
                span,
                format!("too many tests (at most {MAX_TESTS})"),
            ));
        }
        self.atoms.push(Atom { target, test });
        Ok(Expr::Atom(self.atoms.len() - 1))
    }
}
