//! `--redact`: stream keys and tokens never reach an output.
//!
//! [`Redactor`] sits right after the decoder. It learns the secrets of each session from the
//! commands that carry them — the stream name of publish, play, releaseStream, FCPublish and
//! their kin (for most services the stream name *is* the key), and the query values and
//! password of tcUrl and app (`?token=…`) — and rewrites every later event before any sink sees
//! it: strings in AMF values are masked, and the raw body bytes kept for hex views have the
//! secret's bytes overwritten with `*` (same length, so the AMF still parses). The FLV exporter,
//! the analysis, JSON, text and TUI all sit behind it.
//!
//! A mask names the secret by a short hash, `<redacted:3fa4c1>`, so two streams stay
//! distinguishable without their keys being readable.

use std::collections::HashMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::amf::AmfValue;
use crate::common::Notice;
use crate::rtmp::message::{Message, MessageBody};
use crate::session::event::{Event, EventKind, EventSink, MessageEvent};

/// Commands whose first string argument is a stream name.
pub const STREAM_NAME_COMMANDS: [&str; 9] = [
    "publish",
    "play",
    "play2",
    "releaseStream",
    "FCPublish",
    "FCUnpublish",
    "FCSubscribe",
    "FCUnsubscribe",
    "getStreamLength",
];
/// Secrets at least this long are masked wherever they appear inside a string; shorter ones
/// only where a whole string (or a whole query value) equals them, so a stream called `live`
/// does not mask every `live` in every URL.
const MIN_SUBSTRING_SECRET: usize = 6;
/// Most secrets remembered per session.
const MAX_SECRETS: usize = 64;
/// AMF0 string marker, for masking short secrets in raw bytes exactly where they are a string.
const AMF0_STRING: u8 = 0x02;

/// Masks stream keys and tokens in every event before `inner` sees it.
pub struct Redactor<S> {
    inner: S,
    /// Off: events pass through untouched (no `--redact`).
    enabled: bool,
    secrets: HashMap<u64, Vec<String>>,
    /// The masked copy of the current message's raw bytes.
    payload: Vec<u8>,
}

impl<S: EventSink> Redactor<S> {
    /// A redactor in front of `inner`; when not `enabled`, it passes events through as they are.
    pub fn new(inner: S, enabled: bool) -> Self {
        Redactor {
            inner,
            enabled,
            secrets: HashMap::new(),
            payload: Vec::new(),
        }
    }

    /// The sink behind this one.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

/// The mask that replaces `secret`.
pub fn mask(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let mut mask = String::from("<redacted:");
    for byte in digest.iter().take(3) {
        let _ = write!(mask, "{byte:02x}");
    }
    mask.push('>');
    mask
}

impl<S: EventSink> EventSink for Redactor<S> {
    fn event(&mut self, event: &Event<'_>) {
        if !self.enabled {
            return self.inner.event(event);
        }
        let EventKind::Message(message) = &event.kind else {
            if matches!(event.kind, EventKind::SessionEnd(_)) {
                self.inner.event(event);
                self.secrets.remove(&event.session);
                return;
            }
            return self.inner.event(event);
        };
        if !carries_text(&message.message.body) {
            return self.inner.event(event);
        }
        let secrets = self.secrets.entry(event.session).or_default();
        learn(&message.message.body, secrets);
        if secrets.is_empty() {
            return self.inner.event(event);
        }
        let mut redacted = message.message.clone();
        redact_message(&mut redacted, secrets);
        self.payload.clear();
        self.payload.extend_from_slice(message.payload);
        mask_bytes(&mut self.payload, secrets);
        self.inner.event(&Event {
            kind: EventKind::Message(MessageEvent {
                message: redacted,
                payload: &self.payload,
                ..message.clone()
            }),
            ..event.clone()
        });
    }

    fn notice(&mut self, notice: &Notice) {
        self.inner.notice(notice);
    }
}

/// Whether a message body holds strings (commands, data, shared objects, aggregates of data).
fn carries_text(body: &MessageBody) -> bool {
    match body {
        MessageBody::Command(_) | MessageBody::Data(_) | MessageBody::SharedObject(_) => true,
        MessageBody::Aggregate { messages } => messages.iter().any(|m| carries_text(&m.body)),
        _ => false,
    }
}

/// Adds the secrets a command reveals.
fn learn(body: &MessageBody, secrets: &mut Vec<String>) {
    let MessageBody::Command(command) = body else {
        return;
    };
    let mut found = Vec::new();
    if command.command == "connect" {
        for key in ["tcUrl", "app", "swfUrl", "pageUrl"] {
            if let Some(url) = command.command_object.get(key).and_then(AmfValue::as_str) {
                found.extend(url_secrets(url));
            }
        }
    }
    if STREAM_NAME_COMMANDS.contains(&command.command.as_str()) {
        let name = command.args.iter().find_map(|arg| {
            arg.as_str()
                .or_else(|| arg.get("streamName").and_then(AmfValue::as_str))
        });
        found.extend(name.filter(|name| !name.is_empty()).map(str::to_owned));
    }
    for secret in found {
        if !secrets.contains(&secret) && secrets.len() < MAX_SECRETS {
            secrets.push(secret);
        }
    }
    // Longest first, so a key that contains another is masked whole.
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
}

/// The secrets in a URL: query values and a password in its user information.
fn url_secrets(url: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split('&') {
            let value = pair.split_once('=').map_or(pair, |(_, value)| value);
            if !value.is_empty() {
                secrets.push(value.to_owned());
            }
        }
    }
    let authority = url.split_once("://").map_or("", |(_, rest)| rest);
    let authority = authority.split('/').next().unwrap_or("");
    if let Some((user_info, _)) = authority.rsplit_once('@') {
        if let Some((_, password)) = user_info.split_once(':') {
            if !password.is_empty() {
                secrets.push(password.to_owned());
            }
        }
    }
    secrets
}

