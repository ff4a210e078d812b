//! RTMP messages: the header every message has, and its body decoded into named fields.
//!
//! This module holds the types; [`crate::rtmp::decode`] turns a message's bytes into a
//! [`MessageBody`]. Each body variant's fields are flattened into the message's JSON object.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::amf::{AmfValue, HexJson};
use crate::rtmp::decode_error::DecodeError;
use crate::rtmp::media::{AudioHeader, VideoHeader};

/// An RTMP message type id. Open: unknown values are kept and shown, never rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MessageTypeId(pub u8);

impl MessageTypeId {
    /// Set Chunk Size (protocol control).
    pub const SET_CHUNK_SIZE: Self = Self(1);
    /// Abort Message (protocol control).
    pub const ABORT: Self = Self(2);
    /// Acknowledgement (protocol control).
    pub const ACKNOWLEDGEMENT: Self = Self(3);
    /// User Control Message.
    pub const USER_CONTROL: Self = Self(4);
    /// Window Acknowledgement Size (protocol control).
    pub const WINDOW_ACK_SIZE: Self = Self(5);
    /// Set Peer Bandwidth (protocol control).
    pub const SET_PEER_BANDWIDTH: Self = Self(6);
    /// Audio data.
    pub const AUDIO: Self = Self(8);
    /// Video data.
    pub const VIDEO: Self = Self(9);
    /// Data message, AMF3.
    pub const DATA_AMF3: Self = Self(15);
    /// Shared object message, AMF3.
    pub const SHARED_OBJECT_AMF3: Self = Self(16);
    /// Command message, AMF3.
    pub const COMMAND_AMF3: Self = Self(17);
    /// Data message, AMF0.
    pub const DATA_AMF0: Self = Self(18);
    /// Shared object message, AMF0.
    pub const SHARED_OBJECT_AMF0: Self = Self(19);
    /// Command message, AMF0.
    pub const COMMAND_AMF0: Self = Self(20);
    /// Aggregate message.
    pub const AGGREGATE: Self = Self(22);

    /// The stable snake_case name used in JSON (`"unknown"` for values the specification lacks).
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "set_chunk_size",
            2 => "abort",
            3 => "acknowledgement",
            4 => "user_control",
            5 => "window_ack_size",
            6 => "set_peer_bandwidth",
            8 => "audio",
            9 => "video",
            15 => "data_amf3",
            16 => "shared_object_amf3",
            17 => "command_amf3",
            18 => "data_amf0",
            19 => "shared_object_amf0",
            20 => "command_amf0",
            22 => "aggregate",
            _ => "unknown",
        }
    }

    /// True for the types the specification defines (a hint when resynchronising).
    pub fn is_known(self) -> bool {
        self.name() != "unknown"
    }

    /// True for audio and video, whose bodies are counted rather than kept.
    pub fn is_media(self) -> bool {
        self == Self::AUDIO || self == Self::VIDEO
    }
}

impl fmt::Display for MessageTypeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

/// The header the chunk layer assembled for a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct MessageHeader {
    /// Chunk stream id the message arrived on.
    pub csid: u32,
    /// Message stream id.
    pub msid: u32,
    /// Absolute timestamp in milliseconds (deltas accumulated, wrapping at 2^32 as RTMP does).
    pub timestamp: u32,
    /// Message type id.
    #[serde(serialize_with = "serialize_type_id")]
    pub type_id: MessageTypeId,
    /// Body length in bytes, as announced.
    pub length: u32,
}

fn serialize_type_id<S: Serializer>(id: &MessageTypeId, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u8(id.0)
}

/// A complete message: header and decoded body.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// Where and when it was sent.
    #[serde(flatten)]
    pub header: MessageHeader,
    /// `"type"` in JSON: the type id's name.
    #[serde(rename = "type")]
    pub type_name: &'static str,
    /// The decoded body; its fields are flattened into the message object.
    #[serde(flatten)]
    pub body: MessageBody,
    /// What went wrong decoding the body, if anything (the fields above hold what did decode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<DecodeError>,
}

