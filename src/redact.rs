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
//!
//! Cost: secrets are applied one after another, longest first (a longer secret that contains
//! a shorter one is masked whole), each with memchr's `memmem` searcher, built once per secret
//! and linear in the worst case. A body is thus searched at most once per secret, from left to
//! right, never rescanned: O([`MAX_SECRETS`] × (body + secret)) however the secrets and the
//! body are made (a byte-by-byte window comparison made 64 secrets of 65 000 bytes against a
//! 1 MB message cost minutes).

use std::collections::HashMap;
use std::fmt::Write as _;

use memchr::memmem::Finder;
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
/// Most secrets remembered per session: also how many times a body may be searched.
pub const MAX_SECRETS: usize = 64;
/// AMF0 string marker, for masking short secrets in raw bytes exactly where they are a string.
const AMF0_STRING: u8 = 0x02;

/// Masks stream keys and tokens in every event before `inner` sees it.
pub struct Redactor<S> {
    inner: S,
    /// Off: events pass through untouched (no `--redact`).
    enabled: bool,
    secrets: HashMap<u64, Vec<Secret>>,
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

/// One learned secret: its bytes inside their searcher, and its mask, both made once.
pub(crate) struct Secret {
    /// memmem's searcher, which owns the secret's bytes.
    finder: Finder<'static>,
    mask: String,
}

impl Secret {
    /// The searcher and mask of `text`.
    pub(crate) fn new(text: &str) -> Self {
        Secret {
            finder: Finder::new(text.as_bytes()).into_owned(),
            mask: mask(text),
        }
    }

    /// The secret's bytes (UTF-8: secrets are learned from strings).
    fn bytes(&self) -> &[u8] {
        self.finder.needle()
    }
}

/// What a redaction searched: how many searches, and how many bytes they were handed in all.
/// memmem is linear in the bytes it is handed, so `bytes` bounds the work.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Work {
    /// Searches started.
    pub searches: usize,
    /// Bytes those searches examined at most: on a hit up to the end of the match, on a miss
    /// the whole rest of the haystack.
    pub bytes: usize,
}

impl Work {
    fn add(&mut self, other: Work) {
        self.searches = self.searches.saturating_add(other.searches);
        self.bytes = self.bytes.saturating_add(other.bytes);
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

    fn tick(&mut self, now: crate::common::Timestamp) {
        self.inner.tick(now);
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
fn learn(body: &MessageBody, secrets: &mut Vec<Secret>) {
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
    add_secrets(secrets, found);
}

/// Adds new secrets (up to [`MAX_SECRETS`]) and keeps the list longest first, so a key that
/// contains another is masked whole; equally long ones stay in the order they were learned.
pub(crate) fn add_secrets(secrets: &mut Vec<Secret>, found: impl IntoIterator<Item = String>) {
    for secret in found {
        let known = secrets.iter().any(|s| s.bytes() == secret.as_bytes());
        if !known && secrets.len() < MAX_SECRETS {
            secrets.push(Secret::new(&secret));
        }
    }
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.bytes().len()));
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
fn redact_message(message: &mut Message, secrets: &[Secret]) {
    let mut visit = |text: &mut String| {
        redact_text(text, secrets);
    };
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

/// Masks every secret in one string: a string that is a secret becomes its mask; a long
/// secret is replaced wherever it occurs in the text as sent, a short one only where it is a
/// whole query value.
///
/// Masks are never searched: each secret looks only at the runs of the original text that
/// earlier (longer) secrets left, once each. Searching the text with masks in it, as the
/// first version did, let crafted secrets match inside masks (`<redacted:`, a hash and `>`)
/// and double the number of masks every two secrets.
pub(crate) fn redact_text(text: &mut String, secrets: &[Secret]) -> Work {
    let mut work = Work::default();
    if let Some(secret) = secrets.iter().find(|s| s.bytes() == text.as_bytes()) {
        secret.mask.clone_into(text);
        return work;
    }
    let is_long = |secret: &&Secret| secret.bytes().len() >= MIN_SUBSTRING_SECRET;
    if let Some(replaced) = replace_long_secrets(text, secrets.iter().filter(is_long), &mut work) {
        *text = replaced;
    }
    for secret in secrets.iter().filter(|secret| !is_long(secret)) {
        if is_query_value_in(text, secret.bytes()) {
            *text = replace_query_value(text, secret.bytes(), &secret.mask);
        }
    }
    work
}

/// A string being redacted: runs of the original text, with masks between them.
#[derive(Clone, Copy)]
enum Piece<'a> {
    Text(&'a str),
    Mask(&'a str),
}

/// `text` with every occurrence of each secret (in order; leftmost first, not overlapping)
/// replaced by its mask, searching only the runs of `text` no earlier secret replaced;
/// `None` when nothing was replaced.
fn replace_long_secrets<'a>(
    text: &'a str,
    secrets: impl Iterator<Item = &'a Secret>,
    work: &mut Work,
) -> Option<String> {
    let mut pieces = vec![Piece::Text(text)];
    for secret in secrets {
        // Rebuilt from the first run the secret occurs in; untouched when it occurs nowhere.
        let mut rebuilt: Option<Vec<Piece<'a>>> = None;
        for (index, &piece) in pieces.iter().enumerate() {
            let Piece::Text(run) = piece else {
                if let Some(next) = rebuilt.as_mut() {
                    next.push(piece);
                }
                continue;
            };
            work.add(Work {
                searches: 1,
                bytes: run.len(),
            });
            let mut matches = secret.finder.find_iter(run.as_bytes()).peekable();
            if matches.peek().is_none() {
                if let Some(next) = rebuilt.as_mut() {
                    next.push(piece);
                }
                continue;
            }
            let next =
                rebuilt.get_or_insert_with(|| pieces.get(..index).unwrap_or_default().to_vec());
            let mut copied = 0;
            for start in matches {
                // A UTF-8 needle found in UTF-8 text starts and ends on character boundaries.
                next.push(Piece::Text(run.get(copied..start).unwrap_or_default()));
                next.push(Piece::Mask(&secret.mask));
                copied = start.saturating_add(secret.bytes().len());
            }
            next.push(Piece::Text(run.get(copied..).unwrap_or_default()));
        }
        if let Some(next) = rebuilt {
            pieces = next;
        }
    }
    (pieces.len() > 1).then(|| {
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) | Piece::Mask(text) => *text,
            })
            .collect()
    })
}

