//! Runs the real binary on a crafted capture under /usr/bin/time: its events and peak RSS.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// What a run produced.
pub struct Run {
    /// Every JSON event written.
    pub events: Vec<Value>,
    /// Peak resident memory of the process, MiB.
    pub peak_rss_mib: f64,
}

impl Run {
    /// The `code` of every event that has one.
    pub fn codes(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter_map(|e| e["code"].as_str())
            .collect()
    }

    /// True when some event has this `code`.
    pub fn has_code(&self, code: &str) -> bool {
        self.codes().contains(&code)
    }

    /// Events whose `key` is `value`.
    pub fn count(&self, key: &str, value: &str) -> usize {
        self.events.iter().filter(|e| e[key] == value).count()
    }
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "rtmpscope-measure-{name}-{}.pcap",
        std::process::id()
    ))
}

/// Runs `rtmpscope -r CAPTURE --json ARGS` under /usr/bin/time.
pub fn run(name: &str, capture: Vec<u8>, args: &[&str]) -> Run {
    let path = temp_file(name);
    std::fs::write(&path, capture).expect("write the capture");
    let output = Command::new("/usr/bin/time")
        .args(["-f", "peak_rss_kib=%M"])
        .arg(env!("CARGO_BIN_EXE_rtmpscope"))
        .arg("-r")
        .arg(&path)
        .arg("--json")
        .args(args)
        .output()
        .expect("run /usr/bin/time (Debian package time)");
    let _ = std::fs::remove_file(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{name}: {stderr}");
    let peak_kib: f64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss_kib="))
        .and_then(|v| v.trim().parse().ok())
        .expect("peak RSS from /usr/bin/time");
    let events = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let run = Run {
        events,
        peak_rss_mib: peak_kib / 1024.0,
    };
    eprintln!(
        "{name}: peak RSS {:.1} MiB, {} events",
        run.peak_rss_mib,
        run.events.len()
    );
    run
}
