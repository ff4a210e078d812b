//! The command line: exit codes and the one-line errors a person can act on.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{rtmpscope, samples};

fn run(args: &[&str]) -> (i32, String, String) {
    let output = rtmpscope().args(args).output().expect("run rtmpscope");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_and_version() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Examples:") && out.contains("-r, --read"));
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("rtmpscope "));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&[]).0, 2, "no source");
    assert_eq!(
        run(&["-r", "a.pcap", "-i", "lo"]).0,
        2,
        "-r and -i together"
    );
    assert_eq!(run(&["--bogus"]).0, 2);
    assert_eq!(run(&["-r", "a.pcap", "--json", "--flows"]).0, 2);
}

#[test]
fn actionable_errors_exit_1_with_one_line() {
    let dir = std::env::temp_dir().join(format!("rtmpscope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_capture = dir.join("notes.txt");
    std::fs::write(&not_capture, "hello, not a capture").unwrap();
    let truncated = dir.join("empty.pcap");
    std::fs::write(&truncated, [0xd4, 0xc3, 0xb2]).unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["-r", "/no/such/file.pcap"], "no such file"),
        (
            &["-r", not_capture.to_str().unwrap()],
            "not a pcap or pcapng capture file",
        ),
        (
            &["-r", truncated.to_str().unwrap()],
            "not a pcap or pcapng capture file",
        ),
        (&["-r", dir.to_str().unwrap()], "it is a directory"),
        (&["-i", "no-such-interface0"], "no such interface"),
    ];
    for (args, expected) in cases {
        let (code, _, err) = run(args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err}");
        assert!(
            err.starts_with("rtmpscope: ") && err.contains(expected),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"));
    }
    let sample = samples().into_iter().next().unwrap();
    let (code, _, err) = run(&["-r", sample.to_str().unwrap(), "-f", "tcp port ((("]);
    assert_eq!(code, 1);
    assert!(err.contains("invalid capture filter"), "{err}");
    // The TUI needs a terminal; here standard output is a pipe.
    if cfg!(feature = "tui") {
        let (code, _, err) = run(&["-r", sample.to_str().unwrap(), "--tui"]);
        assert_eq!(
            (code, err.trim()),
            (
                1,
                "rtmpscope: --tui needs a terminal, and standard output is not one"
            )
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn reads_standard_input() {
    let sample = samples()
        .into_iter()
        .find(|p| p.ends_with("publish_play.pcap"))
        .unwrap();
    let bytes = std::fs::read(&sample).unwrap();
    let mut child = rtmpscope()
        .args(["-r", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Write from another thread: the child's output must be read at the same time.
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success());
    let from_stdin = String::from_utf8(output.stdout).unwrap();
    let (_, from_file, _) = run(&["-r", sample.to_str().unwrap(), "--json"]);
    assert_eq!(from_stdin, from_file);
}

#[test]
fn closed_stdout_is_a_clean_exit() {
    let sample = samples()
        .into_iter()
        .find(|p| p.ends_with("publish_play.pcap"))
        .unwrap();
    let mut child = rtmpscope()
        .arg("-r")
        .arg(&sample)
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe, as `| head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn count_limits_packets_and_flows_lists_connections() {
    let sample = samples()
        .into_iter()
        .find(|p| p.ends_with("publish_play.pcap"))
        .unwrap();
    let (code, out, _) = run(&["-r", sample.to_str().unwrap(), "--flows"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().count(),
        3,
        "publisher, ffmpeg player, rtmpdump player:\n{out}"
    );
    assert!(out.contains("-> 127.0.0.1:1935"));
    let (_, out, _) = run(&["-r", sample.to_str().unwrap(), "--json", "-c", "12"]);
    let last_frame = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|e| e["frame"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(last_frame <= 12);
}

#[test]
fn completions_and_man_page() {
    let (code, out, _) = run(&["--completions", "bash"]);
    assert_eq!(code, 0);
    assert!(out.contains("rtmpscope"));
    let (code, out, _) = run(&["--man"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH rtmpscope"));
}

/// A classic pcap file: global header with `linktype`, then records of `frames`.
fn pcap_file(linktype: u32, frames: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&linktype.to_le_bytes());
    for (i, frame) in frames.iter().enumerate() {
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(frame);
    }
    out
}

#[test]
fn unsupported_link_types_are_skipped_with_one_warning() {
    let path = std::env::temp_dir().join(format!("rtmpscope-user0-{}.pcap", std::process::id()));
    std::fs::write(&path, pcap_file(147, &[&[1, 2, 3], &[4, 5, 6]])).unwrap();
    let (code, out, _) = run(&["-r", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["event"], "capture_warning");
    assert_eq!(lines[0]["code"], "unsupported_link_type");
    assert!(lines[0]["message"]
        .as_str()
        .unwrap()
        .contains("link type 147 (USER)"));
    std::fs::remove_file(&path).ok();
}

#[test]
fn malformed_frames_are_warnings() {
    let path = std::env::temp_dir().join(format!("rtmpscope-short-{}.pcap", std::process::id()));
    std::fs::write(&path, pcap_file(1, &[&[0; 5], &[0; 13]])).unwrap();
    let (code, out, _) = run(&["-r", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(out.matches("malformed_frame").count(), 2, "{out}");
    std::fs::remove_file(&path).ok();
}

#[test]
fn a_truncated_file_keeps_everything_before_the_cut() {
    let sample = samples()
        .into_iter()
        .find(|p| p.ends_with("publish_play.pcap"))
        .unwrap();
    let bytes = std::fs::read(&sample).unwrap();
    let path = std::env::temp_dir().join(format!("rtmpscope-cut-{}.pcap", std::process::id()));
    std::fs::write(&path, &bytes[..bytes.len() / 2 + 7]).unwrap();
    let (code, out, err) = run(&["-r", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let events: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        events.iter().any(|e| e["code"] == "capture_file_truncated"),
        "the cut is reported"
    );
    assert!(
        events.iter().filter(|e| e["event"] == "message").count() > 100,
        "what came before is decoded"
    );
    assert!(
        events.iter().any(|e| e["event"] == "session_end"),
        "sessions are closed at the end"
    );
    std::fs::remove_file(&path).ok();
}

#[test]
fn lists_interfaces_like_tcpdump() {
    let (code, out, err) = run(&["-D"]);
    assert_eq!(code, 0, "{err}");
    let lo = out
        .lines()
        .find(|l| l.contains(".lo "))
        .unwrap_or_else(|| panic!("no lo in:\n{out}"));
    assert!(lo.contains("Loopback"), "{lo}");
}

#[test]
fn capturing_without_privileges_says_what_is_needed() {
    if !common::require_root() || !common::require("setpriv") {
        return;
    }
    let output = std::process::Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ])
        .arg(env!("CARGO_BIN_EXE_rtmpscope"))
        .args(["-i", "lo", "-c", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no permission to capture on lo") && err.contains("CAP_NET_RAW"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
}