/// True when `secret` is the whole value of a `key=value` pair in `text`'s query string.
fn is_query_value_in(text: &str, secret: &[u8]) -> bool {
    text.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .any(|pair| pair.split_once('=').map_or(pair, |(_, v)| v).as_bytes() == secret)
    })
}

/// `text` with the query values equal to `secret` replaced by `mask`.
fn replace_query_value(text: &str, secret: &[u8], mask: &str) -> String {
    let Some((base, query)) = text.split_once('?') else {
        return text.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if value.as_bytes() == secret => format!("{key}={mask}"),
            None if pair.as_bytes() == secret => mask.to_owned(),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// Overwrites the secrets' bytes in a raw body with `*`: everywhere for long secrets, and for
/// short ones where they form a whole AMF0 string. Each secret searches the body once, left
/// to right (a search resumes after the last match, so nothing is examined twice).
pub(crate) fn mask_bytes(bytes: &mut [u8], secrets: &[Secret]) -> Work {
    let mut work = Work::default();
    for secret in secrets {
        work.add(mask_secret(bytes, secret.bytes(), |rest| {
            secret.finder.find(rest)
        }));
    }
    work
}

/// Masks the non-overlapping occurrences of `needle` that `find` (the first occurrence in a
/// slice) finds, left to right, in the bytes as earlier secrets left them.
fn mask_secret(bytes: &mut [u8], needle: &[u8], find: impl Fn(&[u8]) -> Option<usize>) -> Work {
    let mut work = Work::default();
    if needle.is_empty() {
        return work;
    }
    let mut at = 0;
    loop {
        let rest = bytes.get(at..).unwrap_or_default();
        let found = find(rest);
        work.add(Work {
            searches: 1,
            bytes: found.map_or(rest.len(), |offset| offset.saturating_add(needle.len())),
        });
        let Some(offset) = found else {
            return work;
        };
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

/// True when `bytes[start..end]` is preceded by an AMF0 string header of exactly that length.
fn is_whole_amf0_string(bytes: &[u8], start: usize, end: usize) -> bool {
    let Some(header) = start.checked_sub(3).and_then(|h| bytes.get(h..start)) else {
        return false;
    };
    let length = usize::from(u16::from_be_bytes([header[1], header[2]]));
    header[0] == AMF0_STRING && length == end - start
}

/// Slow, obviously correct versions of the searches, the oracle the tests and the `redact`
/// fuzz target hold the redactor to: the byte-by-byte search masking used before memmem, and
/// the text's masks found with a byte map. Quadratic: only for small inputs.
pub(crate) mod reference {
    use super::{is_query_value_in, mask, mask_secret, replace_query_value, MIN_SUBSTRING_SECRET};

    /// Masks the secrets' bytes in a raw body (`secrets` longest first), comparing each secret
    /// at every byte.
    pub(crate) fn mask_bytes(bytes: &mut [u8], secrets: &[String]) {
        for secret in secrets {
            let needle = secret.as_bytes();
            mask_secret(bytes, needle, |haystack| {
                haystack
                    .windows(needle.len())
                    .position(|window| window == needle)
            });
        }
    }

    /// Masks every secret in one string (`secrets` longest first): which bytes each long
    /// secret replaces is marked in a byte map, so later secrets skip them.
    pub(crate) fn redact_text(text: &mut String, secrets: &[String]) {
        if let Some(secret) = secrets.iter().find(|s| s.as_str() == text.as_str()) {
            *text = mask(secret);
            return;
        }
        let original = text.as_bytes();
        let mut taken = vec![false; original.len()];
        // Where a mask starts, and which secret's.
        let mut masks: Vec<(usize, &String)> = Vec::new();
        for secret in secrets {
            let needle = secret.as_bytes();
            if needle.len() < MIN_SUBSTRING_SECRET {
                continue;
            }
            let mut at = 0;
            while let (Some(bytes), Some(marks)) = (
                original.get(at..at + needle.len()),
                taken.get_mut(at..at + needle.len()),
            ) {
                if bytes == needle && !marks.contains(&true) {
                    marks.fill(true);
                    masks.push((at, secret));
                    at += needle.len();
                } else {
                    at += 1;
                }
            }
        }
        if !masks.is_empty() {
            masks.sort();
            let mut out = String::new();
            let mut at = 0;
            for (start, secret) in masks {
                out.push_str(text.get(at..start).unwrap_or("\u{fffd}"));
                out.push_str(&mask(secret));
                at = start + secret.len();
            }
            out.push_str(text.get(at..).unwrap_or("\u{fffd}"));
            *text = out;
        }
        for secret in secrets {
            if secret.len() < MIN_SUBSTRING_SECRET && is_query_value_in(text, secret.as_bytes()) {
                *text = replace_query_value(text, secret.as_bytes(), &mask(secret));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secret_list(texts: &[&str]) -> Vec<Secret> {
        let mut list = Vec::new();
        add_secrets(&mut list, texts.iter().map(|t| (*t).to_owned()));
        list
    }

    /// The same secrets as strings, in the order the redactor applies them.
    fn texts(secrets: &[Secret]) -> Vec<String> {
        secrets
            .iter()
            .map(|s| String::from_utf8_lossy(s.bytes()).into_owned())
            .collect()
    }

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
        let secrets = secret_list(&["live", "abc"]);
        let mut url = "rtmp://host/live?token=abc".to_owned();
        redact_text(&mut url, &secrets);
        assert_eq!(url, format!("rtmp://host/live?token={}", mask("abc")));
        let mut name = "live".to_owned();
        redact_text(&mut name, &secrets);
        assert_eq!(name, mask("live"));
    }

    #[test]
    fn long_secrets_are_masked_inside_text_and_bytes() {
        let secrets = secret_list(&["live_123456_abcdef"]);
        let mut text = "Started publishing live_123456_abcdef.".to_owned();
        redact_text(&mut text, &secrets);
        assert_eq!(
            text,
            format!("Started publishing {}.", mask("live_123456_abcdef"))
        );
        let mut bytes = b"\x02\x00\x12live_123456_abcdef rest".to_vec();
        mask_bytes(&mut bytes, &secrets);
        assert_eq!(&bytes, b"\x02\x00\x12****************** rest");
    }

    #[test]
    fn short_secrets_in_bytes_only_as_whole_amf0_strings() {
        let secrets = secret_list(&["test"]);
        let mut bytes = b"\x02\x00\x04test \x02\x00\x07testing".to_vec();
        mask_bytes(&mut bytes, &secrets);
        assert_eq!(&bytes, b"\x02\x00\x04**** \x02\x00\x07testing");
    }

    #[test]
    fn longer_secrets_win_overlaps_and_occurrences_do_not_overlap() {
        // Learned short first; applied longest first: "key_123456" is masked whole, then
        // "123456_x" no longer occurs where the longer one was.
        let secrets = secret_list(&["123456_x", "key_123456"]);
        let mut bytes = b"key_123456_x 123456_x aaaaaaa".to_vec();
        mask_bytes(&mut bytes, &secrets);
        assert_eq!(&bytes, b"**********_x ******** aaaaaaa");
        // "aaaaaa" in seven a's: one occurrence, the seventh byte is left as it was.
        let secrets_a = secret_list(&["aaaaaa"]);
        let mut bytes = b"aaaaaaa".to_vec();
        mask_bytes(&mut bytes, &secrets_a);
        assert_eq!(&bytes, b"******a");
        // Text: same order, and a mask is never searched for the secret it replaced.
        let mut text = "key_123456_x and 123456_x".to_owned();
        redact_text(&mut text, &secrets);
        assert_eq!(
            text,
            format!("{}_x and {}", mask("key_123456"), mask("123456_x"))
        );
    }

    #[test]
    fn many_long_secrets_search_a_large_body_once_each() {
        // Issue 20: 64 publish commands with distinct 65 000-byte stream names, then a 1 MB
        // data message. The names share 64 990 bytes with the body, so the old byte-by-byte
        // comparison read ~65 000 bytes at each of the body's million positions, for each of
        // the 64 secrets (4.2e12 bytes, minutes); now each secret hands each byte of the body
        // to memmem (linear) at most once.
        let names: Vec<String> = (0..MAX_SECRETS)
            .map(|i| format!("{}{i:09}|", "a".repeat(64_990)))
            .collect();
        let mut secrets = Vec::new();
        add_secrets(&mut secrets, names.iter().cloned());
        assert_eq!(secrets.len(), MAX_SECRETS);
        // The body: 1 MB of 'a', with the 7th name in it once.
        let mut body = vec![b'a'; 1_000_000];
        body.extend_from_slice(names[7].as_bytes());
        body.extend_from_slice(b"tail");
        let mut masked = body.clone();
        let work = mask_bytes(&mut masked, &secrets);
        let bound = MAX_SECRETS * body.len();
        assert!(work.bytes <= bound, "{work:?} > {bound}");
        assert_eq!(
            work.searches,
            MAX_SECRETS + 1,
            "one search a secret, one more a match"
        );
        let at = 1_000_000;
        assert!(masked[..at].iter().all(|&b| b == b'a'));
        assert!(masked[at..at + 65_000].iter().all(|&b| b == b'*'));
        assert_eq!(&masked[at + 65_000..], b"tail");
        // The same body as one string.
        let mut text = String::from_utf8(body.clone()).unwrap();
        let work = redact_text(&mut text, &secrets);
        assert!(work.bytes <= bound, "{work:?} > {bound}");
        // Secrets 0-7 search the whole text; after the 7th's match, the rest search the two
        // runs around its mask.
        assert_eq!(work.searches, 8 + 2 * (MAX_SECRETS - 8));
        assert_eq!(text, format!("{}{}tail", "a".repeat(at), mask(&names[7])));
    }

    #[test]
    fn masks_are_never_searched_so_secrets_cannot_feed_on_them() {
        // Each pair of secrets doubles the masks when masks are searched: "<redact" matches
        // the head of every mask, and the tail of its own mask ("b14288>": hash and '>') then
        // leaves two heads where there was one. Searching the text with its masks in, these
        // nine secrets turned 70 bytes into 3170 (160 masks); 64 would pass 2^32 masks.
        let mut learned = vec!["aaaaaaa".to_owned()];
        for head in ["<redact", "redacte", "edacted", "dacted:"] {
            learned.push(head.to_owned());
            learned.push(mask(head)[10..].to_owned());
        }
        assert_eq!(learned[2], "b14288>");
        let mut secrets = Vec::new();
        add_secrets(&mut secrets, learned.iter().cloned());
        let mut text = "aaaaaaa".repeat(10);
        let work = redact_text(&mut text, &secrets);
        assert_eq!(text, mask("aaaaaaa").repeat(10));
        assert!(work.bytes <= secrets.len() * 70, "{work:?}");
        // The secrets are still masked where they were sent.
        let mut text = "x <redact y b14288> z".to_owned();
        redact_text(&mut text, &secrets);
        assert_eq!(
            text,
            format!("x {} y {} z", mask("<redact"), mask("b14288>"))
        );
    }

    /// Bytes from a small alphabet, so secrets occur, overlap, contain `*` and sit behind
    /// AMF0 string headers.
    fn alphabet() -> impl Strategy<Value = u8> {
        prop::sample::select(vec![
            b'a', b'b', b'*', b'?', b'=', b'&', 0x02, 0x00, 0x03, 0x06,
        ])
    }

    fn text_of(bytes: Vec<u8>) -> String {
        bytes.into_iter().map(char::from).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The linear searches mask exactly what the slow ones do: in raw bytes the very
        /// bytes the byte-by-byte search masked (same length, same places), in strings the
        /// same masks in the same places.
        #[test]
        fn masking_is_exactly_as_the_slow_search(
            learned in prop::collection::vec(prop::collection::vec(alphabet(), 1..9), 1..6),
            body in prop::collection::vec(alphabet(), 0..200),
        ) {
            let learned: Vec<String> = learned.into_iter().map(text_of).collect();
            let mut secrets = Vec::new();
            add_secrets(&mut secrets, learned);
            let oracle = texts(&secrets);
            let mut bytes = body.clone();
            mask_bytes(&mut bytes, &secrets);
            let mut expected = body.clone();
            reference::mask_bytes(&mut expected, &oracle);
            prop_assert_eq!(bytes.len(), body.len());
            prop_assert_eq!(bytes, expected);
            let mut text = text_of(body);
            let mut expected = text.clone();
            redact_text(&mut text, &secrets);
            reference::redact_text(&mut expected, &oracle);
            prop_assert_eq!(text, expected);
        }
    }
}
