//! Message body decoding: from a message's header and bytes to a typed [`Message`].

use std::ops::Range;

use crate::amf::{AmfEncoding, AmfLimits};
use crate::rtmp::command::{decode_command, decode_data, decode_shared_object};
use crate::rtmp::decode_error::DecodeError;
use crate::rtmp::layout::{
    aggregate as tag, array_at, be_u16_at, be_u32_at, control, u8_at, user_control,
};
use crate::rtmp::media::{audio_header, video_header};
use crate::rtmp::message::{
    AggregatePart, Message, MessageBody, MessageHeader, MessageTypeId, UserControl,
    RAW_PREVIEW_BYTES,
};

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
) -> (MessageBody, Option<DecodeError>) {
    match type_id {
        MessageTypeId::SET_CHUNK_SIZE => u32_body(payload, control::CHUNK_SIZE, |value| {
            MessageBody::SetChunkSize {
                chunk_size: value & 0x7FFF_FFFF,
            }
        }),
        MessageTypeId::ABORT => u32_body(payload, control::ABORT_CSID, |abort_csid| {
            MessageBody::Abort { abort_csid }
        }),
        MessageTypeId::ACKNOWLEDGEMENT => {
            u32_body(payload, control::SEQUENCE_NUMBER, |sequence_number| {
                MessageBody::Acknowledgement { sequence_number }
            })
        }
        MessageTypeId::WINDOW_ACK_SIZE => u32_body(payload, control::WINDOW_SIZE, |window_size| {
            MessageBody::WindowAckSize { window_size }
        }),
        MessageTypeId::SET_PEER_BANDWIDTH => {
            match (
                be_u32_at(payload, control::WINDOW_SIZE),
                u8_at(payload, control::LIMIT_TYPE),
            ) {
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
                        size_error(payload, control::SET_PEER_BANDWIDTH),
                    )
                }
                _ => raw(
                    payload,
                    Some(DecodeError::TooShort("set peer bandwidth needs 5 bytes")),
                ),
            }
        }
        MessageTypeId::USER_CONTROL => user_control(payload),
        MessageTypeId::AUDIO => (MessageBody::Audio(audio_header(payload)), None),
        MessageTypeId::VIDEO => (MessageBody::Video(video_header(payload)), None),
        MessageTypeId::COMMAND_AMF0 | MessageTypeId::COMMAND_AMF3 => {
            let (command, error) = decode_command(payload, encoding(type_id), limits);
            (MessageBody::Command(Box::new(command)), error)
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
        _ => raw(payload, None),
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

/// A body of one big-endian u32 at `field` (and nothing else).
fn u32_body(
    payload: &[u8],
    field: Range<usize>,
    body: impl FnOnce(u32) -> MessageBody,
) -> (MessageBody, Option<DecodeError>) {
    match be_u32_at(payload, field) {
        Some(value) => (body(value), size_error(payload, control::U32_BODY)),
        None => raw(
            payload,
            Some(DecodeError::TooShort("the body is shorter than 4 bytes")),
        ),
    }
}

/// An error when a fixed-size body has another size.
fn size_error(payload: &[u8], expected: usize) -> Option<DecodeError> {
    (payload.len() != expected).then_some(DecodeError::BodySize {
        found: payload.len(),
        expected,
    })
}

/// The first bytes of a body that could not be decoded (or has an unknown type).
fn raw(payload: &[u8], error: Option<DecodeError>) -> (MessageBody, Option<DecodeError>) {
    let preview = payload.get(..RAW_PREVIEW_BYTES).unwrap_or(payload).to_vec();
    (
        MessageBody::Raw {
            payload_hex: preview,
        },
        error,
    )
}

fn user_control(payload: &[u8]) -> (MessageBody, Option<DecodeError>) {
    let Some(event_type) = be_u16_at(payload, user_control::EVENT_TYPE) else {
        return raw(
            payload,
            Some(DecodeError::TooShort(
                "user control message shorter than its 2-byte event type",
            )),
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
    let short = user_control::SHORT_EVENT;
    let (event, expected) = match event_type {
        0 => ("stream_begin", short),
        1 => ("stream_eof", short),
        2 => ("stream_dry", short),
        3 => ("set_buffer_length", user_control::SET_BUFFER_LENGTH),
        4 => ("stream_is_recorded", short),
        6 => ("ping_request", short),
        7 => ("ping_response", short),
        31 => ("buffer_empty", short),
        32 => ("buffer_ready", short),
        _ => ("unknown", 0),
    };
    control.control_event = event;
    match event_type {
        0..=4 | 31 | 32 => control.stream_id = be_u32_at(payload, user_control::STREAM_ID),
        6 | 7 => control.ping_timestamp = be_u32_at(payload, user_control::PING_TIMESTAMP),
        _ => {}
    }
    if event_type == 3 {
        control.buffer_length = be_u32_at(payload, user_control::BUFFER_LENGTH);
    }
    if expected == 0 || payload.len() < expected {
        let data = payload.get(user_control::DATA_START..).unwrap_or_default();
        control.raw_hex = Some(crate::common::hex::Hex(data).to_string());
    }
    let error = (expected != 0)
        .then(|| size_error(payload, expected))
        .flatten();
    (MessageBody::UserControl(control), error)
}

/// One FLV tag of an aggregate message, as framed (its body not decoded yet).
struct RawPart<'a> {
    offset: usize,
    type_id: MessageTypeId,
    length: u32,
    timestamp: u32,
    body: &'a [u8],
}

/// Walks the FLV tags of an aggregate payload (type, size, timestamp, stream id, body, 4-byte
/// back pointer): `Err(offset)` for a tag cut short there, which ends the walk.
fn aggregate_parts(payload: &[u8]) -> impl Iterator<Item = Result<RawPart<'_>, usize>> {
    let mut offset = 0usize;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let part = payload.get(offset..).filter(|rest| !rest.is_empty())?;
        let read = || {
            let type_id = MessageTypeId(u8_at(part, tag::TYPE_ID)?);
            let length = be_u24(array_at(part, tag::LENGTH)?);
            let low = be_u24(array_at(part, tag::TIMESTAMP_LOW)?);
            let high = u8_at(part, tag::TIMESTAMP_HIGH)?;
            let _stream_id: [u8; 3] = array_at(part, tag::STREAM_ID)?;
            let end = tag::HEADER.checked_add(usize::try_from(length).ok()?)?;
            let body = part.get(tag::HEADER..end)?;
            let next = end.checked_add(tag::BACK_POINTER)?;
            let _back_pointer: [u8; 4] = array_at(part, end..next)?;
            Some((type_id, length, (u32::from(high) << 24) | low, body, next))
        };
        let Some((type_id, length, timestamp, body, next)) = read() else {
            done = true;
            return Some(Err(offset));
        };
        let raw = RawPart {
            offset,
            type_id,
            length,
            timestamp,
            body,
        };
        // Within the payload: the read above found every byte up to `next`.
        offset += next;
        Some(Ok(raw))
    })
}

