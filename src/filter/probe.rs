//! Runs a filter's tests over anything that serialises to an event's JSON object, without
//! building the JSON: a serde `Serializer` that follows only the keys the tests name and
//! tests each value where serde hands it over (strings borrowed, numbers as they are).
//!
//! One walk answers every test at once; each test's outcome is a bit in two sets: `found`
//! (the field occurs) and `hit` (an occurrence passed). A field that occurs several times
//! (`amf.code` in two objects, the elements of an array) passes when any occurrence does.

use std::fmt::{self, Display, Write};

use serde::ser::{self, Serialize};

use super::fields::AMF_FIELDS;
use super::parser::{Atom, Target};
use super::value::Value;

/// The tests' outcomes, filled by walking a subject.
pub struct Probe<'f> {
    atoms: &'f [Atom],
    /// Tests whose field occurs.
    pub(super) found: u128,
    /// Tests that passed on some occurrence (for `!=`: that were equal on some).
    pub(super) hit: u128,
    /// Tests on the text.
    text: u128,
}

/// Which tests a value concerns.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// Tests whose field is this value.
    here: u128,
    /// Path tests whose first `depth` keys led here and that go deeper.
    deeper: u128,
    /// Keys followed from the top.
    depth: usize,
    /// Inside a command or data body (where `amf.KEY` and text search look).
    amf: bool,
}

impl<'f> Probe<'f> {
    /// A probe for `atoms`.
    pub(super) fn new(atoms: &'f [Atom]) -> Self {
        let text = bits(atoms, |atom| matches!(atom.target, Target::Text));
        Probe {
            atoms,
            found: 0,
            hit: 0,
            text,
        }
    }

    /// Walks an object (an event, a notice, a live line): its keys are the top-level fields.
    pub fn visit<T: Serialize + ?Sized>(&mut self, object: &T) {
        let top = self.top();
        // The walk itself never fails; an error only stops it early.
        let _ = object.serialize(Walk {
            probe: self,
            ctx: top,
        });
    }

    /// One more top-level field that the object's JSON does not hold directly (a value
    /// derived from it, as `stream` and `code` are from a command).
    pub fn field(&mut self, key: &str, value: Value<'_>) {
        let ctx = self.child(self.top(), key);
        self.scalar(ctx, value);
    }

    fn top(&self) -> Ctx {
        Ctx {
            here: 0,
            deeper: bits(self.atoms, |atom| matches!(atom.target, Target::Path(_))),
            depth: 0,
            amf: false,
        }
    }

    /// The tests concerned by the value of `key` inside a value `parent` concerns.
    fn child(&mut self, parent: Ctx, key: &str) -> Ctx {
        let depth = parent.depth + 1;
        let mut here = 0;
        let mut deeper = 0;
        for index in ones(parent.deeper) {
            if let Some(Target::Path(path)) = self.atoms.get(index).map(|a| &a.target) {
                if path.get(parent.depth).is_some_and(|k| k == key) {
                    if path.len() == depth {
                        here |= 1 << index;
                    } else {
                        deeper |= 1 << index;
                    }
                }
            }
        }
        if parent.amf {
            for (index, atom) in self.atoms.iter().enumerate() {
                if matches!(&atom.target, Target::Amf(k) if k == key) {
                    here |= 1 << index;
                }
            }
            self.text_search(key);
        }
        Ctx {
            here,
            deeper,
            depth,
            amf: parent.amf || (parent.depth == 0 && AMF_FIELDS.contains(&key)),
        }
    }

    /// Tests a value against the tests whose field it is.
    fn scalar(&mut self, ctx: Ctx, value: Value<'_>) {
        if let (true, Value::Str(text)) = (ctx.amf, value) {
            self.text_search(text);
        }
        for index in ones(ctx.here) {
            self.found |= 1 << index;
            if self.atoms.get(index).is_some_and(|a| a.test.passes(value)) {
                self.hit |= 1 << index;
            }
        }
    }

    /// Text tests not yet passed, tried on `text`.
    fn text_search(&mut self, text: &str) {
        for index in ones(self.text & !self.hit) {
            if self
                .atoms
                .get(index)
                .is_some_and(|a| a.test.passes(Value::Str(text)))
            {
                self.hit |= 1 << index;
            }
        }
    }

    /// Text tests not yet passed, as a set.
    pub(super) fn text_pending(&self) -> u128 {
        self.text & !self.hit
    }

    /// Tries the pending text tests on `text` (what the subject shows).
    pub(super) fn search(&mut self, text: &str) {
        self.text_search(text);
    }
}

