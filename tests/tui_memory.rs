//! The TUI's history under `--memory-cap` (issue 20): on a generated capture of 96 MB (about
//! 240 000 messages in 1300 sessions) with `--memory-cap 8`, the oldest rows and sessions are
//! dropped, counted on screen with the cap and what to do about it, and the process's peak
//! resident memory stays under the cap plus a constant (the program, the terminal's buffers,
//! the updates in flight, one block of rows). The real binary in a real terminal (tmux).

#![cfg(feature = "tui")]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::require;
use common::tmux::Tmux;

/// The cap the test runs with, MiB.
const CAP_MIB: u64 = 8;
/// What the TUI may hold beyond the cap, MiB (README: "Memory").
const BEYOND_CAP_MIB: u64 = 24;

#[test]
fn the_history_stays_within_the_memory_cap_and_says_what_it_dropped() {
    if !require("tmux") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("rtmpscope-tui-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let capture = dir.join("gen.pcap");
    let status = Command::new(env!("CARGO_BIN_EXE_rtmpscope-gencap"))
        .arg(&capture)
        .arg("96")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run the generator");
    assert!(status.success());

    let name = format!("rtmpscope-tui-memory-{}", std::process::id());
    let command = format!(
        "exec {} -r {} --tui --memory-cap {CAP_MIB}",
        env!("CARGO_BIN_EXE_rtmpscope"),
        capture.display()
    );
    let tmux = Tmux::start(&name, &command);
    let pid = tmux.pane_pid().expect("the pane's process");
    let screen = tmux.wait_for_within("the end of the capture", Duration::from_secs(120), |s| {
        s.contains("| done |")
    });
    let status = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status"))
        .unwrap_or_default();
    drop(tmux);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(screen.contains("| done |"), "{screen}");

    // What went is counted where it shows, the oldest messages with the cap and what to do
    // about it, and the oldest sessions.
    let dropped: u64 = screen
        .split(" messages dropped (memory cap 8 MiB; raise --memory-cap)")
        .next()
        .and_then(|before| before.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(dropped > 100_000, "{screen}");
    assert!(screen.contains("oldest dropped) "), "{screen}");

    let peak_kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    eprintln!(
        "--memory-cap {CAP_MIB}: peak RSS {} MiB, {dropped} oldest messages dropped",
        peak_kib / 1024
    );
    assert!(
        peak_kib <= (CAP_MIB + BEYOND_CAP_MIB) * 1024,
        "peak RSS {peak_kib} KiB over {CAP_MIB} MiB + {BEYOND_CAP_MIB} MiB"
    );
}
