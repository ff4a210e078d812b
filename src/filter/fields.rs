//! The names a filter can use: the top-level keys of the events' JSON (README, "JSON
//! output"), two fields derived as the ClickHouse rows derive them, the event and message
//! type names as yes/no fields, and `amf.KEY`. A name that is none of these is an error with a suggestion.

/// Top-level keys of the JSON lines a filter sees (every session event, capture warnings and
/// the live lines). `tests` check this against the keys the samples' `--json` output has.
pub const JSON_FIELDS: &[&str] = &[
    // common
    "event",
    "frame",
    "time",
    "session",
    "client",
    "server",
    "variant",
    "inner",
    "community_id",
    // messages
    "dir",
    "csid",
    "msid",
    "timestamp",
    "type_id",
    "type",
    "length",
    "decode_error",
    "recovered",
    "chunk_size",
    "abort_csid",
    "sequence_number",
    "event_type",
    "control_event",
    "stream_id",
    "buffer_length",
    "ping_timestamp",
    "rtt_ms",
    "window_size",
    "limit_type",
    "limit",
    "command",
    "transaction_id",
    "command_object",
    "args",
    "reply_to",
    "reply_to_frame",
    "name",
    "values",
    "version",
    "persistent",
    "events",
    "messages",
    "payload_hex",
    "raw_hex",
    // message flags (what is assumed or missing)
    "msid_assumed",
    "timestamp_relative",
    "joined",
    "missing_bytes",
    "truncated_bytes",
    // media
    "sound_format",
    "codec",
    "sound_rate",
    "sound_size",
    "channels",
    "aac_packet_type",
    "frame_type",
    "frame_kind",
    "codec_id",
    "avc_packet_type",
    "composition_time",
    "packet_type",
    "fourcc",
    "config",
    // session_start, handshake, tls_handshake
    "mid_stream",
    "detected_by",
    "encrypted",
    "decrypted",
    "tls_keys",
    "tls",
    "tunnel",
    "complete",
    "c0_version",
    "s0_version",
    "c1_time",
    "c1_version",
    "s1_time",
    "s1_version",
    "client_scheme",
    "server_scheme",
    "c2_check",
    "s2_check",
    "client_dh_key",
    "server_dh_key",
    "duration_ms",
    "client_version",
    "offers_tls13",
    "sni",
    "alpn",
    "cipher_suites_offered",
    "cipher_suite",
    "cipher_suite_id",
    "server_alpn",
    "hello_retry_request",
    // gap, warning, session_end, export, capture_warning
    "bytes",
    "reason",
    "code",
    "message",
    "bytes_c2s",
    "bytes_s2c",
    "gaps",
    "gap_bytes",
    "warnings",
    "duration",
    "network",
    "state",
    "path",
    "role",
    "stream",
    "audio_tags",
    "video_tags",
    "script_tags",
    "skipped_frames",
    // live: tcp_stats, stream_stats, finding
    "retransmissions",
    "retransmitted_bytes",
    "zero_windows",
    "peak_kbps",
    "video_kbps",
    "audio_kbps",
    "fps",
    "keyframes",
    "realtime_ratio",
    "lag_s",
    "seconds",
    "severity",
];

/// Event names usable as yes/no fields (`warning`, `gap`): true on events of that name.
/// `warning` also covers `capture_warning`. (`message` is not here: it is the JSON key of a
/// warning's sentence; write `event == message`.)
pub const EVENT_FIELDS: &[&str] = &[
    "session_start",
    "handshake",
    "tls_handshake",
    "gap",
    "warning",
    "session_end",
    "export",
    "capture_warning",
    "tcp_stats",
    "stream_stats",
    "finding",
];

/// Message type names usable as yes/no fields (`video`, `command_amf0`): true on messages of
/// that type, so the words typed to filter the TUI by type still do.
pub const TYPE_FIELDS: &[&str] = &[
    "set_chunk_size",
    "abort",
    "acknowledgement",
    "user_control",
    "window_ack_size",
    "set_peer_bandwidth",
    "audio",
    "video",
    "data_amf3",
    "shared_object_amf3",
    "command_amf3",
    "data_amf0",
    "shared_object_amf0",
    "command_amf0",
    "aggregate",
];

