//! What went wrong decoding a message body. The message keeps every field that decoded before
//! the problem; this says where and why the rest did not. Shown as a sentence (`decode_error`
//! in JSON), built only when a body is malformed.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::amf::error::AmfError;

/// Why a message body did not decode whole.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeError {
    /// An AMF value was malformed or hit a limit.
    Amf(AmfError),
    /// The body ends before a value that must be there (e.g. "the command name").
    MissingValue(&'static str),
    /// The command name is a value of another kind (named for a person: "a number", …).
    NameNotString(&'static str),
    /// The transaction id is a value of another kind.
    TransactionIdNotNumber(&'static str),
    /// A fixed-size body of another size.
    BodySize {
        /// Bytes the body has.
        found: usize,
        /// Bytes its type has.
        expected: usize,
    },
    /// A body too short for its first field; the sentence says which.
    TooShort(&'static str),
    /// An aggregate with more sub-messages than are shown.
    TooManyParts(usize),
    /// An aggregate's sub-message at this offset is cut short.
    PartCutShort(usize),
    /// A shared object's header is cut short.
    SharedObjectHeaderCutShort,
    /// A shared object's event at this offset is cut short.
    SharedObjectEventCutShort(usize),
    /// The capture lacks some of the body's bytes (holes of known length): the fields shown
    /// come from the bytes captured before the first of them.
    NotCaptured {
        /// Body bytes captured before the first hole.
        kept: usize,
        /// Body bytes not captured.
        missing: u32,
    },
}

impl From<AmfError> for DecodeError {
    fn from(error: AmfError) -> Self {
        DecodeError::Amf(error)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Amf(error) => write!(f, "{error}"),
            DecodeError::MissingValue(what) => write!(f, "the body ends before {what}"),
            DecodeError::NameNotString(kind) => {
                write!(f, "the command name is not a string but {kind}")
            }
            DecodeError::TransactionIdNotNumber(kind) => {
                write!(f, "the transaction id is not a number but {kind}")
            }
            DecodeError::BodySize { found, expected } => {
                write!(f, "the body has {found} bytes, {expected} expected")
            }
            DecodeError::TooShort(sentence) => f.write_str(sentence),
            DecodeError::TooManyParts(limit) => {
                write!(f, "more than {limit} sub-messages; the rest are not shown")
            }
            DecodeError::PartCutShort(offset) => {
                write!(f, "the sub-message at offset {offset} is cut short")
            }
            DecodeError::SharedObjectHeaderCutShort => {
                f.write_str("the shared object header is cut short")
            }
            DecodeError::SharedObjectEventCutShort(offset) => {
                write!(f, "the shared object event at offset {offset} is cut short")
            }
            DecodeError::NotCaptured { kept, missing } => write!(
                f,
                "{missing} bytes of the body were not captured; decoded from the first {kept}"
            ),
        }
    }
}

impl Serialize for DecodeError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
