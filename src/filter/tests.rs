//! The language on JSON objects shaped as the events are.

use serde_json::{json, Value as Json};

use super::*;

/// A JSON object as a subject; its text is its `summary` key.
struct Line(Json, String);

impl Line {
    fn new(value: Json) -> Self {
        let text = value["summary"].as_str().unwrap_or("").to_owned();
        Line(value, text)
    }
}

impl Subject for Line {
    fn walk(&mut self, probe: &mut Probe<'_>) {
        probe.visit(&self.0);
    }

    fn text(&mut self) -> &str {
        &self.1
    }
}

fn video() -> Line {
    Line::new(json!({
        "event": "message", "frame": 30, "time": 1795560883.738951, "session": 1,
        "client": "127.0.0.1:34742", "dir": "c2s", "csid": 6, "type": "video", "length": 47,
        "frame_kind": "keyframe", "recovered": false,
        "summary": "Video avc keyframe seq hdr 47 B"
    }))
}

fn connect() -> Line {
    Line::new(json!({
        "event": "message", "frame": 12, "session": 1, "dir": "c2s", "type": "command_amf0",
        "command": "connect", "transaction_id": 1.0,
        "command_object": {"app": "live", "tcUrl": "rtmp://127.0.0.1:1935/live",
                           "nested": {"deep": [1, {"encoder": "Lavf59"}]}},
        "args": [],
        "summary": "connect app=live"
    }))
}

fn warning() -> Line {
    Line::new(json!({
        "event": "warning", "frame": 99, "session": 3, "dir": "s2c",
        "code": "chunk_resync", "message": "lost footing",
        "summary": "WARNING chunk_resync: lost footing"
    }))
}

fn is(expr: &str, line: &mut Line) -> bool {
    Filter::parse(expr)
        .unwrap_or_else(|e| panic!("{expr}: {}", e.caret(expr)))
        .matches(line)
}

fn error(expr: &str) -> FilterError {
    Filter::parse(expr).expect_err(expr)
}

#[test]
fn every_comparison_operator() {
    let v = &mut video();
    assert!(is("type == video", v));
    assert!(is("type == \"video\"", v));
    assert!(!is("type == audio", v));
    assert!(is("type != audio", v));
    assert!(!is("type != video", v));
    assert!(is("frame >= 30", v) && is("frame <= 30", v));
    assert!(is("frame > 29", v) && !is("frame > 30", v));
    assert!(is("frame < 31", v) && !is("frame < 30", v));
    assert!(is("frame == 0x1e", v));
    assert!(is("time > 1795560883.5", v));
    assert!(is("client contains 127.0", v));
    assert!(is("frame_kind contains KEY", v));
    assert!(is("frame_kind matches \"^key.*e$\"", v));
    assert!(is("frame_kind ~ FRAME", v));
    assert!(!is("frame_kind matches ^frame", v));
    assert!(is("frame contains 3", v));
}

#[test]
fn absent_fields_pass_no_comparison_and_not_even_not_equal() {
    let v = &mut video();
    assert!(!is("command == connect", v));
    assert!(!is("command != connect", v));
    assert!(is("not command == connect", v));
    assert!(!is("command", v));
}

#[test]
fn a_field_alone_is_present_and_not_false() {
    let v = &mut video();
    assert!(is("frame_kind", v));
    assert!(!is("recovered", v));
    assert!(is("recovered == false", v));
    assert!(is("csid", v));
}

#[test]
fn event_names_are_yes_no_fields() {
    assert!(is("warning", &mut warning()));
    assert!(!is("warning", &mut video()));
    assert!(is("not gap", &mut video()));
    let mut capture = Line::new(json!({"event": "capture_warning", "code": "clock_jump"}));
    assert!(is("warning and code == clock_jump", &mut capture));
    assert!(error("warning == x").message.contains("true or false"));
    assert!(is("video", &mut video()));
    assert!(!is("audio", &mut video()));
}

#[test]
fn amf_keys_are_found_at_any_depth_of_bodies_only() {
    let c = &mut connect();
    assert!(is("amf.app == live", c));
    assert!(is("amf.tcUrl contains LIVE", c));
    assert!(is("amf.encoder", c));
    assert!(is("amf.encoder == Lavf59", c));
    assert!(!is("amf.frame", c), "frame is not inside a body");
    assert!(!is("amf.missing", c));
    assert!(is("command_object.app == live", c));
    assert!(
        is("command_object.nested.deep == 1", c),
        "arrays are transparent"
    );
    assert!(!is("command_object.app.x", c));
}

