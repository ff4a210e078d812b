//! The AMF value model shared by the AMF0 and AMF3 decoders, and its JSON mapping.
//!
//! Values map to natural JSON where JSON has an equivalent (numbers, booleans, strings, null,
//! objects with their properties in wire order, arrays). Where it has none, the value becomes an
//! object tagged with `"$type"`:
//!
//! | AMF value | JSON |
//! |---|---|
//! | number NaN / +Inf / -Inf | `"NaN"`, `"Infinity"`, `"-Infinity"` |
//! | undefined | `{"$type":"undefined"}` |
//! | unsupported (AMF0) | `{"$type":"unsupported"}` |
//! | reference (AMF0 or AMF3 object reference) | `{"$type":"reference","index":N}` |
//! | typed object | `{"$type":"typed_object","class":"C","properties":{..}}` |
//! | AMF3 array with an associative part | `{"$type":"mixed_array","dense":[..],"assoc":{..}}` |
//! | date | `{"$type":"date","ms":F,"iso":"2007-12-01T20:38:26.793Z"}` (+ `"timezone"` for AMF0) |
//! | XML document / XML | `{"$type":"xml_document","value":"…"}`, `{"$type":"xml","value":"…"}` |
//! | byte array | `{"$type":"byte_array","length":N,"hex":"…"}` |
//! | vector | `{"$type":"vector_int","fixed":B,"items":[..]}` (`vector_uint`, `vector_double`, `vector_object` with `"class"`) |
//! | dictionary | `{"$type":"dictionary","weak_keys":B,"entries":[[k,v],..]}` |
//! | externalizable object | `{"$type":"externalizable","class":"C"}` |
//!
//! ECMA arrays (AMF0 8) are associative and map to plain JSON objects, as `onMetaData` users
//! expect (`.values[1].width`).

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// Bounds on what one AMF decode may build, so hostile input cannot exhaust memory or stack.
///
/// Hitting a bound stops the decode of that message with an error that says which bound; the
/// values decoded before it are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmfLimits {
    /// Deepest nesting of objects/arrays (a value inside the top level is depth 1).
    pub max_depth: usize,
    /// Most values (of any kind, at any depth) one decode may produce.
    pub max_values: usize,
    /// Most bytes AMF3 string and traits references may copy in one decode
    /// ([`MAX_REFERENCE_EXPANSION_BYTES`] says why the default).
    ///
    /// [`MAX_REFERENCE_EXPANSION_BYTES`]: crate::amf::decoder::MAX_REFERENCE_EXPANSION_BYTES
    pub max_reference_bytes: usize,
}

impl Default for AmfLimits {
    fn default() -> Self {
        AmfLimits {
            max_depth: 64,
            max_values: 100_000,
            max_reference_bytes: crate::amf::decoder::MAX_REFERENCE_EXPANSION_BYTES,
        }
    }
}

/// Which AMF version a message body is encoded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmfEncoding {
    /// AMF0 (message types 18, 19, 20).
    Amf0,
    /// AMF3 (message types 15, 16, 17): the body starts with one format byte (0), then AMF0
    /// values, any of which may switch to AMF3 with the AVM+ marker (0x11).
    Amf3,
}

/// An ordered list of named properties, in the order they were on the wire.
pub type Properties = Vec<(String, AmfValue)>;

/// Which element type an AMF3 vector holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorKind {
    /// `Vector.<int>` (AMF3 marker 0x0D).
    Int,
    /// `Vector.<uint>` (0x0E).
    Uint,
    /// `Vector.<Number>` (0x0F).
    Double,
    /// `Vector.<Object>` (0x10).
    Object,
}

impl VectorKind {
    fn type_tag(self) -> &'static str {
        match self {
            VectorKind::Int => "vector_int",
            VectorKind::Uint => "vector_uint",
            VectorKind::Double => "vector_double",
            VectorKind::Object => "vector_object",
        }
    }
}

