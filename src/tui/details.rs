//! The details pane's tree: the selected row decoded again from the bytes it kept, as nested
//! fields, each with the body bytes it came from, for the hex pane to highlight.
//!
//! Commands and data are walked value by value ([`super::layout`]), so every value, property
//! name and nested value has its exact bytes; fixed-layout bodies (protocol control, user
//! control, audio and video tag headers, aggregate sub-message headers) have their fields at
//! the ranges the decoder reads them from ([`crate::rtmp::layout`]), and codec configuration
//! records where the decoder found each field. The few fields with no bytes of their own say
//! why ([`without_bytes`]). [`fields`] builds the tree once per selected row; [`flatten`]
//! lists the lines shown, given which nodes are expanded.

// These bytes come off the wire: no panicking shortcuts outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use crate::common::escape::Escaped;
use std::collections::HashSet;
use std::ops::Range;

use serde_json::Value;

use super::layout::{amf_values, AmfNode, NodeKind};
use super::model::{Content, MessageRow};
use crate::amf::AmfLimits;
use crate::rtmp::codec::ConfigSpans;
use crate::rtmp::decode::decode_message;
use crate::rtmp::handshake::digest_range;
use crate::rtmp::layout::handshake as hs;
use crate::rtmp::layout::{aggregate as tag, audio, control, shift, user_control, video};
use crate::rtmp::media::{audio_config_spans, video_config_spans, AudioHeader, VideoHeader};
use crate::rtmp::message::{AggregatePart, MessageBody, MessageTypeId, RAW_PREVIEW_BYTES};
use crate::transport::rtmpe::DH_KEY_LEN;

/// One field of a message: a label, the body bytes it came from, and its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// `key: value`, or `key {n}` / `key [n]` for containers.
    pub label: String,
    /// A stable path (`command_object.tcUrl`): the key of its expanded state.
    pub path: String,
    /// Its body bytes, when known.
    pub bytes: Option<Range<usize>>,
    /// A leaf's value as the label shows it, before escaping (what `y` copies).
    pub value: Option<String>,
    /// Its parts.
    pub children: Vec<Field>,
}

/// One line of the details pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Nesting depth (0 for top-level fields).
    pub depth: usize,
    /// The field's label.
    pub label: String,
    /// The field's path.
    pub path: String,
    /// Whether it has parts (and so can be expanded).
    pub container: bool,
    /// Whether it is expanded.
    pub expanded: bool,
    /// Its body bytes, when known.
    pub bytes: Option<Range<usize>>,
}

/// The lines shown: containers of the first two levels (but the message header) are open
/// unless toggled, so a command's object and its arguments' objects show at once; deeper
/// ones are open only when toggled.
pub fn flatten(fields: &[Field], toggled: &HashSet<String>) -> Vec<Node> {
    let mut nodes = Vec::new();
    for field in fields {
        flatten_into(field, 0, toggled, &mut nodes);
    }
    nodes
}

fn flatten_into(field: &Field, depth: usize, toggled: &HashSet<String>, out: &mut Vec<Node>) {
    let container = !field.children.is_empty();
    let default_open = depth <= 1 && field.path != "header";
    let expanded = container && (default_open != toggled.contains(&field.path));
    out.push(Node {
        depth,
        label: field.label.clone(),
        path: field.path.clone(),
        container,
        expanded,
        bytes: field.bytes.clone(),
    });
    if expanded {
        for child in &field.children {
            flatten_into(child, depth + 1, toggled, out);
        }
    }
}

/// The field at `path`, wherever it is in the tree.
pub fn find<'a>(fields: &'a [Field], path: &str) -> Option<&'a Field> {
    fields.iter().find_map(|field| {
        if field.path == path {
            Some(field)
        } else {
            find(&field.children, path)
        }
    })
}

/// The whole text of `fields`, every part expanded, one field a line indented by its depth:
/// what the full-text view shows and `y` copies of a container.
pub fn text(fields: &[Field]) -> String {
    let mut out = String::new();
    for field in fields {
        text_into(field, 0, &mut out);
    }
    out
}

fn text_into(field: &Field, depth: usize, out: &mut String) {
    out.push_str(&"  ".repeat(depth));
    out.push_str(&field.label);
    out.push('\n');
    for child in &field.children {
        text_into(child, depth + 1, out);
    }
}

/// Header fields, as the chunk layer assembled them (not part of the body).
const HEADER_FIELDS: [&str; 6] = ["csid", "msid", "timestamp", "type_id", "type", "length"];

