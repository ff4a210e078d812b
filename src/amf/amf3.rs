//! AMF3 decoding (Adobe's AMF3 specification): every type, with the string, object and traits
//! reference tables.
//!
//! Object references (and references to arrays, dates, XML, byte arrays, vectors,
//! dictionaries) are kept as [`AmfValue::Reference`] rather than expanded, so cycles and
//! fan-out cannot blow up; string and traits references are resolved, because the data cannot
//! be read without them. Their tables share entries, and what a resolved reference copies
//! into the values (a string; a class name and its member names) is charged against
//! [`AmfLimits::max_reference_bytes`] before the copy, so a two-byte reference to a long name
//! cannot multiply memory: past the limit the decode stops with [`AmfError::TooLarge`].
//!
//! Externalizable objects carry a class-specific body. Two classes Flex uses everywhere,
//! `flex.messaging.io.ArrayCollection` and `flex.messaging.io.ObjectProxy`, wrap exactly one
//! AMF3 value: they decode as a typed object with that value under the property `source`.
//! Any other externalizable class stops the decode with [`AmfError::Externalizable`].

use std::rc::Rc;

use crate::amf::decoder::{AmfDecoder, Traits};
use crate::amf::error::AmfError;
use crate::amf::{AmfLimits, AmfValue, Properties, VectorKind};

/// AMF3 type markers.
mod marker {
    pub const UNDEFINED: u8 = 0x00;
    pub const NULL: u8 = 0x01;
    pub const FALSE: u8 = 0x02;
    pub const TRUE: u8 = 0x03;
    pub const INTEGER: u8 = 0x04;
    pub const DOUBLE: u8 = 0x05;
    pub const STRING: u8 = 0x06;
    pub const XML_DOCUMENT: u8 = 0x07;
    pub const DATE: u8 = 0x08;
    pub const ARRAY: u8 = 0x09;
    pub const OBJECT: u8 = 0x0A;
    pub const XML: u8 = 0x0B;
    pub const BYTE_ARRAY: u8 = 0x0C;
    pub const VECTOR_INT: u8 = 0x0D;
    pub const VECTOR_UINT: u8 = 0x0E;
    pub const VECTOR_DOUBLE: u8 = 0x0F;
    pub const VECTOR_OBJECT: u8 = 0x10;
    pub const DICTIONARY: u8 = 0x11;
}

/// Externalizable classes whose body is a single AMF3 value.
const WRAPPER_CLASSES: [&str; 2] = [
    "flex.messaging.io.ArrayCollection",
    "flex.messaging.io.ObjectProxy",
];

/// Decodes AMF3 values until the bytes end.
pub fn decode_values(bytes: &[u8], limits: &AmfLimits) -> (Vec<AmfValue>, Option<AmfError>) {
    let mut decoder = AmfDecoder::new(bytes, limits);
    let mut values = Vec::new();
    while !decoder.is_done() {
        match decoder.amf3_value(1) {
            Ok(value) => values.push(value),
            Err(error) => return (values, Some(error)),
        }
    }
    (values, None)
}

/// Entry `index` of the reference table called `table` (shared, not copied), or the error for
/// a reference to an entry that does not exist.
fn entry<T: ?Sized>(
    entries: &[Rc<T>],
    table: &'static str,
    index: u32,
    offset: usize,
) -> Result<Rc<T>, AmfError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| entries.get(i))
        .map(Rc::clone)
        .ok_or(AmfError::BadReference {
            table,
            index,
            entries: entries.len(),
            offset,
        })
}

/// A U29 header: either a reference (low bit 0) to a table index, or an inline value.
enum Header {
    Reference(u32),
    Inline(u32),
}

