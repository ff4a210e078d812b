//! The real binary in a real terminal (tmux): the sessions and messages appear, a filter
//! narrows the list, the help opens, `q` exits with status 0 and the terminal is restored.

#![cfg(feature = "tui")]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::have;

struct Tmux {
    name: String,
}

impl Tmux {
    fn start(command: &str) -> Self {
        let name = format!("rtmpscope-test-{}", std::process::id());
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                "150",
                "-y",
                "45",
                command,
            ])
            .status()
            .expect("start tmux");
        assert!(status.success());
        Tmux { name }
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            Command::new("tmux")
                .args(["send-keys", "-t", &self.name, key])
                .status()
                .expect("send keys");
        }
    }

    fn screen(&self) -> String {
        let output = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("capture the pane");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits (at most 10 s) until the screen satisfies `ready`; returns it.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "waited for {what}:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

/// The number in the messages pane's title, e.g. `Messages (574)`.
fn message_count(screen: &str) -> usize {
    screen
        .split("Messages (")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn drive_the_binary_in_tmux() {
    if !have("tmux") {
        assert!(std::env::var_os("CI").is_none(), "CI installs tmux");
        eprintln!("skipping: tmux is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("rtmpscope-tmux-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/publish_play.pcap");
    let status_file = dir.join("status");
    let stty_file = dir.join("stty");
    let export_dir = dir.join("export");
    let command = format!(
        "{} -r {} --tui --export-flv {}; echo $? > {}; stty -a > {}; sleep 60",
        env!("CARGO_BIN_EXE_rtmpscope"),
        sample.display(),
        export_dir.display(),
        status_file.display(),
        stty_file.display()
    );
    let tmux = Tmux::start(&command);
    let screen = tmux.wait_for("the decoded capture", |s| s.contains("| done |"));
    assert!(screen.contains("Sessions (3)"), "{screen}");
    assert!(
        screen.contains("publisher") && screen.contains("player"),
        "{screen}"
    );
    assert!(screen.contains("connect app=live"), "{screen}");
    let all = message_count(&screen);
    assert!(all > 500, "{screen}");

    tmux.keys(&["/", "v", "i", "d", "e", "o", "Enter"]);
    let screen = tmux.wait_for("the filter", |s| s.contains("filter: video"));
    let videos = message_count(&screen);
    assert!(videos > 100 && videos < all, "{videos} of {all}:\n{screen}");
    assert!(!screen.contains("connect app=live"), "{screen}");

    tmux.keys(&["?"]);
    let screen = tmux.wait_for("the help", |s| s.contains(" Keys "));
    assert!(screen.contains("pause the live view"), "{screen}");
    tmux.keys(&["?"]);

    // The export key: the sessions pane, session 1, e.
    tmux.keys(&["Escape", "BTab", "j", "e"]);
    tmux.wait_for("the export", |s| {
        s.contains("exported session 1: 1 file(s)")
    });
    let exported: Vec<_> = std::fs::read_dir(&export_dir)
        .expect("the export directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(exported.len(), 1, "{exported:?}");
    assert!(exported[0]
        .to_string_lossy()
        .contains("live-test-publish.flv"));
    if have("ffprobe") {
        let probe = Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-show_entries",
                "stream=codec_name",
                "-of",
                "csv=p=0",
            ])
            .arg(&exported[0])
            .output()
            .expect("ffprobe");
        let codecs = String::from_utf8_lossy(&probe.stdout);
        assert!(
            codecs.contains("h264") && codecs.contains("aac"),
            "{codecs}"
        );
    }
    tmux.keys(&["q"]);

    let deadline = Instant::now() + Duration::from_secs(10);
    while !stty_file.exists() {
        assert!(
            Instant::now() < deadline,
            "q did not quit:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200));
    let status = std::fs::read_to_string(&status_file).expect("exit status");
    assert_eq!(status.trim(), "0");
    // Restored: the shell's line settings are back (canonical mode, echo) and the UI is gone.
    let stty = std::fs::read_to_string(&stty_file).expect("stty");
    assert!(stty.contains(" icanon") && stty.contains(" echo"), "{stty}");
    assert!(!tmux.screen().contains("Sessions (3)"), "{}", tmux.screen());
    let _ = std::fs::remove_dir_all(&dir);
}
