//! Message body decoding: from a message's header and bytes to a typed [`Message`].

use crate::rtmp::amf::{AmfEncoding, AmfLimits};
use crate::rtmp::command::{decode_command, decode_data, decode_shared_object};
use crate::rtmp::media::{audio_header, video_header};
use crate::rtmp::message::{
    AggregatePart, Message, MessageBody, MessageHeader, MessageTypeId, UserControl,
    RAW_PREVIEW_BYTES,
};
use crate::rtmp::reader::Reader;

/// Most sub-messages one aggregate message is split into.
const MAX_AGGREGATE_PARTS: usize = 4096;

/// Decodes one message. `payload` may be shorter than `header.length` for audio/video (the
/// chunk layer keeps only a prefix); the header fields come from that prefix.
pub fn decode_message(header: MessageHeader, payload: &[u8], limits: &AmfLimits) -> Message {
    let (body, error) = decode_body(header.type_id, payload, limits);
    Message::new(header, body, error)
}

/// The body of a message of type `type_id`, and what went wrong decoding it, if anything.
pub fn decode_body(
    type_id: MessageTypeId,
    payload: &[u8],
    limits: &AmfLimits,
) -> (MessageBody, Option<String>) {
    match type_id {
        MessageTypeId::SET_CHUNK_SIZE => u32_body(payload, 4, |value| MessageBody::SetChunkSize {
            chunk_size: value & 0x7FFF_FFFF,
        }),
        MessageTypeId::ABORT => {
            u32_body(payload, 4, |abort_csid| MessageBody::Abort { abort_csid })
        }
        MessageTypeId::ACKNOWLEDGEMENT => u32_body(payload, 4, |sequence_number| {
            MessageBody::Acknowledgement { sequence_number }
        }),
        MessageTypeId::WINDOW_ACK_SIZE => u32_body(payload, 4, |window_size| {
            MessageBody::WindowAckSize { window_size }
        }),
        MessageTypeId::SET_PEER_BANDWIDTH => {
            let mut reader = Reader::new(payload);
            match (reader.be_u32(), reader.u8()) {
                (Some(window_size), Some(limit_type)) => {
                    let limit = match limit_type {
                        0 => "hard",
                        1 => "soft",
                        2 => "dynamic",
                        _ => "unknown",
                    };
                    (
                        MessageBody::SetPeerBandwidth {
                            window_size,
                            limit_type,
                            limit,
                        },
                        size_error(payload, 5),
                    )
                }
                _ => raw(payload, "set peer bandwidth needs 5 bytes"),
            }
        }
        MessageTypeId::USER_CONTROL => user_control(payload),
        MessageTypeId::AUDIO => (MessageBody::Audio(audio_header(payload)), None),
        MessageTypeId::VIDEO => (MessageBody::Video(video_header(payload)), None),
        MessageTypeId::COMMAND_AMF0 | MessageTypeId::COMMAND_AMF3 => {
            let (command, error) = decode_command(payload, encoding(type_id), limits);
            (MessageBody::Command(command), error)
        }
        MessageTypeId::DATA_AMF0 | MessageTypeId::DATA_AMF3 => {
            let (data, error) = decode_data(payload, encoding(type_id), limits);
            (MessageBody::Data(data), error)
        }
        MessageTypeId::SHARED_OBJECT_AMF0 | MessageTypeId::SHARED_OBJECT_AMF3 => {
            let (object, error) = decode_shared_object(payload, encoding(type_id), limits);
            (MessageBody::SharedObject(object), error)
        }
        MessageTypeId::AGGREGATE => aggregate(payload, limits),
        _ => raw(payload, ""),
    }
}

fn encoding(type_id: MessageTypeId) -> AmfEncoding {
    match type_id {
        MessageTypeId::COMMAND_AMF3
        | MessageTypeId::DATA_AMF3
        | MessageTypeId::SHARED_OBJECT_AMF3 => AmfEncoding::Amf3,
        _ => AmfEncoding::Amf0,
    }
}

