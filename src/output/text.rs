//! The readable sink: one line per event, like tshark's summary lines.
//!
//! `frame  time  #session  client -> server  dir  description`, where time is seconds since the
//! first event.

use std::io::{self, Write};

use crate::analysis::{Live, LiveHeader, ReportSink, SessionReport};
use crate::common::escape::Escaped;
use crate::common::{Notice, Timestamp};
use crate::output::describe::EventSummary;
use crate::output::filtered::HeldBack;
use crate::output::line::LineOut;
use crate::output::report::ReportText;
use crate::session::event::{Event, EventKind, EventSink};

/// Writes every event as one readable line.
pub struct TextWriter<W: Write> {
    out: LineOut<W>,
    first_time: Option<Timestamp>,
}

impl<W: Write> TextWriter<W> {
    /// A writer to `out`.
    pub fn new(out: LineOut<W>) -> Self {
        TextWriter {
            out,
            first_time: None,
        }
    }

    /// Flushes, returning the first write error, if any.
    pub fn finish(self) -> io::Result<()> {
        self.out.finish()
    }
}

impl<W: Write> HeldBack for TextWriter<W> {
    fn held_back(&mut self, event: &Event<'_>) {
        self.first_time.get_or_insert(event.time);
    }
}

impl<W: Write> EventSink for TextWriter<W> {
    fn event(&mut self, event: &Event<'_>) {
        let first = *self.first_time.get_or_insert(event.time);
        let seconds = event.time.micros_since(first) as f64 / 1e6;
        let dir = match &event.kind {
            EventKind::Message(m) => Some(m.dir),
            EventKind::Gap(g) => Some(g.dir),
            EventKind::Warning(w) => w.dir,
            _ => None,
        };
        let (arrow, dir) = dir.map_or(("--", "   "), |d| (d.arrow(), d.as_str()));
        self.out.line(|out| {
            writeln!(
                out,
                "{:>7} {:>11.6} #{:<3} {} {} {} {} {}",
                event.frame,
                seconds,
                event.session,
                event.endpoints.client,
                arrow,
                event.endpoints.server,
                dir,
                EventSummary(event)
            )
        });
    }

    fn notice(&mut self, notice: &Notice) {
        self.out.line(|out| match notice.frame {
            Some(frame) => writeln!(
                out,
                "warning: frame {frame}: {} ({})",
                Escaped(&notice.message),
                notice.code
            ),
            None => writeln!(
                out,
                "warning: {} ({})",
                Escaped(&notice.message),
                notice.code
            ),
        });
    }
}

impl<W: Write> ReportSink for TextWriter<W> {
    fn report(&mut self, ended: &Event<'_>, report: &SessionReport) {
        let text = ReportText {
            session: ended.session,
            endpoints: &ended.endpoints,
            report,
        };
        self.out.line(|out| writeln!(out, "{text}"));
    }

    fn live(&mut self, header: &LiveHeader, line: Live<'_>) {
        let session = header.session;
        let time = header.time;
        self.out.line(|out| match line {
            Live::Stats(s) => writeln!(
                out,
                "{time} #{session} stats msid {}: video {:.0} kbit/s, audio {:.0} kbit/s, \
                 {:.1} fps, {} keyframes, realtime {:.2}, lag {:.1} s, {} retransmissions",
                s.msid,
                s.video_kbps,
                s.audio_kbps,
                s.fps,
                s.keyframes,
                s.realtime_ratio,
                s.lag_s,
                s.retransmissions
            ),
            Live::Finding(f) => writeln!(
                out,
                "{time} #{session} {} {} ({}): {}",
                f.finding.severity, f.finding.code, f.state, f.finding.message
            ),
        });
    }
}
