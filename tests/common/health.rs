//! The stream-health lab captures (real peers in bad conditions), recorded once by
//! scripts/record_health.sh into bench-data/health/ (not in git) and reused.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use super::{require, require_root};

/// Where the recordings are kept.
pub fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data/health")
}

static RECORD: Once = Once::new();

/// The capture `name` (`congested`, `sigstop`, `longgop`), recorded first when missing; None
/// (skipped) without root or the lab's tools.
pub fn capture(name: &str) -> Option<PathBuf> {
    let path = captures_dir().join(format!("{name}.pcap"));
    if !path.exists() {
        if !require_root() || !require("nginx") || !require("ffmpeg") || !require("tc") {
            return None;
        }
        RECORD.call_once(|| {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/record_health.sh");
            let status = Command::new("bash").arg(script).status().unwrap();
            assert!(status.success(), "scripts/record_health.sh failed");
        });
    }
    assert!(path.exists(), "{} was not recorded", path.display());
    Some(path)
}