/// Why the field at `path` has no bytes of its own in the body a row keeps, for the fields
/// that have none; `None` for the others, whose bytes the hex pane marks.
pub fn without_bytes(path: &str) -> Option<&'static str> {
    if path == "header" || path.starts_with("header.") {
        return Some("from the chunk headers, which a row does not keep (only the body)");
    }
    let key = path.rsplit('.').next().unwrap_or(path);
    match key {
        "summary" => Some("a description of the whole row"),
        "decode_error" => Some("what went wrong decoding the body"),
        "rtt_ms" => Some("measured: the time from a ping request to its response"),
        "error" if path.contains("config.") => Some("what went wrong reading the record"),
        "args" | "values" => Some("an empty list: no values follow"),
        _ => event_without_bytes(path),
    }
}

/// Why a field of a handshake, TLS hello, warning or gap row has no bytes.
fn event_without_bytes(path: &str) -> Option<&'static str> {
    let (event, key) = path.split_once('.')?;
    match (event, key) {
        ("handshake", "complete") => Some("whether both directions' handshakes were seen whole"),
        ("handshake", "c2_check" | "s2_check") => {
            Some("C2 and S2 are checked as they pass, not kept")
        }
        ("handshake", "duration_ms") => Some("measured: from the first handshake byte to the last"),
        // Every other field has its bytes when its side's first block was seen whole.
        ("handshake", _) => Some("the handshake was cut short: its bytes were not all seen"),
        ("tls_handshake", _) => Some("read from the TLS hellos, which the row does not keep"),
        ("warning", _) => Some("a finding about the stream, not bytes of it"),
        ("gap", _) => Some("bytes that were never captured"),
        _ => None,
    }
}

/// The fields of a row.
pub fn fields(row: &MessageRow) -> Vec<Field> {
    let summary = leaf("summary", &row.summary(), "summary", None);
    if let Content::Text(text) = &row.content {
        if let Some(event) = &text.fields {
            let event = serde_json::from_str(event).unwrap_or(Value::Null);
            return event_fields(&event, &text.body, summary);
        }
    }
    if !row.is_message() {
        return vec![summary];
    }
    let body = row.body();
    let header = row.header();
    let message = decode_message(header, body, &AmfLimits::default());
    let Ok(Value::Object(json)) = serde_json::to_value(&message) else {
        return vec![summary];
    };
    let mut out = vec![summary];
    let header_fields: Vec<Field> = json
        .iter()
        .filter(|(key, _)| HEADER_FIELDS.contains(&key.as_str()))
        .map(|(key, value)| json_field(key, value, &format!("header.{key}"), &|_| None))
        .collect();
    out.push(group("header", "header", header_fields, None));
    let type_id = header.type_id;
    let amf_start = match type_id {
        MessageTypeId::COMMAND_AMF0 | MessageTypeId::DATA_AMF0 => Some(0),
        MessageTypeId::COMMAND_AMF3 | MessageTypeId::DATA_AMF3 => Some(1),
        _ => None,
    };
    match amf_start {
        Some(start) => {
            let (values, error) = amf_values(body, start);
            let command = matches!(
                type_id,
                MessageTypeId::COMMAND_AMF0 | MessageTypeId::COMMAND_AMF3
            );
            out.extend(amf_fields(values, command));
            if let Some(error) = error.or(message.decode_error.map(|e| e.to_string())) {
                out.push(leaf("decode_error", &error, "decode_error", None));
            }
        }
        None => {
            let locate = |path: &str| locate(&message.body, body, path);
            for (key, value) in json
                .iter()
                .filter(|(key, _)| !HEADER_FIELDS.contains(&key.as_str()))
            {
                out.push(json_field(key, value, key, &locate));
            }
        }
    }
    out
}

/// The fields of a handshake, TLS hello, warning or gap, under the event's name; a
/// handshake's have the bytes of C0, C1, S0 and S1 they were read from.
fn event_fields(event: &Value, body: &[u8], summary: Field) -> Vec<Field> {
    let mut out = vec![summary];
    if let Value::Object(named) = event {
        for (name, value) in named {
            let locate = |path: &str| {
                let range = handshake_field(value, body, path.strip_prefix("handshake.")?)?;
                (range.end <= body.len()).then_some(range)
            };
            out.push(json_field(name, value, name, &locate));
        }
    }
    out
}

