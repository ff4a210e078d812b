//! The names a filter can use: the top-level keys of the events' JSON (README, "JSON
//! output"), two fields derived as the ClickHouse rows derive them, the event and message
//! type names as yes/no fields, and `amf.KEY`. A name that is none of these is an error with a suggestion.

/// Top-level keys of the JSON lines a filter sees (every session event, capture warnings and
/// the live lines). `tests` check this against the keys the samples' `--json` output has.
pub const JSON_FIELDS: &[&str] = &names::<{ pick(false, &mut []) }>(false);

/// The keys of [`JSON_FIELDS`] a row of the TUI has without decoding its body again (the
/// common fields a row keeps and a message's header): a filter that names only these runs on
/// the row as it is.
pub const ROW_FIELDS: &[&str] = &names::<{ pick(true, &mut []) }>(true);

/// A top-level key of the JSON lines, and whether a row of the TUI has it.
struct Key {
    name: &'static str,
    on_row: bool,
}

/// A key a row of the TUI has as it is.
const fn row(name: &'static str) -> Key {
    Key { name, on_row: true }
}

/// A key only a decoded event has.
const fn key(name: &'static str) -> Key {
    Key {
        name,
        on_row: false,
    }
}

/// Every top-level key, grouped by the events that have them; [`JSON_FIELDS`] and
/// [`ROW_FIELDS`] are read from here.
const KEYS: &[Key] = &[
    // common
    row("event"),
    row("frame"),
    row("time"),
    row("session"),
    row("client"),
    row("server"),
    row("variant"),
    key("inner"),
    key("community_id"),
    // messages
    row("dir"),
    row("csid"),
    row("msid"),
    row("timestamp"),
    row("type_id"),
    row("type"),
    row("length"),
    key("decode_error"),
    key("recovered"),
    key("chunk_size"),
    key("abort_csid"),
    key("sequence_number"),
    key("event_type"),
    key("control_event"),
    key("stream_id"),
    key("buffer_length"),
    key("ping_timestamp"),
    key("rtt_ms"),
    key("window_size"),
    key("limit_type"),
    key("limit"),
    key("command"),
    key("transaction_id"),
    key("command_object"),
    key("args"),
    key("reply_to"),
    key("reply_to_frame"),
    key("name"),
    key("values"),
    key("version"),
    key("persistent"),
    key("events"),
    key("messages"),
    key("payload_hex"),
    key("raw_hex"),
    // message flags (what is assumed or missing)
    key("msid_assumed"),
    key("timestamp_relative"),
    key("joined"),
    key("missing_bytes"),
    key("truncated_bytes"),
    // media
    key("sound_format"),
    key("codec"),
    key("sound_rate"),
    key("sound_size"),
    key("channels"),
    key("aac_packet_type"),
    key("frame_type"),
    key("frame_kind"),
    key("codec_id"),
    key("avc_packet_type"),
    key("composition_time"),
    key("packet_type"),
    key("fourcc"),
    key("config"),
    // session_start, handshake, tls_handshake
    key("mid_stream"),
    key("detected_by"),
    key("encrypted"),
    key("decrypted"),
    key("tls_keys"),
    key("tls"),
    key("tunnel"),
    key("complete"),
    key("c0_version"),
    key("s0_version"),
    key("c1_time"),
    key("c1_version"),
    key("s1_time"),
    key("s1_version"),
    key("client_scheme"),
    key("server_scheme"),
    key("c2_check"),
    key("s2_check"),
    key("client_dh_key"),
    key("server_dh_key"),
    key("duration_ms"),
    key("client_version"),
    key("offers_tls13"),
    key("sni"),
    key("alpn"),
    key("cipher_suites_offered"),
    key("cipher_suite"),
    key("cipher_suite_id"),
    key("server_alpn"),
    key("hello_retry_request"),
    // gap, warning, session_end, export, capture_warning
    key("bytes"),
    key("reason"),
    key("code"),
    key("message"),
    key("bytes_c2s"),
    key("bytes_s2c"),
    key("gaps"),
    key("gap_bytes"),
    key("warnings"),
    key("duration"),
    key("network"),
    key("state"),
    key("path"),
    key("role"),
    key("stream"),
    key("audio_tags"),
    key("video_tags"),
    key("script_tags"),
    key("skipped_frames"),
    // live: tcp_stats, stream_stats, finding
    key("retransmissions"),
    key("retransmitted_bytes"),
    key("zero_windows"),
    key("peak_kbps"),
    key("video_kbps"),
    key("audio_kbps"),
    key("fps"),
    key("keyframes"),
    key("realtime_ratio"),
    key("lag_s"),
    key("seconds"),
    key("severity"),
];

/// Copies the names of the [`KEYS`] chosen (all, or with `on_row_only` those a row has) into
/// `names`, in order, as many as fit; returns how many were chosen.
const fn pick(on_row_only: bool, names: &mut [&'static str]) -> usize {
    let (mut i, mut chosen) = (0, 0);
    while i < KEYS.len() {
        if !on_row_only || KEYS[i].on_row {
            if chosen < names.len() {
                names[chosen] = KEYS[i].name;
            }
            chosen += 1;
        }
        i += 1;
    }
    chosen
}

/// The `N` names [`pick`] chooses.
const fn names<const N: usize>(on_row_only: bool) -> [&'static str; N] {
    let mut names = [""; N];
    pick(on_row_only, &mut names);
    names
}

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
    fn a_row_has_the_common_fields_and_the_message_header() {
        assert_eq!(
            ROW_FIELDS,
            [
                "event",
                "frame",
                "time",
                "session",
                "client",
                "server",
                "variant",
                "dir",
                "csid",
                "msid",
                "timestamp",
                "type_id",
                "type",
                "length"
            ]
        );
        assert_eq!(JSON_FIELDS.len(), KEYS.len());
        assert_eq!(JSON_FIELDS.first(), Some(&"event"));
        assert_eq!(JSON_FIELDS.last(), Some(&"severity"));
        assert!(!JSON_FIELDS.contains(&""));
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