/// Top-level keys whose values are AMF (command and data bodies): where `amf.KEY` looks, at
/// any depth, and where text search looks at keys and strings.
pub const AMF_FIELDS: &[&str] = &["command_object", "args", "values", "events"];

/// The prefix of AMF property paths.
pub const AMF_PREFIX: &str = "amf.";

/// How a name resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A JSON key, then keys below it (`tls.sni`: `["tls", "sni"]`).
    Path(Vec<String>),
    /// `amf.KEY`: a property named KEY at any depth of a command or data body.
    Amf(String),
    /// An event name used as a yes/no field.
    Event(&'static str),
    /// A message type name used as a yes/no field.
    Type(&'static str),
}

/// What `name` means as a field, if anything.
pub fn resolve(name: &str) -> Option<Resolved> {
    if let Some(key) = name.strip_prefix(AMF_PREFIX) {
        return (!key.is_empty()).then(|| Resolved::Amf(key.to_owned()));
    }
    if let Some(&event) = EVENT_FIELDS.iter().find(|&&e| e == name) {
        return Some(Resolved::Event(event));
    }
    if let Some(&name) = TYPE_FIELDS.iter().find(|&&t| t == name) {
        return Some(Resolved::Type(name));
    }
    let mut segments = name.split('.');
    let first = segments.next()?;
    if !JSON_FIELDS.contains(&first) {
        return None;
    }
    let path: Vec<String> = std::iter::once(first)
        .chain(segments)
        .map(str::to_owned)
        .collect();
    path.iter()
        .all(|segment| !segment.is_empty())
        .then_some(Resolved::Path(path))
}

/// The known name closest to `name`, when it is close enough to be a typo (one edit for
/// names of up to three letters, else two).
pub fn suggestion(name: &str) -> Option<&'static str> {
    let first = name.split('.').next().unwrap_or(name);
    let limit = if first.chars().count() <= 3 { 1 } else { 2 };
    JSON_FIELDS
        .iter()
        .chain(EVENT_FIELDS)
        .chain(TYPE_FIELDS)
        .chain(&["amf"])
        .map(|&known| (edit_distance(first, known), known))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, known)| known)
}

/// Edit distance over characters, a swap of neighbours counting as one edit (optimal string
/// alignment: `tpye` is one edit from `type`). Names are short, so a full table is fine.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let cost = |table: &[usize], i: usize, j: usize| table.get(at(i, j)).copied();
            let value = if i == 0 || j == 0 {
                i.max(j)
            } else {
                let same = a.get(i - 1) == b.get(j - 1);
                let mut best = [
                    cost(&table, i - 1, j).map(|c| c + 1),
                    cost(&table, i, j - 1).map(|c| c + 1),
                    cost(&table, i - 1, j - 1).map(|c| c + usize::from(!same)),
                ]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(0);
                let swapped =
                    i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1);
                if swapped {
                    if let Some(c) = cost(&table, i - 2, j - 2) {
                        best = best.min(c + 1);
                    }
                }
                best
            };
            if let Some(cell) = table.get_mut(at(i, j)) {
                *cell = value;
            }
        }
    }
    table.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_to_paths_amf_keys_and_events() {
        assert_eq!(resolve("type"), Some(Resolved::Path(vec!["type".into()])));
        assert_eq!(
            resolve("tls.sni"),
            Some(Resolved::Path(vec!["tls".into(), "sni".into()]))
        );
        assert_eq!(
            resolve("amf.encoder"),
            Some(Resolved::Amf("encoder".into()))
        );
        assert_eq!(resolve("amf.a.b"), Some(Resolved::Amf("a.b".into())));
        assert_eq!(resolve("warning"), Some(Resolved::Event("warning")));
        assert_eq!(resolve("video"), Some(Resolved::Type("video")));
        assert_eq!(resolve("amf."), None);
        assert_eq!(resolve("tls..sni"), None);
        assert_eq!(resolve("tpye"), None);
        assert_eq!(resolve("127.0.0.1"), None);
    }

    #[test]
    fn typos_get_the_nearest_name() {
        assert_eq!(suggestion("tpye"), Some("type"));
        assert_eq!(suggestion("comand"), Some("command"));
        assert_eq!(suggestion("sesion"), Some("session"));
        assert_eq!(suggestion("amff.encoder"), Some("amf"));
        assert_eq!(suggestion("xyzzyq"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