/// The set of atoms for which `keep` holds.
fn bits(atoms: &[Atom], keep: impl Fn(&Atom) -> bool) -> u128 {
    atoms
        .iter()
        .enumerate()
        .filter(|(_, atom)| keep(atom))
        .fold(0, |set, (index, _)| set | 1 << index)
}

/// The indices of the set bits of `set`.
pub(super) fn ones(mut set: u128) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if set == 0 {
            return None;
        }
        let index = set.trailing_zeros() as usize;
        set &= set - 1;
        Some(index)
    })
}

/// Ends a walk early (never in practice: the walk accepts every shape serde has).
#[derive(Debug)]
pub struct Stop;

impl Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("filter walk stopped")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: Display>(_: T) -> Self {
        Stop
    }
}

/// Serialises one value, testing it where tests concern it.
struct Walk<'p, 'f> {
    probe: &'p mut Probe<'f>,
    ctx: Ctx,
}

impl<'p, 'f> Walk<'p, 'f> {
    fn scalar(self, value: Value<'_>) -> Result<(), Stop> {
        self.probe.scalar(self.ctx, value);
        Ok(())
    }

    /// An object or array: present for the tests whose field it is.
    fn compound(self) -> Self {
        self.probe.scalar(
            Ctx {
                amf: false,
                ..self.ctx
            },
            Value::Compound,
        );
        self
    }

    /// `{variant: …}`, as JSON writes enum variants with data.
    fn variant(self, variant: &str) -> Self {
        let walk = self.compound();
        let ctx = walk.probe.child(walk.ctx, variant);
        Walk {
            probe: walk.probe,
            ctx,
        }
    }
}

/// A string written with `Display`, formatted on the stack when short.
struct Short {
    bytes: [u8; 256],
    len: usize,
}

impl Write for Short {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let to = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        to.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

macro_rules! scalars {
    ($($method:ident: $ty:ty => $make:expr;)*) => {
        $(fn $method(self, v: $ty) -> Result<(), Stop> {
            #[allow(clippy::redundant_closure_call)]
            self.scalar(($make)(v))
        })*
    };
}

impl<'p, 'f> ser::Serializer for Walk<'p, 'f> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Entries<'p, 'f>;
    type SerializeStruct = Entries<'p, 'f>;
    type SerializeStructVariant = Entries<'p, 'f>;

    scalars! {
        serialize_bool: bool => Value::Bool;
        serialize_i8: i8 => |v| Value::Num(f64::from(v));
        serialize_i16: i16 => |v| Value::Num(f64::from(v));
        serialize_i32: i32 => |v| Value::Num(f64::from(v));
        serialize_i64: i64 => |v| Value::Num(v as f64);
        serialize_u8: u8 => |v| Value::Num(f64::from(v));
        serialize_u16: u16 => |v| Value::Num(f64::from(v));
        serialize_u32: u32 => |v| Value::Num(f64::from(v));
        serialize_u64: u64 => |v| Value::Num(v as f64);
        serialize_f32: f32 => |v| Value::Num(f64::from(v));
        serialize_f64: f64 => Value::Num;
    }

    fn serialize_char(self, v: char) -> Result<(), Stop> {
        let mut buffer = [0; 4];
        self.scalar(Value::Str(v.encode_utf8(&mut buffer)))
    }