/// One decoded AMF0 or AMF3 value.
#[derive(Debug, Clone, PartialEq)]
pub enum AmfValue {
    /// AMF0 number or AMF3 double.
    Number(f64),
    /// AMF3 integer (29-bit, sign-extended).
    Integer(i32),
    /// AMF0 boolean, AMF3 true/false.
    Boolean(bool),
    /// AMF0 string or long string, AMF3 string (invalid UTF-8 replaced, never rejected).
    String(String),
    /// Null.
    Null,
    /// Undefined.
    Undefined,
    /// AMF0 `unsupported` marker.
    Unsupported,
    /// AMF0 anonymous object, or AMF3 object of the anonymous class.
    Object(Properties),
    /// AMF0 typed object, or AMF3 object with a class name.
    TypedObject {
        /// The class name.
        class: String,
        /// Sealed then dynamic properties, in wire order.
        properties: Properties,
    },
    /// AMF0 ECMA (associative) array.
    EcmaArray(Properties),
    /// AMF0 strict array, or AMF3 array with a dense part only.
    StrictArray(Vec<AmfValue>),
    /// AMF3 array with an associative part.
    MixedArray {
        /// The dense (indexed) part.
        dense: Vec<AmfValue>,
        /// The associative part, in wire order.
        assoc: Properties,
    },
    /// Date: milliseconds since the epoch, UTC; AMF0 also carries a time zone (minutes).
    Date {
        /// Milliseconds since 1970-01-01T00:00:00Z.
        millis: f64,
        /// AMF0's time-zone field (minutes offset; the specification says to send 0).
        timezone: Option<i16>,
    },
    /// AMF0 XML document, AMF3 XMLDocument (0x07).
    XmlDocument(String),
    /// AMF3 XML (E4X, 0x0B).
    Xml(String),
    /// AMF3 ByteArray.
    ByteArray(Vec<u8>),
    /// AMF3 vector.
    Vector {
        /// Element type.
        kind: VectorKind,
        /// Whether the vector has a fixed length.
        fixed: bool,
        /// Element class name (object vectors only; empty means `*`).
        class: Option<String>,
        /// The elements.
        items: Vec<AmfValue>,
    },
    /// AMF3 dictionary.
    Dictionary {
        /// Whether keys are weakly referenced.
        weak_keys: bool,
        /// Key/value pairs in wire order.
        entries: Vec<(AmfValue, AmfValue)>,
    },
    /// A reference to an earlier complex value (AMF0 reference, AMF3 object reference), kept as
    /// an index rather than expanded: expanding would let a few bytes fan out without bound.
    Reference(u32),
    /// AMF3 externalizable object: its body has a class-specific encoding that cannot be read
    /// without the class, so decoding of the enclosing value stops after it.
    Externalizable {
        /// The class name.
        class: String,
    },
}

impl AmfValue {
    /// Calls `visit` on every string value inside this one (not on property names), depth
    /// first: the hook for rewriting text such as `--redact` does.
    pub fn visit_strings_mut(&mut self, visit: &mut impl FnMut(&mut String)) {
        match self {
            AmfValue::String(text) | AmfValue::XmlDocument(text) | AmfValue::Xml(text) => {
                visit(text)
            }
            AmfValue::Object(properties)
            | AmfValue::EcmaArray(properties)
            | AmfValue::TypedObject { properties, .. } => {
                for (_, value) in properties {
                    value.visit_strings_mut(visit);
                }
            }
            AmfValue::StrictArray(items) | AmfValue::Vector { items, .. } => {
                for item in items {
                    item.visit_strings_mut(visit);
                }
            }
            AmfValue::MixedArray { dense, assoc } => {
                for item in dense {
                    item.visit_strings_mut(visit);
                }
                for (_, value) in assoc {
                    value.visit_strings_mut(visit);
                }
            }
            AmfValue::Dictionary { entries, .. } => {
                for (key, value) in entries {
                    key.visit_strings_mut(visit);
                    value.visit_strings_mut(visit);
                }
            }
            _ => {}
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AmfValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number inside, if this is a number or an integer.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AmfValue::Number(n) => Some(*n),
            AmfValue::Integer(i) => Some(f64::from(*i)),
            _ => None,
        }
    }

    /// The named properties, if this is an object, typed object, ECMA array or mixed array.
    pub fn properties(&self) -> Option<&[(String, AmfValue)]> {
        match self {
            AmfValue::Object(p) | AmfValue::EcmaArray(p) => Some(p),
            AmfValue::TypedObject { properties, .. } => Some(properties),
            AmfValue::MixedArray { assoc, .. } => Some(assoc),
            _ => None,
        }
    }

    /// The first property called `name`, if this value has named properties.
    pub fn get(&self, name: &str) -> Option<&AmfValue> {
        self.properties()?
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }
}

