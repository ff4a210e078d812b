//! AMF-encoded message bodies: commands (17, 20), data (15, 18) and shared objects (16, 19).
//!
//! PLACEHOLDER: to be implemented. The signatures are the contract the message decoder calls.

use crate::rtmp::amf::{AmfEncoding, AmfLimits, AmfValue};
use crate::rtmp::message::{Command, Data, SharedObject};

/// Decodes a command body. Returns what decoded, and an error description if the body was
/// malformed or a limit was hit (the fields hold what decoded before that point).
pub fn decode_command(
    payload: &[u8],
    encoding: AmfEncoding,
    limits: &AmfLimits,
) -> (Command, Option<String>) {
    let _ = (payload, encoding, limits);
    (
        Command {
            command: String::new(),
            transaction_id: 0.0,
            command_object: AmfValue::Null,
            args: Vec::new(),
            reply_to: None,
            reply_to_frame: None,
        },
        Some("not implemented".into()),
    )
}

/// Decodes a data message body (`@setDataFrame`, `onMetaData`, …).
pub fn decode_data(
    payload: &[u8],
    encoding: AmfEncoding,
    limits: &AmfLimits,
) -> (Data, Option<String>) {
    let _ = (payload, encoding, limits);
    (
        Data {
            name: None,
            values: Vec::new(),
        },
        Some("not implemented".into()),
    )
}

/// Decodes a shared object message body.
pub fn decode_shared_object(
    payload: &[u8],
    encoding: AmfEncoding,
    limits: &AmfLimits,
) -> (SharedObject, Option<String>) {
    let _ = (payload, encoding, limits);
    (
        SharedObject {
            name: String::new(),
            version: 0,
            persistent: false,
            events: Vec::new(),
        },
        Some("not implemented".into()),
    )
}
