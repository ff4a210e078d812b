//! `--redact`: a stream key and a tcUrl token, sent by a real ffmpeg publisher, appear in no
//! output of any mode, and the masked events still decode.

mod common;

use std::path::{Path, PathBuf};

use common::rtmpscope;

const KEY: &str = "live_817263541_AbCdEfGhIjKlMnOp";
const TOKEN: &str = "t0k3n5ecret";

fn capture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/stream_key.pcap")
}

/// Runs rtmpscope on the sample with `args`; returns stdout and stderr together.
fn run(args: &[&str]) -> String {
    let output = rtmpscope()
        .arg("-r")
        .arg(capture())
        .args(args)
        .output()
        .expect("run rtmpscope");
    assert!(output.status.success(), "{args:?}");
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

#[test]
fn secrets_are_in_the_capture() {
    let text = run(&[]);
    assert!(text.contains(KEY) && text.contains(TOKEN), "{text}");
}

#[test]
fn no_output_mode_shows_the_key_or_the_token() {
    let dir = std::env::temp_dir().join(format!("rtmpscope-redact-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_arg = dir.to_str().expect("UTF-8 path");
    for args in [
        vec!["--redact"],
        vec!["--redact", "--json"],
        vec!["--redact", "--summary"],
        vec!["--redact", "--summary", "--json"],
        vec!["--redact", "--json", "--export-flv", dir_arg],
    ] {
        let output = run(&args);
        for secret in [KEY, TOKEN, "817263541"] {
            assert!(
                !output.contains(secret),
                "{args:?} shows {secret}:\n{output}"
            );
        }
        assert!(output.contains("<redacted:"), "{args:?}:\n{output}");
    }
    for entry in std::fs::read_dir(&dir).expect("exported files") {
        let path = entry.expect("entry").path();
        let name = path.to_string_lossy().into_owned();
        assert!(!name.contains("817263541"), "{name}");
        let bytes = std::fs::read(&path).expect("FLV");
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "{name} holds the key"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redacted_events_still_decode() {
    let events = common::json_events(&capture(), &["--redact"]);
    let publish = events
        .iter()
        .find(|e| e["command"] == "publish")
        .expect("a publish command");
    let name = publish["args"][0].as_str().expect("a stream name");
    assert!(name.starts_with("<redacted:"), "{name}");
    let connect = events
        .iter()
        .find(|e| e["command"] == "connect")
        .expect("connect");
    let tc_url = connect["command_object"]["tcUrl"].as_str().expect("tcUrl");
    assert!(
        tc_url.starts_with("rtmp://127.0.0.1:1935/live?token=<redacted:"),
        "{tc_url}"
    );
    // Media is untouched.
    let video = events.iter().filter(|e| e["type"] == "video").count();
    assert!(video >= 15, "{video} video messages");
}
