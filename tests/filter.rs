//! `--filter-messages` on real captures: the lines written are exactly the lines of the
//! unfiltered `--json` output that the expression describes, worked out here from the JSON
//! itself (no jq), and a bad expression is a usage error that points at its fault.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{json_lines, rtmpscope, samples_dir, shared_captures};

fn sample(name: &str) -> PathBuf {
    samples_dir().join(name)
}

/// Checks that `--filter-messages expr` writes exactly the lines of the whole output for
/// which `expected` holds, in order; returns how many.
fn check(capture: &Path, extra: &[&str], expr: &str, expected: impl Fn(&Value) -> bool) -> usize {
    let all = json_lines(capture, extra);
    let want: Vec<&String> = all
        .iter()
        .filter(|line| expected(&serde_json::from_str(line).expect("a JSON line")))
        .collect();
    let mut args = extra.to_vec();
    args.extend(["--filter-messages", expr]);
    let got = json_lines(capture, &args);
    assert_eq!(
        got.iter().collect::<Vec<_>>(),
        want,
        "{expr} on {}",
        capture.display()
    );
    got.len()
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

/// Does a property named `key` occur anywhere inside `value`?
fn has_key(value: &Value, key: &str) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| k == key || has_key(v, key)),
        Value::Array(items) => items.iter().any(|v| has_key(v, key)),
        _ => false,
    }
}

/// Does a command or data body hold a property `key`?
fn amf_has(event: &Value, key: &str) -> bool {
    ["command_object", "args", "values"]
        .iter()
        .any(|field| has_key(&event[*field], key))
}

#[test]
fn comparisons_select_exactly_the_matching_json_lines() {
    let capture = sample("publish_play.pcap");
    let videos = check(&capture, &[], "type == video", |e| {
        text(e, "type") == "video"
    });
    assert_eq!(videos, 125, "60 published and 65 played video messages");
    let c2s = check(&capture, &[], "dir == c2s", |e| text(e, "dir") == "c2s");
    assert!(c2s > 100);
    check(&capture, &[], "session == 2", |e| e["session"] == 2);
    check(&capture, &[], "frame >= 1400", |e| {
        e["frame"].as_u64().unwrap() >= 1400
    });
    let publish = check(&capture, &[], "command == \"publish\"", |e| {
        text(e, "command") == "publish"
    });
    assert_eq!(publish, 1);
    check(&capture, &[], "not type == video", |e| {
        text(e, "type") != "video"
    });
    check(
        &capture,
        &[],
        "(type == audio || type == video) && dir == s2c && frame_kind != keyframe",
        |e| {
            ["audio", "video"].contains(&text(e, "type").as_str())
                && text(e, "dir") == "s2c"
                && text(e, "frame_kind") != "keyframe"
                && e.get("frame_kind").is_some()
        },
    );
    check(&capture, &[], "length > 1000 and csid < 7", |e| {
        e["length"].as_u64().is_some_and(|l| l > 1000) && e["csid"].as_u64().is_some_and(|c| c < 7)
    });
    check(&capture, &[], "event == session_end or handshake", |e| {
        ["session_end", "handshake"].contains(&text(e, "event").as_str())
    });
}

#[test]
fn amf_keys_are_found_in_command_and_data_bodies() {
    let capture = sample("publish_play.pcap");
    let encoder = check(&capture, &[], "amf.encoder", |e| amf_has(e, "encoder"));
    assert!(encoder >= 1, "onMetaData names its encoder");
    let live = check(&capture, &[], "amf.tcUrl contains LIVE", |e| {
        e["command_object"]["tcUrl"]
            .as_str()
            .is_some_and(|url| url.to_ascii_lowercase().contains("live"))
    });
    assert_eq!(live, 3, "three connects");
    check(
        &capture,
        &[],
        "code matches \"^NetStream\\.Play\\.\"",
        |e| {
            e["args"].as_array().into_iter().flatten().any(|arg| {
                arg["code"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("NetStream.Play."))
            })
        },
    );
    check(&capture, &[], "stream == test and command == play", |e| {
        let first_string = e["args"]
            .as_array()
            .and_then(|a| a.iter().find_map(Value::as_str));
        text(e, "command") == "play" && first_string == Some("test")
    });
}

