//! AMF-encoded message bodies: commands (17, 20), data (15, 18) and shared objects (16, 19).
//!
//! The AMF3 variants of these messages start with one format byte (0), after which values are
//! AMF0 that may switch to AMF3 with the AVM+ marker; the AMF0 decoder handles the switch.
//! On a decoding error the fields hold what decoded, and the error is returned beside them.

use crate::amf::decoder::AmfDecoder;
use crate::amf::error::AmfError;
use crate::amf::{AmfEncoding, AmfLimits, AmfValue};
use crate::common::reader::Reader;
use crate::rtmp::decode_error::DecodeError;
use crate::rtmp::message::{Command, Data, SharedObject, SharedObjectEvent};

/// A decoder positioned after the AMF3 format byte, if there is one.
fn body_decoder<'a>(
    payload: &'a [u8],
    encoding: AmfEncoding,
    limits: &AmfLimits,
) -> AmfDecoder<'a> {
    let body = match encoding {
        AmfEncoding::Amf0 => payload,
        AmfEncoding::Amf3 => payload.get(1..).unwrap_or_default(),
    };
    AmfDecoder::new(body, limits)
}

/// Decodes values until the end, pushing each; returns the error that stopped it, if any.
fn values_until_end(decoder: &mut AmfDecoder<'_>, out: &mut Vec<AmfValue>) -> Option<AmfError> {
    while !decoder.is_done() {
        match decoder.amf0_value(1) {
            Ok(value) => out.push(value),
            Err(error) => return Some(error),
        }
    }
    None
}

/// Decodes a command body. Returns what decoded, and an error description if the body was
/// malformed or a limit was hit (the fields hold what decoded before that point).
pub fn decode_command(
    payload: &[u8],
    encoding: AmfEncoding,
    limits: &AmfLimits,
) -> (Command, Option<DecodeError>) {
    let mut command = Command {
        command: String::new(),
        transaction_id: 0.0,
        command_object: AmfValue::Null,
        args: Vec::new(),
        reply_to: None,
        reply_to_frame: None,
        values_decoded: 0,
    };
    let mut decoder = body_decoder(payload, encoding, limits);
    let error = fill_command(&mut decoder, &mut command).err();
    (command, error)
}

