//! Values as an event holds them (borrowed, never copied) and the tests a filter runs on them.

use std::cmp::Ordering;
use std::fmt::Write;

use super::lexer::CmpOp;

/// One value of an event's JSON, borrowed for the time of a test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'v> {
    /// A string.
    Str(&'v str),
    /// A number (integers too).
    Num(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An object or array (present; compares with nothing).
    Compound,
}

/// The value on the right of a comparison, read once when the filter is compiled.
#[derive(Debug, Clone)]
pub struct Literal {
    /// As written (quotes removed).
    pub text: String,
    /// As a number, when it reads as one.
    pub number: Option<f64>,
    /// As a boolean, when it is `true` or `false`.
    pub boolean: Option<bool>,
}

impl Literal {
    /// The literal written as `text`.
    pub fn new(text: String) -> Self {
        let number = parse_number(&text);
        let boolean = match text.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        Literal {
            text,
            number,
            boolean,
        }
    }
}

/// A number as written in a filter: decimal (`1400`, `-2.5`, `1e3`) or hexadecimal (`0x14`).
fn parse_number(text: &str) -> Option<f64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|n| n as f64);
    }
    // Rust also reads "inf" and "NaN"; a filter means the words.
    let numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if numeric {
        text.parse().ok().filter(|n: &f64| n.is_finite())
    } else {
        None
    }
}

/// Text to look for, ignoring ASCII case.
#[derive(Debug, Clone)]
pub struct Needle(String);

impl Needle {
    /// A needle for `text`.
    pub fn new(text: &str) -> Self {
        Needle(text.to_ascii_lowercase())
    }

    /// Is it somewhere in `haystack` (ASCII case ignored)? Allocates nothing.
    pub fn found_in(&self, haystack: &str) -> bool {
        let (haystack, needle) = (haystack.as_bytes(), self.0.as_bytes());
        let Some((&first, rest)) = needle.split_first() else {
            return true;
        };
        // Candidates are where the first byte is, in either case; the rest is compared there.
        let last_start = haystack.len().saturating_sub(rest.len());
        let candidates = haystack.get(..last_start).unwrap_or_default();
        memchr::memchr2_iter(first, first.to_ascii_uppercase(), candidates).any(|at| {
            haystack
                .get(at + 1..at + 1 + rest.len())
                .is_some_and(|after| after.eq_ignore_ascii_case(rest))
        })
    }
}

/// What a test does with the values it is given.
#[derive(Debug, Clone)]
pub enum Test {
    /// The field is there and is not `false` (a bare field name).
    Present,
    /// A comparison with a literal.
    Compare(CmpOp, Literal),
    /// A substring, ASCII case ignored (`contains`).
    Contains(Needle),
    /// A regular expression (`matches`, `~`), case-insensitive.
    Matches(Box<regex::Regex>),
}

impl Test {
    /// Does `value` pass? For `!=` this answers "equal", which the caller inverts over all
    /// the occurrences of the field (see [`Test::negated`]).
    pub fn passes(&self, value: Value<'_>) -> bool {
        match self {
            Test::Present => value != Value::Bool(false),
            Test::Compare(CmpOp::Ne, literal) => compare(CmpOp::Eq, value, literal),
            Test::Compare(op, literal) => compare(*op, value, literal),
            Test::Contains(needle) => with_text(value, |text| needle.found_in(text)),
            Test::Matches(regex) => with_text(value, |text| regex.is_match(text)),
        }
    }

    /// True for `!=`: the field is present and no occurrence equals the literal.
    pub fn negated(&self) -> bool {
        matches!(self, Test::Compare(CmpOp::Ne, _))
    }
}

/// A comparison of a value with a literal: numbers as numbers, strings as strings (or as
/// numbers, for an ordering against a number), booleans with `true`/`false`.
fn compare(op: CmpOp, value: Value<'_>, literal: &Literal) -> bool {
    let ordering = match value {
        Value::Num(n) => literal.number.and_then(|l| n.partial_cmp(&l)),
        Value::Str(s) if op != CmpOp::Eq => match (parse_number(s), literal.number) {
            (Some(n), Some(l)) => n.partial_cmp(&l),
            _ => Some(s.cmp(literal.text.as_str())),
        },
        Value::Str(s) => Some(if s == literal.text {
            Ordering::Equal
        } else {
            Ordering::Less
        }),
        Value::Bool(b) => match literal.boolean {
            Some(l) if b == l => Some(Ordering::Equal),
            Some(_) => Some(Ordering::Less),
            None => None,
        }
        .filter(|_| matches!(op, CmpOp::Eq)),
        Value::Null => (literal.text == "null" && op == CmpOp::Eq).then_some(Ordering::Equal),
        Value::Compound => None,
    };
    let Some(ordering) = ordering else {
        return false;
    };
    match op {
        CmpOp::Eq | CmpOp::Ne => ordering == Ordering::Equal,
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::Le => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::Ge => ordering != Ordering::Less,
        CmpOp::Contains | CmpOp::Matches => false,
    }
}