/// Serialises properties as a JSON object, in wire order.
struct PropertiesJson<'a>(&'a [(String, AmfValue)]);

impl Serialize for PropertiesJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Serialises bytes as lowercase hex.
pub(crate) struct HexJson<'a>(pub &'a [u8]);

impl Serialize for HexJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}", crate::common::hex::Hex(self.0)))
    }
}

fn serialize_number<S: Serializer>(n: f64, serializer: S) -> Result<S::Ok, S::Error> {
    if n.is_nan() {
        serializer.serialize_str("NaN")
    } else if n.is_infinite() {
        serializer.serialize_str(if n > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        serializer.serialize_f64(n)
    }
}

impl Serialize for AmfValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AmfValue::Number(n) => serialize_number(*n, serializer),
            AmfValue::Integer(i) => serializer.serialize_i32(*i),
            AmfValue::Boolean(b) => serializer.serialize_bool(*b),
            AmfValue::String(s) => serializer.serialize_str(s),
            AmfValue::Null => serializer.serialize_unit(),
            AmfValue::Object(p) | AmfValue::EcmaArray(p) => PropertiesJson(p).serialize(serializer),
            AmfValue::StrictArray(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            AmfValue::Undefined => tagged(serializer, "undefined", |_| Ok(())),
            AmfValue::Unsupported => tagged(serializer, "unsupported", |_| Ok(())),
            AmfValue::Reference(index) => tagged(serializer, "reference", |m| {
                m.serialize_entry("index", index)
            }),
            AmfValue::TypedObject { class, properties } => {
                tagged(serializer, "typed_object", |m| {
                    m.serialize_entry("class", class)?;
                    m.serialize_entry("properties", &PropertiesJson(properties))
                })
            }
            AmfValue::MixedArray { dense, assoc } => tagged(serializer, "mixed_array", |m| {
                m.serialize_entry("dense", dense)?;
                m.serialize_entry("assoc", &PropertiesJson(assoc))
            }),
            AmfValue::Date { millis, timezone } => tagged(serializer, "date", |m| {
                m.serialize_entry("ms", &NumberJson(*millis))?;
                if let Some(tz) = timezone {
                    m.serialize_entry("timezone", tz)?;
                }
                if let Some(iso) = iso8601_from_millis(*millis) {
                    m.serialize_entry("iso", &iso)?;
                }
                Ok(())
            }),
            AmfValue::XmlDocument(text) => tagged(serializer, "xml_document", |m| {
                m.serialize_entry("value", text)
            }),
            AmfValue::Xml(text) => tagged(serializer, "xml", |m| m.serialize_entry("value", text)),
            AmfValue::ByteArray(bytes) => tagged(serializer, "byte_array", |m| {
                m.serialize_entry("length", &bytes.len())?;
                m.serialize_entry("hex", &HexJson(bytes))
            }),
            AmfValue::Vector {
                kind,
                fixed,
                class,
                items,
            } => tagged(serializer, kind.type_tag(), |m| {
                m.serialize_entry("fixed", fixed)?;
                if let Some(class) = class {
                    m.serialize_entry("class", class)?;
                }
                m.serialize_entry("items", items)
            }),
            AmfValue::Dictionary { weak_keys, entries } => tagged(serializer, "dictionary", |m| {
                m.serialize_entry("weak_keys", weak_keys)?;
                m.serialize_entry("entries", &EntriesJson(entries))
            }),
            AmfValue::Externalizable { class } => tagged(serializer, "externalizable", |m| {
                m.serialize_entry("class", class)
            }),
        }
    }
}

/// A float written with the NaN/Infinity convention.
struct NumberJson(f64);

impl Serialize for NumberJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_number(self.0, serializer)
    }
}

/// Dictionary entries as a JSON array of `[key, value]` pairs.
struct EntriesJson<'a>(&'a [(AmfValue, AmfValue)]);

impl Serialize for EntriesJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for (key, value) in self.0 {
            seq.serialize_element(&(key, value))?;
        }
        seq.end()
    }
}

/// Writes `{"$type": tag, ...fields}`.
fn tagged<S, F>(serializer: S, tag: &str, fields: F) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    F: FnOnce(&mut S::SerializeMap) -> Result<(), S::Error>,
{
    let mut map = serializer.serialize_map(None)?;
    map.serialize_entry("$type", tag)?;
    fields(&mut map)?;
    map.end()
}