/// A body of one big-endian u32 (`expected` bytes long).
fn u32_body(
    payload: &[u8],
    expected: usize,
    body: impl FnOnce(u32) -> MessageBody,
) -> (MessageBody, Option<String>) {
    match Reader::new(payload).be_u32() {
        Some(value) => (body(value), size_error(payload, expected)),
        None => raw(payload, "the body is shorter than 4 bytes"),
    }
}

/// An error when a fixed-size body has another size.
fn size_error(payload: &[u8], expected: usize) -> Option<String> {
    (payload.len() != expected)
        .then(|| format!("the body has {} bytes, {expected} expected", payload.len()))
}

/// The first bytes of a body that could not be decoded (or has an unknown type).
fn raw(payload: &[u8], error: &str) -> (MessageBody, Option<String>) {
    let preview = payload.get(..RAW_PREVIEW_BYTES).unwrap_or(payload).to_vec();
    let error = (!error.is_empty()).then(|| error.to_owned());
    (
        MessageBody::Raw {
            payload_hex: preview,
        },
        error,
    )
}

fn user_control(payload: &[u8]) -> (MessageBody, Option<String>) {
    let mut reader = Reader::new(payload);
    let Some(event_type) = reader.be_u16() else {
        return raw(
            payload,
            "user control message shorter than its 2-byte event type",
        );
    };
    let mut control = UserControl {
        event_type,
        control_event: "unknown",
        stream_id: None,
        buffer_length: None,
        ping_timestamp: None,
        rtt_ms: None,
        raw_hex: None,
    };
    let (event, expected) = match event_type {
        0 => ("stream_begin", 6),
        1 => ("stream_eof", 6),
        2 => ("stream_dry", 6),
        3 => ("set_buffer_length", 10),
        4 => ("stream_is_recorded", 6),
        6 => ("ping_request", 6),
        7 => ("ping_response", 6),
        31 => ("buffer_empty", 6),
        32 => ("buffer_ready", 6),
        _ => ("unknown", 0),
    };
    control.control_event = event;
    let value = reader.be_u32();
    match event_type {
        0..=4 | 31 | 32 => control.stream_id = value,
        6 | 7 => control.ping_timestamp = value,
        _ => {}
    }
    if event_type == 3 {
        control.buffer_length = reader.be_u32();
    }
    if expected == 0 || payload.len() < expected {
        let data = payload.get(2..).unwrap_or_default();
        control.raw_hex = Some(crate::rtmp::hex::Hex(data).to_string());
    }
    let error = (expected != 0)
        .then(|| size_error(payload, expected))
        .flatten();
    (MessageBody::UserControl(control), error)
}

/// Splits an aggregate message: each part is an FLV tag (type, size, timestamp, stream id,
/// body) followed by a 4-byte back pointer.
fn aggregate(payload: &[u8], limits: &AmfLimits) -> (MessageBody, Option<String>) {
    let mut reader = Reader::new(payload);
    let mut messages = Vec::new();
    let mut error = None;
    while reader.remaining() > 0 {
        if messages.len() == MAX_AGGREGATE_PARTS {
            error = Some(format!(
                "more than {MAX_AGGREGATE_PARTS} sub-messages; the rest are not shown"
            ));
            break;
        }
        let offset = reader.position();
        let part = (|| {
            let type_id = MessageTypeId(reader.u8()?);
            let length = reader.be_u24()?;
            let low = reader.be_u24()?;
            let high = reader.u8()?;
            let _stream_id = reader.be_u24()?;
            let body = reader.take(usize::try_from(length).ok()?)?;
            let _back_pointer = reader.be_u32()?;
            Some((type_id, length, (u32::from(high) << 24) | low, body))
        })();
        let Some((type_id, length, timestamp, body)) = part else {
            error = Some(format!("the sub-message at offset {offset} is cut short"));
            break;
        };
        let decoded = if type_id == MessageTypeId::AGGREGATE {
            raw(body, "")
        } else {
            decode_body(type_id, body, limits)
        };
        messages.push(AggregatePart {
            type_id,
            type_name: type_id.name(),
            timestamp,
            length,
            body: decoded.0,
        });
    }
    (MessageBody::Aggregate { messages }, error)
}
