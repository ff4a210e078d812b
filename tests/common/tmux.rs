//! The real binary in a real terminal: a detached tmux session to start a command in, send
//! keys to, resize and read the screen of; ended when dropped.

use std::process::Command;
use std::time::{Duration, Instant};

/// How long [`Tmux::wait_for`] waits.
const WAIT: Duration = Duration::from_secs(10);

/// A detached tmux session, killed when dropped.
pub struct Tmux {
    name: String,
}

impl Tmux {
    /// A detached tmux session called `name` running `command` in a 150x45 window.
    pub fn start(name: &str, command: &str) -> Self {
        let name = name.to_owned();
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

    /// Sends each of `keys` (tmux key names: `Enter`, `BTab`, `C-c`…), one after the other.
    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            Command::new("tmux")
                .args(["send-keys", "-t", &self.name, key])
                .status()
                .expect("send keys");
        }
    }

    /// Resizes the window, as a person dragging the terminal's corner would.
    pub fn resize(&self, width: u16, height: u16) {
        Command::new("tmux")
            .args(["resize-window", "-t", &self.name])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .status()
            .expect("resize");
    }

    /// The process id of the command running in the window.
    pub fn pane_pid(&self) -> Option<u32> {
        tmux(&["list-panes", "-t", &self.name, "-F", "#{pane_pid}"])
            .trim()
            .parse()
            .ok()
    }

    /// What the window shows now.
    pub fn screen(&self) -> String {
        tmux(&["capture-pane", "-p", "-t", &self.name])
    }

    /// Waits (at most 10 s) until the screen satisfies `ready`; returns it. Fails, showing the
    /// screen, when it does not.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.wait_for_within(what, WAIT, ready)
    }

    /// Waits at most `limit` until the screen satisfies `ready`; returns it. Fails, showing the
    /// screen, when it does not.
    pub fn wait_for_within(
        &self,
        what: &str,
        limit: Duration,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + limit;
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

/// What tmux prints for `args`.
fn tmux(args: &[&str]) -> String {
    let output = Command::new("tmux").args(args).output().expect("tmux");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}
