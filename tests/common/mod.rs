//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The bundled sample captures (samples/*.pcap and *.pcapng); fails when there are none.
pub fn samples() -> Vec<PathBuf> {
    captures_in(&samples_dir())
}

/// The folder of the bundled sample captures.
pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// The folder of the real-world captures shared by the project, next to the repository.
pub fn shared_captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures")
}

/// The real-world captures in ../shared/captures. When the folder is absent: a failure under
/// `CI=true`, a visible `SKIPPED:` line and no captures otherwise (see [`available`]). When it
/// is there, it must hold at least one capture, so an empty answer always means skipped.
pub fn shared_captures() -> Vec<PathBuf> {
    let dir = shared_captures_dir();
    if !available(
        dir.is_dir(),
        &format!(
            "the shared captures are not compared: {} does not exist",
            dir.display()
        ),
    ) {
        return Vec::new();
    }
    captures_in(&dir)
}

/// The shared capture whose file name contains `name` (skipped as [`shared_captures`] says
/// when the folder is absent).
pub fn shared_capture(name: &str) -> Option<PathBuf> {
    shared_captures()
        .into_iter()
        .find(|path| path.to_string_lossy().contains(name))
}

/// The .pcap and .pcapng files in `dir`, sorted; fails when there are none.
fn captures_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("pcap" | "pcapng")
        )
    });
    files.sort();
    assert!(
        !files.is_empty(),
        "no .pcap or .pcapng file in {}",
        dir.display()
    );
    files
}

/// The rtmpscope binary under test.
pub fn rtmpscope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rtmpscope"))
}

/// Runs `rtmpscope -r capture --json ARGS` and returns its NDJSON lines, as text.
pub fn json_lines(capture: &Path, args: &[&str]) -> Vec<String> {
    let output = rtmpscope()
        .arg("-r")
        .arg(capture)
        .arg("--json")
        .args(args)
        .output()
        .expect("run rtmpscope");
    assert!(
        output.status.success(),
        "rtmpscope failed on {}: {}",
        capture.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Runs rtmpscope with `args` and returns its NDJSON events.
pub fn json_events(capture: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    json_lines(capture, args)
        .iter()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

/// True when the tests run as root (live capture needs it).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// True when `program` can be run.
pub fn have(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok()
}

/// True when the environment variable `CI` is `true`: there, whatever a test needs from the
/// machine must be present, and a test never passes by skipping its checks.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// Whether a test can go on, given whether what it needs is `present`. When it is not:
/// under `CI=true` the test fails with `reason`; otherwise `SKIPPED: <test>: <reason>` goes to
/// stderr and the answer is false, for the test to return early (or leave out the part that
/// needs it).
pub fn available(present: bool, reason: &str) -> bool {
    if present {
        return true;
    }
    // libtest runs each test on a thread named after it.
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    assert!(
        !in_ci(),
        "{test}: {reason} (CI=true: a missing requirement fails the test instead of skipping it)"
    );
    // Straight to stderr, in one write: eprintln! would be captured and shown only if the
    // test failed.
    let line = format!("SKIPPED: {test}: {reason}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    false
}

/// Whether the external program `tool` can be run (see [`available`] for what happens when
/// it cannot).
pub fn require(tool: &str) -> bool {
    available(
        have(tool),
        &format!("{tool} is not installed (scripts/setup.sh installs it)"),
    )
}

/// As [`require`], for one `part` of a test: the rest of the test runs either way.
pub fn require_for(part: &str, tool: &str) -> bool {
    available(
        have(tool),
        &format!("{part} left out: {tool} is not installed (scripts/setup.sh installs it)"),
    )
}

/// Whether the tests run as root (see [`available`] for what happens when they do not).
pub fn require_root() -> bool {
    available(
        is_root(),
        "needs root (live capture, network namespaces; CI runs the tests as root)",
    )
}

/// Runs the lab script `tests/lab/SCRIPT` with the rtmpscope binary under test and a fresh
/// output folder (named after `tag`), which it returns; fails the test if the script fails.
pub fn run_lab(script: &str, tag: &str) -> PathBuf {
    let out = std::env::temp_dir().join(format!("rtmpscope-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("an output folder");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/lab")
        .join(script);
    let status = Command::new("bash")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_rtmpscope"))
        .arg(&out)
        .status()
        .expect("run bash");
    // A script that drives the TUI leaves its last screen in screen.txt.
    let screen = std::fs::read_to_string(out.join("screen.txt")).unwrap_or_default();
    assert!(
        status.success(),
        "the lab script {} failed (its output: {}){screen}",
        script.display(),
        out.display()
    );
    out
}

/// tshark's RTMP messages in a capture, one TSV line each (frame, source, destination, chunk
/// stream, type id, body size, command), via scripts/tshark_messages.py; port 6002 is decoded
/// as RTMP too.
pub fn tshark_message_lines(capture: &Path) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tshark_messages.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(capture)
        .args(["--port", "6002"])
        .output()
        .expect("run the tshark script");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

pub mod clickhouse;
pub mod crafted;
pub mod flv;
pub mod health;
pub mod measure;
pub mod pcap;
pub mod tls;
pub mod tmux;
#[cfg(feature = "tui")]
pub mod tui;

/// A classic little-endian pcap file without the packets whose 1-based numbers are in `drop`.
pub fn pcap_without(bytes: &[u8], drop: &[u64]) -> Vec<u8> {
    let mut out = bytes[..24].to_vec();
    let mut at = 24;
    let mut frame = 0;
    while at + 16 <= bytes.len() {
        let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        frame += 1;
        if !drop.contains(&frame) {
            out.extend_from_slice(&bytes[at..at + 16 + caplen]);
        }
        at += 16 + caplen;
    }
    out
}