impl Message {
    /// Builds a message, filling the type name from the header.
    pub fn new(
        header: MessageHeader,
        body: MessageBody,
        decode_error: Option<DecodeError>,
    ) -> Self {
        Message {
            header,
            type_name: header.type_id.name(),
            body,
            decode_error,
        }
    }
}

/// A message body, decoded by type.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum MessageBody {
    /// Set Chunk Size (1).
    SetChunkSize {
        /// The new maximum chunk payload size for this direction.
        chunk_size: u32,
    },
    /// Abort Message (2).
    Abort {
        /// The chunk stream whose partial message is discarded.
        abort_csid: u32,
    },
    /// Acknowledgement (3).
    Acknowledgement {
        /// Bytes received so far, as the peer counts them.
        sequence_number: u32,
    },
    /// User Control Message (4).
    UserControl(UserControl),
    /// Window Acknowledgement Size (5).
    WindowAckSize {
        /// The window size in bytes.
        window_size: u32,
    },
    /// Set Peer Bandwidth (6).
    SetPeerBandwidth {
        /// The window size in bytes.
        window_size: u32,
        /// Limit type byte (0 hard, 1 soft, 2 dynamic).
        limit_type: u8,
        /// The limit type's name (`"hard"`, `"soft"`, `"dynamic"`, `"unknown"`).
        limit: &'static str,
    },
    /// Audio (8): the tag header; the payload is counted, not kept.
    Audio(AudioHeader),
    /// Video (9): the tag header; the payload is counted, not kept.
    Video(VideoHeader),
    /// Command (17 AMF3, 20 AMF0). Boxed, as the sequence headers' configurations are: the
    /// rare large bodies would otherwise make every message as large as they are, and
    /// messages are moved a few times on their way to the sinks.
    Command(Box<Command>),
    /// Data (15 AMF3, 18 AMF0).
    Data(Data),
    /// Shared object (16 AMF3, 19 AMF0).
    SharedObject(SharedObject),
    /// Aggregate (22), split into its sub-messages.
    Aggregate {
        /// The sub-messages, in order.
        messages: Vec<AggregatePart>,
    },
    /// A type this decoder does not know (or a body it could not decode at all): raw bytes.
    Raw {
        /// The first bytes of the body, hex (at most [`RAW_PREVIEW_BYTES`]).
        #[serde(serialize_with = "serialize_hex")]
        payload_hex: Vec<u8>,
    },
}

/// How many body bytes a [`MessageBody::Raw`] shows.
pub const RAW_PREVIEW_BYTES: usize = 64;

fn serialize_hex<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    HexJson(bytes).serialize(serializer)
}

/// A User Control Message (type 4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserControl {
    /// The event type number.
    pub event_type: u16,
    /// Its name: `stream_begin`, `stream_eof`, `stream_dry`, `set_buffer_length`,
    /// `stream_is_recorded`, `ping_request`, `ping_response`, `buffer_empty`, `buffer_ready`,
    /// or `unknown`. (Not `event`: that key names the event kind in every JSON object.)
    pub control_event: &'static str,
    /// The message stream the event concerns (stream events, set buffer length, buffer
    /// empty/ready).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<u32>,
    /// Buffer length in milliseconds (set buffer length).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buffer_length: Option<u32>,
    /// Ping timestamp (ping request and response).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ping_timestamp: Option<u32>,
    /// Round-trip time in milliseconds, on a ping response that answers a request seen earlier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<f64>,
    /// Event data of unknown or malformed events, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_hex: Option<String>,
}

