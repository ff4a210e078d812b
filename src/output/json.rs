//! The NDJSON sink: one JSON object a line, as events happen.

use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::{Live, LiveHeader, ReportSink, SessionReport};
use crate::common::Notice;
use crate::output::filtered::HeldBack;
use crate::output::line::LineOut;
use crate::session::event::{Event, EventSink, Flat};

/// Writes every event as one JSON line.
pub struct JsonWriter<W: Write> {
    out: LineOut<W>,
}

impl<W: Write> JsonWriter<W> {
    /// A writer to `out`.
    pub fn new(out: LineOut<W>) -> Self {
        JsonWriter { out }
    }

    fn write_line(&mut self, value: &impl Serialize) {
        self.out.line(|out| {
            serde_json::to_writer(&mut *out, value)?;
            out.write_all(b"\n")
        });
    }

    /// Flushes, returning the first write error, if any.
    pub fn finish(self) -> io::Result<()> {
        self.out.finish()
    }
}

impl<W: Write> HeldBack for JsonWriter<W> {}

impl<W: Write> EventSink for JsonWriter<W> {
    fn event(&mut self, event: &Event<'_>) {
        self.write_line(event);
    }

    fn notice(&mut self, notice: &Notice) {
        self.write_line(&notice.as_event());
    }
}

impl<W: Write> ReportSink for JsonWriter<W> {
    fn report(&mut self, ended: &Event<'_>, report: &SessionReport) {
        self.write_line(&ended.with_body("session_summary", report));
    }

    fn live(&mut self, header: &LiveHeader, line: Live<'_>) {
        let at = (header.frame, header.time);
        let (session, ends, variant) = (header.session, header.endpoints, header.variant);
        match line {
            Live::Stats(stats) => {
                self.write_line(&Flat::new(line.name(), at, session, ends, variant, stats))
            }
            Live::Finding(finding) => {
                self.write_line(&Flat::new(line.name(), at, session, ends, variant, finding))
            }
        }
    }
}