/// Where a handshake field sits in C0 C1 S0 S1 (`body`); `fields` are the handshake's, for
/// the digest scheme and key offsets found.
fn handshake_field(fields: &Value, body: &[u8], key: &str) -> Option<Range<usize>> {
    let side = |server: bool| if server { hs::SIDE } else { 0 };
    let block = |server: bool| {
        let start = side(server) + hs::BLOCK_START;
        body.get(start..start + hs::BLOCK)
    };
    let in_block = |server: bool, range: Range<usize>| shift(range, side(server) + hs::BLOCK_START);
    let (who, field) = key.split_once('.').unwrap_or((key, ""));
    let server = who.starts_with('s');
    match who {
        "c0_version" | "s0_version" | "encrypted" => shift(hs::VERSION, side(server)),
        "c1_time" | "s1_time" => in_block(server, hs::TIME),
        "c1_version" | "s1_version" => in_block(server, hs::BLOCK_VERSION),
        "client_scheme" | "server_scheme" => match fields.get(who)?.as_str()? {
            "digest_scheme_0" => in_block(server, digest_range(block(server)?, 0)?),
            "digest_scheme_1" => in_block(server, digest_range(block(server)?, 1)?),
            // No digest checks out anywhere in the block: all of it was looked through.
            _ => in_block(server, 0..hs::BLOCK),
        },
        "client_dh_key" | "server_dh_key" => {
            let key = fields.get(who)?;
            let offset = usize::try_from(key.get("offset")?.as_u64()?).ok()?;
            let len = match field {
                // The first bytes, as many as the hex shows.
                "head" => key.get("head")?.as_str()?.len() / 2,
                _ => DH_KEY_LEN,
            };
            in_block(server, offset..offset.checked_add(len)?)
        }
        _ => None,
    }
}

/// A leaf `key: text`.
fn leaf(key: &str, text: &str, path: &str, bytes: Option<Range<usize>>) -> Field {
    Field {
        label: format!("{}: {}", Escaped(key), Escaped(text)),
        path: path.to_owned(),
        bytes,
        value: Some(text.to_owned()),
        children: Vec::new(),
    }
}

/// A container `key {n}` over `children`.
fn group(key: &str, path: &str, children: Vec<Field>, bytes: Option<Range<usize>>) -> Field {
    Field {
        label: format!("{} {{{}}}", Escaped(key), children.len()),
        path: path.to_owned(),
        bytes,
        value: None,
        children,
    }
}

/// The top-level values of a command (name, transaction id, command object, arguments) or of
/// a data message (handler name, values).
fn amf_fields(values: Vec<AmfNode>, command: bool) -> Vec<Field> {
    let mut values = values.into_iter().peekable();
    let mut out = Vec::new();
    let named: &[&str] = if command {
        &["command", "transaction_id", "command_object"]
    } else if matches!(
        values.peek().map(|v| &v.kind),
        Some(NodeKind::Leaf(crate::amf::AmfValue::String(_)))
    ) {
        &["name"]
    } else {
        &[]
    };
    for name in named {
        if let Some(value) = values.next() {
            out.push(amf_field(name, &value, name));
        }
    }
    let list = if command { "args" } else { "values" };
    let rest: Vec<AmfNode> = values.collect();
    let bytes = match (rest.first(), rest.last()) {
        (Some(first), Some(last)) => Some(first.range.start..last.range.end),
        _ => None,
    };
    let items: Vec<Field> = rest
        .iter()
        .enumerate()
        .map(|(i, value)| amf_field(&i.to_string(), value, &format!("{list}.{i}")))
        .collect();
    out.push(Field {
        label: format!("{list} [{}]", items.len()),
        path: list.to_owned(),
        bytes,
        value: None,
        children: items,
    });
    out
}

