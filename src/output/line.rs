//! A line-oriented output shared by the JSON and text sinks.
//!
//! Write errors (a closed pipe, a full disk) are remembered, later lines are dropped, and the
//! stop flag is raised so the pipeline ends early; [`LineOut::finish`] returns the error.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// An output stream written a line at a time.
pub struct LineOut<W: Write> {
    out: W,
    /// Flush after every line (live capture, so `rtmpscope -i lo --json | jq` streams).
    line_buffered: bool,
    error: Option<io::Error>,
    stop: Arc<AtomicBool>,
}

impl<W: Write> LineOut<W> {
    /// Lines go to `out`; `stop` is raised if writing fails.
    pub fn new(out: W, line_buffered: bool, stop: Arc<AtomicBool>) -> Self {
        LineOut {
            out,
            line_buffered,
            error: None,
            stop,
        }
    }

    /// Writes one line with `write` (which must end it with a newline), unless an earlier
    /// write failed.
    pub fn line(&mut self, write: impl FnOnce(&mut W) -> io::Result<()>) {
        if self.error.is_some() {
            return;
        }
        let mut result = write(&mut self.out);
        if result.is_ok() && self.line_buffered {
            result = self.out.flush();
        }
        if let Err(error) = result {
            self.error = Some(error);
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    /// Flushes, returning the first write error, if any.
    pub fn finish(mut self) -> io::Result<()> {
        match self.error.take() {
            Some(error) => Err(error),
            None => self.out.flush(),
        }
    }
}
