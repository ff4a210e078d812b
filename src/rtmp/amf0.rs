//! AMF0 decoding (Adobe's AMF0 specification): every type, with nesting and count limits.
//!
//! No input can make this code panic, recurse without bound, or allocate more than the bytes
//! present justify: counts read off the wire are never used to preallocate.

use crate::rtmp::amf::{AmfLimits, AmfValue, Properties};
use crate::rtmp::amf_decoder::AmfDecoder;
use crate::rtmp::amf_error::AmfError;

/// AMF0 type markers.
mod marker {
    pub const NUMBER: u8 = 0x00;
    pub const BOOLEAN: u8 = 0x01;
    pub const STRING: u8 = 0x02;
    pub const OBJECT: u8 = 0x03;
    pub const MOVIECLIP: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const UNDEFINED: u8 = 0x06;
    pub const REFERENCE: u8 = 0x07;
    pub const ECMA_ARRAY: u8 = 0x08;
    pub const OBJECT_END: u8 = 0x09;
    pub const STRICT_ARRAY: u8 = 0x0A;
    pub const DATE: u8 = 0x0B;
    pub const LONG_STRING: u8 = 0x0C;
    pub const UNSUPPORTED: u8 = 0x0D;
    pub const RECORDSET: u8 = 0x0E;
    pub const XML_DOCUMENT: u8 = 0x0F;
    pub const TYPED_OBJECT: u8 = 0x10;
    pub const AVMPLUS: u8 = 0x11;
}

/// Decodes AMF0 values until the bytes end. Returns the values decoded and, if decoding
/// stopped early, why.
pub fn decode_values(bytes: &[u8], limits: &AmfLimits) -> (Vec<AmfValue>, Option<AmfError>) {
    let mut decoder = AmfDecoder::new(bytes, limits);
    let mut values = Vec::new();
    while !decoder.is_done() {
        match decoder.amf0_value(1) {
            Ok(value) => values.push(value),
            Err(error) => return (values, Some(error)),
        }
    }
    (values, None)
}

impl AmfDecoder<'_> {
    /// One AMF0 value at nesting `depth`.
    pub fn amf0_value(&mut self, depth: usize) -> Result<AmfValue, AmfError> {
        self.enter(depth)?;
        let offset = self.position();
        let marker = self.field("AMF0 type marker", 1, |r| r.u8())?;
        Ok(match marker {
            marker::NUMBER => AmfValue::Number(self.field("AMF0 number", 8, |r| r.be_f64())?),
            marker::BOOLEAN => AmfValue::Boolean(self.field("AMF0 boolean", 1, |r| r.u8())? != 0),
            marker::STRING => AmfValue::String(self.amf0_string()?),
            marker::OBJECT => AmfValue::Object(self.amf0_properties(depth, false)?),
            marker::NULL => AmfValue::Null,
            marker::UNDEFINED => AmfValue::Undefined,
            marker::REFERENCE => {
                AmfValue::Reference(u32::from(self.field("AMF0 reference", 2, |r| r.be_u16())?))
            }
            marker::ECMA_ARRAY => {
                // The count is only a hint (encoders disagree on it): read to the end marker.
                self.field("AMF0 ECMA array count", 4, |r| r.be_u32())?;
                AmfValue::EcmaArray(self.amf0_properties(depth, true)?)
            }
            marker::STRICT_ARRAY => {
                let count = self.field("AMF0 strict array count", 4, |r| r.be_u32())?;
                let mut items = Vec::new();
                for _ in 0..count {
                    // Each element takes at least one byte, so the loop ends with the input.
                    items.push(self.amf0_value(depth + 1)?);
                }
                AmfValue::StrictArray(items)
            }
            marker::DATE => {
                let millis = self.field("AMF0 date", 8, |r| r.be_f64())?;
                let timezone = self.field("AMF0 date time zone", 2, |r| r.be_i16())?;
                AmfValue::Date {
                    millis,
                    timezone: Some(timezone),
                }
            }
            marker::LONG_STRING => AmfValue::String(self.amf0_long_string("AMF0 long string")?),
            marker::UNSUPPORTED => AmfValue::Unsupported,
            marker::XML_DOCUMENT => {
                AmfValue::XmlDocument(self.amf0_long_string("AMF0 XML document")?)
            }
            marker::TYPED_OBJECT => {
                let class = self.amf0_string()?;
                let properties = self.amf0_properties(depth, false)?;
                AmfValue::TypedObject { class, properties }
            }
            marker::AVMPLUS => self.amf3_value(depth)?,
            marker::MOVIECLIP => {
                return Err(AmfError::NotAValue {
                    marker,
                    name: "movieclip",
                    offset,
                })
            }
            marker::RECORDSET => {
                return Err(AmfError::NotAValue {
                    marker,
                    name: "recordset",
                    offset,
                })
            }
            marker::OBJECT_END => {
                return Err(AmfError::NotAValue {
                    marker,
                    name: "object end",
                    offset,
                })
            }
            _ => {
                return Err(AmfError::UnknownMarker {
                    version: 0,
                    marker,
                    offset,
                })
            }
        })
    }

    /// A UTF-8 string with a 16-bit length.
    pub fn amf0_string(&mut self) -> Result<String, AmfError> {
        let length = self.field("AMF0 string length", 2, |r| r.be_u16())?;
        self.text(usize::from(length), "AMF0 string")
    }

    fn amf0_long_string(&mut self, what: &'static str) -> Result<String, AmfError> {
        let length = self.field(what, 4, |r| r.be_u32())?;
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        self.text(length, what)
    }

    /// Properties until an empty name followed by the object-end marker. An ECMA array whose
    /// end marker is missing at the very end of the body is accepted (some encoders omit it).
    fn amf0_properties(
        &mut self,
        depth: usize,
        end_optional: bool,
    ) -> Result<Properties, AmfError> {
        let mut properties = Vec::new();
        loop {
            if end_optional && self.is_done() {
                return Ok(properties);
            }
            let name = self.amf0_string()?;
            if name.is_empty() && self.reader.peek() == Some(marker::OBJECT_END) {
                self.reader.u8();
                return Ok(properties);
            }
            let value = self.amf0_value(depth + 1)?;
            properties.push((name, value));
        }
    }
}

