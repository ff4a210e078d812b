//! The details pane's tree: the selected row decoded again from the bytes it kept, as nested
//! fields, each with the body bytes it came from (for the hex pane) where they can be found.

use std::collections::HashSet;
use std::ops::Range;

use serde_json::Value;

use super::model::{MessageRow, RowKind};
use crate::rtmp::amf::AmfLimits;
use crate::rtmp::decode::decode_message;
use crate::rtmp::message::{MessageHeader, MessageTypeId};

/// One line of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Nesting depth (0 for top-level fields).
    pub depth: usize,
    /// `key: value`, or `key {n}` / `key [n]` for containers.
    pub label: String,
    /// A stable path (`command_object.tcUrl`), the key of its expanded state.
    pub path: String,
    /// Whether it has children (and so can be expanded).
    pub container: bool,
    /// Whether it is expanded.
    pub expanded: bool,
    /// The body bytes it was decoded from, when they can be located.
    pub bytes: Option<Range<usize>>,
}

/// Message-header fields, shown under one "header" node.
const HEADER_FIELDS: [&str; 6] = ["csid", "msid", "timestamp", "type_id", "type", "length"];

/// The tree of a row. Containers at depth 0 (but the message header, whose fields the table
/// shows already) are open unless `toggled`; deeper ones are open only when `toggled`.
pub fn tree(row: &MessageRow, toggled: &HashSet<String>) -> Vec<Node> {
    if matches!(row.kind, RowKind::Gap | RowKind::Warning) || row.type_id == 0 {
        return vec![Node {
            depth: 0,
            label: row.summary.to_string(),
            path: String::new(),
            container: false,
            expanded: false,
            bytes: None,
        }];
    }
    let header = MessageHeader {
        csid: row.csid,
        msid: row.msid,
        timestamp: row.timestamp,
        type_id: MessageTypeId(row.type_id),
        length: row.length,
    };
    let message = decode_message(header, &row.body, &AmfLimits::default());
    let Ok(Value::Object(fields)) = serde_json::to_value(&message) else {
        return Vec::new();
    };
    let mut builder = Builder {
        nodes: Vec::new(),
        toggled,
        body: &row.body,
        cursor: 0,
        media: MessageTypeId(row.type_id).is_media(),
    };
    let header: serde_json::Map<String, Value> = fields
        .iter()
        .filter(|(key, _)| HEADER_FIELDS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    builder.add("header", &Value::Object(header), 0, "header");
    for (key, value) in fields
        .iter()
        .filter(|(key, _)| !HEADER_FIELDS.contains(&key.as_str()))
    {
        builder.add(key, value, 0, key);
    }
    builder.nodes
}

struct Builder<'a> {
    nodes: Vec<Node>,
    toggled: &'a HashSet<String>,
    body: &'a [u8],
    /// Where the search for the next value's bytes starts (values come in wire order).
    cursor: usize,
    media: bool,
}

impl Builder<'_> {
    fn add(&mut self, key: &str, value: &Value, depth: usize, path: &str) {
        let children: Vec<(String, &Value)> = match value {
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => Vec::new(),
        };
        let container = matches!(value, Value::Object(_) | Value::Array(_));
        let default_open = depth == 0 && path != "header";
        let expanded = container && (default_open != self.toggled.contains(path));
        let label = match value {
            Value::Object(map) => format!("{key} {{{}}}", map.len()),
            Value::Array(items) => format!("{key} [{}]", items.len()),
            Value::String(text) => format!("{key}: \"{text}\""),
            other => format!("{key}: {other}"),
        };
        let bytes = if path.starts_with("header") {
            None
        } else {
            self.locate(key, value)
        };
        self.nodes.push(Node {
            depth,
            label,
            path: path.to_owned(),
            container,
            expanded,
            bytes,
        });
        if expanded {
            for (child_key, child) in children {
                let child_path = format!("{path}.{child_key}");
                self.add(&child_key, child, depth + 1, &child_path);
            }
        }
    }

    /// The body bytes of a field: media header fields by position, strings and numbers by
    /// searching their encoding from where the previous value was found.
    fn locate(&mut self, key: &str, value: &Value) -> Option<Range<usize>> {
        if self.media {
            return media_field(key).filter(|range| range.end <= self.body.len());
        }
        let needle: Vec<u8> = match value {
            Value::String(text) if !text.is_empty() => text.as_bytes().to_vec(),
            Value::Number(number) => {
                let mut encoded = vec![0x00];
                encoded.extend_from_slice(&number.as_f64()?.to_be_bytes());
                encoded
            }
            _ => return None,
        };
        let from = self.cursor.min(self.body.len());
        let offset = self
            .body
            .get(from..)?
            .windows(needle.len())
            .position(|window| window == needle.as_slice())?;
        let start = from + offset;
        self.cursor = start + needle.len();
        Some(start..start + needle.len())
    }
}

/// Where a media tag header field sits in the body.
fn media_field(key: &str) -> Option<Range<usize>> {
    Some(match key {
        "frame_type" | "frame_kind" | "codec_id" | "sound_format" | "sound_rate" | "sound_size"
        | "channels" | "packet_type" => 0..1,
        "avc_packet_type" | "aac_packet_type" => 1..2,
        "composition_time" => 2..5,
        "fourcc" => 1..5,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Timestamp;

    fn command_row() -> MessageRow {
        // connect("live") as AMF0: string "connect", number 1, object {app: "live"}.
        let mut body = vec![0x02, 0, 7];
        body.extend_from_slice(b"connect");
        body.push(0x00);
        body.extend_from_slice(&1f64.to_be_bytes());
        body.extend_from_slice(&[0x03, 0, 3]);
        body.extend_from_slice(b"app");
        body.extend_from_slice(&[0x02, 0, 4]);
        body.extend_from_slice(b"live");
        body.extend_from_slice(&[0, 0, 9]);
        MessageRow {
            frame: 1,
            time: Timestamp(0),
            session: 1,
            dir: None,
            csid: 3,
            msid: 0,
            timestamp: 0,
            type_id: 20,
            length: body.len() as u32,
            kind: RowKind::Command,
            summary: "connect".into(),
            body: body.into(),
        }
    }

    #[test]
    fn fields_nest_and_find_their_bytes() {
        let nodes = tree(&command_row(), &HashSet::new());
        let labels: Vec<&str> = nodes.iter().map(|n| n.label.as_str()).collect();
        assert!(labels.contains(&"command: \"connect\""), "{labels:?}");
        assert!(labels.contains(&"command_object {1}"), "{labels:?}");
        assert!(labels.contains(&"header {6}"), "{labels:?}");
        // The header starts closed, top-level objects open; toggling flips each.
        assert!(!labels.contains(&"csid: 3"));
        let toggled: HashSet<String> = ["command_object".to_owned(), "header".to_owned()].into();
        let flipped = tree(&command_row(), &toggled);
        let flipped: Vec<&str> = flipped.iter().map(|n| n.label.as_str()).collect();
        assert!(flipped.contains(&"csid: 3") && !flipped.contains(&"app: \"live\""));
        let app = nodes
            .iter()
            .find(|n| n.label == "app: \"live\"")
            .expect("app");
        assert_eq!(app.depth, 1);
        let range = app.bytes.clone().expect("located");
        assert_eq!(&command_row().body[range], b"live");
        let transaction = nodes
            .iter()
            .find(|n| n.label.starts_with("transaction_id"))
            .expect("id");
        assert_eq!(transaction.bytes.as_ref().map(|r| r.len()), Some(9));
    }
}