/// A command (types 17 and 20). In JSON, the leading values the body did not hold (a body
/// cut short, or not captured whole) are left out rather than shown as defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// The command name (`connect`, `createStream`, `publish`, `_result`, `onStatus`, …).
    pub command: String,
    /// The transaction id (0 for commands that expect no answer).
    pub transaction_id: f64,
    /// The command object (null for most commands after connect).
    pub command_object: AmfValue,
    /// The remaining arguments.
    pub args: Vec<AmfValue>,
    /// For `_result` / `_error`: the command this answers (matched by transaction id).
    pub reply_to: Option<String>,
    /// For `_result` / `_error`: the frame of the command this answers.
    pub reply_to_frame: Option<u64>,
    /// How many of the leading values (name, transaction id, command object) the body held;
    /// `args` follow only after all three.
    pub values_decoded: u8,
}

impl Serialize for Command {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Command", 6)?;
        out.serialize_field("command", &self.command)?;
        if self.values_decoded >= 2 {
            out.serialize_field("transaction_id", &self.transaction_id)?;
        }
        if self.values_decoded >= 3 {
            out.serialize_field("command_object", &self.command_object)?;
            out.serialize_field("args", &self.args)?;
        }
        if let Some(reply_to) = &self.reply_to {
            out.serialize_field("reply_to", reply_to)?;
        }
        if let Some(frame) = self.reply_to_frame {
            out.serialize_field("reply_to_frame", &frame)?;
        }
        out.end()
    }
}

impl Command {
    /// The first string among the arguments: the stream name of publish, play and their kin.
    pub fn first_string_arg(&self) -> Option<&str> {
        self.args.iter().find_map(AmfValue::as_str)
    }

    /// The info object of onStatus, `_result` or `_error`: the first argument (or the command
    /// object) that has a `code` property.
    pub fn status_info(&self) -> Option<&AmfValue> {
        if !matches!(self.command.as_str(), "onStatus" | "_result" | "_error") {
            return None;
        }
        self.args
            .iter()
            .chain(std::iter::once(&self.command_object))
            .find(|value| value.get("code").is_some())
    }
}

/// A data message (types 15 and 18).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Data {
    /// The handler name when the first value is a string (`@setDataFrame`, `onMetaData`,
    /// `|RtmpSampleAccess`, `onTextData`, `onCuePoint`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The values after the name.
    pub values: Vec<AmfValue>,
}

/// A shared object message (types 16 and 19).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedObject {
    /// The shared object's name.
    pub name: String,
    /// Its version.
    pub version: u32,
    /// Whether it is persistent (flags field, non-zero first byte).
    pub persistent: bool,
    /// Its events.
    pub events: Vec<SharedObjectEvent>,
}

/// One event inside a shared object message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedObjectEvent {
    /// Event type number (1 use … 11 use success in the specification).
    pub event_type: u8,
    /// Its name: `use`, `release`, `request_change`, `change`, `success`, `send_message`,
    /// `status`, `clear`, `remove`, `request_remove`, `use_success`, or `unknown`.
    pub event: &'static str,
    /// Named values (change, request change: the property and its value; status: code and
    /// level), in wire order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<(String, AmfValue)>,
    /// Unnamed values (send message: the handler name and its arguments).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<AmfValue>,
}

/// One sub-message of an aggregate message.
#[derive(Debug, Clone, Serialize)]
pub struct AggregatePart {
    /// Where its tag header starts in the aggregate's body (not part of the JSON).
    #[serde(skip)]
    pub offset: usize,
    /// Sub-message type id.
    #[serde(serialize_with = "serialize_type_id")]
    pub type_id: MessageTypeId,
    /// Its type name.
    #[serde(rename = "type")]
    pub type_name: &'static str,
    /// Its absolute timestamp as carried in the sub-message header (ms).
    pub timestamp: u32,
    /// Its body length.
    pub length: u32,
    /// Its decoded body (media headers, data values).
    #[serde(flatten)]
    pub body: MessageBody,
    /// Why its body could not be decoded in full (what was decoded is in `body`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<DecodeError>,
}