    fn serialize_str(self, v: &str) -> Result<(), Stop> {
        self.scalar(Value::Str(v))
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Stop> {
        self.compound();
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Stop> {
        self.scalar(Value::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Stop> {
        self.scalar(Value::Null)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Stop> {
        self.scalar(Value::Null)
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Stop> {
        self.scalar(Value::Str(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        value.serialize(self.variant(variant))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self.compound())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self, Stop> {
        Ok(self.compound())
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self.compound())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        Ok(self.variant(variant).compound())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Entries<'p, 'f>, Stop> {
        Ok(Entries::of(self.compound()))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Entries<'p, 'f>, Stop> {
        Ok(Entries::of(self.compound()))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Entries<'p, 'f>, Stop> {
        Ok(Entries::of(self.variant(variant).compound()))
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), Stop> {
        let mut short = Short {
            bytes: [0; 256],
            len: 0,
        };
        if write!(short, "{value}").is_ok() {
            let text = short
                .bytes
                .get(..short.len)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default();
            self.scalar(Value::Str(text))
        } else {
            // Longer than the stack buffer: rare enough to allocate.
            self.scalar(Value::Str(&value.to_string()))
        }
    }
}

/// The elements of an array (or tuple): each is tested as the array's field.
impl ser::SerializeSeq for Walk<'_, '_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        value.serialize(Walk {
            probe: self.probe,
            ctx: self.ctx,
        })
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

macro_rules! as_seq {
    ($($trait:ident: $method:ident;)*) => {
        $(impl ser::$trait for Walk<'_, '_> {
            type Ok = ();
            type Error = Stop;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
                ser::SerializeSeq::serialize_element(self, value)
            }

            fn end(self) -> Result<(), Stop> {
                Ok(())
            }
        })*
    };
}

as_seq! {
    SerializeTuple: serialize_element;
    SerializeTupleStruct: serialize_field;
    SerializeTupleVariant: serialize_field;
}

/// The entries of an object.
pub struct Entries<'p, 'f> {
    probe: &'p mut Probe<'f>,
    ctx: Ctx,
    /// The tests concerned by the value whose key was just given.
    pending: Ctx,
}

impl<'p, 'f> Entries<'p, 'f> {
    fn of(walk: Walk<'p, 'f>) -> Self {
        Entries {
            probe: walk.probe,
            ctx: walk.ctx,
            pending: Ctx::default(),
        }
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Stop> {
        let ctx = self.probe.child(self.ctx, key);
        value.serialize(Walk {
            probe: self.probe,
            ctx,
        })
    }
}

impl ser::SerializeMap for Entries<'_, '_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Stop> {
        self.pending = key.serialize(Key {
            probe: self.probe,
            parent: self.ctx,
        })?;
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        value.serialize(Walk {
            probe: self.probe,
            ctx: self.pending,
        })
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeStruct for Entries<'_, '_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.entry(key, value)
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Entries<'_, '_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.entry(key, value)
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

/// Serialises a map key: answers which tests its value concerns. JSON keys are strings;
/// numbers and the like become their text, as serde_json writes them.
struct Key<'p, 'f> {
    probe: &'p mut Probe<'f>,
    parent: Ctx,
}

impl Key<'_, '_> {
    fn key(self, key: &str) -> Result<Ctx, Stop> {
        Ok(self.probe.child(self.parent, key))
    }

    fn display(self, key: impl Display) -> Result<Ctx, Stop> {
        let mut short = Short {
            bytes: [0; 256],
            len: 0,
        };
        let _ = write!(short, "{key}");
        let text = short
            .bytes
            .get(..short.len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_default();
        self.key(text)
    }
}

macro_rules! numeric_keys {
    ($($method:ident: $ty:ty;)*) => {
        $(fn $method(self, v: $ty) -> Result<Ctx, Stop> {
            self.display(v)
        })*
    };
}

impl ser::Serializer for Key<'_, '_> {
    type Ok = Ctx;
    type Error = Stop;
    type SerializeSeq = ser::Impossible<Ctx, Stop>;
    type SerializeTuple = ser::Impossible<Ctx, Stop>;
    type SerializeTupleStruct = ser::Impossible<Ctx, Stop>;
    type SerializeTupleVariant = ser::Impossible<Ctx, Stop>;
    type SerializeMap = ser::Impossible<Ctx, Stop>;
    type SerializeStruct = ser::Impossible<Ctx, Stop>;
    type SerializeStructVariant = ser::Impossible<Ctx, Stop>;

    numeric_keys! {
        serialize_bool: bool;
        serialize_i8: i8;
        serialize_i16: i16;
        serialize_i32: i32;
        serialize_i64: i64;
        serialize_u8: u8;
        serialize_u16: u16;
        serialize_u32: u32;
        serialize_u64: u64;
        serialize_f32: f32;
        serialize_f64: f64;
        serialize_char: char;
    }

    fn serialize_str(self, v: &str) -> Result<Ctx, Stop> {
        self.key(v)
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<Ctx, Stop> {
        Err(Stop)
    }

    fn serialize_none(self) -> Result<Ctx, Stop> {
        self.key("null")
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Ctx, Stop> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Ctx, Stop> {
        self.key("null")
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<Ctx, Stop> {
        self.key("null")
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Ctx, Stop> {
        self.key(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Ctx, Stop> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Ctx, Stop> {
        Err(Stop)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
        Err(Stop)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
        Err(Stop)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Stop> {
        Err(Stop)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Stop> {
        Err(Stop)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        Err(Stop)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Stop> {
        Err(Stop)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Stop> {
        Err(Stop)
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<Ctx, Stop> {
        self.display(value)
    }
}
