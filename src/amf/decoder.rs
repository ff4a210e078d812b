//! State shared by the AMF0 and AMF3 decoders of one message body: the byte cursor, the
//! limits and what has been spent of them, and AMF3's reference tables (an AMF0 body can switch
//! to AMF3 any number of times; the AMF3 tables live as long as the body).
//!
//! Memory: what a decode builds is bounded by its input (every value takes at least one byte
//! and counts against [`AmfLimits::max_values`]) except where AMF3 references repeat earlier
//! data. Object references stay references; a string or traits reference is resolved into a
//! copy (the values own their text), and every byte of such copies is charged against
//! [`AmfLimits::max_reference_bytes`] *before* it is copied. A body therefore holds at most
//! its input's worth of decoded text plus [`MAX_REFERENCE_EXPANSION_BYTES`] of copies. The
//! tables themselves share their entries ([`Rc`]), so a lookup copies nothing.

use std::rc::Rc;

use crate::amf::error::AmfError;
use crate::amf::AmfLimits;
use crate::common::reader::Reader;

/// Most bytes that AMF3 references (strings, and traits: class name plus sealed member names)
/// may expand to in one message body; the default of [`AmfLimits::max_reference_bytes`].
///
/// Why 8 MiB: an honest body stops at 100 000 values (the default
/// [`AmfLimits::max_values`]), and encoders refer to short things (class and member names,
/// repeated strings: tens of bytes), so even a body made entirely of references expands to a
/// few MiB; 8 MiB leaves twice that and still keeps one message's copies small beside
/// `--memory-cap` (a 2-byte traits reference to a 64 KiB class name is 32 768-fold).
pub const MAX_REFERENCE_EXPANSION_BYTES: usize = 8 << 20;

/// An AMF3 class definition (traits), shared by the traits table and its references.
#[derive(Debug)]
pub(crate) struct Traits {
    pub class: String,
    pub sealed: Vec<String>,
    pub dynamic: bool,
    pub externalizable: bool,
}

impl Traits {
    /// The bytes an object copies out of these traits: its class name and member names.
    pub(crate) fn expanded_len(&self) -> usize {
        self.sealed
            .iter()
            .fold(self.class.len(), |sum, name| sum.saturating_add(name.len()))
    }
}

/// The decoder of one message body.
#[derive(Debug)]
pub struct AmfDecoder<'a> {
    pub(crate) reader: Reader<'a>,
    limits: AmfLimits,
    values: usize,
    referenced_bytes: usize,
    /// AMF3 string reference table.
    pub(crate) strings: Vec<Rc<str>>,
    /// AMF3 object reference table: only its size matters, references are not expanded.
    pub(crate) objects: usize,
    /// AMF3 traits reference table.
    pub(crate) traits: Vec<Rc<Traits>>,
}

impl<'a> AmfDecoder<'a> {
    /// A decoder at the start of `bytes`.
    pub fn new(bytes: &'a [u8], limits: &AmfLimits) -> Self {
        AmfDecoder {
            reader: Reader::new(bytes),
            limits: *limits,
            values: 0,
            referenced_bytes: 0,
            strings: Vec::new(),
            objects: 0,
            traits: Vec::new(),
        }
    }

    /// True when every byte has been read.
    pub fn is_done(&self) -> bool {
        self.reader.remaining() == 0
    }

    /// Offset of the next byte.
    pub fn position(&self) -> usize {
        self.reader.position()
    }

    /// Counts one value against the limits, at nesting `depth`.
    pub(crate) fn enter(&mut self, depth: usize) -> Result<(), AmfError> {
        let offset = self.reader.position();
        if depth > self.limits.max_depth {
            return Err(AmfError::TooDeep {
                limit: self.limits.max_depth,
                offset,
            });
        }
        self.values += 1;
        if self.values > self.limits.max_values {
            return Err(AmfError::TooManyValues {
                limit: self.limits.max_values,
                offset,
            });
        }
        Ok(())
    }

    /// Charges `bytes` about to be copied out of a reference table against
    /// [`AmfLimits::max_reference_bytes`]; past it, nothing is copied and the decode stops.
    pub(crate) fn spend_reference(&mut self, bytes: usize, offset: usize) -> Result<(), AmfError> {
        self.referenced_bytes = self.referenced_bytes.saturating_add(bytes);
        if self.referenced_bytes > self.limits.max_reference_bytes {
            return Err(AmfError::TooLarge {
                limit: self.limits.max_reference_bytes,
                offset,
            });
        }
        Ok(())
    }

    /// The error for a read of `needed` bytes of `what` that ran out.
    pub(crate) fn truncated(&self, what: &'static str, needed: u64) -> AmfError {
        AmfError::Truncated {
            what,
            offset: self.reader.position(),
            needed,
            remaining: self.reader.remaining(),
        }
    }

    /// Takes `n` bytes of `what`.
    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], AmfError> {
        let error = self.truncated(what, n as u64);
        self.reader.take(n).ok_or(error)
    }

    /// Reads a fixed-size field with `read`.
    pub(crate) fn field<T>(
        &mut self,
        what: &'static str,
        size: u64,
        read: impl FnOnce(&mut Reader<'a>) -> Option<T>,
    ) -> Result<T, AmfError> {
        let error = self.truncated(what, size);
        read(&mut self.reader).ok_or(error)
    }

    /// `n` bytes of text: invalid UTF-8 is replaced, never rejected.
    pub(crate) fn text(&mut self, n: usize, what: &'static str) -> Result<String, AmfError> {
        Ok(String::from_utf8_lossy(self.bytes(n, what)?).into_owned())
    }
}