/// Whether a message type's body is AMF (commands, data, shared objects).
fn is_amf(type_id: MessageTypeId) -> bool {
    matches!(type_id.0, 15..=20)
}

/// Splits an aggregate message into its parts and decodes each. The AMF parts share the
/// message's AMF limits (each gets an equal share of the values and reference bytes), so an
/// aggregate of many parts expands no further than one message may.
fn aggregate(payload: &[u8], limits: &AmfLimits) -> (MessageBody, Option<DecodeError>) {
    let amf_parts = aggregate_parts(payload)
        .take(MAX_AGGREGATE_PARTS)
        .filter(|part| part.as_ref().is_ok_and(|part| is_amf(part.type_id)))
        .count()
        .max(1);
    let share = AmfLimits {
        max_values: limits.max_values / amf_parts,
        max_reference_bytes: limits.max_reference_bytes / amf_parts,
        ..*limits
    };
    let mut messages = Vec::new();
    let mut error = None;
    for part in aggregate_parts(payload) {
        if messages.len() == MAX_AGGREGATE_PARTS {
            error = Some(DecodeError::TooManyParts(MAX_AGGREGATE_PARTS));
            break;
        }
        let part = match part {
            Ok(part) => part,
            Err(offset) => {
                error = Some(DecodeError::PartCutShort(offset));
                break;
            }
        };
        let decoded = if part.type_id == MessageTypeId::AGGREGATE {
            raw(part.body, None)
        } else {
            decode_body(part.type_id, part.body, &share)
        };
        messages.push(AggregatePart {
            offset: part.offset,
            type_id: part.type_id,
            type_name: part.type_id.name(),
            timestamp: part.timestamp,
            length: part.length,
            body: decoded.0,
            decode_error: decoded.1,
        });
    }
    (MessageBody::Aggregate { messages }, error)
}

