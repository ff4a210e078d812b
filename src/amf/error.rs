//! What can go wrong decoding AMF, with where.

use thiserror::Error;

/// An AMF0 or AMF3 decoding failure. Values decoded before it are kept by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AmfError {
    /// The bytes ran out.
    #[error("{what} at offset {offset} needs {needed} bytes, {remaining} remain")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Where it started.
        offset: usize,
        /// Bytes it needed.
        needed: u64,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A type marker the specification does not define.
    #[error("unknown AMF{version} type marker 0x{marker:02x} at offset {offset}")]
    UnknownMarker {
        /// 0 or 3.
        version: u8,
        /// The marker.
        marker: u8,
        /// Where.
        offset: usize,
    },
    /// A marker the specification reserves and no encoder sends (movieclip, recordset) or
    /// an object-end marker where a value belongs.
    #[error("AMF0 marker 0x{marker:02x} ({name}) at offset {offset} is not a value")]
    NotAValue {
        /// The marker.
        marker: u8,
        /// Its name.
        name: &'static str,
        /// Where.
        offset: usize,
    },
    /// Nesting deeper than the limit.
    #[error("values nested deeper than {limit} levels at offset {offset}")]
    TooDeep {
        /// The limit.
        limit: usize,
        /// Where.
        offset: usize,
    },
    /// More values than the limit.
    #[error("more than {limit} values in one message at offset {offset}")]
    TooManyValues {
        /// The limit.
        limit: usize,
        /// Where.
        offset: usize,
    },
    /// AMF3 string or traits references would copy more than the limit.
    #[error("AMF3 references at offset {offset} expand to more than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
        /// Where.
        offset: usize,
    },
    /// A reference to a table entry that does not exist.
    #[error("AMF3 {table} reference {index} at offset {offset}, but only {entries} entries exist")]
    BadReference {
        /// `string`, `object` or `traits`.
        table: &'static str,
        /// The index.
        index: u32,
        /// How many entries existed.
        entries: usize,
        /// Where.
        offset: usize,
    },
    /// An externalizable object whose class-specific body cannot be read.
    #[error("AMF3 externalizable object of class '{class}' at offset {offset} has a class-specific body that cannot be decoded")]
    Externalizable {
        /// The class.
        class: String,
        /// Where.
        offset: usize,
    },
}
