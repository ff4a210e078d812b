//! Golden tests: the NDJSON and the readable output of every sample and shared capture are
//! snapshots (insta). Deterministic: no wall-clock time, only capture time.
//!
//! The test cannot pass on nothing: it counts the capture files itself (every `.pcap` and
//! `.pcapng` under samples/, and in the shared folder when it is there), compares at least that
//! many, and checks each has both snapshots.

mod common;

use std::path::{Path, PathBuf};

use common::{rtmpscope, samples, samples_dir, shared_captures, shared_captures_dir};

fn output(capture: &Path, json: bool) -> String {
    let mut command = rtmpscope();
    command.arg("-r").arg(capture).args(["--port", "6002"]);
    if json {
        command.arg("--json");
    }
    let output = command.output().expect("run rtmpscope");
    assert!(output.status.success());
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Every capture file under `dir`, subfolders included.
fn capture_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            found.extend(capture_files_under(&path));
        } else if path
            .extension()
            .is_some_and(|e| e == "pcap" || e == "pcapng")
        {
            found.push(path);
        }
    }
    found
}

#[test]
fn golden_outputs() {
    let samples = samples();
    assert!(!samples.is_empty(), "no sample captures");
    let shared = shared_captures();
    let mut files = capture_files_under(&samples_dir());
    if !shared.is_empty() {
        files.extend(capture_files_under(&shared_captures_dir()));
    }
    let captures: Vec<_> = samples.into_iter().chain(shared).collect();
    let mut compared = 0;
    for capture in captures {
        let name = capture
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("capture")
            .to_owned();
        insta::assert_snapshot!(format!("{name}.json"), output(&capture, true));
        insta::assert_snapshot!(format!("{name}.txt"), output(&capture, false));
        compared += 1;
    }
    assert!(
        compared >= files.len(),
        "{compared} captures compared, {} capture files found: {files:?}",
        files.len()
    );
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for file in &files {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("capture");
        for kind in ["json", "txt"] {
            let snapshot = snapshots.join(format!("golden__{stem}.{kind}.snap"));
            assert!(
                snapshot.is_file(),
                "{} has no snapshot {}",
                file.display(),
                snapshot.display()
            );
        }
    }
}