#[test]
fn words_alone_search_the_text_and_amf_keys_and_strings() {
    let c = &mut connect();
    assert!(is("connect", c), "the summary");
    assert!(is("CONNECT", c), "case ignored");
    assert!(is("encoder", c), "an AMF key");
    assert!(is("lavf59", c), "an AMF string");
    assert!(is("\"app=live\"", c));
    assert!(!is("publish", c));
    assert!(
        !is("c2s", c),
        "dir is not in this summary (rows put it in their text)"
    );
    assert!(is("127.0.0.1", c), "inside tcUrl");
    assert!(is("connect live", c), "side by side: and");
    assert!(!is("connect publish", c));
}

#[test]
fn precedence_is_not_then_and_then_or() {
    let v = &mut video();
    assert!(is("type == audio or type == video and frame == 30", v));
    assert!(!is("(type == audio or type == video) and frame == 31", v));
    assert!(is("type == audio || frame == 31 || csid == 6", v));
    assert!(!is("not type == video or type == audio", v));
    assert!(is("!type == audio && !(frame < 10)", v));
    assert!(is("not not type == video", v));
    assert!(is(
        "dir == c2s and not (type == audio or type == video) or frame == 30",
        v
    ));
}

#[test]
fn an_empty_filter_matches_everything() {
    let filter = Filter::parse("  ").unwrap();
    assert!(filter.is_empty());
    assert!(filter.matches(&mut video()));
}

#[test]
fn errors_carry_the_span_of_what_they_are_about() {
    let e = error("tpye == video");
    assert_eq!(e.span, 0..4);
    assert_eq!(e.message, "unknown field \"tpye\" (did you mean \"type\"?)");
    let e = error("type == video and sesion == 3");
    assert_eq!(
        (e.span.clone(), e.message.contains("\"session\"")),
        (18..24, true)
    );
    assert!(error("xyzzyq == 1").message.contains("README"));
    assert_eq!(error("frame >=").span, 8..8);
    assert_eq!(error("frame >= and").span, 9..12);
    assert_eq!(error("(type == video").span, 0..1);
    assert_eq!(error("type == video)").span, 13..14);
    assert_eq!(error("== video").span, 0..2);
    assert_eq!(error("\"type\" == video").span, 0..6);
    assert_eq!(error("type = video").span, 5..6);
    assert_eq!(error("a and").span, 5..5);
    assert_eq!(error("a or or b").span, 5..7);
    assert_eq!(error("type == a == b").span, 10..12);
    assert_eq!(error("frame matches \"(\"").span, 14..17);
    assert!(error("frame matches \"(\"")
        .message
        .starts_with("bad regular expression"));
    assert_eq!(error("not").span, 3..3);
    assert_eq!(error("()").span, 1..2);
}

#[test]
fn limits_are_errors_not_crashes() {
    let many = vec!["frame == 1"; MAX_TESTS + 1].join(" or ");
    assert!(error(&many).message.contains("too many tests"));
    let deep = "(".repeat(MAX_DEPTH + 1) + "x" + &")".repeat(MAX_DEPTH + 1);
    assert!(error(&deep).message.contains("nested too deep"));
    let nots = "!".repeat(10_000) + "x";
    assert!(error(&nots).message.contains("nested too deep"));
    assert!(Filter::parse(&vec!["frame == 1"; MAX_TESTS].join(" or ")).is_ok());
}

proptest::proptest! {
    #[test]
    fn parsing_never_panics(source in "\\PC{0,60}") {
        if let Err(e) = Filter::parse(&source) {
            proptest::prop_assert!(e.span.start <= e.span.end && e.span.end <= source.len());
            proptest::prop_assert!(source.is_char_boundary(e.span.start));
            let _ = e.caret(&source).to_string();
        }
    }

    #[test]
    fn parsing_filter_like_text_never_panics(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "type", "==", "!=", "<", ">=", "and", "or", "not", "!", "(", ")", "\"",
                "video", "amf.", "amf.x", "contains", "matches", "~", "&&", "||", "3", "\\",
                "tls.sni", "warning", "é", " ",
            ]),
            0..20,
        )
    ) {
        let source = parts.concat();
        let _ = Filter::parse(&source).map(|f| f.matches(&mut video()));
        let spaced = parts.join(" ");
        let _ = Filter::parse(&spaced).map(|f| f.matches(&mut connect()));
    }
}