/// Runs `test` on the value as text: strings as they are, numbers and booleans as JSON
/// writes them (formatted on the stack).
fn with_text(value: Value<'_>, test: impl Fn(&str) -> bool) -> bool {
    let mut buffer = StackText::default();
    let text = match value {
        Value::Str(s) => return test(s),
        Value::Num(n) => {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                let _ = write!(buffer, "{}", n as i64);
            } else {
                let _ = write!(buffer, "{n}");
            }
            buffer.as_str()
        }
        Value::Bool(b) => {
            if b {
                "true"
            } else {
                "false"
            }
        }
        Value::Null => "null",
        Value::Compound => return false,
    };
    test(text)
}

/// A number's text, written without allocating (longer text is cut, which no number needs).
struct StackText {
    bytes: [u8; 40],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        StackText {
            bytes: [0; 40],
            len: 0,
        }
    }
}

impl StackText {
    fn as_str(&self) -> &str {
        self.bytes
            .get(..self.len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_default()
    }
}

impl Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let to = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        to.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str) -> Literal {
        Literal::new(text.into())
    }

    #[test]
    fn numbers_compare_as_numbers_and_strings_as_strings() {
        let num = Value::Num(1400.0);
        assert!(compare(CmpOp::Eq, num, &lit("1400")));
        assert!(compare(CmpOp::Eq, num, &lit("0x578")));
        assert!(compare(CmpOp::Ge, num, &lit("1400")));
        assert!(!compare(CmpOp::Gt, num, &lit("1400")));
        assert!(compare(CmpOp::Lt, num, &lit("1e4")));
        assert!(compare(CmpOp::Le, num, &lit("1400.0")));
        assert!(!compare(CmpOp::Eq, num, &lit("video")));
        assert!(compare(CmpOp::Eq, Value::Str("video"), &lit("video")));
        assert!(!compare(CmpOp::Eq, Value::Str("Video"), &lit("video")));
        assert!(compare(CmpOp::Lt, Value::Str("abc"), &lit("abd")));
        assert!(compare(CmpOp::Gt, Value::Str("10"), &lit("9")));
        assert!(compare(CmpOp::Eq, Value::Bool(true), &lit("true")));
        assert!(!compare(CmpOp::Lt, Value::Bool(true), &lit("true")));
        assert!(compare(CmpOp::Eq, Value::Null, &lit("null")));
        assert!(!compare(CmpOp::Eq, Value::Compound, &lit("x")));
        assert!(!compare(CmpOp::Eq, Value::Num(f64::NAN), &lit("1")));
        assert_eq!(lit("inf").number, None);
        assert_eq!(lit("1.5.2").number, None);
    }

    #[test]
    fn a_needle_is_found_anywhere_in_any_case_and_only_whole() {
        let keyframe = Needle::new("KeyFrame");
        for haystack in [
            "keyframe",
            "Video AVC KEYFRAME 10 B",
            "x keyFRAME",
            "kkeyframe",
        ] {
            assert!(keyframe.found_in(haystack), "{haystack}");
        }
        for haystack in ["", "keyfram", "key frame", "eyframe", "keyfraMx"] {
            assert!(!keyframe.found_in(haystack), "{haystack}");
        }
        assert!(Needle::new("").found_in(""));
        assert!(Needle::new("é").found_in("café"));
        assert!(Needle::new("/3").found_in("FMS/3"));
    }

    #[test]
    fn contains_and_matches_read_numbers_as_json_writes_them() {
        let contains = Test::Contains(Needle::new("LIVE"));
        assert!(contains.passes(Value::Str("rtmp://h/live")));
        assert!(!contains.passes(Value::Num(1.0)));
        assert!(Test::Contains(Needle::new("40")).passes(Value::Num(1400.0)));
        assert!(Test::Contains(Needle::new("0.5")).passes(Value::Num(0.5)));
        let regex = regex::RegexBuilder::new("^fms/3")
            .case_insensitive(true)
            .build()
            .unwrap();
        assert!(Test::Matches(Box::new(regex)).passes(Value::Str("FMS/3,0,1,123")));
        assert!(Test::Present.passes(Value::Null));
        assert!(!Test::Present.passes(Value::Bool(false)));
    }
}
