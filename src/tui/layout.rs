//! Where each AMF value of a command or data body sits in its bytes, for the details tree and
//! the hex pane: the values are decoded again with the decoder's own AMF0 reader, and the
//! walk records the byte range of every value, property name and nested value.
//!
//! Objects, ECMA arrays, typed objects and strict arrays are walked here so their parts get
//! ranges; every other value (and everything inside an AMF3 value) is read whole by
//! [`AmfDecoder::amf0_value`], with the same depth and count limits as the decoder.

// These bytes come off the wire: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::ops::Range;

use crate::amf::amf0::marker;
use crate::amf::decoder::AmfDecoder;
use crate::amf::error::AmfError;
use crate::amf::{AmfLimits, AmfValue};

/// One AMF value and the body bytes it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct AmfNode {
    /// Its bytes (marker included), as offsets into the message body.
    pub range: Range<usize>,
    /// What it is.
    pub kind: NodeKind,
}

/// A value: a leaf, or a container whose parts have their own ranges.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// Any value read whole (numbers, strings, booleans, null, dates, AMF3 values, …).
    Leaf(AmfValue),
    /// An object, typed object or ECMA array.
    Object {
        /// The class of a typed object; `"ECMA array"` for an ECMA array.
        class: Option<String>,
        /// Its properties, in wire order.
        properties: Vec<Property>,
    },
    /// A strict array.
    Array(Vec<AmfNode>),
}

/// A named property of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The name.
    pub name: String,
    /// The bytes of the name (its length prefix included).
    pub name_range: Range<usize>,
    /// The value.
    pub value: AmfNode,
}

/// The AMF0 values of `body` from offset `start` (1 for AMF3 message types, whose body opens
/// with a format byte) to the end, with their ranges; and why the walk stopped early, if it did.
pub fn amf_values(body: &[u8], start: usize) -> (Vec<AmfNode>, Option<String>) {
    let bytes = body.get(start..).unwrap_or_default();
    let mut walk = Walk {
        decoder: AmfDecoder::new(bytes, &AmfLimits::default()),
        base: start,
    };
    let mut values = Vec::new();
    while !walk.decoder.is_done() {
        match walk.value(1) {
            Ok(node) => values.push(node),
            Err(error) => return (values, Some(error.to_string())),
        }
    }
    (values, None)
}

/// A walk over one body.
struct Walk<'a> {
    decoder: AmfDecoder<'a>,
    /// Offset of the decoder's first byte in the body.
    base: usize,
}

