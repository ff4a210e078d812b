//! The terminal while the UI runs: raw mode, the alternate screen and mouse capture are turned
//! on by [`Screen::enter`] and off again when the [`Screen`] is dropped (quit, error) or when
//! any thread panics (the hook restores the terminal before the panic message is printed, so
//! the message is readable, and tells the UI loop to stop drawing).

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::DefaultTerminal;

/// Raised by the panic hook.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// The terminal in UI mode; dropping it restores the terminal.
pub struct Screen {
    /// The ratatui terminal to draw on.
    pub terminal: DefaultTerminal,
}

impl Screen {
    /// Switches the terminal to UI mode. Fails with a clear message when standard output is
    /// not a terminal; on any failure the terminal is left as it was.
    pub fn enter() -> anyhow::Result<Screen> {
        if !io::stdout().is_terminal() {
            anyhow::bail!("--tui needs a terminal, and standard output is not one");
        }
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::Relaxed);
            restore();
            previous(info);
        }));
        match ratatui::try_init() {
            Ok(terminal) => {
                let _ = execute!(io::stdout(), EnableMouseCapture);
                Ok(Screen { terminal })
            }
            Err(error) => {
                restore();
                Err(anyhow::Error::new(error).context("cannot set up the terminal"))
            }
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
        // Dropping the terminal afterwards shows the cursor again.
    }
}

/// True once any thread has panicked: the terminal is restored, so stop drawing.
pub fn panicked() -> bool {
    PANICKED.load(Ordering::Relaxed)
}

/// Puts `text` on the clipboard of the terminal the UI runs in (OSC 52).
pub fn copy(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(super::clipboard::osc52(text).as_bytes())?;
    out.flush()
}

/// Mouse capture off, raw mode off, the normal screen back. Safe to call more than once.
fn restore() {
    let _ = execute!(io::stdout(), DisableMouseCapture);
    let _ = ratatui::try_restore();
}
