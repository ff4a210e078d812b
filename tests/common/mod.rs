//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The bundled sample captures.
pub fn samples() -> Vec<PathBuf> {
    captures_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("samples"))
}

/// The real-world captures in ../shared/captures, or none (with a message) when absent.
pub fn shared_captures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures");
    if !dir.is_dir() {
        eprintln!(
            "skipping the shared captures: {} does not exist",
            dir.display()
        );
        return Vec::new();
    }
    captures_in(&dir)
}

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
    files
}

/// The rtmpscope binary under test.
pub fn rtmpscope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rtmpscope"))
}

/// Runs rtmpscope with `args` and returns its NDJSON events.
pub fn json_events(capture: &Path, args: &[&str]) -> Vec<serde_json::Value> {
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

pub mod flv;
pub mod pcap;
pub mod tls;

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