/// One AMF value as a field, with its parts.
fn amf_field(key: &str, node: &AmfNode, path: &str) -> Field {
    let bytes = Some(node.range.clone());
    match &node.kind {
        NodeKind::Leaf(value) => match serde_json::to_value(value) {
            // Values JSON has no scalar for (dates, AMF3 objects, …) show their JSON parts.
            // Their parts are read from the value's bytes.
            Ok(json @ (Value::Object(_) | Value::Array(_))) => {
                json_field(key, &json, path, &|_| bytes.clone())
            }
            Ok(json) => leaf(key, &scalar(&json), path, bytes),
            Err(_) => leaf(key, "?", path, bytes),
        },
        NodeKind::Object { class, properties } => {
            let children = properties
                .iter()
                .map(|property| {
                    let mut field = amf_field(
                        &property.name,
                        &property.value,
                        &format!("{path}.{}", property.name),
                    );
                    // The name's bytes belong to the property too.
                    field.bytes = Some(property.name_range.start..property.value.range.end);
                    field
                })
                .collect();
            let mut field = group(key, path, children, bytes);
            if let Some(class) = class {
                field.label = format!(
                    "{}: {} {{{}}}",
                    Escaped(key),
                    Escaped(class),
                    field.children.len()
                );
            }
            field
        }
        NodeKind::Array(items) => {
            let children: Vec<Field> = items
                .iter()
                .enumerate()
                .map(|(i, item)| amf_field(&i.to_string(), item, &format!("{path}.{i}")))
                .collect();
            Field {
                label: format!("{key} [{}]", children.len()),
                path: path.to_owned(),
                bytes,
                value: None,
                children,
            }
        }
    }
}

/// A JSON value as a field; `locate` gives the bytes of a path, where known.
fn json_field(
    key: &str,
    value: &Value,
    path: &str,
    locate: &dyn Fn(&str) -> Option<Range<usize>>,
) -> Field {
    let bytes = locate(path);
    match value {
        Value::Object(map) => {
            let children = map
                .iter()
                .map(|(k, v)| json_field(k, v, &format!("{path}.{k}"), locate))
                .collect();
            group(key, path, children, bytes)
        }
        Value::Array(items) => Field {
            label: format!("{key} [{}]", items.len()),
            path: path.to_owned(),
            bytes,
            value: None,
            children: items
                .iter()
                .enumerate()
                .map(|(i, v)| json_field(&i.to_string(), v, &format!("{path}.{i}"), locate))
                .collect(),
        },
        other => leaf(key, &scalar(other), path, bytes),
    }
}

/// A scalar as the tree shows it: strings quoted, others as JSON writes them.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => format!("\"{text}\""),
        other => other.to_string(),
    }
}

/// The body bytes of a field of a fixed-layout body, by its path.
fn locate(message: &MessageBody, body: &[u8], path: &str) -> Option<Range<usize>> {
    let range = match message {
        MessageBody::Audio(header) => audio_field(header, body, path)?,
        MessageBody::Video(header) => video_field(header, body, path)?,
        MessageBody::Aggregate { messages } => aggregate_field(messages, body, path)?,
        other => control_field(other, path, body.len())?,
    };
    (range.end <= body.len()).then_some(range)
}

/// Protocol and user control fields, and the first bytes of a body shown raw.
fn control_field(message: &MessageBody, path: &str, len: usize) -> Option<Range<usize>> {
    Some(match (message, path) {
        (MessageBody::SetChunkSize { .. }, "chunk_size") => control::CHUNK_SIZE,
        (MessageBody::Abort { .. }, "abort_csid") => control::ABORT_CSID,
        (MessageBody::Acknowledgement { .. }, "sequence_number") => control::SEQUENCE_NUMBER,
        (
            MessageBody::WindowAckSize { .. } | MessageBody::SetPeerBandwidth { .. },
            "window_size",
        ) => control::WINDOW_SIZE,
        (MessageBody::SetPeerBandwidth { .. }, "limit_type" | "limit") => control::LIMIT_TYPE,
        (MessageBody::UserControl(_), "event_type" | "control_event") => user_control::EVENT_TYPE,
        (MessageBody::UserControl(_), "stream_id") => user_control::STREAM_ID,
        (MessageBody::UserControl(_), "ping_timestamp") => user_control::PING_TIMESTAMP,
        (MessageBody::UserControl(_), "buffer_length") => user_control::BUFFER_LENGTH,
        (MessageBody::UserControl(_), "raw_hex") => user_control::DATA_START..len,
        (MessageBody::Raw { .. }, "payload_hex") => 0..len.min(RAW_PREVIEW_BYTES),
        _ => return None,
    })
}

/// Where an audio tag header field sits (legacy, or extended with a FourCC).
fn audio_field(header: &AudioHeader, body: &[u8], path: &str) -> Option<Range<usize>> {
    let extended = header.packet_type.is_some();
    Some(match path {
        "sound_format" | "sound_rate" | "sound_size" | "channels" | "packet_type" => audio::FORMAT,
        "codec" if extended => audio::FOURCC,
        "codec" => audio::FORMAT,
        "fourcc" => audio::FOURCC,
        "aac_packet_type" => audio::AAC_PACKET_TYPE,
        _ => return config_field(audio_config_spans(header, body)?, body, path),
    })
}

