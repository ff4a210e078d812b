//! Operator faults: a capture file that grows while it is read, and a live interface that goes
//! away. Each ends cleanly with everything decoded so far written out.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{available, require_root, rtmpscope};

#[test]
fn a_file_that_grows_while_it_is_read() {
    let sample =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/publish_play.pcap"))
            .expect("the sample");
    let path = std::env::temp_dir().join(format!("rtmpscope-growing-{}.pcap", std::process::id()));
    let half = sample.len() / 2;
    std::fs::write(&path, &sample[..half]).expect("write the first half");
    let child = rtmpscope()
        .arg("-r")
        .arg(&path)
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rtmpscope");
    // The rest arrives in pieces while rtmpscope reads (a record may be cut at any moment).
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("append");
    for piece in sample[half..].chunks(4096) {
        file.write_all(piece).expect("append a piece");
        std::thread::sleep(Duration::from_millis(1));
    }
    let output = child.wait_with_output().expect("rtmpscope ends");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    let messages = lines.iter().filter(|e| e["event"] == "message").count();
    assert!(
        messages > 50,
        "{messages} messages from at least the first half"
    );
    // Whatever was not there yet ends the read as a file cut short would: with a notice, or
    // not at all when the writer kept ahead.
    for notice in lines.iter().filter(|e| e["event"] == "capture_warning") {
        assert_eq!(notice["code"], "capture_file_truncated", "{notice}");
    }
}

#[test]
fn a_live_interface_that_goes_away() {
    let ip = |args: &[&str]| {
        Command::new("ip")
            .args(args)
            .status()
            .is_ok_and(|s| s.success())
    };
    let name = format!("rtsc{}", std::process::id() % 100_000);
    let peer = format!("{name}p");
    if !require_root()
        || !available(
            ip(&["link", "add", &name, "type", "veth", "peer", "name", &peer]),
            "cannot make a veth pair with ip link add (iproute2, kernel veth support)",
        )
    {
        return;
    }
    ip(&["link", "set", &name, "up"]);
    let child = rtmpscope()
        .args(["-i", &name, "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rtmpscope");
    std::thread::sleep(Duration::from_millis(1500));
    ip(&["link", "del", &name]);
    let output = child.wait_with_output().expect("rtmpscope ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("packets captured"), "{stderr}");
    let last = stderr.lines().last().unwrap_or("");
    assert!(
        last.starts_with("rtmpscope: live capture stopped: "),
        "one clear line: {stderr}"
    );
    let notice: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .expect("a notice"),
    )
    .expect("JSON");
    assert_eq!(notice["code"], "capture_stopped");
}
