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

/// Address space the child may map: a safety net, so that a regression fails the test with an
/// allocation failure instead of taking the machine's memory. In bytes: prlimit 2.38 crashes on
/// a suffix such as `4G`.
const ADDRESS_SPACE_LIMIT: u64 = 4 << 30;

/// Runs `rtmpscope -r CAPTURE --json ARGS` under /usr/bin/time.
pub fn run(name: &str, capture: Vec<u8>, args: &[&str]) -> Run {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    run_args(name, &capture, &all)
}

/// Runs `rtmpscope -r CAPTURE ARGS` under /usr/bin/time and an address-space limit; asserts it
/// exits 0 and, with `--json`, that every line is JSON (the events are empty otherwise).
pub fn run_args(name: &str, capture: &[u8], args: &[&str]) -> Run {
    let path = temp_file(name);
    std::fs::write(&path, capture).expect("write the capture");
    let output = Command::new("prlimit")
        .arg(format!("--as={ADDRESS_SPACE_LIMIT}"))
        .args(["--", "/usr/bin/time", "-f", "peak_rss_kib=%M"])
        .arg(env!("CARGO_BIN_EXE_rtmpscope"))
        .arg("-r")
        .arg(&path)
        .args(args)
        .output()
        .expect("run prlimit (util-linux) and /usr/bin/time (package time)");
    let _ = std::fs::remove_file(&path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{name}: {}\n{stderr}",
        output.status
    );
    let peak_kib: f64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss_kib="))
        .and_then(|v| v.trim().parse().ok())
        .expect("peak RSS from /usr/bin/time");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let events = if args.contains(&"--json") {
        stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    } else {
        Vec::new()
    };
    let run = Run {
        events,
        peak_rss_mib: peak_kib / 1024.0,
    };
    eprintln!(
        "{name}: peak RSS {:.1} MiB, {} bytes of output",
        run.peak_rss_mib,
        stdout.len()
    );
    run
}
