//! State shared by the AMF0 and AMF3 decoders of one message body: the byte cursor, the
//! limits and what has been spent of them, and AMF3's reference tables (an AMF0 body can switch
//! to AMF3 any number of times; the AMF3 tables live as long as the body).

use crate::amf::error::AmfError;
use crate::amf::AmfLimits;
use crate::common::reader::Reader;

/// Most bytes that AMF3 string references may expand to in one message body.
pub const MAX_REFERENCED_STRING_BYTES: usize = 16 << 20;

/// An AMF3 class definition (traits).
#[derive(Debug, Clone)]
pub(crate) struct Traits {
    pub class: String,
    pub sealed: Vec<String>,
    pub dynamic: bool,
    pub externalizable: bool,
}

/// The decoder of one message body.
#[derive(Debug)]
pub struct AmfDecoder<'a> {
    pub(crate) reader: Reader<'a>,
    limits: AmfLimits,
    values: usize,
    referenced_bytes: usize,
    /// AMF3 string reference table.
    pub(crate) strings: Vec<String>,
    /// AMF3 object reference table: only its size matters, references are not expanded.
    pub(crate) objects: usize,
    /// AMF3 traits reference table.
    pub(crate) traits: Vec<Traits>,
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

    /// Counts bytes copied out of the string table against [`MAX_REFERENCED_STRING_BYTES`].
    pub(crate) fn spend_reference(&mut self, bytes: usize) -> Result<(), AmfError> {
        self.referenced_bytes = self.referenced_bytes.saturating_add(bytes);
        if self.referenced_bytes > MAX_REFERENCED_STRING_BYTES {
            return Err(AmfError::TooLarge {
                limit: MAX_REFERENCED_STRING_BYTES,
                offset: self.reader.position(),
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