impl Walk<'_> {
    fn offset(&self) -> usize {
        self.base + self.decoder.position()
    }

    /// One value at nesting `depth`.
    fn value(&mut self, depth: usize) -> Result<AmfNode, AmfError> {
        let start = self.offset();
        let kind = match self.decoder.reader.peek() {
            Some(marker::OBJECT) => {
                self.open(depth)?;
                NodeKind::Object {
                    class: None,
                    properties: self.properties(depth, false)?,
                }
            }
            Some(marker::TYPED_OBJECT) => {
                self.open(depth)?;
                let class = self.decoder.amf0_string()?;
                NodeKind::Object {
                    class: Some(class),
                    properties: self.properties(depth, false)?,
                }
            }
            Some(marker::ECMA_ARRAY) => {
                self.open(depth)?;
                // The count is only a hint, as for the decoder: read to the end marker.
                self.decoder
                    .field("AMF0 ECMA array count", 4, |r| r.be_u32())?;
                NodeKind::Object {
                    class: Some("ECMA array".to_owned()),
                    properties: self.properties(depth, true)?,
                }
            }
            Some(marker::STRICT_ARRAY) => {
                self.open(depth)?;
                let count = self
                    .decoder
                    .field("AMF0 strict array count", 4, |r| r.be_u32())?;
                let mut items = Vec::new();
                for _ in 0..count {
                    // Each element takes at least one byte, so the loop ends with the input.
                    items.push(self.value(depth + 1)?);
                }
                NodeKind::Array(items)
            }
            _ => NodeKind::Leaf(self.decoder.amf0_value(depth)?),
        };
        Ok(AmfNode {
            range: start..self.offset(),
            kind,
        })
    }

    /// Counts a container against the limits and steps over its marker.
    fn open(&mut self, depth: usize) -> Result<(), AmfError> {
        self.decoder.enter(depth)?;
        self.decoder.field("AMF0 type marker", 1, |r| r.u8())?;
        Ok(())
    }

    /// Properties until an empty name and the object-end marker (optional at the very end of
    /// an ECMA array, as the decoder allows).
    fn properties(&mut self, depth: usize, end_optional: bool) -> Result<Vec<Property>, AmfError> {
        let mut properties = Vec::new();
        loop {
            if end_optional && self.decoder.is_done() {
                return Ok(properties);
            }
            let name_start = self.offset();
            let name = self.decoder.amf0_string()?;
            let name_range = name_start..self.offset();
            if name.is_empty() && self.decoder.reader.peek() == Some(marker::OBJECT_END) {
                self.decoder.reader.u8();
                return Ok(properties);
            }
            let value = self.value(depth + 1)?;
            properties.push(Property {
                name,
                name_range,
                value,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `connect`, 1, {app: "live", n: [true]}, null: the bytes and where each value is.
    fn connect() -> Vec<u8> {
        let mut body = vec![0x02, 0, 7];
        body.extend_from_slice(b"connect"); // 0..10
        body.push(0x00);
        body.extend_from_slice(&1f64.to_be_bytes()); // 10..19
        body.push(0x03); // object at 19
        body.extend_from_slice(&[0, 3]);
        body.extend_from_slice(b"app"); // name 20..25
        body.extend_from_slice(&[0x02, 0, 4]);
        body.extend_from_slice(b"live"); // value 25..32
        body.extend_from_slice(&[0, 1, b'n']); // name 32..35
        body.extend_from_slice(&[0x0A, 0, 0, 0, 1, 0x01, 0x01]); // array 35..42, item 40..42
        body.extend_from_slice(&[0, 0, 0x09]); // object ends at 45
        body.push(0x05); // null 45..46
        body
    }

    #[test]
    fn every_value_has_its_bytes() {
        let body = connect();
        let (values, error) = amf_values(&body, 0);
        assert_eq!(error, None);
        let ranges: Vec<Range<usize>> = values.iter().map(|v| v.range.clone()).collect();
        assert_eq!(ranges, [0..10, 10..19, 19..45, 45..46]);
        assert_eq!(
            values[0].kind,
            NodeKind::Leaf(AmfValue::String("connect".into()))
        );
        let NodeKind::Object { class, properties } = &values[2].kind else {
            panic!("an object: {:?}", values[2]);
        };
        assert_eq!(*class, None);
        assert_eq!(properties[0].name, "app");
        assert_eq!(properties[0].name_range, 20..25);
        assert_eq!(properties[0].value.range, 25..32);
        assert_eq!(&body[properties[0].value.range.clone()][3..], b"live");
        assert_eq!(properties[1].value.range, 35..42);
        let NodeKind::Array(items) = &properties[1].value.kind else {
            panic!("an array");
        };
        assert_eq!(items[0].range, 40..42);
        assert_eq!(items[0].kind, NodeKind::Leaf(AmfValue::Boolean(true)));
    }

    #[test]
    fn amf3_bodies_are_offset_and_cut_bodies_keep_what_walked() {
        let mut body = vec![0];
        body.extend_from_slice(&connect());
        let (values, _) = amf_values(&body, 1);
        assert_eq!(values[1].range, 11..20);
        let (values, error) = amf_values(&connect()[..30], 0);
        assert_eq!(values.len(), 2);
        assert!(error.is_some_and(|e| e.contains("string")), "{values:?}");
    }

    #[test]
    fn nesting_is_limited_as_in_the_decoder() {
        let body: Vec<u8> = std::iter::repeat_n([0x0A, 0, 0, 0, 1], 100_000)
            .flatten()
            .collect();
        let (values, error) = amf_values(&body, 0);
        assert!(values.is_empty());
        assert!(error.is_some_and(|e| e.contains("deep")));
    }
}