/// A big-endian 24-bit unsigned number.
fn be_u24([a, b, c]: [u8; 3]) -> u32 {
    u32::from_be_bytes([0, a, b, c])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amf::AmfValue;
    use serde_json::{json, Value};

    /// Decodes a body of `type_id` and returns its JSON fields (with `decode_error`).
    fn decode(type_id: u8, payload: &[u8]) -> Value {
        let header = MessageHeader {
            csid: 2,
            msid: 0,
            timestamp: 0,
            type_id: MessageTypeId(type_id),
            length: payload.len() as u32,
        };
        let mut value =
            serde_json::to_value(decode_message(header, payload, &AmfLimits::default())).unwrap();
        for common in ["csid", "msid", "timestamp", "type_id", "length"] {
            value.as_object_mut().unwrap().remove(common);
        }
        value
    }

    #[test]
    fn protocol_control_messages() {
        // Set Chunk Size: the top bit is ignored.
        assert_eq!(
            decode(1, &[0x80, 0, 0x10, 0]),
            json!({"type": "set_chunk_size", "chunk_size": 4096})
        );
        assert_eq!(
            decode(2, &[0, 0, 0, 6]),
            json!({"type": "abort", "abort_csid": 6})
        );
        assert_eq!(
            decode(3, &[0, 0x01, 0, 0]),
            json!({"type": "acknowledgement", "sequence_number": 65536})
        );
        assert_eq!(
            decode(5, &[0, 0x4C, 0x4B, 0x40]),
            json!({"type": "window_ack_size", "window_size": 5_000_000})
        );
        assert_eq!(
            decode(6, &[0, 0x4C, 0x4B, 0x40, 2]),
            json!({"type": "set_peer_bandwidth", "window_size": 5_000_000, "limit_type": 2, "limit": "dynamic"})
        );
        // A wrong size decodes what is there and says so.
        assert_eq!(
            decode(5, &[0, 0, 0, 1, 9])["decode_error"],
            "the body has 5 bytes, 4 expected"
        );
        assert_eq!(
            decode(1, &[0, 1])["decode_error"],
            "the body is shorter than 4 bytes"
        );
    }

    #[test]
    fn user_control_events() {
        let event = |bytes: &[u8]| decode(4, bytes);
        assert_eq!(
            event(&[0, 0, 0, 0, 0, 1]),
            json!({"type": "user_control", "event_type": 0, "control_event": "stream_begin", "stream_id": 1})
        );
        assert_eq!(event(&[0, 1, 0, 0, 0, 1])["control_event"], "stream_eof");
        assert_eq!(event(&[0, 2, 0, 0, 0, 1])["control_event"], "stream_dry");
        assert_eq!(
            event(&[0, 3, 0, 0, 0, 1, 0, 0, 0x0B, 0xB8]),
            json!({"type": "user_control", "event_type": 3, "control_event": "set_buffer_length", "stream_id": 1, "buffer_length": 3000})
        );
        assert_eq!(
            event(&[0, 4, 0, 0, 0, 1])["control_event"],
            "stream_is_recorded"
        );
        assert_eq!(
            event(&[0, 6, 0, 0, 0x30, 0x39]),
            json!({"type": "user_control", "event_type": 6, "control_event": "ping_request", "ping_timestamp": 12345})
        );
        assert_eq!(
            event(&[0, 7, 0, 0, 0x30, 0x39])["control_event"],
            "ping_response"
        );
        assert_eq!(event(&[0, 31, 0, 0, 0, 1])["control_event"], "buffer_empty");
        assert_eq!(event(&[0, 32, 0, 0, 0, 1])["control_event"], "buffer_ready");
        // Unknown events are shown raw (Flash Media Server's event 8, seen in a real capture).
        assert_eq!(
            event(&[0, 8, 0, 0, 0, 0, 0, 1]),
            json!({"type": "user_control", "event_type": 8, "control_event": "unknown", "raw_hex": "000000000001"})
        );
    }

    /// AMF0 bytes: string "onStatus", number 0, null, object {code: "X"}.
    fn on_status() -> Vec<u8> {
        let mut body = vec![0x02, 0, 8];
        body.extend_from_slice(b"onStatus");
        body.push(0x00);
        body.extend_from_slice(&0f64.to_be_bytes());
        body.push(0x05);
        body.extend_from_slice(&[
            0x03, 0, 4, b'c', b'o', b'd', b'e', 0x02, 0, 1, b'X', 0, 0, 0x09,
        ]);
        body
    }

    #[test]
    fn commands_in_amf0_and_amf3_messages() {
        let expected = json!({"type": "command_amf0", "command": "onStatus", "transaction_id": 0.0, "command_object": null, "args": [{"code": "X"}]});
        assert_eq!(decode(20, &on_status()), expected);
        // Type 17: a format byte, then the same AMF0 values.
        let mut amf3 = vec![0];
        amf3.extend_from_slice(&on_status());
        let mut expected3 = expected.clone();
        expected3["type"] = json!("command_amf3");
        assert_eq!(decode(17, &amf3), expected3);
        // A truncated command keeps what decoded.
        let cut = decode(20, &on_status()[..20]);
        assert_eq!(cut["command"], "onStatus");
        assert_eq!(
            cut["decode_error"],
            "the body ends before the command object"
        );
    }

    #[test]
    fn data_messages() {
        // @setDataFrame "onMetaData" {width: 320}
        let mut body = vec![0x02, 0, 13];
        body.extend_from_slice(b"@setDataFrame");
        body.extend_from_slice(&[0x02, 0, 10]);
        body.extend_from_slice(b"onMetaData");
        body.extend_from_slice(&[0x08, 0, 0, 0, 1, 0, 5]);
        body.extend_from_slice(b"width");
        body.push(0x00);
        body.extend_from_slice(&320f64.to_be_bytes());
        body.extend_from_slice(&[0, 0, 0x09]);
        assert_eq!(
            decode(18, &body),
            json!({"type": "data_amf0", "name": "@setDataFrame", "values": ["onMetaData", {"width": 320.0}]})
        );
        // Data without a leading string has no name.
        assert_eq!(
            decode(18, &[0x05]),
            json!({"type": "data_amf0", "values": [null]})
        );
    }

    #[test]
    fn shared_objects() {
        let mut body = vec![0, 2, b's', b'o']; // name "so"
        body.extend_from_slice(&[0, 0, 0, 3]); // version 3
        body.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0]); // flags: persistent
                                                           // Event 4 change: "k" = true
        body.extend_from_slice(&[4, 0, 0, 0, 5, 0, 1, b'k', 0x01, 0x01]);
        // Event 1 use, no data
        body.extend_from_slice(&[1, 0, 0, 0, 0]);
        // Event 6 send message: "hi"
        body.extend_from_slice(&[6, 0, 0, 0, 5, 0x02, 0, 2, b'h', b'i']);
        assert_eq!(
            decode(19, &body),
            json!({
                "type": "shared_object_amf0", "name": "so", "version": 3, "persistent": true,
                "events": [
                    {"event_type": 4, "event": "change", "values": [["k", true]]},
                    {"event_type": 1, "event": "use"},
                    {"event_type": 6, "event": "send_message", "items": ["hi"]}
                ]
            })
        );
        assert_eq!(
            decode(19, &body[..body.len() - 3])["decode_error"],
            "the shared object event at offset 31 is cut short"
        );
    }

    #[test]
    fn aggregate_messages_are_split() {
        let mut body = Vec::new();
        // Sub-message: video, 2 bytes, timestamp 0x000100 + high byte 0, stream 1, body, back pointer.
        body.extend_from_slice(&[9, 0, 0, 2, 0, 1, 0, 0, 0, 0, 1, 0x17, 0x01, 0, 0, 0, 13]);
        // Sub-message: audio, 2 bytes, timestamp 0x000120, stream 1.
        body.extend_from_slice(&[8, 0, 0, 2, 0, 1, 0x20, 0, 0, 0, 1, 0xAF, 0x01, 0, 0, 0, 13]);
        let value = decode(22, &body);
        assert_eq!(
            value["messages"][0],
            json!({"type_id": 9, "type": "video", "timestamp": 256, "length": 2, "frame_type": 1, "frame_kind": "keyframe", "codec_id": 7, "codec": "avc", "avc_packet_type": 1})
        );
        assert_eq!(value["messages"][1]["codec"], "aac");
        assert_eq!(value["messages"][1]["timestamp"], 288);
        assert!(decode(22, &body[..20])["decode_error"]
            .as_str()
            .unwrap()
            .contains("cut short"));
    }

    #[test]
    fn unknown_types_show_raw_bytes() {
        assert_eq!(
            decode(0x19, &[1, 2, 3]),
            json!({"type": "unknown", "payload_hex": "010203"})
        );
    }

    #[test]
    fn command_arguments_keep_amf_types() {
        let (command, error) = crate::rtmp::command::decode_command(
            &[
                0x02, 0, 1, b'x', 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x06, 0x11, 0x04, 0x05,
            ],
            crate::amf::AmfEncoding::Amf0,
            &AmfLimits::default(),
        );
        assert_eq!(error, None);
        assert_eq!(command.command_object, AmfValue::Undefined);
        assert_eq!(command.args, [AmfValue::Integer(5)]);
    }
}