fn fill_command(decoder: &mut AmfDecoder<'_>, command: &mut Command) -> Result<(), DecodeError> {
    match next_value(decoder, "the command name")? {
        AmfValue::String(name) => command.command = name,
        other => return Err(DecodeError::NameNotString(kind(&other))),
    }
    command.values_decoded = 1;
    let id = next_value(decoder, "the transaction id")?;
    command.transaction_id = id
        .as_f64()
        .ok_or_else(|| DecodeError::TransactionIdNotNumber(kind(&id)))?;
    command.values_decoded = 2;
    command.command_object = next_value(decoder, "the command object")?;
    command.values_decoded = 3;
    match values_until_end(decoder, &mut command.args) {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

/// The next value, which must be there.
fn next_value(decoder: &mut AmfDecoder<'_>, what: &'static str) -> Result<AmfValue, DecodeError> {
    if decoder.is_done() {
        return Err(DecodeError::MissingValue(what));
    }
    Ok(decoder.amf0_value(1)?)
}

/// A short name of a value's type, for error messages.
fn kind(value: &AmfValue) -> &'static str {
    match value {
        AmfValue::Number(_) | AmfValue::Integer(_) => "a number",
        AmfValue::String(_) => "a string",
        AmfValue::Boolean(_) => "a boolean",
        AmfValue::Null => "null",
        AmfValue::Undefined => "undefined",
        _ => "a complex value",
    }
}

/// Decodes a data message body (`@setDataFrame`, `onMetaData`, …).
pub fn decode_data(
    payload: &[u8],
    encoding: AmfEncoding,
    limits: &AmfLimits,
) -> (Data, Option<DecodeError>) {
    let mut decoder = body_decoder(payload, encoding, limits);
    let mut values = Vec::new();
    let error = values_until_end(&mut decoder, &mut values).map(DecodeError::Amf);
    let name = match values.first() {
        Some(AmfValue::String(name)) => Some(name.clone()),
        _ => None,
    };
    if name.is_some() {
        values.remove(0);
    }
    (Data { name, values }, error)
}

/// Shared object event type names, by type number (1 to 11).
const SO_EVENT_NAMES: [&str; 11] = [
    "use",
    "release",
    "request_change",
    "change",
    "success",
    "send_message",
    "status",
    "clear",
    "remove",
    "request_remove",
    "use_success",
];

/// Decodes a shared object message body: name, version, flags, then events (type, length,
/// data). The 8 flag bytes: the first four non-zero means persistent (Wireshark reads them
/// the same way); the other four are reserved.
pub fn decode_shared_object(
    payload: &[u8],
    encoding: AmfEncoding,
    limits: &AmfLimits,
) -> (SharedObject, Option<DecodeError>) {
    let body = match encoding {
        AmfEncoding::Amf0 => payload,
        AmfEncoding::Amf3 => payload.get(1..).unwrap_or_default(),
    };
    let mut object = SharedObject {
        name: String::new(),
        version: 0,
        persistent: false,
        events: Vec::new(),
    };
    let error = fill_shared_object(body, limits, &mut object).err();
    (object, error)
}

fn fill_shared_object(
    body: &[u8],
    limits: &AmfLimits,
    object: &mut SharedObject,
) -> Result<(), DecodeError> {
    let mut reader = Reader::new(body);
    let short = || DecodeError::SharedObjectHeaderCutShort;
    let name_length = reader.be_u16().ok_or_else(short)?;
    let name = reader.take(usize::from(name_length)).ok_or_else(short)?;
    object.name = String::from_utf8_lossy(name).into_owned();
    object.version = reader.be_u32().ok_or_else(short)?;
    let flags = reader.take(8).ok_or_else(short)?;
    object.persistent = flags.iter().take(4).any(|&b| b != 0);
    while reader.remaining() > 0 {
        let offset = reader.position();
        let cut = || DecodeError::SharedObjectEventCutShort(offset);
        let event_type = reader.u8().ok_or_else(cut)?;
        let length = reader.be_u32().ok_or_else(cut)?;
        let data = reader
            .take(usize::try_from(length).unwrap_or(usize::MAX))
            .ok_or_else(cut)?;
        object
            .events
            .push(shared_object_event(event_type, data, limits)?);
    }
    Ok(())
}

fn shared_object_event(
    event_type: u8,
    data: &[u8],
    limits: &AmfLimits,
) -> Result<SharedObjectEvent, DecodeError> {
    let name = usize::from(event_type)
        .checked_sub(1)
        .and_then(|i| SO_EVENT_NAMES.get(i))
        .copied()
        .unwrap_or("unknown");
    let mut event = SharedObjectEvent {
        event_type,
        event: name,
        values: Vec::new(),
        items: Vec::new(),
    };
    let mut decoder = AmfDecoder::new(data, limits);
    let result = match event_type {
        // Change and request change: (name, value) pairs.
        3 | 4 => {
            while !decoder.is_done() {
                let key = decoder.amf0_string()?;
                let value = decoder.amf0_value(1)?;
                event.values.push((key, value));
            }
            Ok(())
        }
        // Success, remove, request remove: a property name.
        5 | 9 | 10 if !data.is_empty() => {
            let key = decoder.amf0_string()?;
            event.values.push(("name".into(), AmfValue::String(key)));
            Ok(())
        }
        // Send message and status: AMF values.
        6 | 7 => match values_until_end(&mut decoder, &mut event.items) {
            Some(error) => Err(error.into()),
            None => Ok(()),
        },
        _ => Ok(()),
    };
    result.map(|()| event)
}
