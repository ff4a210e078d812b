//! Message body decoding: from a message's header and bytes to a typed [`Message`].
//!
//! PLACEHOLDER: to be implemented.

use crate::rtmp::amf::AmfLimits;
use crate::rtmp::message::{Message, MessageBody, MessageHeader};

/// Decodes one message. `payload` may be shorter than `header.length` for audio/video (the
/// chunk layer keeps only a prefix); the header fields come from that prefix.
pub fn decode_message(header: MessageHeader, payload: &[u8], limits: &AmfLimits) -> Message {
    let _ = (payload, limits);
    Message::new(
        header,
        MessageBody::Raw {
            payload_hex: Vec::new(),
        },
        None,
    )
}