/// A test-only AMF0 encoder, for round-trip tests.
#[cfg(test)]
pub(crate) mod encode {
    use crate::rtmp::amf::AmfValue;

    /// Appends the AMF0 encoding of `value` (AMF0 types only).
    pub fn value(out: &mut Vec<u8>, value: &AmfValue) {
        match value {
            AmfValue::Number(n) => {
                out.push(0x00);
                out.extend_from_slice(&n.to_be_bytes());
            }
            AmfValue::Boolean(b) => out.extend_from_slice(&[0x01, u8::from(*b)]),
            AmfValue::String(s) if s.len() <= 0xFFFF => {
                out.push(0x02);
                string(out, s);
            }
            AmfValue::String(s) => {
                out.push(0x0C);
                out.extend_from_slice(&(s.len() as u32).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            AmfValue::Object(p) => {
                out.push(0x03);
                properties(out, p);
            }
            AmfValue::Null => out.push(0x05),
            AmfValue::Undefined => out.push(0x06),
            AmfValue::Reference(i) => {
                out.push(0x07);
                out.extend_from_slice(&(*i as u16).to_be_bytes());
            }
            AmfValue::EcmaArray(p) => {
                out.push(0x08);
                out.extend_from_slice(&(p.len() as u32).to_be_bytes());
                properties(out, p);
            }
            AmfValue::StrictArray(items) => {
                out.push(0x0A);
                out.extend_from_slice(&(items.len() as u32).to_be_bytes());
                for item in items {
                    value(out, item);
                }
            }
            AmfValue::Date { millis, timezone } => {
                out.push(0x0B);
                out.extend_from_slice(&millis.to_be_bytes());
                out.extend_from_slice(&timezone.unwrap_or(0).to_be_bytes());
            }
            AmfValue::Unsupported => out.push(0x0D),
            AmfValue::XmlDocument(s) => {
                out.push(0x0F);
                out.extend_from_slice(&(s.len() as u32).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            AmfValue::TypedObject {
                class,
                properties: p,
            } => {
                out.push(0x10);
                string(out, class);
                properties(out, p);
            }
            other => panic!("not an AMF0 value: {other:?}"),
        }
    }

    /// A 16-bit-length string without a marker.
    pub fn string(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u16).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    }

    fn properties(out: &mut Vec<u8>, properties: &[(String, AmfValue)]) {
        for (name, v) in properties {
            string(out, name);
            value(out, v);
        }
        out.extend_from_slice(&[0, 0, 0x09]);
    }
}