/// Masks the secrets in every string of a message.
fn redact_message(message: &mut Message, secrets: &[String]) {
    let mut visit = |text: &mut String| redact_text(text, secrets);
    redact_body(&mut message.body, &mut visit);
}

fn redact_body(body: &mut MessageBody, visit: &mut impl FnMut(&mut String)) {
    match body {
        MessageBody::Command(command) => {
            command.command_object.visit_strings_mut(visit);
            for arg in &mut command.args {
                arg.visit_strings_mut(visit);
            }
        }
        MessageBody::Data(data) => {
            for value in &mut data.values {
                value.visit_strings_mut(visit);
            }
        }
        MessageBody::SharedObject(object) => {
            visit(&mut object.name);
            for event in &mut object.events {
                for (_, value) in &mut event.values {
                    value.visit_strings_mut(visit);
                }
                for item in &mut event.items {
                    item.visit_strings_mut(visit);
                }
            }
        }
        MessageBody::Aggregate { messages } => {
            for part in messages {
                redact_body(&mut part.body, visit);
            }
        }
        _ => {}
    }
}

/// Masks every secret in one string.
fn redact_text(text: &mut String, secrets: &[String]) {
    for secret in secrets {
        if text == secret {
            *text = mask(secret);
            return;
        }
        if secret.len() >= MIN_SUBSTRING_SECRET && text.contains(secret.as_str()) {
            *text = text.replace(secret.as_str(), &mask(secret));
        } else if is_query_value_in(text, secret) {
            *text = replace_query_value(text, secret);
        }
    }
}

/// True when `secret` is the whole value of a `key=value` pair in `text`'s query string.
fn is_query_value_in(text: &str, secret: &str) -> bool {
    text.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .any(|pair| pair.split_once('=').map_or(pair, |(_, v)| v) == secret)
    })
}

fn replace_query_value(text: &str, secret: &str) -> String {
    let Some((base, query)) = text.split_once('?') else {
        return text.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if value == secret => format!("{key}={}", mask(secret)),
            None if pair == secret => mask(secret),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// Overwrites the secrets' bytes in a raw body with `*`: everywhere for long secrets, and for
/// short ones where they form a whole AMF0 string.
fn mask_bytes(bytes: &mut [u8], secrets: &[String]) {
    for secret in secrets {
        let needle = secret.as_bytes();
        if needle.is_empty() {
            continue;
        }
        let mut at = 0;
        while let Some(offset) = find(bytes.get(at..).unwrap_or_default(), needle) {
            let start = at + offset;
            let end = start + needle.len();
            if needle.len() >= MIN_SUBSTRING_SECRET || is_whole_amf0_string(bytes, start, end) {
                if let Some(found) = bytes.get_mut(start..end) {
                    found.fill(b'*');
                }
            }
            at = end;
        }
    }
}

/// True when `bytes[start..end]` is preceded by an AMF0 string header of exactly that length.
fn is_whole_amf0_string(bytes: &[u8], start: usize, end: usize) -> bool {
    let Some(header) = start.checked_sub(3).and_then(|h| bytes.get(h..start)) else {
        return false;
    };
    let length = usize::from(u16::from_be_bytes([header[1], header[2]]));
    header[0] == AMF0_STRING && length == end - start
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_secrets_are_query_values_and_passwords() {
        assert_eq!(
            url_secrets("rtmp://user:hunter2@host/app?token=abc&x=1"),
            vec!["abc", "1", "hunter2"]
        );
        assert!(url_secrets("rtmp://host/live").is_empty());
    }

    #[test]
    fn short_secrets_mask_whole_strings_and_query_values_only() {
        let secrets = vec!["live".to_owned(), "abc".to_owned()];
        let mut url = "rtmp://host/live?token=abc".to_owned();
        redact_text(&mut url, &secrets);
        assert_eq!(url, format!("rtmp://host/live?token={}", mask("abc")));
        let mut name = "live".to_owned();
        redact_text(&mut name, &secrets);
        assert_eq!(name, mask("live"));
    }

    #[test]
    fn long_secrets_are_masked_inside_text_and_bytes() {
        let secrets = vec!["live_123456_abcdef".to_owned()];
        let mut text = "Started publishing live_123456_abcdef.".to_owned();
        redact_text(&mut text, &secrets);
        assert!(!text.contains("123456"), "{text}");
        let mut bytes = b"\x02\x00\x12live_123456_abcdef rest".to_vec();
        mask_bytes(&mut bytes, &secrets);
        assert_eq!(&bytes, b"\x02\x00\x12****************** rest");
    }

    #[test]
    fn short_secrets_in_bytes_only_as_whole_amf0_strings() {
        let secrets = vec!["test".to_owned()];
        let mut bytes = b"\x02\x00\x04test \x02\x00\x07testing".to_vec();
        mask_bytes(&mut bytes, &secrets);
        assert_eq!(&bytes, b"\x02\x00\x04**** \x02\x00\x07testing");
    }
}