#[test]
fn words_search_what_a_row_shows_and_the_bodies() {
    let capture = sample("publish_play.pcap");
    // fmsVer FMS/3,0,1,123 is a string of each _result to connect; the summary omits it.
    let fms = check(&capture, &[], "FMS/3", |e| {
        text(e, "command") == "_result" && has_key(&e["command_object"], "fmsVer")
    });
    assert_eq!(fms, 3);
    check(&capture, &[], "encoder", |e| amf_has(e, "encoder"));
}

#[test]
fn warnings_and_gaps_are_yes_no_fields() {
    let capture = sample("snaplen96.pcap");
    let problems = check(&capture, &[], "warning or gap", |e| {
        ["warning", "gap", "capture_warning"].contains(&text(e, "event").as_str())
    });
    assert!(problems > 0);
    check(&capture, &[], "warning and code == chunk_resync", |e| {
        text(e, "event") == "warning" && text(e, "code") == "chunk_resync"
    });
}

#[test]
fn decrypted_rtmps_and_tunnels_filter_the_same() {
    let keys = sample("rtmps_tls12.keys");
    let keys = keys.to_str().unwrap();
    check(
        &sample("rtmps_tls12.pcap"),
        &["--tls-keylog", keys],
        "type == video and variant == rtmps",
        |e| text(e, "type") == "video" && text(e, "variant") == "rtmps",
    );
    check(
        &sample("rtmpt.pcap"),
        &[],
        "command contains publish",
        |e| text(e, "command").to_ascii_lowercase().contains("publish"),
    );
}

#[test]
fn the_shared_captures_filter_as_their_json_says() {
    for capture in shared_captures() {
        check(
            &capture,
            &[],
            "type == video && frame_kind == keyframe",
            |e| text(e, "type") == "video" && text(e, "frame_kind") == "keyframe",
        );
        check(&capture, &[], "amf.encoder or amf.videocodecid", |e| {
            amf_has(e, "encoder") || amf_has(e, "videocodecid")
        });
    }
}

#[test]
fn text_output_writes_the_same_events_with_capture_times() {
    let capture = sample("publish_play.pcap");
    let run = |args: &[&str]| {
        let output = rtmpscope()
            .arg("-r")
            .arg(&capture)
            .args(args)
            .output()
            .expect("run");
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let all = run(&[]);
    let filtered = run(&["--filter-messages", "command == publish or frame == 12"]);
    let want: Vec<&str> = all
        .lines()
        .filter(|l| l.contains(" c2s publish ") || l.trim_start().starts_with("12 "))
        .collect();
    assert_eq!(
        filtered.lines().collect::<Vec<_>>(),
        want,
        "same lines, same times"
    );
    // Reports are about sessions: the filter leaves them alone.
    assert_eq!(
        run(&["--summary", "--filter-messages", "type == video"]),
        run(&["--summary"])
    );
}

#[test]
fn a_bad_expression_is_a_usage_error_pointing_at_the_fault() {
    let output = rtmpscope()
        .args(["-r", "samples/publish_play.pcap", "--filter-messages"])
        .arg("type == video and sesion == 3")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].ends_with(r#"unknown field "sesion" (did you mean "session"?)"#),
        "{stderr}"
    );
    assert_eq!(lines[1], "  type == video and sesion == 3");
    assert_eq!(lines[2], "                    ^^^^^^");
    assert!(!stderr.contains("backtrace"));
}

#[test]
fn every_key_the_json_lines_have_is_a_field_name() {
    use rtmpscope::filter::fields::JSON_FIELDS;
    let mut captures: Vec<(PathBuf, Vec<String>)> = common::samples()
        .into_iter()
        .map(|capture| {
            let keys = capture.with_extension("keys");
            let args = if keys.exists() {
                vec!["--tls-keylog".to_owned(), keys.display().to_string()]
            } else {
                Vec::new()
            };
            (capture, args)
        })
        .collect();
    captures.extend(shared_captures().into_iter().map(|c| (c, Vec::new())));
    let mut seen = std::collections::BTreeSet::new();
    for (capture, args) in &captures {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        for line in json_lines(capture, &args) {
            let event: Value = serde_json::from_str(&line).expect("JSON");
            for key in event.as_object().expect("an object").keys() {
                assert!(
                    JSON_FIELDS.contains(&key.as_str()),
                    "{key} (in {}) is not a field name",
                    capture.display()
                );
                seen.insert(key.clone());
            }
        }
    }
    assert!(seen.len() > 60, "{seen:?}");
}