/// Formats milliseconds since the epoch as ISO 8601 UTC with milliseconds, for years 0–9999.
pub fn iso8601_from_millis(millis: f64) -> Option<String> {
    const MAX_MILLIS: f64 = 253_402_300_800_000.0; // 10000-01-01T00:00:00Z
    if !millis.is_finite() || !(-62_167_219_200_000.0..MAX_MILLIS).contains(&millis) {
        return None;
    }
    let total_ms = millis.floor() as i64;
    let days = total_ms.div_euclid(86_400_000);
    let ms_of_day = total_ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (h, rest) = (ms_of_day / 3_600_000, ms_of_day % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z"
    ))
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
/// Howard Hinnant's well-known `civil_from_days` algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn to_json(value: &AmfValue) -> serde_json::Value {
        serde_json::to_value(value).unwrap()
    }

    #[test]
    fn natural_values() {
        let value = AmfValue::Object(vec![
            ("app".into(), AmfValue::String("live".into())),
            ("fpad".into(), AmfValue::Boolean(false)),
            ("audioCodecs".into(), AmfValue::Number(3575.0)),
            (
                "list".into(),
                AmfValue::StrictArray(vec![AmfValue::Null, AmfValue::Integer(-3)]),
            ),
        ]);
        assert_eq!(
            to_json(&value),
            json!({"app": "live", "fpad": false, "audioCodecs": 3575.0, "list": [null, -3]})
        );
    }

    #[test]
    fn object_keeps_wire_order() {
        let value = AmfValue::EcmaArray(vec![
            ("z".into(), AmfValue::Number(1.0)),
            ("a".into(), AmfValue::Number(2.0)),
        ]);
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"z":1.0,"a":2.0}"#
        );
    }

    #[test]
    fn non_finite_numbers_are_strings() {
        assert_eq!(to_json(&AmfValue::Number(f64::NAN)), json!("NaN"));
        assert_eq!(to_json(&AmfValue::Number(f64::INFINITY)), json!("Infinity"));
        assert_eq!(
            to_json(&AmfValue::Number(f64::NEG_INFINITY)),
            json!("-Infinity")
        );
    }

    #[test]
    fn tagged_values() {
        assert_eq!(to_json(&AmfValue::Undefined), json!({"$type": "undefined"}));
        assert_eq!(
            to_json(&AmfValue::Reference(2)),
            json!({"$type": "reference", "index": 2})
        );
        assert_eq!(
            to_json(&AmfValue::ByteArray(vec![0xde, 0xad])),
            json!({"$type": "byte_array", "length": 2, "hex": "dead"})
        );
        assert_eq!(
            to_json(&AmfValue::Date {
                millis: 1_196_541_506_793.0,
                timezone: Some(0)
            }),
            json!({"$type": "date", "ms": 1_196_541_506_793.0, "timezone": 0,
                   "iso": "2007-12-01T20:38:26.793Z"})
        );
        assert_eq!(
            to_json(&AmfValue::Vector {
                kind: VectorKind::Object,
                fixed: false,
                class: Some("Foo".into()),
                items: vec![AmfValue::Null]
            }),
            json!({"$type": "vector_object", "fixed": false, "class": "Foo", "items": [null]})
        );
        assert_eq!(
            to_json(&AmfValue::Dictionary {
                weak_keys: true,
                entries: vec![(AmfValue::Integer(1), AmfValue::String("a".into()))]
            }),
            json!({"$type": "dictionary", "weak_keys": true, "entries": [[1, "a"]]})
        );
    }

    #[test]
    fn iso_dates() {
        assert_eq!(
            iso8601_from_millis(0.0).unwrap(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            iso8601_from_millis(951_782_400_000.0).unwrap(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            iso8601_from_millis(-1.0).unwrap(),
            "1969-12-31T23:59:59.999Z"
        );
        assert!(iso8601_from_millis(f64::NAN).is_none());
        assert!(iso8601_from_millis(1e300).is_none());
    }

    #[test]
    fn lookups() {
        let value = AmfValue::Object(vec![("app".into(), AmfValue::String("live".into()))]);
        assert_eq!(value.get("app").and_then(AmfValue::as_str), Some("live"));
        assert!(value.get("tcUrl").is_none());
        assert_eq!(AmfValue::Integer(4).as_f64(), Some(4.0));
    }
}
