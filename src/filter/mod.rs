//! Display filters: a small expression language over the decoded fields of events, in the
//! spirit of Wireshark's, shared by `--filter-messages` and the TUI's `/`.
//!
//! ```text
//! type == video and frame_kind == keyframe
//! command == "publish" || amf.tcUrl contains live
//! dir == c2s and not (type == audio or type == video)
//! warning or gap
//! encoder                       (a word that is not a field: text search)
//! ```
//!
//! * **Fields** are the keys of an event's JSON line (README, "JSON output"): `type`,
//!   `command`, `dir`, `session`, `frame`, `time`, `csid`, `code`…; `tls.sni` follows keys
//!   into an object; `amf.KEY` is a property named KEY anywhere in a command or data body
//!   (`amf.encoder`, `amf.tcUrl`); `stream` (the name a publish, play… command names) and
//!   `code` (the `code` of onStatus, `_result`, `_error`) are also read from commands, as the
//!   ClickHouse rows have them; the event names `warning` (also capture warnings), `gap`,
//!   `handshake`, `session_start`, `session_end`… are true on those events, and the message
//!   type names `video`, `audio`, `command_amf0`… on those messages.
//! * **Comparisons**: `==`, `!=`, `<`, `<=`, `>`, `>=` (numbers as numbers, strings exactly),
//!   `contains` (ASCII case ignored), `matches` or `~` (a regular expression, case ignored).
//!   A field that occurs several times (array elements, `amf.code` in two objects) passes
//!   when one occurrence does; `!=` passes when the field occurs and no occurrence is equal.
//! * **A field alone** passes when it is present and not `false`.
//! * **A word or a "quoted string" alone** is searched for, ASCII case ignored, in what the
//!   row shows (frame, direction, type, the one-line summary) and in the keys and strings of
//!   command and data bodies: what the TUI's `/` did before, and more.
//! * `and` `&&`, `or` `||`, `not` `!`, parentheses; `not` binds tightest, then `and`, then
//!   `or`; two terms side by side mean `and`.
//!
//! A filter is compiled once ([`Filter::parse`]); [`Filter::matches`] then walks an event
//! once, testing only the fields the filter names, on borrowed values, allocating nothing
//! (a string formatted with `Display` longer than 256 bytes is the exception). An error
//! carries the byte span of what it is about ([`FilterError`]).

pub mod error;
pub mod fields;
mod lexer;
mod parser;
pub mod probe;
pub mod value;

pub use error::FilterError;
pub use parser::{MAX_DEPTH, MAX_TESTS};
pub use probe::Probe;
pub use value::Value;

use parser::{Atom, Expr};

/// Something a filter can be run on: an event, a capture warning, a TUI row.
pub trait Subject {
    /// Hands the subject's fields to `probe`: [`Probe::visit`] with its JSON object, and
    /// [`Probe::field`] for derived fields.
    fn walk(&mut self, probe: &mut Probe<'_>);

    /// What a row of it shows, for text search: frame, direction, type and summary.
    fn text(&mut self) -> &str;
}

/// A compiled display filter.
#[derive(Debug, Clone)]
pub struct Filter {
    source: String,
    expr: Expr,
    atoms: Vec<Atom>,
}

impl Default for Filter {
    /// The empty filter: everything matches.
    fn default() -> Self {
        Filter {
            source: String::new(),
            expr: Expr::All,
            atoms: Vec::new(),
        }
    }
}

impl Filter {
    /// Compiles `source`; an empty (or blank) one matches everything.
    pub fn parse(source: &str) -> Result<Filter, FilterError> {
        let tokens = lexer::tokens(source)?;
        let (expr, atoms) = parser::parse(source, tokens)?;
        Ok(Filter {
            source: source.to_owned(),
            expr,
            atoms,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True when it matches everything (nothing was written).
    pub fn is_empty(&self) -> bool {
        matches!(self.expr, Expr::All)
    }

    /// True when every test is a text search (the filter is plain words): a subject with no
    /// command or data body then needs no walk, only its text.
    pub fn text_only(&self) -> bool {
        self.atoms
            .iter()
            .all(|atom| matches!(atom.target, parser::Target::Text))
    }

    /// True when every test is on a top-level field named in `keys` (no text, no `amf.`, no
    /// path below those keys): a subject may then offer those fields alone.
    pub fn only_fields(&self, keys: &[&str]) -> bool {
        self.atoms.iter().all(|atom| match &atom.target {
            parser::Target::Path(path) => {
                path.len() == 1 && path.first().is_some_and(|key| keys.contains(&key.as_str()))
            }
            _ => false,
        })
    }

    /// Does `subject` pass?
    pub fn matches<S: Subject + ?Sized>(&self, subject: &mut S) -> bool {
        if self.is_empty() {
            return true;
        }
        let mut probe = Probe::new(&self.atoms);
        subject.walk(&mut probe);
        if probe.text_pending() != 0 {
            probe.search(subject.text());
        }
        let mut passed = 0u128;
        for (index, atom) in self.atoms.iter().enumerate() {
            let bit = 1u128 << index;
            let pass = if atom.test.negated() {
                probe.found & bit != 0 && probe.hit & bit == 0
            } else {
                probe.hit & bit != 0
            };
            if pass {
                passed |= bit;
            }
        }
        evaluate(&self.expr, passed)
    }
}

fn evaluate(expr: &Expr, passed: u128) -> bool {
    match expr {
        Expr::All => true,
        Expr::Atom(index) => passed & (1u128 << index) != 0,
        Expr::Not(inner) => !evaluate(inner, passed),
        Expr::And(left, right) => evaluate(left, passed) && evaluate(right, passed),
        Expr::Or(left, right) => evaluate(left, passed) || evaluate(right, passed),
    }
}

#[cfg(test)]
mod tests;
