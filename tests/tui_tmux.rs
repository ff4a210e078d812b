//! The real binary in a real terminal (tmux): the sessions and messages appear, a filter
//! narrows the list, the help and the statistics open, `e` writes a playable FLV file (and
//! with `--export-flv` every stream is written as decoded), `q` and Ctrl-C exit with status 0
//! and the terminal restored.

#![cfg(feature = "tui")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{require, require_for, require_root};

/// Whether the UI has redrawn at `width` columns: its top border spans them.
fn drawn_at(screen: &str, width: usize) -> bool {
    screen
        .lines()
        .next()
        .is_some_and(|top| top.starts_with('┌') && top.trim_end().chars().count() == width)
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

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtmpscope-tmux-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs rtmpscope with `args` in tmux from `dir`; when it exits, its status goes to
/// `dir/status` and the terminal's settings to `dir/stty`.
fn start_in(dir: &Path, args: &str) -> Tmux {
    let command = format!(
        "cd {dir} && {bin} {args}; echo $? > {dir}/status; stty -a > {dir}/stty; sleep 60",
        dir = dir.display(),
        bin = env!("CARGO_BIN_EXE_rtmpscope"),
    );
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    Tmux::start(&name.unwrap_or_default(), &command)
}

/// Waits for the program to exit; checks it exited with 0 and left the terminal restored.
fn assert_quit_cleanly(tmux: &Tmux, dir: &Path) {
    let stty_file = dir.join("stty");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !stty_file.exists() {
        assert!(
            Instant::now() < deadline,
            "it did not quit:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200));
    let status = std::fs::read_to_string(dir.join("status")).expect("exit status");
    assert_eq!(status.trim(), "0");
    // Restored: the shell's line settings are back (canonical mode, echo) and the UI is gone.
    let stty = std::fs::read_to_string(&stty_file).expect("stty");
    assert!(stty.contains(" icanon") && stty.contains(" echo"), "{stty}");
    let screen = tmux.screen();
    assert!(!screen.contains("Sessions (3)"), "{screen}");
}

/// The codecs ffprobe finds in a file (empty when ffprobe is missing).
fn codecs(file: &Path) -> String {
    if !require_for("the ffprobe check of the exported codecs", "ffprobe") {
        return "h264,aac (ffprobe missing)".into();
    }
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
        ])
        .arg(file)
        .output()
        .expect("ffprobe");
    String::from_utf8_lossy(&probe.stdout).replace('\n', ",")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn drive_the_binary_in_tmux() {
    if !require("tmux") {
        return;
    }
    let dir = scratch("drive");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/publish_play.pcap");
    let tmux = start_in(&dir, &format!("-r {} --tui", sample.display()));
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
    // Waiting for a line of the help, not only its title: a screen can be caught half drawn.
    tmux.wait_for("the help", |s| {
        s.contains(" Keys ") && s.contains("pause the list")
    });
    tmux.keys(&["?"]);

    // Too small a terminal gets a message; back to a usable size, the layout comes back.
    tmux.resize(50, 12);
    tmux.wait_for("the size message", |s| {
        s.contains("rtmpscope needs at least")
    });
    tmux.resize(120, 40);
    tmux.wait_for("the layout", |s| {
        s.contains("Sessions (3)") && s.contains("filter: video")
    });

    // The statistics of session 1: the sessions pane, j, s.
    // Esc alone first: sent together with the next keys, it can swallow them.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter cleared", |s| !s.contains("filter: video"));
    tmux.keys(&["BTab", "j", "s"]);
    tmux.wait_for("the statistics", |s| {
        s.contains("Statistics of session 1")
            && s.contains("Messages by type")
            && s.contains("avc High")
    });
    tmux.keys(&["s"]);

    // e exports session 1 by reading the file again, into rtmpscope-export/ here.
    tmux.keys(&["e"]);
    tmux.wait_for("the export", |s| {
        s.contains("62 video, 175 audio") && s.contains("FLV files of session 1")
    });
    let exported = files_in(&dir.join("rtmpscope-export"));
    assert_eq!(exported.len(), 1, "{exported:?}");
    assert!(exported[0]
        .to_string_lossy()
        .ends_with("live-test-msid1-publish.flv"));
    let found = codecs(&exported[0]);
    assert!(found.contains("h264") && found.contains("aac"), "{found}");
    tmux.keys(&["Escape", "q"]);
    assert_quit_cleanly(&tmux, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn export_flv_writes_every_stream_as_decoded() {
    if !require("tmux") {
        return;
    }
    let dir = scratch("export");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/publish_play.pcap");
    let tmux = start_in(
        &dir,
        &format!("-r {} --tui --export-flv flv", sample.display()),
    );
    tmux.wait_for("the decoded capture", |s| s.contains("| done |"));
    // Every stream is written: the publisher's and each player's.
    let written = files_in(&dir.join("flv"));
    assert_eq!(written.len(), 3, "{written:?}");
    for file in &written {
        let found = codecs(file);
        assert!(
            found.contains("h264") && found.contains("aac"),
            "{file:?}: {found}"
        );
    }
    // e lists the selected session's file; nothing is read again.
    tmux.keys(&["BTab", "j", "j", "e"]);
    tmux.wait_for("the list", |s| {
        s.contains("FLV files of session 2")
            && s.contains("play test (stream 1)")
            && s.contains("002-127.0.0.1_35682-live-test-msid1-play.flv")
    });
    // Ctrl-C quits as q does.
    tmux.keys(&["C-c"]);
    assert_quit_cleanly(&tmux, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn live_capture_in_the_tui() {
    if !require("tmux") || !require_root() || !require("nginx") || !require("ffmpeg") {
        return;
    }
    let dir = common::run_lab("live_tui.sh", "tmux-live");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    // While the peers ran: both sessions, their roles, live messages.
    let live = read("live.txt");
    assert!(live.contains("Sessions (2)"), "{live}");
    assert!(
        live.contains("publisher") && live.contains("player"),
        "{live}"
    );
    assert!(
        live.contains("| LIVE |") && live.contains("drops 0"),
        "{live}"
    );
    assert!(message_count(&live) > 50, "{live}");
    assert!(read("paused.txt").contains("PAUSED"));
    // After both left: their sessions ended, and the last messages followed.
    let last = read("final.txt");
    assert!(
        last.contains("NetStream.Unpublish.Success") || last.contains("video"),
        "{last}"
    );
    assert_eq!(read("status").trim(), "0");
    let stty = read("stty");
    assert!(stty.contains(" icanon") && stty.contains(" echo"), "{stty}");
    // The streams were written as FLV as they were captured: playable, with both codecs.
    let written = files_in(&dir.join("export"));
    assert_eq!(written.len(), 2, "{written:?}");
    for file in &written {
        let found = codecs(file);
        assert!(
            found.contains("h264") && found.contains("aac"),
            "{file:?}: {found}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn esc_keeps_the_capture_and_the_prompt_shows_at_eighty_columns() {
    if !require("tmux") {
        return;
    }
    let dir = scratch("text");
    // An earlier run's export: this run's `e` must not touch it, nor fail on it.
    let earlier = dir.join("rtmpscope-export");
    std::fs::create_dir_all(&earlier).expect("earlier export");
    std::fs::write(earlier.join("earlier.flv"), b"FLV").expect("earlier file");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/publish_play.pcap");
    let tmux = start_in(&dir, &format!("-r {} --tui", sample.display()));
    tmux.wait_for("the decoded capture", |s| s.contains("| done |"));
    // Esc with nothing open, twice: the capture stays, the status bar says how to quit.
    tmux.keys(&["Escape", "Escape"]);
    let screen = tmux.wait_for("the hint", |s| s.contains("nothing to close: q quits"));
    assert!(screen.contains("Sessions (3)"), "{screen}");
    // At 80x24 what is typed at the `/` prompt and `? help` are on the status bar.
    tmux.resize(80, 24);
    tmux.wait_for("the layout at 80 columns", |s| drawn_at(s, 80));
    tmux.keys(&["/", "c", "o", "n"]);
    let screen = tmux.wait_for("the prompt", |s| s.contains("/con▏"));
    let status = screen.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
    assert!(
        status.contains("/con▏") && status.contains("? help"),
        "{screen}"
    );
    // Ctrl-U clears the line instead of typing a letter.
    tmux.keys(&["C-u"]);
    let screen = tmux.wait_for("the cleared prompt", |s| s.contains("| /▏"));
    assert!(!screen.contains("/conu"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the prompt closed", |s| !s.contains("| /▏"));
    // e on session 1 writes beside the earlier export, never over it.
    tmux.resize(150, 45);
    // Keys sent before the UI has redrawn at the new size can be lost: wait for it.
    tmux.wait_for("the layout at 150 columns", |s| drawn_at(s, 150));
    tmux.keys(&["BTab", "j"]);
    tmux.wait_for("session 1", |s| s.contains("Messages of session 1"));
    tmux.keys(&["e"]);
    let screen = tmux.wait_for("the export", |s| {
        s.contains("62 video, 175 audio") && s.contains("rtmpscope-export-2")
    });
    assert!(!screen.contains("export failed"), "{screen}");
    assert_eq!(files_in(&earlier), [earlier.join("earlier.flv")]);
    assert_eq!(files_in(&dir.join("rtmpscope-export-2")).len(), 1);
    tmux.keys(&["Escape", "q"]);
    assert_quit_cleanly(&tmux, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}
