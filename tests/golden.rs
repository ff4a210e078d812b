//! Golden tests: the NDJSON and the readable output of every sample and shared capture are
//! snapshots (insta). Deterministic: no wall-clock time, only capture time.

mod common;

use common::{rtmpscope, samples, shared_captures};

fn output(capture: &std::path::Path, json: bool) -> String {
    let mut command = rtmpscope();
    command.arg("-r").arg(capture).args(["--port", "6002"]);
    if json {
        command.arg("--json");
    }
    let output = command.output().expect("run rtmpscope");
    assert!(output.status.success());
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn golden_outputs() {
    let captures: Vec<_> = samples().into_iter().chain(shared_captures()).collect();
    for capture in captures {
        let name = capture
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("capture")
            .to_owned();
        insta::assert_snapshot!(format!("{name}.json"), output(&capture, true));
        insta::assert_snapshot!(format!("{name}.txt"), output(&capture, false));
    }
}