/// Where a video tag header field sits (legacy, or extended with a FourCC).
fn video_field(header: &VideoHeader, body: &[u8], path: &str) -> Option<Range<usize>> {
    let extended = header.packet_type.is_some();
    Some(match path {
        "frame_type" | "frame_kind" | "codec_id" | "packet_type" => video::FRAME_AND_CODEC,
        "codec" if extended => video::FOURCC,
        "codec" => video::FRAME_AND_CODEC,
        "fourcc" => video::FOURCC,
        "avc_packet_type" => video::AVC_PACKET_TYPE,
        "composition_time" if extended => video::EX_COMPOSITION_TIME,
        "composition_time" => video::COMPOSITION_TIME,
        _ => return config_field(video_config_spans(header, body)?, body, path),
    })
}

/// The decoder configuration (`config`, from `start` to the end of the body) and its fields
/// (`config.profile`, …) where the decoder read them.
fn config_field(
    (start, spans): (usize, ConfigSpans),
    body: &[u8],
    path: &str,
) -> Option<Range<usize>> {
    match path.strip_prefix("config")? {
        "" => Some(start..body.len()),
        key => shift(spans.by_key(key.strip_prefix('.')?)?, start),
    }
}

/// Fields of aggregate sub-messages (`messages.N`, `messages.N.field`): each is an FLV tag
/// header (type, length, timestamp, stream id), the body, and a back pointer; the fields of
/// its body are located as those of a message of its type.
fn aggregate_field(parts: &[AggregatePart], body: &[u8], path: &str) -> Option<Range<usize>> {
    let rest = path.strip_prefix("messages.")?;
    let (index, field) = match rest.split_once('.') {
        Some((index, field)) => (index, Some(field)),
        None => (rest, None),
    };
    let part = parts.get(index.parse::<usize>().ok()?)?;
    let start = part.offset;
    let body_start = start.checked_add(tag::HEADER)?;
    let body_end = body_start.checked_add(usize::try_from(part.length).ok()?)?;
    Some(match field {
        None => start..body_end.checked_add(tag::BACK_POINTER)?,
        Some("type_id" | "type") => shift(tag::TYPE_ID, start)?,
        Some("length") => shift(tag::LENGTH, start)?,
        Some("timestamp") => shift(tag::TIMESTAMP, start)?,
        Some(field) => {
            let part_body = body.get(body_start..body_end)?;
            shift(locate(&part.body, part_body, field)?, body_start)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::model::RowKind;
    use crate::tui::testkit;

    #[test]
    fn wire_text_in_the_tree_is_escaped() {
        let field = leaf("k\u{1b}[2J", "\"a\u{9b}b\u{202e}\"", "k", None);
        assert_eq!(field.label, "k\\x1b[2J: \"a\\u{9b}b\\u{202e}\"");
        let field = group("\u{7}", "g", Vec::new(), None);
        assert!(!field.label.chars().any(|c| c.is_control()));
    }

    fn row(type_id: u8, kind: RowKind, body: Vec<u8>) -> MessageRow {
        testkit::message_row(1, type_id, kind, "connect", body)
    }

    /// connect(1, {app: "live"}) as AMF0.
    fn connect() -> MessageRow {
        row(20, RowKind::Command, testkit::connect_body("app", "live"))
    }

    fn find<'a>(nodes: &'a [Node], label: &str) -> &'a Node {
        nodes
            .iter()
            .find(|n| n.label == label)
            .unwrap_or_else(|| panic!("no {label} in {nodes:#?}"))
    }

    #[test]
    fn command_fields_nest_and_have_their_bytes() {
        let row = connect();
        let tree = fields(&row);
        let nodes = flatten(&tree, &HashSet::new());
        let body = row.body();
        assert_eq!(find(&nodes, "command: \"connect\"").bytes, Some(0..10));
        assert_eq!(find(&nodes, "transaction_id: 1.0").bytes, Some(10..19));
        let object = find(&nodes, "command_object {1}");
        assert_eq!(object.bytes, Some(19..body.len()));
        // A property's bytes run from its name to the end of its value.
        let app = find(&nodes, "app: \"live\"");
        assert_eq!(app.depth, 1);
        let range = app.bytes.clone().unwrap();
        assert_eq!(&body[range], b"\x00\x03app\x02\x00\x04live");
        assert_eq!(find(&nodes, "args [0]").bytes, None);
        // The header starts closed, top-level objects open; toggling flips each.
        assert!(!nodes.iter().any(|n| n.label == "csid: 3"));
        let toggled: HashSet<String> = ["command_object".to_owned(), "header".to_owned()].into();
        let flipped = flatten(&tree, &toggled);
        assert_eq!(find(&flipped, "csid: 3").bytes, None);
        assert!(!flipped.iter().any(|n| n.label == "app: \"live\""));
    }

    #[test]
    fn control_and_media_fields_have_their_positions() {
        let ack = row(6, RowKind::Control, vec![0, 0x4C, 0x4B, 0x40, 2]);
        let nodes = flatten(&fields(&ack), &HashSet::new());
        assert_eq!(find(&nodes, "window_size: 5000000").bytes, Some(0..4));
        assert_eq!(find(&nodes, "limit: \"dynamic\"").bytes, Some(4..5));
        let video = row(9, RowKind::Video, vec![0x17, 0x01, 0, 0, 0x21, 0xAA]);
        let nodes = flatten(&fields(&video), &HashSet::new());
        assert_eq!(find(&nodes, "frame_kind: \"keyframe\"").bytes, Some(0..1));
        assert_eq!(find(&nodes, "avc_packet_type: 1").bytes, Some(1..2));
        assert_eq!(find(&nodes, "composition_time: 33").bytes, Some(2..5));
    }

    #[test]
    fn aggregate_parts_have_their_headers_and_media_fields() {
        let mut body = vec![9, 0, 0, 2, 0, 1, 0, 0, 0, 0, 1, 0x17, 0x01, 0, 0, 0, 13];
        body.extend_from_slice(&[8, 0, 0, 2, 0, 1, 0x20, 0, 0, 0, 1, 0xAF, 0x01, 0, 0, 0, 13]);
        let bytes_of = |body: &[u8], path: &str| {
            let row = row(22, RowKind::Other, body.to_vec());
            let message = decode_message(row.header(), body, &AmfLimits::default());
            locate(&message.body, body, path)
        };
        assert_eq!(bytes_of(&body, "messages.1"), Some(17..34));
        assert_eq!(bytes_of(&body, "messages.1.length"), Some(18..21));
        assert_eq!(bytes_of(&body, "messages.1.timestamp"), Some(21..25));
        assert_eq!(bytes_of(&body, "messages.1.codec"), Some(28..29));
        assert_eq!(bytes_of(&body, "messages.1.aac_packet_type"), Some(29..30));
        assert_eq!(bytes_of(&body, "messages.2"), None);
        assert_eq!(bytes_of(&body[..20], "messages.1"), None);
    }

    #[test]
    fn enhanced_headers_and_configuration_records_mark_their_bytes() {
        // hvc1 coded frames: the composition time follows the FourCC.
        let hevc = row(
            9,
            RowKind::Video,
            vec![0x91, b'h', b'v', b'c', b'1', 0, 0, 33],
        );
        let nodes = flatten(&fields(&hevc), &HashSet::new());
        assert_eq!(find(&nodes, "composition_time: 33").bytes, Some(5..8));
        assert_eq!(find(&nodes, "codec: \"hevc\"").bytes, Some(1..5));
        // An AAC sequence header: AudioSpecificConfig 0x12 0x10 (AAC LC, 44100 Hz, stereo).
        let aac = row(8, RowKind::Audio, vec![0xAF, 0x00, 0x12, 0x10]);
        let nodes = flatten(&fields(&aac), &HashSet::new());
        let at = |path: &str| {
            nodes
                .iter()
                .find(|n| n.path == path)
                .and_then(|n| n.bytes.clone())
        };
        assert_eq!(at("channels"), Some(0..1));
        assert_eq!(at("config"), Some(2..4));
        assert_eq!(at("config.profile"), Some(2..3));
        assert_eq!(at("config.sample_rate"), Some(2..4));
        assert_eq!(at("config.channels"), Some(3..4));
    }

    #[test]
    fn rows_that_are_not_messages_show_their_summary() {
        let mut gap = connect();
        gap.kind = RowKind::Gap;
        gap.type_id = 0;
        let nodes = flatten(&fields(&gap), &HashSet::new());
        assert_eq!(nodes.len(), 1);
        assert_eq!(nodes[0].label, "summary: connect");
    }
}