impl AmfDecoder<'_> {
    /// One AMF3 value at nesting `depth`.
    pub fn amf3_value(&mut self, depth: usize) -> Result<AmfValue, AmfError> {
        self.enter(depth)?;
        let offset = self.position();
        let marker = self.field("AMF3 type marker", 1, |r| r.u8())?;
        Ok(match marker {
            marker::UNDEFINED => AmfValue::Undefined,
            marker::NULL => AmfValue::Null,
            marker::FALSE => AmfValue::Boolean(false),
            marker::TRUE => AmfValue::Boolean(true),
            marker::INTEGER => {
                // 29-bit two's complement.
                let raw = self.u29()?;
                AmfValue::Integer(((raw << 3) as i32) >> 3)
            }
            marker::DOUBLE => AmfValue::Number(self.field("AMF3 double", 8, |r| r.be_f64())?),
            marker::STRING => AmfValue::String(self.amf3_string()?),
            marker::XML_DOCUMENT => {
                self.object_like(|d, n| Ok(AmfValue::XmlDocument(d.text(n, "AMF3 XML document")?)))?
            }
            marker::XML => self.object_like(|d, n| Ok(AmfValue::Xml(d.text(n, "AMF3 XML")?)))?,
            marker::DATE => match self.header()? {
                Header::Reference(index) => self.object_reference(index)?,
                Header::Inline(_) => {
                    self.objects += 1;
                    let millis = self.field("AMF3 date", 8, |r| r.be_f64())?;
                    AmfValue::Date {
                        millis,
                        timezone: None,
                    }
                }
            },
            marker::BYTE_ARRAY => self.object_like(|d, n| {
                Ok(AmfValue::ByteArray(d.bytes(n, "AMF3 byte array")?.to_vec()))
            })?,
            marker::ARRAY => self.array(depth)?,
            marker::OBJECT => self.object(depth)?,
            marker::VECTOR_INT => self.vector(VectorKind::Int, depth)?,
            marker::VECTOR_UINT => self.vector(VectorKind::Uint, depth)?,
            marker::VECTOR_DOUBLE => self.vector(VectorKind::Double, depth)?,
            marker::VECTOR_OBJECT => self.vector(VectorKind::Object, depth)?,
            marker::DICTIONARY => self.dictionary(depth)?,
            _ => {
                return Err(AmfError::UnknownMarker {
                    version: 3,
                    marker,
                    offset,
                })
            }
        })
    }

    /// A variable-length unsigned 29-bit integer.
    fn u29(&mut self) -> Result<u32, AmfError> {
        let mut value: u32 = 0;
        for index in 0..4 {
            let byte = self.field("AMF3 U29 integer", 1, |r| r.u8())?;
            if index == 3 {
                return Ok((value << 8) | u32::from(byte));
            }
            value = (value << 7) | u32::from(byte & 0x7F);
            if byte & 0x80 == 0 {
                break;
            }
        }
        Ok(value)
    }

    fn header(&mut self) -> Result<Header, AmfError> {
        let raw = self.u29()?;
        Ok(if raw & 1 == 0 {
            Header::Reference(raw >> 1)
        } else {
            Header::Inline(raw >> 1)
        })
    }

    /// A string, inline or by reference.
    pub(crate) fn amf3_string(&mut self) -> Result<String, AmfError> {
        let offset = self.position();
        match self.header()? {
            Header::Reference(index) => {
                let text = entry(&self.strings, "string", index, offset)?;
                self.spend_reference(text.len(), offset)?;
                Ok(String::from(&*text))
            }
            Header::Inline(length) => {
                let text = self.text(length as usize, "AMF3 string")?;
                if !text.is_empty() {
                    self.strings.push(Rc::from(text.as_str()));
                }
                Ok(text)
            }
        }
    }

    fn object_reference(&self, index: u32) -> Result<AmfValue, AmfError> {
        if (index as usize) < self.objects {
            Ok(AmfValue::Reference(index))
        } else {
            Err(AmfError::BadReference {
                table: "object",
                index,
                entries: self.objects,
                offset: self.position(),
            })
        }
    }

    /// A value whose header is a reference or a byte length (XML, XML document, byte array).
    fn object_like(
        &mut self,
        read: impl FnOnce(&mut Self, usize) -> Result<AmfValue, AmfError>,
    ) -> Result<AmfValue, AmfError> {
        match self.header()? {
            Header::Reference(index) => self.object_reference(index),
            Header::Inline(length) => {
                self.objects += 1;
                read(self, length as usize)
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<AmfValue, AmfError> {
        let dense_count = match self.header()? {
            Header::Reference(index) => return self.object_reference(index),
            Header::Inline(count) => count,
        };
        self.objects += 1;
        let assoc = self.dynamic_properties(depth)?;
        let mut dense = Vec::new();
        for _ in 0..dense_count {
            dense.push(self.amf3_value(depth + 1)?);
        }
        Ok(if assoc.is_empty() {
            AmfValue::StrictArray(dense)
        } else {
            AmfValue::MixedArray { dense, assoc }
        })
    }

    /// Name/value pairs until the empty name.
    fn dynamic_properties(&mut self, depth: usize) -> Result<Properties, AmfError> {
        let mut properties = Vec::new();
        loop {
            let name = self.amf3_string()?;
            if name.is_empty() {
                return Ok(properties);
            }
            let value = self.amf3_value(depth + 1)?;
            properties.push((name, value));
        }
    }

    fn object(&mut self, depth: usize) -> Result<AmfValue, AmfError> {
        let offset = self.position();
        let raw = match self.header()? {
            Header::Reference(index) => return self.object_reference(index),
            Header::Inline(raw) => raw,
        };
        let traits = self.traits(raw, offset)?;
        self.objects += 1;
        if traits.externalizable {
            return self.externalizable(traits.class.clone(), depth, offset);
        }
        let mut properties = Vec::new();
        for name in &traits.sealed {
            let value = self.amf3_value(depth + 1)?;
            properties.push((name.clone(), value));
        }
        if traits.dynamic {
            properties.extend(self.dynamic_properties(depth)?);
        }
        Ok(if traits.class.is_empty() {
            AmfValue::Object(properties)
        } else {
            AmfValue::TypedObject {
                class: traits.class.clone(),
                properties,
            }
        })
    }

    /// The traits of an object: by reference (charged for the names the object will copy), or
    /// inline (then added to the table). `raw` is the object header without its reference bit.
    fn traits(&mut self, raw: u32, offset: usize) -> Result<Rc<Traits>, AmfError> {
        if raw & 1 == 0 {
            let traits = entry(&self.traits, "traits", raw >> 1, offset)?;
            self.spend_reference(traits.expanded_len(), offset)?;
            return Ok(traits);
        }
        let externalizable = raw & 2 != 0;
        let dynamic = raw & 4 != 0;
        let sealed_count = raw >> 3;
        let class = self.amf3_string()?;
        let mut sealed = Vec::new();
        for _ in 0..sealed_count {
            sealed.push(self.amf3_string()?);
        }
        let traits = Rc::new(Traits {
            class,
            sealed,
            dynamic,
            externalizable,
        });
        self.traits.push(Rc::clone(&traits));
        Ok(traits)
    }

    fn externalizable(
        &mut self,
        class: String,
        depth: usize,
        offset: usize,
    ) -> Result<AmfValue, AmfError> {
        if WRAPPER_CLASSES.contains(&class.as_str()) {
            let source = self.amf3_value(depth + 1)?;
            return Ok(AmfValue::TypedObject {
                class,
                properties: vec![("source".into(), source)],
            });
        }
        Err(AmfError::Externalizable { class, offset })
    }

    fn vector(&mut self, kind: VectorKind, depth: usize) -> Result<AmfValue, AmfError> {
        let count = match self.header()? {
            Header::Reference(index) => return self.object_reference(index),
            Header::Inline(count) => count,
        };
        self.objects += 1;
        let fixed = self.field("AMF3 vector fixed flag", 1, |r| r.u8())? != 0;
        let class = match kind {
            VectorKind::Object => Some(self.amf3_string()?),
            _ => None,
        };
        let mut items = Vec::new();
        for _ in 0..count {
            let item = match kind {
                VectorKind::Int => {
                    AmfValue::Integer(self.field("AMF3 vector int", 4, |r| r.be_i32())?)
                }
                VectorKind::Uint => {
                    AmfValue::Number(f64::from(
                        self.field("AMF3 vector uint", 4, |r| r.be_u32())?,
                    ))
                }
                VectorKind::Double => {
                    AmfValue::Number(self.field("AMF3 vector double", 8, |r| r.be_f64())?)
                }
                VectorKind::Object => self.amf3_value(depth + 1)?,
            };
            if kind != VectorKind::Object {
                self.enter(depth + 1)?;
            }
            items.push(item);
        }
        Ok(AmfValue::Vector {
            kind,
            fixed,
            class,
            items,
        })
    }

    fn dictionary(&mut self, depth: usize) -> Result<AmfValue, AmfError> {
        let count = match self.header()? {
            Header::Reference(index) => return self.object_reference(index),
            Header::Inline(count) => count,
        };
        self.objects += 1;
        let weak_keys = self.field("AMF3 dictionary weak-keys flag", 1, |r| r.u8())? != 0;
        let mut entries = Vec::new();
        for _ in 0..count {
            let key = self.amf3_value(depth + 1)?;
            let value = self.amf3_value(depth + 1)?;
            entries.push((key, value));
        }
        Ok(AmfValue::Dictionary { weak_keys, entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one(bytes: &[u8]) -> AmfValue {
        let (values, error) = decode_values(bytes, &AmfLimits::default());
        assert_eq!(error, None, "{bytes:02x?}");
        assert_eq!(values.len(), 1);
        values.into_iter().next().unwrap()
    }

    fn error_of(bytes: &[u8]) -> AmfError {
        decode_values(bytes, &AmfLimits::default())
            .1
            .expect("an error")
    }

    #[test]
    fn scalars() {
        assert_eq!(one(&[0x00]), AmfValue::Undefined);
        assert_eq!(one(&[0x01]), AmfValue::Null);
        assert_eq!(one(&[0x02]), AmfValue::Boolean(false));
        assert_eq!(one(&[0x03]), AmfValue::Boolean(true));
        // 0x04 integer: U29 one byte 0x7F = 127
        assert_eq!(one(&[0x04, 0x7F]), AmfValue::Integer(127));
        // U29 two bytes: 0x81 0x00 = 128
        assert_eq!(one(&[0x04, 0x81, 0x00]), AmfValue::Integer(128));
        // U29 four bytes 0xFF 0xFF 0xFF 0xFF = 2^29 - 1, which is -1 as a 29-bit signed value
        assert_eq!(one(&[0x04, 0xFF, 0xFF, 0xFF, 0xFF]), AmfValue::Integer(-1));
        // 0x04 with 0xC0 0x80 0x80 0x00: the most negative 29-bit value
        assert_eq!(
            one(&[0x04, 0xC0, 0x80, 0x80, 0x00]),
            AmfValue::Integer(-(1 << 28))
        );
        // 0x05 double 2.0
        assert_eq!(
            one(&[0x05, 0x40, 0, 0, 0, 0, 0, 0, 0]),
            AmfValue::Number(2.0)
        );
        // 0x08 date: U29 inline flag 0x01, then f64 ms
        assert_eq!(
            one(&[0x08, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]),
            AmfValue::Date {
                millis: 0.0,
                timezone: None
            }
        );
    }

    #[test]
    fn strings_and_the_string_table() {
        // Strict array of 3: "ab" inline, then a reference to string 0, then "" (never tabled).
        let bytes = [
            0x09, 0x07, 0x01, 0x06, 0x05, b'a', b'b', 0x06, 0x00, 0x06, 0x01,
        ];
        assert_eq!(
            one(&bytes),
            AmfValue::StrictArray(vec![
                AmfValue::String("ab".into()),
                AmfValue::String("ab".into()),
                AmfValue::String(String::new())
            ])
        );
        // A reference to a string that was never sent.
        assert!(matches!(
            error_of(&[0x06, 0x02]),
            AmfError::BadReference {
                table: "string",
                index: 1,
                ..
            }
        ));
    }

    #[test]
    fn xml_and_byte_arrays() {
        assert_eq!(one(&[0x07, 0x03, b'<']), AmfValue::XmlDocument("<".into()));
        assert_eq!(one(&[0x0B, 0x03, b'<']), AmfValue::Xml("<".into()));
        assert_eq!(
            one(&[0x0C, 0x05, 0xDE, 0xAD]),
            AmfValue::ByteArray(vec![0xDE, 0xAD])
        );
    }

    #[test]
    fn arrays_dense_and_associative() {
        // Array: dense count 1, assoc "k" -> true, end (empty string), dense [null]
        let bytes = [0x09, 0x03, 0x03, b'k', 0x03, 0x01, 0x01];
        assert_eq!(
            one(&bytes),
            AmfValue::MixedArray {
                dense: vec![AmfValue::Null],
                assoc: vec![("k".into(), AmfValue::Boolean(true))]
            }
        );
    }

    #[test]
    fn objects_traits_and_references() {
        // Two objects of class "P" with one sealed member "x": the second uses a traits
        // reference; then a reference to the first object.
        let bytes = [
            0x09, 0x07, 0x01, // array of 3, no associative part
            0x0A, 0x13, 0x03, b'P', 0x03, b'x', 0x04,
            0x01, // object, traits inline (1 sealed), class "P", member "x", x = 1
            0x0A, 0x01, 0x04, 0x02, // object, traits reference 0, x = 2
            0x0A, 0x02, // object reference 1 (the first object is 1: the array is 0)
        ];
        let point = |x| AmfValue::TypedObject {
            class: "P".into(),
            properties: vec![("x".into(), AmfValue::Integer(x))],
        };
        assert_eq!(
            one(&bytes),
            AmfValue::StrictArray(vec![point(1), point(2), AmfValue::Reference(1)])
        );
    }

    #[test]
    fn dynamic_anonymous_object() {
        // Traits inline, dynamic, 0 sealed, class "" ; dynamic "a" -> null ; end
        let bytes = [0x0A, 0x0B, 0x01, 0x03, b'a', 0x01, 0x01];
        assert_eq!(
            one(&bytes),
            AmfValue::Object(vec![("a".into(), AmfValue::Null)])
        );
    }

    #[test]
    fn externalizable_objects() {
        // ArrayCollection wraps one value: an empty dense array.
        let mut bytes = vec![0x0A, 0x07, 0x43];
        bytes.extend_from_slice(b"flex.messaging.io.ArrayCollection");
        bytes.extend_from_slice(&[0x09, 0x01, 0x01]);
        let value = one(&bytes);
        assert_eq!(value.get("source"), Some(&AmfValue::StrictArray(vec![])));
        // Any other class cannot be decoded.
        let error = error_of(&[0x0A, 0x07, 0x07, b'a', b'.', b'B']);
        assert!(matches!(error, AmfError::Externalizable { ref class, .. } if class == "a.B"));
    }

    #[test]
    fn vectors_and_dictionaries() {
        // Vector<uint> of 1, not fixed: 0xFFFFFFFF
        assert_eq!(
            one(&[0x0E, 0x03, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]),
            AmfValue::Vector {
                kind: VectorKind::Uint,
                fixed: false,
                class: None,
                items: vec![AmfValue::Number(4_294_967_295.0)]
            }
        );
        // Vector<Number> of 1, fixed
        assert_eq!(
            one(&[0x0F, 0x03, 0x01, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0]),
            AmfValue::Vector {
                kind: VectorKind::Double,
                fixed: true,
                class: None,
                items: vec![AmfValue::Number(1.0)]
            }
        );
        // Vector<Object> of 1, type name "*", item null
        assert_eq!(
            one(&[0x10, 0x03, 0x00, 0x03, b'*', 0x01]),
            AmfValue::Vector {
                kind: VectorKind::Object,
                fixed: false,
                class: Some("*".into()),
                items: vec![AmfValue::Null]
            }
        );
        // Dictionary of 1, weak keys: 1 -> "v"
        assert_eq!(
            one(&[0x11, 0x03, 0x01, 0x04, 0x01, 0x06, 0x03, b'v']),
            AmfValue::Dictionary {
                weak_keys: true,
                entries: vec![(AmfValue::Integer(1), AmfValue::String("v".into()))]
            }
        );
    }

    #[test]
    fn hostile_input_is_bounded() {
        // A string announcing 2^28 - 1 bytes with none behind it.
        assert!(matches!(
            error_of(&[0x06, 0xFF, 0xFF, 0xFF, 0xFF]),
            AmfError::Truncated { .. }
        ));
        // An array announcing 2^28 - 1 elements.
        assert!(matches!(
            error_of(&[0x09, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
            AmfError::Truncated { .. }
        ));
        // A million nested arrays.
        let mut deep = Vec::new();
        for _ in 0..1_000_000 {
            deep.extend_from_slice(&[0x09, 0x03, 0x01]);
        }
        assert!(matches!(error_of(&deep), AmfError::TooDeep { .. }));
        // An object referring to itself is kept as a reference: no cycle to follow.
        assert_eq!(
            one(&[0x0A, 0x0B, 0x01, 0x03, b's', 0x0A, 0x00, 0x01]),
            AmfValue::Object(vec![("s".into(), AmfValue::Reference(0))])
        );
        // A 1000-byte string referenced 20 000 times stops at the expansion budget.
        let mut fan_out = vec![0x09, 0x81, 0x9C, 0x43, 0x01, 0x06, 0x8F, 0x51];
        fan_out.extend(std::iter::repeat_n(b'x', 1000));
        for _ in 0..20_000 {
            fan_out.extend_from_slice(&[0x06, 0x00]);
        }
        assert!(matches!(
            error_of(&fan_out),
            AmfError::TooLarge { .. } | AmfError::Truncated { .. }
        ));
    }

    /// `value` as a U29.
    fn u29(value: u32) -> Vec<u8> {
        let mut out = Vec::new();
        if value >= 1 << 21 {
            out.push((value >> 22) as u8 | 0x80);
            out.push((value >> 15) as u8 | 0x80);
            out.push((value >> 8) as u8 | 0x80);
            out.push(value as u8);
            return out;
        }
        if value >= 1 << 14 {
            out.push((value >> 14) as u8 | 0x80);
        }
        if value >= 1 << 7 {
            out.push((value >> 7) as u8 & 0x7F | 0x80);
        }
        out.push(value as u8 & 0x7F);
        out
    }

    /// An array: one object whose inline traits have class `class` and sealed members
    /// `members`, then `references` objects referring to those traits (member values null).
    fn traits_then_references(class: &[u8], members: &[&[u8]], references: u32) -> Vec<u8> {
        let mut bytes = vec![0x09];
        bytes.extend(u29((references + 1) << 1 | 1)); // dense count
        bytes.push(0x01); // no associative part
        bytes.push(0x0A);
        bytes.extend(u29((members.len() as u32) << 4 | 0b0011)); // inline traits, sealed count
        for name in std::iter::once(class).chain(members.iter().copied()) {
            bytes.extend(u29((name.len() as u32) << 1 | 1));
            bytes.extend_from_slice(name);
        }
        bytes.extend(std::iter::repeat_n(0x01, members.len()));
        for _ in 0..references {
            bytes.extend_from_slice(&[0x0A, 0x01]); // object, traits reference 0
            bytes.extend(std::iter::repeat_n(0x01, members.len()));
        }
        bytes
    }

    fn limited(max_reference_bytes: usize) -> AmfLimits {
        AmfLimits {
            max_reference_bytes,
            ..AmfLimits::default()
        }
    }

    #[test]
    fn traits_references_are_charged_for_their_class_and_member_names() {
        // Class "C" (1 byte) and members "ab", "cde" (5 bytes): 6 bytes a reference.
        let bytes = traits_then_references(b"C", &[b"ab", b"cde"], 10);
        let (values, error) = decode_values(&bytes, &limited(60));
        assert_eq!(error, None);
        let AmfValue::StrictArray(items) = &values[0] else {
            panic!("{values:?}")
        };
        assert_eq!(items.len(), 11);
        assert_eq!(
            items[10],
            AmfValue::TypedObject {
                class: "C".into(),
                properties: vec![
                    ("ab".into(), AmfValue::Null),
                    ("cde".into(), AmfValue::Null)
                ]
            }
        );
        // One byte less and the tenth reference (its header 3 bytes before the end: `01`, then
        // the two member values) is refused, before anything is copied.
        let (values, error) = decode_values(&bytes, &limited(59));
        assert!(values.is_empty());
        assert!(
            matches!(error, Some(AmfError::TooLarge { limit: 59, offset }) if offset == bytes.len() - 3),
            "{error:?}"
        );
    }

    #[test]
    fn strings_and_traits_references_share_one_budget() {
        // Array of 3: string "abcd", a reference to it (4 bytes), then an object with traits
        // "abcd" by string reference (4 more: the class name's own reference) and no members.
        let bytes = [
            0x09, 0x07, 0x01, // array of 3
            0x06, 0x09, b'a', b'b', b'c', b'd', // "abcd"
            0x06, 0x00, // string reference 0
            0x0A, 0x03, 0x00, // object, inline traits, class: string reference 0
        ];
        assert_eq!(decode_values(&bytes, &limited(8)).1, None);
        assert!(matches!(
            decode_values(&bytes, &limited(7)).1,
            Some(AmfError::TooLarge { limit: 7, .. })
        ));
    }

    #[test]
    fn traits_reference_bombs_stop_at_the_expansion_cap() {
        // Issue 20: a 64 KiB class name then 20 000 two-byte references to it would copy
        // 1.3 GB; a 1 MiB class name, 20 GiB. Both stop after at most the cap's worth.
        for (class_len, members) in [(64 << 10, 0), (1 << 20, 0), (0, 16)] {
            let class = vec![b'C'; class_len];
            let member_names: Vec<Vec<u8>> = (0..members)
                .map(|i| format!("{i:04}{}", "m".repeat(4 << 10)).into_bytes())
                .collect();
            let member_refs: Vec<&[u8]> = member_names.iter().map(Vec::as_slice).collect();
            let bytes = traits_then_references(&class, &member_refs, 20_000);
            let (values, error) = decode_values(&bytes, &AmfLimits::default());
            assert!(values.is_empty());
            assert!(
                matches!(
                    error,
                    Some(AmfError::TooLarge {
                        limit: crate::amf::decoder::MAX_REFERENCE_EXPANSION_BYTES,
                        ..
                    })
                ),
                "{error:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Any bytes decode to values and at most one error, never a panic or a hang.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_values(&bytes, &AmfLimits::default());
        }
    }
}
