//! AMF0 decoding (Adobe's AMF0 specification): every type, with nesting and count limits.
//!
//! No input can make this code panic, recurse without bound, or allocate more than the bytes
//! present justify: counts read off the wire are never used to preallocate.

use crate::amf::decoder::AmfDecoder;
use crate::amf::error::AmfError;
use crate::amf::{AmfLimits, AmfValue, Properties};

/// AMF0 type markers.
pub(crate) mod marker {
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
    use crate::amf::AmfValue;

    /// Appends the AMF0 encoding of `value` (AMF0 types only).
    pub fn value(out: &mut Vec<u8>, this: &AmfValue) {
        match this {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amf::VectorKind;
    use proptest::prelude::*;

    fn one(bytes: &[u8]) -> AmfValue {
        let (values, error) = decode_values(bytes, &AmfLimits::default());
        assert_eq!(error, None);
        assert_eq!(values.len(), 1);
        values.into_iter().next().unwrap()
    }

    fn error_of(bytes: &[u8], limits: &AmfLimits) -> AmfError {
        decode_values(bytes, limits).1.expect("an error")
    }

    #[test]
    fn scalars() {
        // 0x00 number: IEEE 754 big-endian 1.5
        assert_eq!(
            one(&[0x00, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]),
            AmfValue::Number(1.5)
        );
        // 0x01 boolean: any non-zero byte is true
        assert_eq!(one(&[0x01, 0x02]), AmfValue::Boolean(true));
        // 0x02 string: u16 length 2, "hi"
        assert_eq!(
            one(&[0x02, 0, 2, b'h', b'i']),
            AmfValue::String("hi".into())
        );
        // 0x05 null, 0x06 undefined, 0x0D unsupported
        assert_eq!(one(&[0x05]), AmfValue::Null);
        assert_eq!(one(&[0x06]), AmfValue::Undefined);
        assert_eq!(one(&[0x0D]), AmfValue::Unsupported);
        // 0x07 reference: u16 index 3
        assert_eq!(one(&[0x07, 0, 3]), AmfValue::Reference(3));
        // 0x0C long string: u32 length 1, "x"
        assert_eq!(one(&[0x0C, 0, 0, 0, 1, b'x']), AmfValue::String("x".into()));
        // 0x0F XML document: u32 length 3, "<a>"
        assert_eq!(
            one(&[0x0F, 0, 0, 0, 3, b'<', b'a', b'>']),
            AmfValue::XmlDocument("<a>".into())
        );
        // 0x0B date: f64 ms 0.0, s16 time zone -60
        assert_eq!(
            one(&[0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xC4]),
            AmfValue::Date {
                millis: 0.0,
                timezone: Some(-60)
            }
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_not_rejected() {
        assert_eq!(
            one(&[0x02, 0, 2, 0xFF, b'a']),
            AmfValue::String("\u{FFFD}a".into())
        );
    }

    #[test]
    fn containers() {
        // 0x03 object { "a": null } then empty name + 0x09
        let object = [0x03, 0, 1, b'a', 0x05, 0, 0, 0x09];
        assert_eq!(
            one(&object),
            AmfValue::Object(vec![("a".into(), AmfValue::Null)])
        );
        // 0x08 ECMA array, count hint 5 (wrong on purpose), { "k": true }, end
        let ecma = [0x08, 0, 0, 0, 5, 0, 1, b'k', 0x01, 1, 0, 0, 0x09];
        assert_eq!(
            one(&ecma),
            AmfValue::EcmaArray(vec![("k".into(), AmfValue::Boolean(true))])
        );
        // ECMA array without its end marker at the end of the body is accepted.
        assert_eq!(
            one(&ecma[..10]),
            AmfValue::EcmaArray(vec![("k".into(), AmfValue::Boolean(true))])
        );
        // 0x0A strict array of 2: null, undefined
        assert_eq!(
            one(&[0x0A, 0, 0, 0, 2, 0x05, 0x06]),
            AmfValue::StrictArray(vec![AmfValue::Null, AmfValue::Undefined])
        );
        // 0x10 typed object: class "C", { "x": null }
        let typed = [0x10, 0, 1, b'C', 0, 1, b'x', 0x05, 0, 0, 0x09];
        assert_eq!(
            one(&typed),
            AmfValue::TypedObject {
                class: "C".into(),
                properties: vec![("x".into(), AmfValue::Null)]
            }
        );
    }

    #[test]
    fn avmplus_switches_to_amf3() {
        // 0x11 then AMF3 integer 5, then AMF3 vector<int> [1] (fixed)
        let (values, error) = decode_values(
            &[0x11, 0x04, 0x05, 0x11, 0x0D, 0x03, 0x01, 0, 0, 0, 1],
            &AmfLimits::default(),
        );
        assert_eq!(error, None);
        assert_eq!(
            values,
            [
                AmfValue::Integer(5),
                AmfValue::Vector {
                    kind: VectorKind::Int,
                    fixed: true,
                    class: None,
                    items: vec![AmfValue::Integer(1)]
                }
            ]
        );
    }

    #[test]
    fn reserved_and_unknown_markers_are_errors() {
        let limits = AmfLimits::default();
        assert!(matches!(
            error_of(&[0x04], &limits),
            AmfError::NotAValue {
                name: "movieclip",
                ..
            }
        ));
        assert!(matches!(
            error_of(&[0x0E], &limits),
            AmfError::NotAValue {
                name: "recordset",
                ..
            }
        ));
        assert!(matches!(
            error_of(&[0x09], &limits),
            AmfError::NotAValue {
                name: "object end",
                ..
            }
        ));
        assert!(matches!(
            error_of(&[0x42], &limits),
            AmfError::UnknownMarker { marker: 0x42, .. }
        ));
    }

    #[test]
    fn values_before_an_error_are_kept() {
        let (values, error) = decode_values(&[0x05, 0x02, 0, 9, b'a'], &AmfLimits::default());
        assert_eq!(values, [AmfValue::Null]);
        assert_eq!(
            error.unwrap().to_string(),
            "AMF0 string at offset 4 needs 9 bytes, 1 remain"
        );
    }

    #[test]
    fn a_million_levels_of_nesting_stop_at_the_depth_limit() {
        // Strict arrays of one element, nested a million deep.
        let mut bytes = Vec::new();
        for _ in 0..1_000_000 {
            bytes.extend_from_slice(&[0x0A, 0, 0, 0, 1]);
        }
        bytes.push(0x05);
        let error = error_of(&bytes, &AmfLimits::default());
        assert!(
            matches!(error, AmfError::TooDeep { limit: 64, .. }),
            "{error}"
        );
    }

    #[test]
    fn huge_counts_and_lengths_without_bytes_fail_fast() {
        let limits = AmfLimits::default();
        // A strict array announcing 4 294 967 295 elements, with none behind it.
        assert!(matches!(
            error_of(&[0x0A, 0xFF, 0xFF, 0xFF, 0xFF], &limits),
            AmfError::Truncated { .. }
        ));
        // A long string of 4 GiB - 1 with no bytes.
        assert!(matches!(
            error_of(&[0x0C, 0xFF, 0xFF, 0xFF, 0xFF], &limits),
            AmfError::Truncated {
                needed: 4_294_967_295,
                ..
            }
        ));
        // 200 000 nulls in an array: the value-count limit stops it.
        let mut bytes = vec![0x0A, 0, 3, 0x0D, 0x40];
        bytes.extend(std::iter::repeat_n(0x05, 200_000));
        assert!(matches!(
            error_of(&bytes, &limits),
            AmfError::TooManyValues { limit: 100_000, .. }
        ));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let mut bytes = Vec::new();
        encode::value(
            &mut bytes,
            &AmfValue::TypedObject {
                class: "flash.Thing".into(),
                properties: vec![
                    ("n".into(), AmfValue::Number(2.0)),
                    ("s".into(), AmfValue::String("text".into())),
                    (
                        "d".into(),
                        AmfValue::Date {
                            millis: 1.0,
                            timezone: Some(0),
                        },
                    ),
                    (
                        "a".into(),
                        AmfValue::StrictArray(vec![AmfValue::Boolean(false)]),
                    ),
                ],
            },
        );
        for cut in 0..bytes.len() {
            let (values, error) = decode_values(&bytes[..cut], &AmfLimits::default());
            assert!(cut == 0 || error.is_some(), "cut at {cut}");
            assert!(values.is_empty());
        }
    }

    fn arb_value() -> impl Strategy<Value = AmfValue> {
        let leaf = prop_oneof![
            any::<f64>()
                .prop_filter("NaN never equals itself", |n| !n.is_nan())
                .prop_map(AmfValue::Number),
            any::<bool>().prop_map(AmfValue::Boolean),
            ".{0,20}".prop_map(AmfValue::String),
            Just(AmfValue::Null),
            Just(AmfValue::Undefined),
            Just(AmfValue::Unsupported),
            any::<u16>().prop_map(|i| AmfValue::Reference(u32::from(i))),
            (any::<i32>(), any::<i16>()).prop_map(|(ms, tz)| AmfValue::Date {
                millis: f64::from(ms),
                timezone: Some(tz)
            }),
            ".{0,20}".prop_map(AmfValue::XmlDocument),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            let properties = prop::collection::vec(("[a-z]{1,8}", inner.clone()), 0..6);
            prop_oneof![
                properties.clone().prop_map(AmfValue::Object),
                properties.clone().prop_map(AmfValue::EcmaArray),
                prop::collection::vec(inner, 0..6).prop_map(AmfValue::StrictArray),
                ("[A-Za-z.]{1,12}", properties)
                    .prop_map(|(class, properties)| AmfValue::TypedObject { class, properties }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Encoding any AMF0 value tree and decoding it gives it back.
        #[test]
        fn round_trip(values in prop::collection::vec(arb_value(), 1..4)) {
            let mut bytes = Vec::new();
            for value in &values {
                encode::value(&mut bytes, value);
            }
            let (decoded, error) = decode_values(&bytes, &AmfLimits::default());
            prop_assert_eq!(error, None);
            prop_assert_eq!(decoded, values);
        }

        /// Any bytes decode to values and at most one error, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_values(&bytes, &AmfLimits::default());
        }
    }
}
